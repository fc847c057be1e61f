"""A command starts its sandbox before it imports torch, and the pool takes that sandbox.

``check`` answers sooner because the zygote's start-up (its own torch import)
runs beside the command's; these tests pin the mechanism, not the timing
(``bench/check.py`` measures that). A pool for a class also loads, while its
zygotes start, what the trusted side's first reference gradient would import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from grader import registry, zygote_launch
from grader.grading import Suite, grade
from grader.pool import SandboxPool
from grader.references import solution_source
from tests.sandboxing import FAST_LIMITS

pytestmark = [pytest.mark.sandbox]


def test_the_command_line_starts_without_torch():
    code = "import sys, grader.cli; sys.exit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_a_pool_takes_the_prestarted_zygote_and_grades_with_it():
    zygote_launch.prestart(quick_start=True)
    prestarted = zygote_launch._prestarted[-1]
    problem = registry.get("scaled_dot_product_attention")
    with SandboxPool(1, quick_start=True) as pool:
        assert pool._all[0].proc is prestarted.proc
        assert not zygote_launch._prestarted
        results = grade(problem=problem, source=solution_source(problem), filename=f"{problem.id}.py",
                        runner=pool, suite=Suite(problem, public=True), public=True, limits=FAST_LIMITS)
    assert results["score"] == results["max_score"] > 0


def test_a_prestarted_zygote_of_other_arguments_is_left_and_ends_unused():
    zygote_launch.prestart(quick_start=True)
    prestarted = zygote_launch._prestarted[-1]
    with SandboxPool(1, quick_start=False) as pool:
        assert pool._all[0].proc is not prestarted.proc
    zygote_launch._abandon_unused()  # what happens when the command exits
    assert prestarted.proc.wait(timeout=120) == 0


def test_a_class_pool_loads_what_the_first_gradient_imports_while_its_zygotes_start():
    code = """if True:
        import json, sys
        from grader.pool import SandboxPool
        from grader.sandbox.execute import LAZY_AUTOGRAD_MODULES
        loaded = lambda: [name in sys.modules for name in LAZY_AUTOGRAD_MODULES]
        before = loaded()
        with SandboxPool(1, quick_start=True):  # check: one submission, public tests
            quick = loaded()
        with SandboxPool(1):
            whole = loaded()
        print(json.dumps([before, quick, whole]))
    """
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    before, quick, whole = json.loads(run.stdout.splitlines()[-1])
    assert before == quick == [False] and whole == [True]
