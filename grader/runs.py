"""What a runner tells the trusted side about one submission's run (trusted side).

A runner (the sandbox pool for candidates, :mod:`grader.trusted_runner` for
trusted code) turns a submission and its invocations into a :class:`RunReport`:
one validated :class:`~grader.sandbox.messages.Outcome` per test that ran, the
failures of single tests, or the failure of the whole submission. Messages are
:class:`~grader.i18n.Text`, written by the trusted side from what it observed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from grader.i18n import Text
from grader.sandbox.messages import ErrorKind, Invocation, Limits, Outcome


@dataclass(frozen=True)
class SubmissionError:
    """A failure of a whole submission, or of one test, that is not an exception of its own code."""

    kind: ErrorKind
    message: Text
    lines: tuple[int, ...] = ()


@dataclass
class RunReport:
    """The run of one submission's tests."""

    outcomes: list[Outcome | None]
    test_errors: dict[int, SubmissionError] = field(default_factory=dict)
    error: SubmissionError | None = None  # the whole submission failed
    output: str = ""  # captured stdout/stderr (candidate-controlled text)
    output_truncated: bool = False
    isolation: str = "none"
    seconds: float = 0.0


class GradingStopped(RuntimeError):
    """Nothing more can be graded (every sandbox is gone, the cluster is lost): a class run stops,
    keeps what is finished, and says why (the message)."""


class Runner(Protocol):
    isolation: str

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[Invocation], limits: Limits) -> RunReport: ...
