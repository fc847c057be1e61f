"""The trusted side of grading: build inputs, run the candidate, judge, score.

``grade`` never executes candidate code itself: a :class:`Runner` does (the
sandbox for candidates; :mod:`grader.trusted_runner` only for trusted code). It
builds every invocation from the seed, obtains the reference's outcome in this
process, compares, diagnoses misconceptions and returns a Gradescope-compatible
``results.json`` dictionary.

A notebook's module comes with a :class:`~grader.notebooks.SourceMap`: messages
then name lines as "cell 4, line 3", the summary says which lines were not
run (IPython syntax), and ``extra_data`` records the map (``"cells"``:
``[cell, first module line, number of lines, first line in the cell]`` per run
of lines, ``"skipped_lines"``) for the report's listing.
"""

from __future__ import annotations

import hashlib
import math
import secrets
import threading
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Callable

import torch

from grader import __version__
from grader import feedback as F
from grader.cases import Case
from grader.checks import (FOCUSES, CheckContext, Verdict, hint_applies, line_labels, mismatch_summary,
                           parameter_mismatch, with_sandbox_modules)
from grader.diagnosis import TestEvidence, diagnose, explained_by, telling
from grader.forbidden import AnalysisFailed, find_forbidden
from grader.hidden import example, hidden_cases, public_cases
from grader.i18n import DEFAULT_LANG, Text, join, sentence_join, sentences, text
from grader.judgement_memo import JudgementMemo, outcome_digest
from grader.other_problem import problem_written_for
from grader.references import misconception_variants, solution_namespace
from grader.registry import Problem
from grader.runs import RunReport, Runner, SubmissionError
from grader.sandbox.execute import execute
from grader.sandbox.messages import ErrorKind, Invocation, Limits, LoadFailure, Outcome
from grader.sandbox.state_dicts import Mismatch
from grader.seedkey import DEFAULT_SEED, fingerprint

if TYPE_CHECKING:
    from grader.notebooks import SourceMap

# The hidden tests about values, failed on their values by at least this many and this share of them
# with no known mistake named: a mistake in every call, which no test's own hint is about.
BROAD_FAILURE_TESTS = 4
BROAD_FAILURE_SHARE = 0.75


def case_generator(seed: int, problem_id: str, number: str) -> torch.Generator:
    digest = hashlib.sha256(f"{seed}:{problem_id}:{number}".encode()).digest()
    return torch.Generator().manual_seed(int.from_bytes(digest[:8], "little") & ((1 << 63) - 1))


def _invocation(case: Case, seed: int, problem_id: str) -> Invocation:
    """The case's call, its inputs drawn from the seed; a memory test's from fresh randomness.

    A memory test's inputs reach the child only once its meter runs, so that its
    answer cannot be computed unmeasured. Drawn from the seed, they could be
    made again by the submission itself, beforehand: the default seed is public
    and the generator ships with the package, and a secret seed can be found
    by trying seeds against the inputs of an earlier test. Drawn from the
    operating system's randomness, once per suite, they are known to the
    trusted side alone; the verdict of a memory test does not depend on its values.
    """
    invocation = case.make(case_generator(seed, problem_id, case.number))
    if invocation.measure_memory:
        invocation = case.make(torch.Generator().manual_seed(secrets.randbits(63)))
    return invocation


class Suite:
    """The cases of one problem at one seed, with their reference outcomes cached."""

    def __init__(self, problem: Problem, *, seed: int = DEFAULT_SEED, public: bool = False,
                 remember: bool = False):
        """``remember``: keep the verdicts of the outcomes judged, for a suite that judges a whole
        class (:class:`grader.executors.SuiteCache`); a suite that judges one run would only pay
        for the digests."""
        self.problem = problem
        self.seed = seed
        self.public = public
        self.cases: tuple[Case, ...] = public_cases(problem) if public else hidden_cases(problem.id)
        self.invocations = [_invocation(c, seed, problem.id) for c in self.cases]
        self._expected: dict[int, Outcome] = {}
        self._variants: dict[int, dict[str, list[Outcome]]] = {}
        self._telling: dict[int, dict[str, list[Outcome]]] = {}
        self._lock = threading.RLock()  # a class's grading threads share the suite
        self.remember = remember
        self.memo = JudgementMemo()  # verdicts and diagnoses of outcomes seen before, with ``remember``

    def prepare(self, *, misconceptions: bool = False) -> "Suite":
        """Compute every reference outcome now, rather than when a test is first judged.

        With ``misconceptions`` the misconception variants' outcomes are computed
        too (five times the references' work, on the first seven problems). A
        class run leaves them to the first failure that needs them: its sandboxes
        run submissions meanwhile instead of waiting, and a test nobody fails
        never needs them.
        """
        for index in range(len(self.cases)):
            self.expected(index)
            if misconceptions:
                self.telling_outcomes(index)
        return self

    def _once(self, cache: dict, index: int, compute: Callable[[], object]):
        """``cache[index]``, computed by ``compute()`` only once when several threads ask at once."""
        found = cache.get(index)
        if found is not None:
            return found
        with self._lock:
            if index not in cache:
                cache[index] = compute()
            return cache[index]

    def expected(self, index: int) -> Outcome:
        return self._once(self._expected, index, lambda: self._reference_outcome(index))

    def _reference_outcome(self, index: int) -> Outcome:
        case = self.cases[index]
        if case.expected is not None:
            return Outcome(value=case.expected)
        return execute(solution_namespace(self.problem), self.invocations[index], filename="<reference>")

    def telling_outcomes(self, index: int) -> dict[str, list[Outcome]]:
        """The variant outcomes of test ``index`` that could explain a failure (computed once)."""
        return self._once(self._telling, index, lambda: telling(
            self.variant_outcomes(index), self.expected(index), self.cases[index].similar))

    def variant_outcomes(self, index: int) -> dict[str, list[Outcome]]:
        """Every misconception reference's outcome on test ``index`` (computed once).

        A memory test names its mistake by measurement (its check suggests it), and
        value mistakes are named by the value tests: the references are not run
        on its (large) inputs.
        """
        if self.invocations[index].measure_memory:
            return {}
        return self._once(self._variants, index, lambda: {
            mid: [execute(ns, self.invocations[index], filename="<misconception>") for ns in variants]
            for mid, variants in misconception_variants(self.problem.id).items()
        })


def _digests(suite: Suite, report: RunReport, *, remember: bool) -> list[bytes | None]:
    """Per test, the digest its verdict is remembered under; None to judge it afresh: a test
    that did not run, or raised (quick to judge, and its message quotes the learner's at length)."""
    count = len(suite.cases)
    if not remember or report.error:
        return [None] * count
    outcomes = report.outcomes[:count]
    return [None if index in report.test_errors or outcome is None or outcome.error else outcome_digest(outcome)
            for index, outcome in enumerate(outcomes)] + [None] * (count - len(outcomes))


def _judge(case: Case, ctx: CheckContext) -> Verdict:
    try:
        return case.check(ctx)
    except Exception as exc:  # a check must never take the grader down
        return Verdict(False, F.COULD_NOT_JUDGE.format(type=type(exc).__name__))


def _verdicts(suite: Suite, report: RunReport, digests: list[bytes | None]) -> list[Verdict]:
    """One verdict per test; a test that did not run (or whose run broke) gets no case hint,
    which would be about what the test checks, not about why it could not."""
    verdicts = []
    for index, case in enumerate(suite.cases):
        if report.error:
            verdicts.append(Verdict(False, F.NOT_RUN.format(why=report.error.message), shows_case_hint=False))
        elif index in report.test_errors:
            verdicts.append(Verdict(False, report.test_errors[index].message, shows_case_hint=False))
        elif report.outcomes[index] is None:
            verdicts.append(Verdict(False, F.NOT_RUN.format(why=F.EARLIER_FAILURE), shows_case_hint=False))
        else:
            ctx = CheckContext(suite.invocations[index], report.outcomes[index], suite.expected(index))
            verdicts.append(suite.memo.recall("verdict", index, digests[index], lambda: _judge(case, ctx)))
    return verdicts


def _diagnosis(suite: Suite, report: RunReport, verdicts: list[Verdict], digests: list[bytes | None]):
    evidence, places = [], {}
    for index, (case, verdict) in enumerate(zip(suite.cases, verdicts)):
        outcome = report.outcomes[index] if index < len(report.outcomes) else None
        if verdict.passed or outcome is None:
            continue
        if outcome.error:  # only what the check itself recognised (a memory test stopped at the limit)
            if verdict.suggests:
                evidence.append(TestEvidence(case.number, outcome, suite.expected(index), {}, None,
                                             verdict.suggests))
            continue
        evidence.append(TestEvidence(case.number, outcome, suite.expected(index),
                                     suite.telling_outcomes(index), case.similar, verdict.suggests))
        places[case.number] = index

    def explain(item: TestEvidence) -> list[str]:
        index = places.get(item.number)
        if index is None:  # a test stopped by an error, which only its check's suggestion explains
            return explained_by(item)
        return list(suite.memo.recall("explained", index, digests[index], lambda: tuple(explained_by(item))))

    return diagnose(evidence, suite.problem.misconception_ids, explain=explain)


def _points(value: float) -> str:
    return f"{value:g}"


def _mismatch(report: RunReport) -> Mismatch | None:
    """The first parameter mismatch a module test reported (every such test reports the same)."""
    for outcome in report.outcomes:
        mismatch = parameter_mismatch(outcome.error) if outcome else None
        if mismatch is not None:
            return mismatch
    return None


@dataclass(frozen=True)
class ValueFailures:
    """How the hidden tests about values failed, when no known mistake is named (never for public
    tests, whose hints are the worked examples' own guidance: always shown).

    ``broad``: most failed on their values, so the mistake is in what every call computes, and each
    test's hint, about the case that test adds (a shorter last block, a float64 input), would send
    the learner the wrong way. ``precision``: most failed by float32 precision alone, so the summary
    says so, not that the formula is wrong."""
    broad: bool
    precision: bool


def value_failures(suite: "Suite", verdicts: list[Verdict], diagnosed: list[str]) -> ValueFailures:
    about_values = _about_values(suite, verdicts, diagnosed)
    on_values = sum(v.failed_on_values for v in about_values)
    drifted = sum(v.precision_only for v in about_values if not v.passed)
    wrong = sum(v.failed_on_values and not v.precision_only for v in about_values)
    return ValueFailures(
        broad=wrong >= BROAD_FAILURE_TESTS and wrong >= BROAD_FAILURE_SHARE * len(about_values),
        precision=drifted >= BROAD_FAILURE_TESTS and drifted >= BROAD_FAILURE_SHARE * on_values)


def _about_values(suite: "Suite", verdicts: list[Verdict], diagnosed: list[str]) -> list[Verdict]:
    """The verdicts of the hidden tests about values (none for public tests, whose hints are the
    worked examples' own guidance, or once a known mistake is named)."""
    if suite.public or diagnosed:
        return []
    return [v for c, v in zip(suite.cases, verdicts) if not FOCUSES.intersection(c.tags)]


def _summary(problem: Problem, score: float, max_score: float, passed: int, total: int,
             diagnosed: list[str], error: SubmissionError | None,
             mismatch: Mismatch | None = None, broad: bool = False, precision: bool = False,
             public: bool = False) -> Text:
    title = Text(problem.title, problem.title_zh)
    parts = [F.SUMMARY.format(title=title, passed=passed, total=total, score=_points(score),
                              max_score=_points(max_score))]
    if error:
        parts.append(F.SUMMARY_ERROR.format(kind=error.kind.value, message=error.message))
    if mismatch is not None:
        parts.append(mismatch_summary(mismatch))
    for mid in diagnosed:
        item = problem.misconception(mid)
        parts.append(F.SUMMARY_MISTAKE.format(title=Text(item.title, item.title_zh),
                                              explanation=Text(item.explanation, item.explanation_zh)))
    if broad:
        parts.append(F.SUMMARY_BROAD_FAILURE)
    elif precision:
        parts.append(F.SUMMARY_PRECISION)
    if not error and passed == total:  # the public tests are a sample: never said to be all there is
        parts.append(F.SUMMARY_PUBLIC_CORRECT if public else F.SUMMARY_ALL_CORRECT)
    return sentences(parts)


def _syntax_error(detail: str, lines: tuple[int, ...], label: Callable[[int], Text]) -> Text:
    """A syntax error in the learner's language: Python's own message, in English as Python words it,
    framed by where it is. The child's detail ends ``" (line N)"`` (:mod:`grader.sandbox.loader`);
    ``label(N)`` names that place instead ("line 3", "cell 2, line 3")."""
    ending = f" (line {lines[0]})" if lines else None
    if ending is None or not detail.endswith(ending):
        return F.SYNTAX_ERROR_NOWHERE.format(detail=detail)
    return F.SYNTAX_ERROR.format(detail=detail[: -len(ending)], place=label(lines[0]))


def load_failure_error(failure: LoadFailure) -> SubmissionError:
    """The learner's message for a submission that did not load (from the child's raw detail)."""
    if failure.kind == ErrorKind.SYNTAX_ERROR:
        message = _syntax_error(failure.detail, failure.lines, lambda line: F.LINE_NUMBER.format(line=line))
        return SubmissionError(failure.kind, message, failure.lines)
    template = {ErrorKind.IMPORT_ERROR: F.IMPORT_FAILED, ErrorKind.MISSING_SYMBOL: F.MISSING_SYMBOLS}[failure.kind]
    key = "names" if failure.kind == ErrorKind.MISSING_SYMBOL else "detail"
    message = template.format(**{key: failure.detail})
    if failure.kind == ErrorKind.IMPORT_ERROR:  # the child's detail is "<exception type>: <message>"
        message = with_sandbox_modules(message, failure.detail.partition(":")[0])
    return SubmissionError(failure.kind, message, failure.lines)


def _with_other_problem(error: SubmissionError | None, problem: Problem, source: str) -> SubmissionError | None:
    """``error``; a missing-name error asks whether the file is another problem's when ``source``
    defines every name of one (:func:`grader.other_problem.problem_written_for`)."""
    if error is None or error.kind != ErrorKind.MISSING_SYMBOL:
        return error
    other = problem_written_for(source, problem)
    if other is None:
        return error
    note = F.OTHER_PROBLEM_FILE.format(names=", ".join(other.symbols), problem=other.id)
    return replace(error, message=error.message + note)


def _static_forbidden(source: str, forbidden: list[str],
                      source_map: "SourceMap | None" = None) -> SubmissionError | None:
    """The static forbidden-API check; a check that cannot complete fails closed."""
    try:
        uses = find_forbidden(source, forbidden)
    except AnalysisFailed as exc:
        return SubmissionError(ErrorKind.GRADER_ERROR, F.ANALYSIS_FAILED.format(why=str(exc)))
    if not uses:
        return None
    use = uses[0]
    if source_map is None:
        message = F.FORBIDDEN_STATIC.format(line=use.line, name=use.name)
    else:
        message = F.FORBIDDEN_STATIC_AT.format(place=source_map.label(use.line), name=use.name)
    return SubmissionError(ErrorKind.FORBIDDEN_API, message, tuple(sorted({u.line for u in uses}))[:10])


def _placed_load_error(error: SubmissionError, source_map: "SourceMap") -> SubmissionError:
    """A syntax or import error of a notebook's module, its line named by cell.

    A syntax error's English message is the child's detail, ``"<message> (line N)"``
    (:func:`load_failure_error`): it is framed again with the cell's place. An
    import error gets the place added.
    """
    if not error.lines or error.kind not in (ErrorKind.SYNTAX_ERROR, ErrorKind.IMPORT_ERROR):
        return error
    if error.kind == ErrorKind.SYNTAX_ERROR:
        return SubmissionError(error.kind, _syntax_error(error.message.en, error.lines, source_map.label), error.lines)
    placed = error.message + F.AT_PLACE.format(place=source_map.label(error.lines[-1]))
    return SubmissionError(error.kind, placed, error.lines)


def add_source_map(results: dict, source_map: "SourceMap", *, lang: str = DEFAULT_LANG) -> dict:
    """Record a notebook's map in ``results`` (``extra_data``) and note its skipped lines in the summary.

    :func:`grade` does this itself when given the map; a caller that graded the
    module without it (a class run's executor) calls it afterwards. Done once:
    results that already hold a map are returned as they are.
    """
    extra = results.setdefault("extra_data", {})
    if "cells" in extra:
        return results
    extra.update(source_map.to_json())
    note = source_map.skipped_note()
    if note is not None:
        results["output"] = sentence_join((results.get("output") or "", note.get(lang)), lang)
    return results


def _test_output(problem: Problem, case: Case, verdict: Verdict, matched: list[str], *,
                 case_hint: bool = True) -> Text:
    parts = [verdict.message]
    if not verdict.passed:
        if verdict.precision_only:
            parts.append(F.PRECISION_ONLY)
        elif verdict.hint is not None and (case_hint or verdict.max_error is None or verdict.not_finite):
            # a broad failure leaves out a value check's guess too (a chunk's positions, a prefix):
            # the summary says the mistake is in every call; a wrong kind, an order, nan keep theirs
            parts.append(F.HINT.format(hint=verdict.hint))
        elif (case.hint and case_hint and verdict.shows_case_hint and not matched
              and hint_applies(case.tags, verdict.about)):
            parts.append(F.HINT.format(hint=case.hint))  # a catalogued mistake that explains it says more
    for mid in matched:
        item = problem.misconception(mid)
        parts.append(F.MATCHES_MISTAKE.format(title=Text(item.title, item.title_zh), id=mid))
    return join("\n", parts)


def finite_number(value: float | None) -> float | None:
    """A float for strict JSON: None when it is not finite."""
    if value is None or not math.isfinite(value):
        return None
    return value


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
    lang: str = DEFAULT_LANG,
    seed_key: bytes | None = None,
    source_map: "SourceMap | None" = None,
) -> dict:
    """Grade one submission of ``problem`` and return its ``results.json`` content.

    Args:
        lang: the language of every message in the results (``"en"`` or ``"zh"``).
        seed_key: the secret that keys the fingerprint of a non-default seed
            (:func:`grader.seedkey.fingerprint`); required when ``seed`` is not the default.
        source_map: where the lines of ``source`` came from when it was assembled
            from a notebook's cells (:class:`grader.notebooks.SourceMap`); None for a ``.py`` file.
    """
    start = time.perf_counter()
    suite = suite or Suite(problem, seed=seed, public=public)
    forbidden = list(problem.forbidden) if enforce_forbidden else []
    shown = example(problem) if figure else None
    invocations = suite.invocations + ([shown.invocation] if shown else [])
    refused = _static_forbidden(source, forbidden, source_map) if forbidden else None
    if refused:
        report = RunReport(outcomes=[None] * len(invocations), isolation=runner.isolation, error=refused)
    else:
        report = runner.run(source=source, filename=filename, symbols=list(problem.symbols),
                            forbidden=forbidden, invocations=invocations, limits=limits)
        report.error = _with_other_problem(report.error, problem, source)
    results = results_from_report(problem=problem, suite=suite, report=report, seed=seed,
                                  source_sha256=source_sha256 or hashlib.sha256(source.encode("utf-8")).hexdigest(),
                                  shown=shown, started=start, lang=lang, seed_key=seed_key,
                                  source_map=source_map)
    results["extra_data"]["options"] = grading_options(limits, enforce_forbidden)
    return results


# the keys of extra_data that record a seed (seed_record): the default as it is, any other by fingerprint
SEED_RECORDS = (SEED_AS_IS, SEED_FINGERPRINT) = ("seed", "seed_fingerprint")


def seed_record(seed: int, seed_key: bytes | None) -> dict:
    """How results record their seed: the default as it is, any other only as its keyed fingerprint."""
    return {SEED_AS_IS: seed} if seed == DEFAULT_SEED else {SEED_FINGERPRINT: fingerprint(seed, seed_key)}


def grading_options(limits: Limits, enforce_forbidden: bool) -> dict:
    """The options a run's scores depend on, as its results record them (``--resume`` grades a
    submission again when they differ)."""
    return {"timeout": limits.timeout, "memory_mb": limits.memory_mb, "forbidden_enforced": enforce_forbidden}


def results_from_report(*, problem: Problem, suite: Suite, report: RunReport, seed: int,
                        source_sha256: str, shown=None, started: float | None = None,
                        lang: str = DEFAULT_LANG, seed_key: bytes | None = None,
                        source_map: "SourceMap | None" = None) -> dict:
    """Judge a run and write its ``results.json`` content (in ``lang``).

    With ``source_map`` (a notebook) lines are named by cell; see :func:`grade`.
    """
    start = time.perf_counter() if started is None else started
    example_outcome = report.outcomes[-1] if shown else None
    if shown:  # the worked example is unscored: keep it out of the tests' bookkeeping
        report.outcomes = report.outcomes[:-1]
        report.test_errors.pop(len(suite.cases), None)
    if source_map is not None and report.error is not None:
        report.error = _placed_load_error(report.error, source_map)
    # a notebook's messages name its cells: never remembered
    digests = _digests(suite, report, remember=suite.remember and source_map is None)
    with line_labels(source_map.label if source_map is not None else None):
        verdicts = _verdicts(suite, report, digests)
    diagnosed, per_test = _diagnosis(suite, report, verdicts, digests) if not report.error else ([], {})
    error = _submission_error(report)
    failures = value_failures(suite, verdicts, diagnosed)

    tests = []
    for case, verdict in zip(suite.cases, verdicts):
        matched = per_test.get(case.number, [])
        tests.append({
            "name": text(case.name).get(lang),
            "number": case.number,
            "score": case.points if verdict.passed else 0.0,
            "max_score": case.points,
            "status": "passed" if verdict.passed else "failed",
            "visibility": "visible",
            "tags": list(case.tags),
            "output": _test_output(problem, case, verdict, matched, case_hint=not failures.broad).get(lang),
            "extra_data": {"diagnosis": matched, "max_error": finite_number(verdict.max_error)},
        })
    score = sum(t["score"] for t in tests)
    max_score = sum(t["max_score"] for t in tests)
    passed = sum(t["status"] == "passed" for t in tests)
    extra = {
        "problem": problem.id,
        "submission_sha256": source_sha256,
        "diagnosis": diagnosed,
        "error": None if error is None else {"kind": error.kind.value, "message": error.message.get(lang)},
        "grader_version": __version__,
        "isolation": report.isolation,
        "suite": "public" if suite.public else "hidden",
        "lang": lang,
        "output": report.output,
        "output_truncated": report.output_truncated,
        "error_lines": _failing_lines(report, verdicts),
    }
    if shown:
        extra["figure"] = shown.figure(example_outcome)
    extra.update(seed_record(seed, seed_key))
    results = {
        "score": round(score, 6),
        "max_score": round(max_score, 6),
        "execution_time": round(time.perf_counter() - start, 4),
        "output": _summary(problem, score, max_score, passed, len(tests), diagnosed, error,
                           _mismatch(report), failures.broad, precision=failures.precision,
                           public=suite.public).get(lang),
        "tests": tests,
        "extra_data": extra,
    }
    return add_source_map(results, source_map, lang=lang) if source_map is not None else results


# The isolation a result records when none of its code ran (a file that could not be read, a
# problem without a file): no sandbox level is claimed for code that never ran.
NOT_RUN_ISOLATION = "not run"


def not_graded(*, problem: Problem, suite: Suite, seed: int, error: SubmissionError,
               source_sha256: str, isolation: str, lang: str = DEFAULT_LANG,
               seed_key: bytes | None = None) -> dict:
    """Results for a submission that could not be run at all (e.g. ``bad_submission``)."""
    report = RunReport(outcomes=[None] * len(suite.cases), error=error, isolation=isolation)
    return results_from_report(problem=problem, suite=suite, report=report, seed=seed,
                               source_sha256=source_sha256, lang=lang, seed_key=seed_key)


def _submission_error(report: RunReport) -> SubmissionError | None:
    if report.error:
        return report.error
    for index in sorted(report.test_errors):
        return report.test_errors[index]
    forbidden = [o.error.forbidden for o in report.outcomes if o and o.error and o.error.forbidden]
    if forbidden:
        return SubmissionError(ErrorKind.FORBIDDEN_API, F.FORBIDDEN_CALLED.format(name=forbidden[0]))
    return None


def _failing_lines(report: RunReport, verdicts: list[Verdict]) -> list[int]:
    """Submission lines named in the tracebacks of failures (not of expected exceptions)."""
    lines = set(report.error.lines) if report.error else set()
    for outcome, verdict in zip(report.outcomes, verdicts):
        if outcome and outcome.error and not verdict.passed:
            lines.update(outcome.error.lines)
    return sorted(lines)
