"""Runs *trusted* code (references, misconception references) through the grader.

The project's own tests use it to prove that every reference scores full marks
and every misconception is diagnosed, without paying for a sandbox. It executes
code in this very process, so it must never be given a candidate's submission:
the CLI only ever uses :mod:`grader.pool`.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

from grader.grading import load_failure_error
from grader.runs import RunReport
from grader.sandbox.execute import execute
from grader.sandbox.loader import load_submission
from grader.sandbox.memory import InProcessMeter
from grader.sandbox.messages import Invocation, Limits, Outcome


# A memory test's peak is this process's resident memory, which another thread of it (a test
# suite's leftovers: an event loop, a pool's helper) can raise during the call by its own
# allocations: the lowest of this many runs is the call's. Code that really needs more memory
# needs it in every run.
MEMORY_RUNS = 2


def run_trusted(namespace: dict, invocation: Invocation, filename: str) -> Outcome:
    """Execute in this process; a memory test also gets its peak memory (trusted code only)."""
    if not invocation.measure_memory:
        return execute(namespace, invocation, filename=filename)
    return min((_measured(namespace, invocation, filename) for _ in range(MEMORY_RUNS)),
               key=lambda outcome: math.inf if outcome.peak_memory_bytes is None else outcome.peak_memory_bytes)


def _measured(namespace: dict, invocation: Invocation, filename: str) -> Outcome:
    meter = InProcessMeter()
    outcome = execute(namespace, invocation, filename=filename, around=lambda: meter)
    return replace(outcome, peak_memory_bytes=meter.peak_bytes)


class TrustedRunner:
    isolation = "none (trusted code only)"

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[Invocation], limits: Limits) -> RunReport:
        start = time.perf_counter()
        namespace, failure = load_submission(source, filename, symbols)
        if failure:
            return RunReport(outcomes=[None] * len(invocations), error=load_failure_error(failure),
                             isolation=self.isolation)
        outcomes = [run_trusted(namespace, inv, filename) for inv in invocations]
        return RunReport(outcomes=outcomes, isolation=self.isolation,
                         seconds=time.perf_counter() - start)


class NamespaceRunner(TrustedRunner):
    """Like :class:`TrustedRunner` but for a ready namespace (a misconception variant)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[Invocation], limits: Limits) -> RunReport:
        outcomes = [run_trusted(self.namespace, inv, filename) for inv in invocations]
        return RunReport(outcomes=outcomes, isolation=self.isolation)
