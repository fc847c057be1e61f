"""What a child inherits from its zygote: never the hidden inputs of another problem of the class.

platform.md: only the inputs of a test enter the child that runs it. A zygote
serves every problem of a class in turn, so whatever of one problem it held
would be in the memory of every child it forks afterwards, whatever problem
that child grades. These tests grade several problems through one real
zygote, then a submission that searches its own memory for test invocations.
"""

from __future__ import annotations

import re

import pytest

from grader import registry
from grader.grading import Suite, grade
from grader.pool import SandboxPool
from grader.references import solution_source
from tests.sandboxing import FAST_LIMITS, attack_source, outputs

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SDPA = registry.get("scaled_dot_product_attention")
OTHERS = [registry.get(name) for name in ("self_attention", "positional_encoding", "text_generation")]


def _grade(pool, problem, suite, source=None):
    return grade(problem=problem, source=solution_source(problem) if source is None else source,
                 filename=f"{problem.id}.py", runner=pool, suite=suite, limits=FAST_LIMITS)


def _full_marks(results) -> bool:
    return results["score"] == results["max_score"] and results["extra_data"]["error"] is None


def test_a_child_finds_no_other_problems_hidden_inputs_in_its_memory():
    suite = Suite(SDPA)
    with SandboxPool(1) as one_slot:  # one zygote: every child below is forked by the same one
        for problem, other in [(p, Suite(p)) for p in OTHERS] * 2 + [(SDPA, suite)] * 2:  # each suite run again
            assert _full_marks(_grade(one_slot, problem, other)), problem.id
        spy = _grade(one_slot, SDPA, suite, attack_source("find_inherited_inputs"))
    printed = spy["extra_data"]["output"] + outputs(spy)
    seen = {symbol for line in re.findall(r"SYMBOLS=([\w,]*)", printed) for symbol in line.split(",") if symbol}
    assert seen, "the search should at least find the child's own tests: " + printed[:500]
    others = {symbol for problem in OTHERS for symbol in problem.symbols} - set(SDPA.symbols)
    assert not seen & others, f"a child of {SDPA.id} held other problems' inputs: {sorted(seen & others)}"
    assert _full_marks(spy), outputs(spy)
