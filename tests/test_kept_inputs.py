"""Suites' inputs kept by the zygotes: sent once, inherited by every child, never spoiled by one.

A suite that several submissions run has its decoded invocations kept in each
zygote (:class:`grader.pool.ZygoteProcess.keep`), and its children find them in
the memory they inherit instead of reading them from their pipe. These tests
grade through the real sandbox and check that results are those of the pipe,
that a child which overwrites what it inherited changes only its own copy, and
that the zygotes' store stays bounded.
"""

from __future__ import annotations

import re

import pytest

from grader import pool as pool_module
from grader import registry
from grader.grading import Suite, grade
from grader.pool import SandboxPool
from grader.references import solution_source
from tests.sandboxing import FAST_LIMITS, attack_source, outputs

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SDPA = registry.get("scaled_dot_product_attention")
OTHERS = [registry.get(name) for name in ("self_attention", "positional_encoding")]


@pytest.fixture(scope="module")
def one_slot():
    """One zygote, so that every submission's child comes from the same one."""
    with SandboxPool(1) as pool:
        yield pool


def _grade(pool, problem, suite, source=None):
    return grade(problem=problem, source=solution_source(problem) if source is None else source,
                 filename=f"{problem.id}.py", runner=pool, suite=suite, limits=FAST_LIMITS)


def _full_marks(results) -> bool:
    return results["score"] == results["max_score"] and results["extra_data"]["error"] is None


def _kept(pool) -> list[str]:
    (zygote,) = pool._all
    return list(zygote.kept)


def test_a_suite_run_again_is_kept_by_the_zygote_and_grades_as_through_the_pipe(one_slot):
    suite = Suite(SDPA)
    first = _grade(one_slot, SDPA, suite)  # its first use: through the child's pipe
    again = [_grade(one_slot, SDPA, suite) for _ in range(3)]
    assert _kept(one_slot), "the suite's second use should have the zygote keep its inputs"
    assert _full_marks(first) and all(_full_marks(r) for r in again)
    assert [[t["status"] for t in r["tests"]] for r in again] == [[t["status"] for t in first["tests"]]] * 3
    stub = _grade(one_slot, SDPA, suite, SDPA.stub())  # wrong code still fails every test
    assert stub["score"] == 0


def test_a_child_that_overwrites_every_tensor_it_inherited_spoils_only_its_own_copy(one_slot):
    suite = Suite(SDPA)
    others = [(problem, Suite(problem)) for problem in OTHERS]
    for problem, other in [(SDPA, suite), *others] * 2:  # every suite kept by the zygote
        assert _full_marks(_grade(one_slot, problem, other))
    assert len(_kept(one_slot)) >= 3
    spoiler = _grade(one_slot, SDPA, suite, attack_source("spoil_kept_inputs"))
    counts = [int(n) for n in re.findall(r"SPOILED=(\d+)", spoiler["extra_data"]["output"] + outputs(spoiler))]
    assert counts and max(counts) > len(suite.invocations), "the attack should reach the kept inputs"
    assert spoiler["score"] == 0
    for problem, other in [(SDPA, suite), *others]:  # the next children inherit them untouched
        results = _grade(one_slot, problem, other)
        assert _full_marks(results), outputs(results)


def test_the_zygote_keeps_a_bounded_number_of_suites_and_grades_right_after_forgetting(monkeypatch):
    monkeypatch.setattr(pool_module, "MAX_KEPT_SETS", 2)
    suites = [(SDPA, Suite(SDPA)), *((problem, Suite(problem)) for problem in OTHERS)]
    seen = []
    with SandboxPool(1) as own:
        for round_ in range(4):
            for problem, suite in suites:
                results = _grade(own, problem, suite)
                assert _full_marks(results), (round_, problem.id, outputs(results))
                assert len(_kept(own)) <= 2
                seen.append(tuple(_kept(own)))
    assert len(set(seen)) > 3, "every suite should have been kept in turn"


def test_where_no_memory_file_can_be_made_the_inputs_go_through_the_pipe(one_slot, monkeypatch):
    def refuse(encoded):
        raise OSError("memfd_create refused")

    monkeypatch.setattr(pool_module, "kept_invocations_file", refuse)
    problem = OTHERS[0]
    suite = Suite(problem)
    before = set(_kept(one_slot))
    for _ in range(3):
        assert _full_marks(_grade(one_slot, problem, suite))
    assert set(_kept(one_slot)) <= before
