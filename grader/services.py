"""Service functions behind the CLI: keyword-only, testable without click.

User mistakes raise :class:`UserError` (one clear line, exit code 2 in the CLI).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from grader import progress, registry
from grader.grading import DEFAULT_SEED, Limits, Suite, grade, not_graded
from grader.pool import SandboxPool, SandboxUnavailable
from grader.registry import Problem, UnknownProblemError
from grader.sandbox.isolation import WEAK
from grader.submission import BadSubmission, read_submission


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
    raise UserError(f"{path}: cannot tell the problem from the file name.{hint} Rename the file "
                    "to <problem_id>.py or pass --problem (see 'attn-judge list').")


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


@dataclass
class Sandbox:
    """An open sandbox pool and what the user should know about it."""

    pool: SandboxPool
    warning: str | None


def open_sandbox(*, workers: int = 1, allow_weak: bool, hidden: list[Path] = ()) -> Sandbox:
    force_weak = os.environ.get("ATTN_JUDGE_ISOLATION") == WEAK
    try:
        pool = SandboxPool(workers, force_weak=force_weak, hidden=[str(h) for h in hidden])
    except SandboxUnavailable as exc:
        raise UserError(f"cannot start the sandbox: {exc}") from None
    warning = None
    if pool.level == WEAK:
        reason = f" ({pool.fallback_reason})" if pool.fallback_reason else ""
        warning = ("only weak isolation is available on this machine" + reason + ": submissions "
                   "run with resource limits but can read the grader user's files.")
        if not allow_weak:
            pool.close()
            raise UserError(warning + " Run as root or enable user namespaces, or pass "
                            "--allow-weak-isolation to grade anyway (the results will say so).")
    return Sandbox(pool, warning)


def check_file(*, path: Path, problem_id: str | None, timeout: float = 10.0) -> dict:
    """Run the public tests on a learner's file; record progress; return the results."""
    path = Path(path)
    problem = infer_problem(path, problem_id)
    try:
        submission = read_submission(path)
    except BadSubmission as exc:
        raise UserError(str(exc)) from None
    sandbox = open_sandbox(allow_weak=True, hidden=[path.resolve().parent])
    try:
        results = grade(problem=problem, source=submission.source, filename=path.name,
                        runner=sandbox.pool, public=True, source_sha256=submission.sha256,
                        limits=Limits(timeout=timeout))
    finally:
        sandbox.pool.close()
    results["extra_data"]["isolation_warning"] = sandbox.warning
    progress.record(problem.id, score=results["score"], max_score=results["max_score"])
    return results


def grade_file(*, path: Path, problem_id: str | None, seed: int = DEFAULT_SEED,
               limits: Limits = Limits(), allow_weak: bool = False,
               allow_forbidden: frozenset[str] = frozenset()) -> dict:
    """Grade one submission on the hidden tests and return its results."""
    path = Path(path)
    problem = infer_problem(path, problem_id)
    sandbox = open_sandbox(allow_weak=allow_weak, hidden=[path.resolve().parent])
    try:
        submission = read_submission(path)
    except BadSubmission as exc:
        sandbox.pool.close()
        return not_graded(problem=problem, suite=Suite(problem, seed=seed), seed=seed,
                          error={"kind": exc.kind, "message": str(exc)},
                          source_sha256=hashlib.sha256(f"bad:{exc}".encode()).hexdigest(),
                          isolation=sandbox.pool.level)
    try:
        results = grade(problem=problem, source=submission.source, filename=path.name,
                        runner=sandbox.pool, seed=seed, limits=limits, figure=True,
                        source_sha256=submission.sha256,
                        enforce_forbidden=problem.id not in allow_forbidden)
    finally:
        sandbox.pool.close()
    if sandbox.warning:
        results["extra_data"]["isolation_warning"] = sandbox.warning
    return results


def list_problems() -> list[dict]:
    return [
        {"id": p.id, "title": p.title, "title_zh": p.title_zh, "difficulty": p.difficulty,
         "tags": list(p.tags), "sources": list(p.sources)}
        for p in registry.all_problems()
    ]


def results_json(results: dict) -> str:
    return json.dumps(results, indent=1, ensure_ascii=False)
