"""Runs *trusted* code (references, misconception references) through the grader.

The project's own tests use it to prove that every reference scores full marks
and every misconception is diagnosed, without paying for a sandbox. It executes
code in this very process, so it must never be given a candidate's submission:
the CLI only ever uses :mod:`grader.pool`.
"""

from __future__ import annotations

import time

from grader.grading import load_failure_error
from grader.runs import RunReport
from grader.sandbox.execute import execute
from grader.sandbox.loader import load_submission
from grader.sandbox.messages import Invocation, Limits


class TrustedRunner:
    isolation = "none (trusted code only)"

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[Invocation], limits: Limits) -> RunReport:
        start = time.perf_counter()
        namespace, failure = load_submission(source, filename, symbols)
        if failure:
            return RunReport(outcomes=[None] * len(invocations), error=load_failure_error(failure),
                             isolation=self.isolation)
        outcomes = [execute(namespace, inv, filename=filename) for inv in invocations]
        return RunReport(outcomes=outcomes, isolation=self.isolation,
                         seconds=time.perf_counter() - start)


class NamespaceRunner(TrustedRunner):
    """Like :class:`TrustedRunner` but for a ready namespace (a misconception variant)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[Invocation], limits: Limits) -> RunReport:
        outcomes = [execute(self.namespace, inv, filename=filename) for inv in invocations]
        return RunReport(outcomes=outcomes, isolation=self.isolation)
