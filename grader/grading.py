"""The trusted side of grading: build inputs, run the candidate, judge, score.

``grade`` never executes candidate code itself: a :class:`Runner` does (the
sandbox for candidates; :mod:`grader.trusted_runner` only for trusted code). It
builds every invocation from the seed, obtains the reference's outcome in this
process, compares, diagnoses misconceptions and returns a Gradescope-compatible
``results.json`` dictionary.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Protocol

import torch

from grader import __version__
from grader.cases import Case
from grader.checks import CheckContext, Verdict
from grader.diagnosis import TestEvidence, diagnose
from grader.forbidden import find_forbidden
from grader.hidden import example, hidden_cases, public_cases
from grader.references import misconception_variants, solution_namespace
from grader.registry import Problem
from grader.sandbox.execute import execute

DEFAULT_SEED = 0


@dataclass(frozen=True)
class Limits:
    """Resource limits for one submission (wall-clock seconds, megabytes)."""

    timeout: float = 10.0  # per test
    submission_timeout: float = 60.0  # all tests of one submission together
    memory_mb: int = 1024
    max_output_bytes: int = 1024 * 1024  # captured stdout+stderr before the child is stopped
    max_result_bytes: int = 32 * 1024 * 1024
    max_processes: int = 16
    max_written_bytes: int = 16 * 1024 * 1024


@dataclass
class RunReport:
    """What a runner tells the trusted side about one submission's run."""

    outcomes: list[dict | None]
    test_errors: dict[int, dict] = field(default_factory=dict)  # index -> {"kind", "message"}
    error: dict | None = None  # the whole submission failed: {"kind", "message"}
    output: str = ""  # captured stdout/stderr (candidate-controlled text)
    output_truncated: bool = False
    isolation: str = "none"
    seconds: float = 0.0


class Runner(Protocol):
    isolation: str

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[dict], limits: Limits) -> RunReport: ...


def case_generator(seed: int, problem_id: str, number: str) -> torch.Generator:
    digest = hashlib.sha256(f"{seed}:{problem_id}:{number}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


def seed_fingerprint(seed: int) -> str:
    return hashlib.sha256(f"attn-judge-seed:{seed}".encode()).hexdigest()[:10]


class Suite:
    """The cases of one problem at one seed, with their reference outcomes cached."""

    def __init__(self, problem: Problem, *, seed: int = DEFAULT_SEED, public: bool = False):
        self.problem = problem
        self.seed = seed
        self.public = public
        self.cases: tuple[Case, ...] = public_cases(problem) if public else hidden_cases(problem.id)
        self.invocations = [
            c.make(case_generator(seed, problem.id, c.number)) for c in self.cases
        ]
        self._expected: dict[int, dict] = {}
        self._variants: dict[int, dict[str, list[dict]]] = {}

    def prepare(self, *, misconceptions: bool = False) -> "Suite":
        """Compute every reference outcome now (before grading threads share the suite).

        With ``misconceptions`` the misconception variants' outcomes are computed
        too: worth it for a class, where most of them will be needed.
        """
        for index in range(len(self.cases)):
            self.expected(index)
            if misconceptions:
                self.variant_outcomes(index)
        return self

    def expected(self, index: int) -> dict:
        if index not in self._expected:
            case = self.cases[index]
            if case.expected is not None:
                self._expected[index] = {"value": case.expected, "grads": None, "error": None}
            else:
                self._expected[index] = execute(solution_namespace(self.problem),
                                                self.invocations[index], filename="<reference>")
        return self._expected[index]

    def variant_outcomes(self, index: int) -> dict[str, list[dict]]:
        if index not in self._variants:
            self._variants[index] = {
                mid: [execute(ns, self.invocations[index], filename="<misconception>") for ns in variants]
                for mid, variants in misconception_variants(self.problem.id).items()
            }
        return self._variants[index]


def _not_run(case: Case, why: str) -> Verdict:
    return Verdict(False, f"not run: {why}")


def _verdicts(suite: Suite, report: RunReport) -> list[Verdict]:
    verdicts = []
    for index, case in enumerate(suite.cases):
        if report.error:
            verdicts.append(_not_run(case, report.error["message"]))
        elif index in report.test_errors:
            verdicts.append(Verdict(False, report.test_errors[index]["message"]))
        elif report.outcomes[index] is None:
            verdicts.append(_not_run(case, "an earlier failure stopped this submission"))
        else:
            ctx = CheckContext(suite.invocations[index], report.outcomes[index], suite.expected(index))
            try:
                verdicts.append(case.check(ctx))
            except Exception as exc:  # a check must never take the grader down
                verdicts.append(Verdict(False, f"could not judge this output ({type(exc).__name__})"))
    return verdicts


def _diagnosis(suite: Suite, report: RunReport, verdicts: list[Verdict]):
    evidence = []
    for index, (case, verdict) in enumerate(zip(suite.cases, verdicts)):
        outcome = report.outcomes[index] if index < len(report.outcomes) else None
        if verdict.passed or outcome is None or outcome.get("error"):
            continue
        evidence.append(TestEvidence(case.number, outcome, suite.expected(index),
                                     suite.variant_outcomes(index), case.similar))
    return diagnose(evidence, suite.problem.misconception_ids)


def _summary(problem: Problem, score: float, max_score: float, passed: int, total: int,
             diagnosed: list[str], error: dict | None) -> str:
    parts = [f"{problem.title}: passed {passed} of {total} tests, {score:g}/{max_score:g} points."]
    if error:
        parts.append(f"The submission could not be graded normally ({error['kind']}): {error['message']}")
    for mid in diagnosed:
        item = problem.misconception(mid)
        parts.append(f"Likely mistake — {item.title}: {item.explanation}")
    if not error and passed == total:
        parts.append("Everything checked is correct.")
    return " ".join(parts)


def grade(
    *,
    problem: Problem,
    source: str,
    filename: str,
    runner: Runner,
    seed: int = DEFAULT_SEED,
    public: bool = False,
    limits: Limits = Limits(),
    enforce_forbidden: bool = True,
    suite: Suite | None = None,
    source_sha256: str | None = None,
    figure: bool = False,
) -> dict:
    """Grade one submission of ``problem`` and return its ``results.json`` content."""
    start = time.perf_counter()
    suite = suite or Suite(problem, seed=seed, public=public)
    forbidden = list(problem.forbidden) if enforce_forbidden else []
    shown = example(problem) if figure else None
    invocations = suite.invocations + ([shown.invocation] if shown else [])
    static_uses = find_forbidden(source, forbidden) if forbidden else []
    if static_uses:
        use = static_uses[0]
        report = RunReport(outcomes=[None] * len(invocations), isolation=runner.isolation,
                           error={"kind": "forbidden_api",
                                  "message": f"line {use.line}: {use.name} is not allowed in this "
                                             "problem; implement it yourself",
                                  "lines": [u.line for u in static_uses]})
    else:
        report = runner.run(source=source, filename=filename, symbols=list(problem.symbols),
                            forbidden=forbidden, invocations=invocations, limits=limits)
    example_outcome = report.outcomes[-1] if shown else None
    if shown:  # the worked example is unscored: keep it out of the tests' bookkeeping
        report.outcomes = report.outcomes[:-1]
        report.test_errors.pop(len(suite.cases), None)
    verdicts = _verdicts(suite, report)
    diagnosed, per_test = _diagnosis(suite, report, verdicts) if not report.error else ([], {})
    error = _submission_error(report)

    tests = []
    for case, verdict in zip(suite.cases, verdicts):
        matched = per_test.get(case.number, [])
        output = verdict.message
        if not verdict.passed and case.hint:
            output += f"\nHint: {case.hint}"
        for mid in matched:
            output += f"\nThis matches the known mistake “{problem.misconception(mid).title}” ({mid})."
        tests.append({
            "name": case.name,
            "number": case.number,
            "score": case.points if verdict.passed else 0.0,
            "max_score": case.points,
            "status": "passed" if verdict.passed else "failed",
            "visibility": "visible",
            "tags": list(case.tags),
            "output": output,
            "extra_data": {"diagnosis": matched, "max_error": verdict.max_error},
        })
    score = sum(t["score"] for t in tests)
    max_score = sum(t["max_score"] for t in tests)
    passed = sum(t["status"] == "passed" for t in tests)
    sha = source_sha256 or hashlib.sha256(source.encode("utf-8")).hexdigest()
    extra = {
        "problem": problem.id,
        "submission_sha256": sha,
        "diagnosis": diagnosed,
        "error": error,
        "grader_version": __version__,
        "isolation": report.isolation,
        "suite": "public" if public else "hidden",
        "output": report.output,
        "output_truncated": report.output_truncated,
        "error_lines": _failing_lines(report, verdicts),
    }
    if shown:
        extra["figure"] = shown.figure(example_outcome)
    if seed == DEFAULT_SEED:
        extra["seed"] = seed
    else:
        extra["seed_fingerprint"] = seed_fingerprint(seed)
    return {
        "score": round(score, 6),
        "max_score": round(max_score, 6),
        "execution_time": round(time.perf_counter() - start, 4),
        "output": _summary(problem, score, max_score, passed, len(tests), diagnosed, error),
        "tests": tests,
        "extra_data": extra,
    }


def not_graded(*, problem: Problem, suite: Suite, seed: int, error: dict, source_sha256: str,
               isolation: str) -> dict:
    """Results for a submission that could not be run at all (e.g. ``bad_submission``)."""

    class _Refused:
        def run(self, **_):
            return RunReport(outcomes=[None] * len(suite.cases), error=error, isolation=isolation)

    _Refused.isolation = isolation
    return grade(problem=problem, source="", filename="", runner=_Refused(), seed=seed,
                 suite=suite, source_sha256=source_sha256, enforce_forbidden=False)


def _submission_error(report: RunReport) -> dict | None:
    if report.error:
        return {"kind": report.error["kind"], "message": report.error["message"]}
    for index in sorted(report.test_errors):
        err = report.test_errors[index]
        if err["kind"] != "test_exception":
            return {"kind": err["kind"], "message": err["message"]}
    forbidden = [o["error"]["forbidden"] for o in report.outcomes
                 if o and o.get("error") and o["error"].get("forbidden")]
    if forbidden:
        return {"kind": "forbidden_api", "message": f"called {forbidden[0]}, which this problem "
                                                    "forbids; the tests that used it score 0"}
    return None


def _failing_lines(report: RunReport, verdicts: list[Verdict]) -> list[int]:
    """Submission lines named in the tracebacks of failures (not of expected exceptions)."""
    lines = set(report.error.get("lines", [])) if report.error else set()
    for outcome, verdict in zip(report.outcomes, verdicts):
        if outcome and outcome.get("error") and not verdict.passed:
            lines.update(outcome["error"].get("lines", []))
    return sorted(lines)
