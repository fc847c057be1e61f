"""Grading a whole class: ``DIR/<student>/<problem>.py`` -> ``OUT/<student>/<problem>/``.

Plans the jobs (reporting, per student, files that are not problems), grades
them in parallel on the sandbox pool, and writes each submission's
``report.html`` and then its ``results.json`` atomically as soon as it is
graded, so an interrupted run loses nothing finished. ``results.json`` is the
completion marker: with ``resume`` a job whose results already record the same
submission bytes, problem and seed is not graded again. The class outputs
(gradebook, overview) are written at the end, also after an interruption.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
import time
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader import registry
from grader.fsutil import write_atomic
from grader.grading import DEFAULT_SEED, Limits, Suite, grade, not_graded, seed_fingerprint
from grader.registry import Problem
from grader.submission import BadSubmission, read_submission


@dataclass(frozen=True)
class Job:
    student: str
    problem: Problem
    path: Path


@dataclass
class ClassPlan:
    jobs: list[Job]
    roster: dict[str, dict]  # student -> {"graded": [problem ids], "notes": [str]}


@dataclass
class ClassSummary:
    graded: int = 0
    skipped: int = 0  # already finished (resume)
    interrupted: bool = False
    seconds: float = 0.0
    isolation: str = ""
    students: int = 0
    errors: dict[str, int] = field(default_factory=dict)


def _is_symlink(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def plan_class(root: Path, *, only: Problem | None = None) -> ClassPlan:
    """Find every (student, problem) submission under ``root``."""
    ids = set(registry.problem_ids())
    jobs, roster = [], {}
    for student_dir in sorted(root.iterdir(), key=lambda p: p.name):
        if student_dir.name.startswith("."):
            continue
        student = student_dir.name
        if _is_symlink(student_dir):
            roster[student] = {"graded": [], "notes": [f"{student}: is a symbolic link; not followed, not graded"]}
            continue
        if not student_dir.is_dir():
            continue  # a stray file next to the student folders
        entry = roster.setdefault(student, {"graded": [], "notes": []})
        for path in sorted(student_dir.iterdir(), key=lambda p: p.name):
            name = path.name
            if name.startswith(".") or name == "__pycache__":
                continue
            stem, _, suffix = name.partition(".")
            if stem in ids and suffix in ("py", "ipynb"):
                problem = registry.get(stem)
                if only is None or problem.id == only.id:
                    jobs.append(Job(student, problem, path))
                    entry["graded"].append(problem.id)
            elif suffix == "py" or stem not in ids:
                close = registry.close_matches(stem)
                hint = f" (did you mean {close[0]}.py?)" if close else ""
                entry["notes"].append(f"{name}: not a problem ID{hint}; not graded")
    return ClassPlan(jobs, roster)


def results_path(out: Path, job: Job) -> Path:
    return out / job.student / job.problem.id / "results.json"


def _already_graded(path: Path, sha: str, seed: int) -> bool:
    try:
        previous = json.loads(path.read_text(encoding="utf-8"))
        extra = previous["extra_data"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    same_seed = extra.get("seed") == seed if seed == DEFAULT_SEED else (
        extra.get("seed_fingerprint") == seed_fingerprint(seed))
    return extra.get("submission_sha256") == sha and same_seed


def _fingerprint(job: Job) -> tuple[str, object]:
    """(sha256 identifying what was submitted, the Submission or the BadSubmission)."""
    try:
        submission = read_submission(job.path)
        return submission.sha256, submission
    except BadSubmission as exc:
        return hashlib.sha256(f"bad:{exc}".encode()).hexdigest(), exc


def _remove_stale_temporaries(out: Path) -> None:
    """Half-written files of a run that was killed (never a finished result)."""
    if out.is_dir():
        for leftover in out.glob("*/*/.*.tmp"):
            try:
                leftover.unlink()
            except OSError:
                pass


def grade_class(
    *,
    root: Path,
    out: Path,
    runner,
    seed: int = DEFAULT_SEED,
    limits: Limits = Limits(),
    workers: int = 1,
    resume: bool = False,
    only: Problem | None = None,
    allow_forbidden: frozenset[str] = frozenset(),
    on_progress: Callable[[Job], None] = lambda job: None,
    write_report: Callable[..., None] | None = None,
    stop: threading.Event | None = None,
) -> tuple[ClassPlan, ClassSummary]:
    """Grade every submission under ``root`` into ``out``; see the module docstring."""
    start = time.perf_counter()
    stop = stop or threading.Event()
    _remove_stale_temporaries(out)
    plan = plan_class(root, only=only)
    summary = ClassSummary(isolation=runner.isolation, students=len(plan.roster))
    suites = {p.id: Suite(p, seed=seed).prepare(misconceptions=True) for p in {j.problem for j in plan.jobs}}
    lock = threading.Lock()

    def run(job: Job) -> None:
        if stop.is_set():
            return
        sha, submission = _fingerprint(job)
        target = results_path(out, job)
        if resume and _already_graded(target, sha, seed):
            with lock:
                summary.skipped += 1
            return
        if isinstance(submission, BadSubmission):
            source = ""
            results = not_graded(problem=job.problem, suite=suites[job.problem.id], seed=seed,
                                 error={"kind": submission.kind, "message": str(submission)},
                                 source_sha256=sha, isolation=runner.isolation)
        else:
            source = submission.source
            results = grade(problem=job.problem, source=source, filename=job.path.name,
                            runner=runner, seed=seed, limits=limits, suite=suites[job.problem.id],
                            source_sha256=sha, figure=True,
                            enforce_forbidden=job.problem.id not in allow_forbidden)
        if stop.is_set():
            return  # interrupted mid-run: the sandbox was torn down, this result is not real
        if write_report:
            write_report(target.with_name("report.html"), results=results, source=source,
                         problem=job.problem)
        write_atomic(target, json.dumps(results, indent=1, ensure_ascii=False))
        with lock:
            summary.graded += 1
            kind = (results["extra_data"].get("error") or {}).get("kind")
            if kind:
                summary.errors[kind] = summary.errors.get(kind, 0) + 1

    executor = ThreadPoolExecutor(max_workers=max(1, workers))
    pending = {executor.submit(run, job): job for job in plan.jobs}
    try:
        while pending:
            done, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                job = pending.pop(future)
                future.result()
                on_progress(job)
    except KeyboardInterrupt:
        stop.set()
        summary.interrupted = True
        for future in pending:
            future.cancel()
        raise
    finally:
        executor.shutdown(wait=not summary.interrupted, cancel_futures=True)
        summary.seconds = time.perf_counter() - start
    return plan, summary
