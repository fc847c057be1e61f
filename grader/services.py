"""Service functions behind the CLI: keyword-only, testable without click.

User mistakes raise :class:`UserError` (one clear line, exit code 2 in the
CLI). :func:`grade_class` is the one way a class is graded, whatever executes
the submissions (the local sandbox pool or a Dask cluster): it plans the
class once, streams submissions to the executor, writes each one's report and
``results.json`` atomically as it finishes, and always writes the class
outputs, after an interruption too.
"""

from __future__ import annotations

import hashlib
import logging
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from pathlib import Path
from typing import Callable

from grader import progress, registry
from grader.batch import (ClassPlan, ClassSummary, Entry, already_graded, plan_class,
                          remove_stale_temporaries)
from grader.bounded import BoundedPool
from grader.executors import GradeRequest, LocalExecutor, WeakIsolationRefused
from grader.fsutil import write_atomic
from grader.grading import DEFAULT_SEED, Suite, grade, not_graded
from grader.i18n import DEFAULT_LANG, t
from grader.jsonio import dumps, readable
from grader.outpaths import report_path, results_path
from grader.pool import SandboxUnavailable
from grader.registry import Problem, UnknownProblemError
from grader.reports import write_class_outputs
from grader.reports.submission import write_report
from grader.runs import SubmissionError
from grader.sandbox.messages import ErrorKind, Limits
from grader.seedkey import class_key, user_key
from grader.similarity import write_similarity
from grader.submission import BadSubmission, read_submission

log = logging.getLogger(__name__)

CLASS_STATIC_HREF = "../../static/"  # from OUT/<student>/<problem>/report.html
GRADER_FAILED = t("the grader could not judge this submission ({why}); the rest of the class was graded",
                  "评测器无法评判这份提交（{why}）；班上其他提交照常评测")


class UserError(Exception):
    """Something the user can fix; the message says what and how."""


def find_problem(problem_id: str) -> Problem:
    try:
        return registry.get(problem_id)
    except UnknownProblemError as exc:
        raise UserError(str(exc)) from None


def infer_problem(path: Path, problem_id: str | None) -> Problem:
    """The problem named by ``--problem``, or by the file name (``<id>.py``)."""
    if problem_id:
        return find_problem(problem_id)
    stem = path.name.split(".")[0]
    if stem in registry.problem_ids():
        return registry.get(stem)
    close = registry.close_matches(stem)
    hint = f" Did you mean {', '.join(c + '.py' for c in close)}?" if close else ""
    raise UserError(f"{readable(str(path))}: cannot tell the problem from the file name.{hint} Rename "
                    "the file to <problem_id>.py or pass --problem (see 'attn-judge list').")


def start_problem(*, problem_id: str, directory: Path) -> Path:
    """Write ``directory/<id>.py`` from the stub; never overwrite."""
    problem = find_problem(problem_id)
    target = Path(directory) / f"{problem.id}.py"
    if target.exists() or target.is_symlink():
        raise UserError(f"{target} already exists; it was left untouched. Delete or rename it "
                        "to start over.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8") as fh:
        fh.write(problem.stub())
    return target


def open_executor(*, workers: int = 1, allow_weak: bool, scheduler: str | None = None):
    """The local executor, or a Dask one for ``scheduler``; its ``warning`` says when only weak
    isolation exists."""
    try:
        if scheduler is not None:
            return _dask_executor(scheduler, allow_weak=allow_weak)
        executor = LocalExecutor(workers=workers, allow_weak=allow_weak, force_weak=_force_weak())
    except WeakIsolationRefused as exc:
        raise UserError(f"{exc} Run as root or enable user namespaces, or pass "
                        "--allow-weak-isolation to grade anyway (the results will say so).") from None
    except SandboxUnavailable as exc:
        raise UserError(f"cannot start the sandbox: {exc}") from None
    return executor


def _dask_executor(scheduler: str, *, allow_weak: bool):
    try:
        from grader.dask_backend import open_dask_executor
    except ImportError:
        raise UserError("--scheduler needs Dask: install the extra with "
                        "pip install 'attention-judge[dask]'") from None
    try:
        return open_dask_executor(scheduler, allow_weak=allow_weak, force_weak=_force_weak())
    except ValueError as exc:
        raise UserError(f"--scheduler: {exc}") from None
    except OSError as exc:
        raise UserError(f"--scheduler {scheduler}: cannot reach the Dask scheduler ({exc})") from None


def _force_weak() -> bool:
    import os

    return os.environ.get("ATTN_JUDGE_ISOLATION") == "weak"


def check_file(*, path: Path, problem_id: str | None, timeout: float = Limits.timeout,
               lang: str = DEFAULT_LANG) -> dict:
    """Run the public tests on a learner's file; record progress; return the results."""
    path = Path(path)
    problem = infer_problem(path, problem_id)
    try:
        submission = read_submission(path)
    except BadSubmission as exc:
        raise UserError(exc.message.get(lang)) from None
    executor = open_executor(allow_weak=True)
    try:
        results = grade(problem=problem, source=submission.source, filename=path.name,
                        runner=executor.pool, public=True, source_sha256=submission.sha256,
                        limits=Limits.for_timeout(timeout), lang=lang)
    finally:
        executor.close()
    results["extra_data"]["isolation_warning"] = executor.warning
    progress.record(problem.id, score=results["score"], max_score=results["max_score"])
    return results


def grade_file(*, path: Path, problem_id: str | None, seed: int = DEFAULT_SEED,
               limits: Limits = Limits(), allow_weak: bool = False,
               allow_forbidden: frozenset[str] = frozenset(), lang: str = DEFAULT_LANG) -> dict:
    """Grade one submission on the hidden tests and return its results."""
    path = Path(path)
    problem = infer_problem(path, problem_id)
    seed_key = None if seed == DEFAULT_SEED else user_key()
    executor = open_executor(allow_weak=allow_weak)
    try:
        try:
            submission = read_submission(path)
        except BadSubmission as exc:
            return not_graded(problem=problem, suite=Suite(problem, seed=seed), seed=seed,
                              error=SubmissionError(ErrorKind.BAD_SUBMISSION, exc.message),
                              source_sha256=_bad_sha(exc), isolation=executor.isolation, lang=lang,
                              seed_key=seed_key)
        results = grade(problem=problem, source=submission.source, filename=path.name,
                        runner=executor.pool, seed=seed, limits=limits, figure=True,
                        source_sha256=submission.sha256, lang=lang, seed_key=seed_key,
                        enforce_forbidden=problem.id not in allow_forbidden)
    finally:
        executor.close()
    if executor.warning:
        results["extra_data"]["isolation_warning"] = executor.warning
    return results


def _bad_sha(exc: BadSubmission) -> str:
    return hashlib.sha256(f"bad:{exc.message.en}".encode()).hexdigest()


def _grader_error_results(entry: Entry, *, seed: int, why: str, sha: str, isolation: str,
                          lang: str, seed_key: bytes | None) -> dict:
    error = SubmissionError(ErrorKind.GRADER_ERROR, GRADER_FAILED.format(why=why[:300]))
    return not_graded(problem=entry.problem, suite=Suite(entry.problem, seed=seed), seed=seed,
                      error=error, source_sha256=sha, isolation=isolation, lang=lang, seed_key=seed_key)


def grade_class(
    *,
    root: Path,
    out: Path,
    executor,
    seed: int = DEFAULT_SEED,
    limits: Limits = Limits(),
    resume: bool = False,
    only: Problem | None = None,
    allow_forbidden: frozenset[str] = frozenset(),
    lang: str = DEFAULT_LANG,
    reports: bool = True,
    on_plan: Callable[[ClassPlan], None] = lambda plan: None,
    on_progress: Callable[[Entry], None] = lambda entry: None,
) -> tuple[ClassPlan, ClassSummary]:
    """Grade every submission under ``root`` into ``out`` with ``executor``.

    Args:
        executor: :class:`grader.executors.LocalExecutor` or a
            :class:`grader.dask_backend.DaskExecutor` (anything with ``submit``,
            ``prepare``, ``capacity`` and ``isolation``).
        resume: skip submissions whose results in ``out`` record the same bytes and seed.
        reports: write each submission's ``report.html`` (and the class overview).
        on_plan, on_progress: called with the plan once, and with each finished entry.

    Returns:
        The plan and a summary. After Ctrl-C the summary says ``interrupted``;
        everything finished is saved and the class outputs are written.
    """
    root, out = Path(root), Path(out)
    if out.resolve() == root.resolve() or root.resolve() in out.resolve().parents:
        raise UserError(f"--out {out} is inside the class directory {root}; choose another place so "
                        "that results are never taken for submissions")
    start = time.perf_counter()
    remove_stale_temporaries(out)
    plan = plan_class(root, only=only)
    on_plan(plan)
    seed_key = class_key(out) if seed != DEFAULT_SEED else None
    summary = ClassSummary(isolation=executor.isolation, students=len(plan.roster))
    executor.prepare({e.problem for e in plan.entries}, seed)
    helpers = BoundedPool(1) if reports else None
    pending: dict[Future, tuple[Entry, str, str]] = {}
    entries = iter(plan.entries)
    sources: dict[str, dict[str, str]] = {}  # problem -> student -> source, for the similarity report

    def finish(entry: Entry, results: dict, source: str) -> None:
        if source:
            sources.setdefault(entry.problem.id, {})[entry.student] = source
        target = results_path(out, entry.student, entry.problem.id)
        if reports:
            target.parent.mkdir(parents=True, exist_ok=True)
            write_report(report_path(out, entry.student, entry.problem.id), results=results,
                         source=source, problem=entry.problem, static_href=CLASS_STATIC_HREF,
                         helpers=helpers)
        write_atomic(target, dumps(results))
        summary.graded += 1
        kind = (results["extra_data"].get("error") or {}).get("kind")
        if kind:
            summary.errors[kind] = summary.errors.get(kind, 0) + 1
        on_progress(entry)

    def submit_next() -> bool:
        for entry in entries:
            try:
                submission = read_submission(entry.path)
            except BadSubmission as exc:
                sha = _bad_sha(exc)
                if resume and already_graded(out, entry, sha, seed, seed_key):
                    summary.skipped += 1
                    on_progress(entry)
                    continue
                results = not_graded(problem=entry.problem, suite=Suite(entry.problem, seed=seed),
                                     seed=seed, error=SubmissionError(ErrorKind.BAD_SUBMISSION, exc.message),
                                     source_sha256=sha, isolation=executor.isolation, lang=lang,
                                     seed_key=seed_key)
                finish(entry, results, "")
                continue
            if resume and already_graded(out, entry, submission.sha256, seed, seed_key):
                summary.skipped += 1
                on_progress(entry)
                continue
            request = GradeRequest(key=f"{entry.student}/{entry.problem.id}", problem_id=entry.problem.id,
                                   source=submission.source, filename=entry.path.name,
                                   sha256=submission.sha256, seed=seed, limits=limits,
                                   enforce_forbidden=entry.problem.id not in allow_forbidden,
                                   lang=lang, seed_key=seed_key)
            pending[executor.submit(request)] = (entry, submission.source, submission.sha256)
            return True
        return False

    try:
        while True:
            while len(pending) < executor.capacity and submit_next():
                pass
            if not pending:
                break
            done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                entry, source, sha = pending.pop(future)
                try:
                    results = future.result()
                except SandboxUnavailable:
                    raise
                except Exception as exc:  # a failure of the trusted side costs this submission only
                    results = _grader_error_results(entry, seed=seed, why=f"{type(exc).__name__}: {exc}",
                                                    sha=sha, isolation=executor.isolation, lang=lang,
                                                    seed_key=seed_key)
                finish(entry, results, source)
        summary.retried = list(getattr(executor, "retried", []))
    except KeyboardInterrupt:
        summary.interrupted = True
        for future in pending:
            future.cancel()
    finally:
        if reports and not summary.interrupted:
            _similarity(out, sources, helpers)
        if helpers is not None:
            helpers.close()
        write_class_outputs(out, problems=problems_of(plan), roster=plan.roster, overview=reports)
        summary.seconds = time.perf_counter() - start
    return plan, summary


def _similarity(out: Path, sources: dict[str, dict[str, str]], helpers) -> None:
    """The similarity report; it may fail (it reads candidate sources) without costing the class."""
    try:
        write_similarity(out=out, submissions=sources, helpers=helpers)
    except Exception as exc:  # noqa: BLE001 - reported, never fatal
        log.warning("the similarity report could not be written: %s", exc)


def problems_of(plan: ClassPlan) -> list[Problem]:
    """The gradebook's columns: every problem someone handed in, in catalogue order."""
    handed_in = {e.problem.id for e in plan.entries}
    return [p for p in registry.all_problems() if p.id in handed_in]


def list_problems() -> list[dict]:
    return [
        {"id": p.id, "title": p.title, "title_zh": p.title_zh, "difficulty": p.difficulty,
         "tags": list(p.tags), "sources": list(p.sources)}
        for p in registry.all_problems()
    ]


def results_json(results: dict) -> str:
    return dumps(results)
