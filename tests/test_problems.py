"""Every problem's content, graded through its own hidden and public tests.

The reference scores full marks, the stub scores zero with a clear message, and
every misconception reference scores below full marks and is diagnosed as its
own ID and no other.
"""

from __future__ import annotations

import functools

import pytest

from grader import registry
from grader.grading import Suite, grade
from grader.references import misconception_variants, solution_source
from grader.trusted_runner import NamespaceRunner, TrustedRunner

PROBLEMS = [p for p in registry.all_problems()]
IDS = [p.id for p in PROBLEMS]
VARIANT_PARAMS = [
    pytest.param(p, mid, i, id=f"{mid}[{i}]")
    for p in PROBLEMS
    for mid, variants in misconception_variants(p.id).items()
    for i in range(len(variants))
]


@functools.lru_cache(maxsize=None)
def _suite(problem_id: str, public: bool) -> Suite:
    """One suite per problem: the reference's and every variant's outcomes are computed once."""
    return Suite(registry.get(problem_id), public=public)


def _grade(problem, runner, source="", public=False):
    return grade(problem=problem, source=source, filename=f"{problem.id}.py", runner=runner,
                 public=public, suite=_suite(problem.id, public))


def test_misconception_references_cover_the_catalogue_exactly():
    for problem in PROBLEMS:
        assert sorted(misconception_variants(problem.id)) == sorted(problem.misconception_ids), problem.id
        prefixes = {mid.split(".")[0] for mid in problem.misconception_ids}
        assert len(prefixes) <= 1, f"{problem.id}: one ID prefix per problem, not {prefixes}"


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_reference_scores_full_marks(problem):
    for public in (False, True):
        result = _grade(problem, TrustedRunner(), solution_source(problem), public=public)
        failed = [(t["number"], t["output"]) for t in result["tests"] if t["status"] != "passed"]
        assert not failed, failed
        assert result["score"] == result["max_score"] > 0
        assert result["extra_data"]["diagnosis"] == []


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_reference_scores_full_marks_on_another_seed(problem):
    result = grade(problem=problem, source=solution_source(problem), filename="x.py",
                   runner=TrustedRunner(), seed=12345)
    assert result["score"] == result["max_score"]
    assert "seed" not in result["extra_data"] and result["extra_data"]["seed_fingerprint"]


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_stub_scores_zero(problem):
    for public in (False, True):
        result = _grade(problem, TrustedRunner(), problem.stub(), public=public)
        assert result["score"] == 0
        assert all("not implemented" in t["output"] for t in result["tests"])


@pytest.mark.parametrize("problem,mid,index", VARIANT_PARAMS)
def test_misconception_is_diagnosed_as_itself(problem, mid, index):
    namespace = misconception_variants(problem.id)[mid][index]
    result = _grade(problem, NamespaceRunner(namespace))
    assert result["score"] < result["max_score"]
    assert result["extra_data"]["diagnosis"] == [mid]
    flagged = [t for t in result["tests"] if mid in t["extra_data"]["diagnosis"]]
    assert flagged and all(problem.misconception(mid).title in t["output"] for t in flagged)


def test_misconception_snippets_are_ours(problems):
    for problem in problems:
        for item in problem.misconceptions:
            assert item.mistake and item.fix and item.mistake != item.fix, item.id
            assert item.title and item.title_zh and item.explanation and item.explanation_zh


def test_each_symbol_is_named_by_one_problem():
    """The notebook API and the messages that name inputs find a problem by its symbol."""
    symbols = [s for p in registry.all_problems() for s in p.symbols]
    assert len(symbols) == len(set(symbols))
    assert all(registry.problem_defining(s).id == p.id for p in registry.all_problems() for s in p.symbols)


def _shape_of_names(names) -> object:
    return [_shape_of_names(n) for n in names] if isinstance(names, tuple) else None


def _shape_of_value(value) -> object:
    return [_shape_of_value(v) for v in value] if isinstance(value, (tuple, list)) else None


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_returned_names_match_what_the_reference_returns(problem):
    """problem.toml's ``returns`` names every item of what the contract's call returns, nested alike
    (messages name a wrong item by it); a problem returning one tensor names nothing."""
    from grader.hidden import public_cases

    expected = next(case.expected for case in public_cases(problem) if case.expected is not None)
    if isinstance(expected, (tuple, list)):
        assert _shape_of_names(problem.returns) == _shape_of_value(expected)
    else:
        assert problem.returns == ()


def test_flash_attentions_block_size_test_fails_code_that_never_checks_it():
    """range(0, Lk, 0) raises ValueError by itself: the hidden test gives a negative block_size,
    for which a loop without the check runs zero times and raises nothing."""
    import re

    problem = registry.get("flash_attention")
    unchecked, count = re.subn(r"\n    if block_size < 1:\n        raise ValueError\([^\n]*\)\n", "\n",
                               solution_source(problem))
    assert count == 1
    results = _grade(problem, TrustedRunner(), source=unchecked)
    failed = {t["number"] for t in results["tests"] if t["status"] == "failed"}
    assert failed == {"12.18"}


@pytest.mark.parametrize("edit", [
    ("        if causal:\n", "        elif causal:\n"),  # causality dropped whenever a mask is given
    ("        return self.out_proj(heads)", "        return heads"),  # no output projection
], ids=["causal_dropped_with_a_mask", "no_out_proj"])
def test_grouped_query_attentions_public_tests_fail_code_that_drops_a_step(edit):
    """A public test titled "a mask and causal=True together" passed code that ignored causal when a
    mask was given (the mask it used blocked every future key itself), and every public test passed
    code without out_proj (the identity there): `check` said every public test passes."""
    problem = registry.get("grouped_query_attention")
    old, new = edit
    source = solution_source(problem)
    assert source.count(old) == 1
    results = _grade(problem, TrustedRunner(), source=source.replace(old, new), public=True)
    assert {t["number"] for t in results["tests"] if t["status"] == "failed"} == {"P4"}
