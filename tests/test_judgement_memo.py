"""Verdicts a suite remembers: the same outcome gets the same results, a different one never borrows them."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from grader import registry
from grader.grading import Suite, results_from_report
from grader.judgement_memo import JudgementMemo, outcome_digest
from grader.notebooks import SourceMap
from grader.references import misconception_variants, solution_namespace
from grader.runs import RunReport
from grader.sandbox.execute import execute
from grader.sandbox import messages
from grader.sandbox.messages import Outcome
from grader.sandbox.protocol import GeneratorSeed, Unsupported

# the checks of these problems read values, gradients, module parameters, call statistics and memory
PROBLEMS = ["scaled_dot_product_attention", "multi_head_attention", "text_generation",
            "positional_encoding", "kv_cache", "beam_search"]


def _run(suite: Suite, namespace: dict) -> RunReport:
    return RunReport(outcomes=[execute(namespace, invocation, filename="submission.py")
                               for invocation in suite.invocations])


def _judged(suite: Suite, report: RunReport, **options) -> dict:
    results = results_from_report(problem=suite.problem, suite=suite, report=dataclasses.replace(report),
                                  seed=suite.seed, source_sha256="0" * 64, **options)
    results.pop("execution_time")
    return results


@pytest.mark.parametrize("problem_id", PROBLEMS)
def test_a_class_judged_with_the_memo_gets_what_each_run_gets_alone(problem_id):
    """The reference and every misconception, judged one after another on one suite (then all
    again, from the memo), get exactly the results each gets from a suite of its own."""
    problem = registry.get(problem_id)
    shared = Suite(problem, remember=True).prepare(misconceptions=True)
    namespaces = [solution_namespace(problem)] + [namespace for variants in misconception_variants(problem_id).values()
                                                  for namespace in variants]
    reports = [_run(shared, namespace) for namespace in namespaces]
    alone = [_judged(Suite(problem), report) for report in reports]
    for _ in range(2):
        assert [_judged(shared, report) for report in reports] == alone
    assert shared.memo.hits >= sum(len(report.outcomes) for report in reports)
    distinct_results = {repr(results["tests"]) for results in alone}
    assert len(distinct_results) > 1  # the runs differ, so a verdict borrowed across them would show


def _outcome(**fields) -> Outcome:
    base = dict(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0]]), 4), grads={"0": torch.ones(2)},
                param_grads=None, mutated=(), error=None, stats={"calls": 3, "lengths": [1, 2, 3]},
                seconds=0.01, peak_memory_bytes=None)
    base.update(fields)
    return Outcome(**base)


def _nan_with_payload(payload: int) -> torch.Tensor:
    return torch.tensor([0x7FC00000 | payload], dtype=torch.int32).view(torch.float32)


@pytest.mark.parametrize("change", [
    dict(value=(torch.tensor([[1.0, 0.0], [2.0, 3.0]]), 4)),  # -0.0 and 0.0 differ in their bits
    dict(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0]]).double(), 4)),
    dict(value=(torch.tensor([[1.0, -0.0, 2.0, 3.0]]), 4)),  # the same bytes in another shape
    dict(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0000002]]), 4)),  # one bit of one entry
    dict(value=[torch.tensor([[1.0, -0.0], [2.0, 3.0]]), 4]),  # a list, not a tuple
    dict(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0]]), 4.0)),
    dict(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0]]), True)),
    dict(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0]]), Unsupported("int"))),
    dict(grads={"1": torch.ones(2)}),
    dict(grads={"0": torch.ones(2)}, param_grads={"w": torch.ones(1)}),
    dict(mutated=("0",)),
    dict(error=messages.TestException("ValueError", "bad shape", (3,))),
    dict(stats={"calls": 3, "lengths": [1, 2, 4]}),
    dict(peak_memory_bytes=1 << 20),
])
def test_any_difference_a_check_can_see_changes_the_digest(change):
    assert outcome_digest(_outcome(**change)) != outcome_digest(_outcome())


def test_what_no_check_reads_leaves_the_digest_alone():
    assert outcome_digest(_outcome(seconds=9.5)) == outcome_digest(_outcome())
    copy = _outcome(value=(torch.tensor([[1.0, -0.0], [2.0, 3.0]]).t().contiguous().t(), 4))
    assert outcome_digest(copy) == outcome_digest(_outcome())  # the same values in other memory


def test_errors_and_nan_payloads_are_told_apart():
    first = _outcome(error=messages.TestException("ValueError", "x" * 5000 + "a", (1, 2)))
    assert outcome_digest(first) != outcome_digest(_outcome(error=messages.TestException("ValueError", "x" * 5000 + "b", (1, 2))))
    assert outcome_digest(first) != outcome_digest(_outcome(error=messages.TestException("ValueError", "x" * 5000 + "a", (1, 3))))
    derived = messages.TestException("ValueError", "x" * 5000 + "a", (1, 2), bases=("Exception",))
    assert outcome_digest(first) != outcome_digest(_outcome(error=derived))  # what it derives from counts too
    assert outcome_digest(_outcome(value=_nan_with_payload(1))) != outcome_digest(_outcome(value=_nan_with_payload(2)))


def test_an_outcome_that_is_not_plain_data_is_judged_afresh():
    assert outcome_digest(_outcome(value=object())) is None
    assert outcome_digest(_outcome(value={"model": torch.nn.Linear(2, 2)})) is None
    assert outcome_digest(_outcome(value=torch.eye(2).to_sparse())) is None  # no plain bytes to hash
    assert outcome_digest(_outcome(value=GeneratorSeed(3))) != outcome_digest(_outcome(value=GeneratorSeed(4)))
    assert outcome_digest(_outcome(value=torch.float32)) != outcome_digest(_outcome(value=torch.float64))
    memo, calls = JudgementMemo(), []
    for _ in range(2):
        memo.recall("verdict", 0, None, lambda: calls.append(1))
    assert len(calls) == 2 and memo.hits == 0


def test_each_test_keeps_a_bounded_number_of_outcomes():
    memo, calls = JudgementMemo(max_per_test=2), []
    for _ in range(2):
        for digest in (b"a", b"b", b"c"):
            memo.recall("verdict", 0, digest, lambda: calls.append(digest) or len(calls))
    assert calls == [b"a", b"b", b"c", b"c"]  # the first two are kept; the third is worked out each time
    assert memo.recall("verdict", 1, b"a", lambda: "another test") == "another test"


def test_a_notebook_run_is_not_remembered():
    """Its messages name the notebook's cells: another notebook's same outcome must not reuse them."""
    problem = registry.get("scaled_dot_product_attention")
    suite = Suite(problem, remember=True).prepare(misconceptions=True)
    report = _run(suite, misconception_variants(problem.id)["sdpa.no_scale"][0])
    source_map = SourceMap.from_origins([(2, 1), (2, 2), (5, 1)])
    _judged(suite, report, source_map=source_map)
    _judged(suite, report, source_map=source_map)
    assert suite.memo.hits == 0 and suite.memo.misses == 0


def test_a_test_that_raised_is_judged_afresh():
    """Its message quotes the learner's exception: nothing of it is kept."""
    problem = registry.get("scaled_dot_product_attention")
    suite = Suite(problem, remember=True).prepare(misconceptions=True)
    report = _run(suite, solution_namespace(problem))
    report.outcomes[0] = Outcome(error=messages.TestException("RuntimeError", "boom " * 300, (3,)))
    first = _judged(suite, report)
    assert suite.memo.hits == 0
    assert _judged(suite, report) == first
    assert suite.memo.hits == len(report.outcomes) - 1  # every test but the one that raised
