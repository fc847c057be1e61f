"""Runs *trusted* code (references, misconception references) through the grader.

The project's own tests use it to prove that every reference scores full marks
and every misconception is diagnosed, without paying for a sandbox. It executes
code in this very process, so it must never be given a candidate's submission:
the CLI only ever uses :mod:`grader.sandbox.pool`.
"""

from __future__ import annotations

import time

from grader.grading import Limits, RunReport
from grader.sandbox.execute import execute
from grader.sandbox.loader import load_submission


class TrustedRunner:
    isolation = "none (trusted code only)"

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[dict], limits: Limits) -> RunReport:
        start = time.perf_counter()
        namespace, error = load_submission(source, filename, symbols)
        if error:
            return RunReport(outcomes=[None] * len(invocations), error=error, isolation=self.isolation)
        outcomes = [execute(namespace, inv, filename=filename) for inv in invocations]
        return RunReport(outcomes=outcomes, isolation=self.isolation,
                         seconds=time.perf_counter() - start)


class NamespaceRunner(TrustedRunner):
    """Like :class:`TrustedRunner` but for a ready namespace (a misconception variant)."""

    def __init__(self, namespace: dict):
        self.namespace = namespace

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[dict], limits: Limits) -> RunReport:
        outcomes = [execute(self.namespace, inv, filename=filename) for inv in invocations]
        return RunReport(outcomes=outcomes, isolation=self.isolation)
