"""The memory tests of problems 12 and 13, measured through the real sandbox.

A streaming reference stays below half the 64 MiB bound, run after run, so the
verdict cannot flip on a shared machine (the figure itself moves by up to
~10 MiB between runs: the allocator does not always reuse the same blocks),
and an implementation with the right values that builds the full (Lq, Lk)
score matrix is over the bound, however it tries to hide it: memory held
beforehand and freed in the call, the answers computed before the meter runs,
or the test run without announcing it.
"""

from __future__ import annotations

import hashlib

import pytest
import torch

from grader import registry
from grader.grading import Suite, case_generator, grade
from grader.hidden import hidden_cases
from grader.seedkey import DEFAULT_SEED
from grader.pool import SandboxPool
from grader.references import solution_source
from grader.sandbox.messages import MIB, Limits
from tests.sandboxing import attack_source

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
RUNS = 3
MATERIALISES = {
    "flash_attention": (
        "import math, torch\n"
        "def flash_attention(q, k, v, causal=False, block_size=64):\n"
        "    s = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])\n"
        "    if causal:\n"
        "        s = s.masked_fill(torch.ones(s.shape[-2:], dtype=torch.bool).triu(1), float('-inf'))\n"
        "    return torch.softmax(s, dim=-1) @ v\n"),
}


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(1) as pool:
        yield pool


def _memory_peaks(pool, problem, source: str) -> list[int | None]:
    suite = Suite(problem)
    invocations = [inv for inv in suite.invocations if inv.measure_memory]
    assert invocations, f"{problem.id} has no memory test"
    report = pool.run(source=source, filename=f"{problem.id}.py", symbols=list(problem.symbols),
                      forbidden=list(problem.forbidden), invocations=invocations, limits=Limits())
    assert report.error is None
    return [o.peak_memory_bytes for o in report.outcomes]


@pytest.mark.parametrize("problem_id", ["flash_attention", "sliding_window_attention"])
def test_the_reference_stays_under_half_the_bound_run_after_run(pool, problem_id):
    problem = registry.get(problem_id)
    runs = [_memory_peaks(pool, problem, solution_source(problem)) for _ in range(RUNS)]
    for test in zip(*runs):
        assert all(peak is not None for peak in test), "this machine should measure memory"
        assert max(test) < 32 * MIB, [f"{p / MIB:.1f} MiB" for p in test]


PER_QUERY = (  # streaming, one small tensor kept per query: the heap grows by thousands of blocks
    "import math, torch\n"
    "def sliding_window_attention(q, k, v, window, causal=True):\n"
    "    L, D = q.shape[-2:]\n"
    "    rows = []\n"
    "    for i in range(L):\n"
    "        lo, hi = max(0, i - window + 1), (i + 1 if causal else min(L, i + window))\n"
    "        s = k[..., lo:hi, :] @ q[..., i, :] / math.sqrt(D)\n"
    "        rows.append(torch.softmax(s, -1) @ v[..., lo:hi, :])\n"
    "    return torch.stack(rows, dim=-2)\n")


def test_a_memory_test_counts_the_same_whichever_runs_first(pool):
    """The second memory test does not reuse the heap the first one grew and freed: a loop that
    keeps one small tensor per query measured 77 MiB first and 9 MiB second before."""
    peaks = _memory_peaks(pool, registry.get("sliding_window_attention"), PER_QUERY)
    assert all(peak is not None for peak in peaks), "this machine should measure memory"
    assert max(peaks) - min(peaks) < 12 * MIB, [f"{p / MIB:.1f} MiB" for p in peaks]


def test_the_full_score_matrix_is_over_the_bound(pool):
    problem = registry.get("flash_attention")
    peaks = _memory_peaks(pool, problem, MATERIALISES["flash_attention"])
    assert all(peak is not None and peak > 64 * MIB for peak in peaks), peaks


def _memory_tests(pool, attack: str) -> tuple[dict, list[dict]]:
    problem = registry.get("flash_attention")
    results = grade(problem=problem, source=attack_source(attack), filename="flash_attention.py", runner=pool,
                    suite=Suite(problem).prepare(), limits=Limits())
    memory = [test for test in results["tests"] if test["name"].startswith("memory:")]
    assert len(memory) == 2, [test["name"] for test in results["tests"]]
    return results, memory


def test_memory_held_beforehand_and_freed_in_the_call_counts(pool):
    _, memory = _memory_tests(pool, "memory_ballast")
    for test in memory:
        assert test["status"] == "failed" and "beyond its inputs (bound: 64 MiB)" in test["output"], test


def test_a_memory_tests_inputs_arrive_only_once_its_meter_runs(pool):
    results, memory = _memory_tests(pool, "memory_prefetch")
    assert "memory-test inputs in sight at import: 0" in results["extra_data"]["output"]
    for test in memory:
        assert test["status"] == "failed" and "beyond its inputs (bound: 64 MiB)" in test["output"], test


def test_a_memory_tests_inputs_cannot_be_made_again_from_the_seed(pool):
    """The attack draws the inputs a memory test would have from the public seed, exactly as
    the grader draws every other test's (the digests below prove it), and answers them at
    import: the memory tests' own inputs come from elsewhere, so its answers are of no use."""
    problem = registry.get("flash_attention")
    results, memory = _memory_tests(pool, "memory_regenerate")
    for case in (c for c in hidden_cases(problem.id) if c.number in ("12.19", "12.20")):
        q = case.make(case_generator(DEFAULT_SEED, problem.id, case.number)).args[0]
        made = hashlib.sha256(q.numpy().tobytes()).hexdigest()[:16]
        assert f"inputs made for {case.number}: {made}" in results["extra_data"]["output"]
    for test in memory:
        assert test["status"] == "failed" and "beyond its inputs (bound: 64 MiB)" in test["output"], test


def test_a_memory_test_run_without_announcing_it_fails(pool):
    _, memory = _memory_tests(pool, "memory_unannounced")
    for test in memory:
        assert test["status"] == "failed" and "without the test announcing its start" in test["output"], test


@pytest.mark.parametrize("peak_mib, named", [(77, False), (255, False), (256, True), (1024, True)])
def test_only_a_peak_the_size_of_an_lq_by_lk_mask_is_named_as_building_one(peak_mib, named):
    """A streaming solution that overshoots the bound is told its figure, not that it builds the
    (L, L) score matrix: the mistake is named from the size of such a tensor as booleans on."""
    from grader.checks import CheckContext
    from grader.hidden.sliding_window_attention import MEMORY_CHECK
    from grader.sandbox.messages import Outcome

    problem = registry.get("sliding_window_attention")
    invocation = next(inv for inv in Suite(problem).invocations if inv.measure_memory)  # L = 16384
    expected = Outcome(value=torch.zeros(1))
    verdict = MEMORY_CHECK(CheckContext(invocation, Outcome(value=torch.zeros(1), peak_memory_bytes=peak_mib * MIB),
                                        expected))
    assert not verdict.passed and f"{peak_mib} MiB beyond its inputs" in verdict.message.en
    assert ("swa.materialises_scores" in verdict.suggests) == named


def test_values_wrong_within_the_memory_bound_say_both(pool):
    """A streaming solution with a wrong value (a window off by one) fails the memory test for its
    values: the message says the memory was within the bound, so the mistake is not read as memory's."""
    problem = registry.get("sliding_window_attention")
    reference = solution_source(problem)
    results = grade(problem=problem, source=reference.replace("(j > i - window)", "(j >= i - window)", 1),
                    filename="sliding_window_attention.py", runner=pool)
    failed = [t for t in results["tests"] if "memory" in t["tags"] and t["status"] == "failed"]  # the causal one
    assert failed and all(t["output"].startswith("memory within the bound (peak memory of the call: ") for t in failed)
