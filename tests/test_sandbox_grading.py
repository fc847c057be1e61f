"""Every problem through the real sandbox: references score full marks, stubs zero.

The in-process proofs (tests/test_problems.py) cannot catch what only the wire
can break (values the protocol cannot carry, modules the child cannot import);
this grades the same code exactly as a candidate's would be graded.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from grader import registry
from grader.cases import call
from grader.grading import Limits, Suite, grade
from grader.pool import SandboxPool
from grader.references import solution_source
from tests.sandboxing import sandbox_processes

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]
PROBLEMS = registry.all_problems()


@pytest.mark.parametrize("problem", PROBLEMS, ids=[p.id for p in PROBLEMS])
@pytest.mark.parametrize("public", [False, True], ids=["hidden", "public"])
def test_reference_and_stub_through_the_sandbox(pool, problem, public):
    suite = Suite(problem, public=public)
    reference = grade(problem=problem, source=solution_source(problem), filename=f"{problem.id}.py",
                      runner=pool, suite=suite, public=public, figure=not public)
    failed = [(t["number"], t["output"]) for t in reference["tests"] if t["status"] != "passed"]
    assert not failed
    assert reference["extra_data"]["error"] is None
    if not public:
        figure = reference["extra_data"]["figure"]
        assert figure["candidate"] == figure["reference"] is not None
    stub = grade(problem=problem, source=problem.stub(), filename=f"{problem.id}.py", runner=pool,
                 suite=suite, public=public)
    assert stub["score"] == 0
    assert all("not implemented" in t["output"] for t in stub["tests"])


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def test_hundreds_of_runs_never_crash_hang_or_leak():
    problem = registry.get("scaled_dot_product_attention")
    suite = Suite(problem)
    invocations = suite.invocations[:2]
    fds_before = _open_fds()
    own_pool = SandboxPool(2)

    def one(_):
        report = own_pool.run(source=solution_source(problem), filename="s.py",
                              symbols=list(problem.symbols), forbidden=[], invocations=invocations,
                              limits=Limits())
        return report.error, report.test_errors, [o is not None for o in report.outcomes]

    with ThreadPoolExecutor(2) as executor:
        results = list(executor.map(one, range(300)))
    own_pool.close()
    assert all(error is None and not test_errors and all(ok) for error, test_errors, ok in results)
    assert _open_fds() <= fds_before
    assert not sandbox_processes()


def test_results_many_times_a_pipe_arrive_whole_beside_what_was_printed(pool):
    """A 5 MiB result crosses the result pipe (1 MiB) in pieces, between two small ones, and
    every value is exact; what the child printed before each result is kept in order."""
    source = ("import torch\n"
              "def f(n):\n"
              "    print('making', n)\n"
              "    return torch.arange(n, dtype=torch.float64).reshape(-1, 8) * 0.5\n")
    sizes = (8, 700_000, 16)
    report = pool.run(source=source, filename="big.py", symbols=["f"], forbidden=[],
                      invocations=[call("f", n) for n in sizes], limits=Limits())
    assert report.error is None and not report.test_errors
    for n, outcome in zip(sizes, report.outcomes):
        assert torch.equal(outcome.value, torch.arange(n, dtype=torch.float64).reshape(-1, 8) * 0.5)
    assert report.output.splitlines() == [f"making {n}" for n in sizes]


def test_a_correct_file_with_a_table_of_150000_numbers_earns_full_marks(pool):
    """The source reaches the child as one string: the commas of a table it holds (or of its
    comments) are not values of the message, which caps those at 100,000."""
    problem = registry.get("scaled_dot_product_attention")
    source = solution_source(problem) + "\nTABLE = [" + ",".join(map(str, range(150_000))) + "]\n"
    assert len(source.encode()) < 1 << 20
    results = grade(problem=problem, source=source, filename=f"{problem.id}.py", runner=pool)
    assert results["score"] == results["max_score"], results["output"]


def _reference_with(problem_id: str, old: str, new: str) -> tuple:
    problem = registry.get(problem_id)
    reference = solution_source(problem)
    assert old in reference
    return problem, reference.replace(old, new)


def test_an_exception_of_a_subclass_or_a_chinese_name_counts_as_its_builtin_base(pool):
    """`except ValueError` catches a subclass: a test that requires ValueError accepts
    `class 维度错误(ValueError)`, and a class name in any script Python allows is reported, not
    refused as a malformed result."""
    problem, source = _reference_with("positional_encoding", "import torch\n",
                                      "import torch\n\n\nclass 维度错误(ValueError):\n    pass\n")
    source = source.replace("raise ValueError(", "raise 维度错误(")
    results = grade(problem=problem, source=source, filename="positional_encoding.py", runner=pool)
    assert results["score"] == results["max_score"], [t["output"] for t in results["tests"] if t["status"] != "passed"]
    assert results["extra_data"]["error"] is None


def test_a_base_exception_of_the_submission_is_its_own_feedback_not_a_crash(pool):
    """A `BaseException` subclass (an early exit some people write), `KeyboardInterrupt` or
    `GeneratorExit` raised by the code is that test's feedback, with its line, never "the sandboxed
    process failed"; the other tests are graded, and at import it is an import error."""
    early_exit = "    d_k = q.shape[-1]\n    if q.dim() == 2:\n        raise StopSearch('early exit')\n"
    problem, source = _reference_with("scaled_dot_product_attention", "    d_k = q.shape[-1]\n", early_exit)
    source = "class StopSearch(BaseException):\n    pass\n\n\n" + source
    results = grade(problem=problem, source=source, filename="scaled_dot_product_attention.py", runner=pool)
    assert results["extra_data"]["error"] is None
    raised = [t for t in results["tests"] if "StopSearch" in t["output"]]
    assert raised and all("line " in t["output"] and t["status"] == "failed" for t in raised)
    assert any(t["status"] == "passed" for t in results["tests"])
    for thrown in ("KeyboardInterrupt", "GeneratorExit"):
        source = solution_source(problem).replace("    d_k = q.shape[-1]\n", f"    raise {thrown}()\n")
        results = grade(problem=problem, source=source, filename="scaled_dot_product_attention.py", runner=pool)
        assert results["extra_data"]["error"] is None and results["score"] == 0
        assert all(thrown in t["output"] for t in results["tests"])
    at_import = solution_source(problem) + "\nraise KeyboardInterrupt\n"
    results = grade(problem=problem, source=at_import, filename="scaled_dot_product_attention.py", runner=pool)
    assert results["extra_data"]["error"]["kind"] == "import_error"
    assert "KeyboardInterrupt" in results["extra_data"]["error"]["message"]


def test_an_item_that_cannot_be_sent_is_named_alone(pool):
    """A float8 or meta tensor among the returned items: that item is named, the others compared."""
    problem, float8 = _reference_with("scaled_dot_product_attention", "return output, weights",
                                      "return output, weights.to(torch.float8_e4m3fn)")
    results = grade(problem=problem, source=float8, filename="scaled_dot_product_attention.py", runner=pool)
    told = [t["output"] for t in results["tests"] if t["status"] == "failed"]
    assert told and all("weights (output[1]): expected a tensor, got a float8_e4m3fn tensor, which cannot be graded" in o
                        for o in told), told
    numpy = float8.replace("weights.to(torch.float8_e4m3fn)", "weights.detach().numpy()")
    results = grade(problem=problem, source=numpy, filename="scaled_dot_product_attention.py", runner=pool)
    assert any(t["output"].startswith("weights (output[1]): expected a tensor, got a ndarray, which cannot be graded; "
                                      "return a torch tensor (torch.from_numpy(a)") for t in results["tests"])
    meta = float8.replace("weights.to(torch.float8_e4m3fn)", "weights.to('meta')")
    results = grade(problem=problem, source=meta, filename="scaled_dot_product_attention.py", runner=pool)
    assert any(t["output"].startswith("weights (output[1]): expected a tensor, got a meta tensor, which cannot be graded")
               for t in results["tests"])  # the tests of gradients raise: autograd meets the meta device


def test_a_module_the_sandbox_lacks_is_told_with_what_it_holds(pool):
    """matplotlib at import, einops inside the function (the README says what the sandbox holds; the
    learner reads the message): the message says so, and no hint about the math follows it."""
    problem = registry.get("scaled_dot_product_attention")
    reference = solution_source(problem)
    results = grade(problem=problem, source="import matplotlib.pyplot as plt\n" + reference,
                    filename="scaled_dot_product_attention.py", runner=pool)
    error = results["extra_data"]["error"]
    assert error["kind"] == "import_error" and "standard library, torch and numpy only" in error["message"]
    inside = reference.replace("    d_k = q.shape[-1]\n", "    import einops\n    d_k = q.shape[-1]\n")
    results = grade(problem=problem, source=inside, filename="scaled_dot_product_attention.py", runner=pool)
    assert all("No module named 'einops'" in t["output"] and "torch and numpy only" in t["output"]
               and "Hint:" not in t["output"] for t in results["tests"])
