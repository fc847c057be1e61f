"""Which catalogued mistakes a submission is told it makes: never one it does not make.

:func:`grader.diagnosis.diagnose` on made-up evidence (which tests each mistake
explains), then on a real mistake outside the catalogue whose outputs two
catalogued mistakes happen to share on one public test.
"""

from __future__ import annotations

import pytest

from grader import registry
from grader import diagnosis
from grader.grading import grade
from grader.references import solution_source
from grader.sandbox.messages import Outcome
from grader.trusted_runner import TrustedRunner


def _diagnosed(explained: dict[str, list[str]], failed: int) -> list[str]:
    """The mistakes named when ``failed`` tests fail and each test number explains only its IDs."""
    evidence = [diagnosis.TestEvidence(str(n), Outcome(), Outcome(), {}) for n in range(failed)]
    return diagnosis.diagnose(evidence, ["a", "b", "c"], explain=lambda e: explained.get(e.number, []))[0]


@pytest.mark.parametrize("explained, failed, named", [
    ({"0": ["a"]}, 4, ["a"]),  # its own test, one of four failures: named
    ({"0": ["a"]}, 5, []),  # one of five: a coincidence
    ({"0": ["a", "b"]}, 4, []),  # one test of four that two mistakes share: it tells nothing
    ({"0": ["a", "b"], "1": ["a", "b"]}, 4, ["a", "b"]),  # half the failures, shared: both named
    ({"0": ["a", "b"], "1": ["a"]}, 4, ["a"]),  # b's tests are a subset of a's
])
def test_a_mistake_is_named_only_on_evidence_no_other_mistake_explains_as_well(explained, failed, named):
    assert _diagnosed(explained, failed) == named


def test_beam_search_stopping_at_the_first_finished_hypothesis_is_not_given_two_other_mistakes():
    """Stopping a row as soon as one hypothesis finishes (instead of num_beams) returns, on one
    public test, what starting from num_beams copies and what comparing raw scores return too:
    neither is named."""
    problem = registry.get("beam_search")
    reference = solution_source(problem)
    early = reference.replace("if len(finished) >= num_beams or", "if len(finished) >= 1 or")
    assert early != reference
    results = grade(problem=problem, source=early, filename="beam_search.py", runner=TrustedRunner(), public=True)
    assert results["score"] < results["max_score"]
    assert results["extra_data"]["diagnosis"] == []
    assert not any("known mistake" in t["output"] for t in results["tests"])


def _public_results(problem_id: str, old: str, new: str) -> dict:
    """The public tests' results of the reference solution with ``old`` replaced by ``new``."""
    problem = registry.get(problem_id)
    reference = solution_source(problem)
    assert old in reference
    return grade(problem=problem, source=reference.replace(old, new), filename=f"{problem_id}.py",
                 runner=TrustedRunner(), public=True)


@pytest.mark.parametrize("problem_id, old, new, mistake, title", [
    ("self_attention", ".tril()  # j <= i", ".tril(diagonal=-1)  # j < i", "self_attention.causal_excludes_self",
     "Causal mask hides the token itself"),
    ("shared_qk_attention", "allowed = torch.where(has_other, others, itself)", "allowed = others",
     "shared_qk.no_fallback", "No fallback when only the token itself is allowed"),
])
def test_the_public_tests_name_a_mistake_whose_wrong_output_is_nan(problem_id, old, new, mistake, title):
    """A row with every key blocked gives nan, as the mistake's own variant does: the same evidence
    the hidden tests name it on (a nan is not "close" to the expected values, but it is the variant's)."""
    results = _public_results(problem_id, old, new)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all("nan or inf" in t["output"] for t in failed)
    assert results["extra_data"]["diagnosis"] == [mistake]
    assert f"Likely mistake — {title}" in results["output"]
