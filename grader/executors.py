"""Where submissions are graded: the local sandbox pool, or (grader.dask_backend) a cluster.

An executor takes :class:`GradeRequest` objects — plain data, everything needed
to grade one submission — and returns futures of their ``results.json``
content. :func:`grade_request` is the one grading step both executors run on
their trusted side (this process, or a Dask worker), with the suites (reference
outputs) computed once per problem and seed and shared by every submission.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from grader import registry
from grader.grading import DEFAULT_SEED, Suite, grade
from grader import user_errors as UE
from grader.i18n import DEFAULT_LANG, Text, TextError
from grader.pool import SandboxPool
from grader.registry import Problem
from grader.sandbox.messages import Limits


class WeakIsolationRefused(TextError):
    """Only weak isolation is available and the caller did not allow it (``text``: why)."""


@dataclass(frozen=True)
class GradeRequest:
    """One readable submission to grade (plain data, so that it can travel to a cluster)."""

    key: str  # "<student>/<problem>", for progress and retries
    problem_id: str
    source: str
    filename: str
    sha256: str
    seed: int = DEFAULT_SEED
    limits: Limits = Limits()
    enforce_forbidden: bool = True
    lang: str = DEFAULT_LANG
    seed_key: bytes | None = None
    figure: bool = True
    source_map: object | None = None  # a notebook's grader.notebooks.SourceMap (lines -> cells)


class SuiteCache:
    """Prepared suites by (problem, seed): reference outcomes computed once each, and the
    misconceptions' outcomes when a failure first needs them (see :meth:`Suite.prepare`).

    A suite is computed the first time a grading thread needs it, under a lock of
    its own: threads needing other problems go on meanwhile (grading, or
    computing their own suites), so that at the start of a class the sandboxes
    do not wait for every problem's references.
    """

    def __init__(self):
        self._suites: dict[tuple[str, int], Suite] = {}
        self._locks: dict[tuple[str, int], threading.Lock] = {}
        self._lock = threading.Lock()

    def get(self, problem: Problem, seed: int) -> Suite:
        key = (problem.id, seed)
        suite = self._suites.get(key)
        if suite is not None:
            return suite
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            if key not in self._suites:
                self._suites[key] = Suite(problem, seed=seed, remember=True).prepare()
            return self._suites[key]

    def prepared(self) -> list[Suite]:
        """Every suite computed so far."""
        return list(self._suites.values())


def grade_request(request: GradeRequest, *, runner, suites: SuiteCache) -> dict:
    """Grade one request on ``runner`` (the trusted side of whichever executor runs it)."""
    problem = registry.get(request.problem_id)
    return grade(problem=problem, source=request.source, filename=request.filename, runner=runner,
                 seed=request.seed, limits=request.limits, suite=suites.get(problem, request.seed),
                 source_sha256=request.sha256, figure=request.figure,
                 enforce_forbidden=request.enforce_forbidden, lang=request.lang,
                 seed_key=request.seed_key, source_map=request.source_map)


class LocalExecutor:
    """Grading threads in this process, each using a slot of one sandbox pool."""

    def __init__(self, *, workers: int, allow_weak: bool, force_weak: bool = False, quick_start: bool = False):
        self.pool = SandboxPool(workers, force_weak=force_weak, quick_start=quick_start)
        self.warning: Text | None = None  # said to every user of its results when isolation is weak
        self.notice: Text | None = None  # said once to whoever runs the class (a Dask executor's retired workers)
        self.dashboard: str | None = None  # where a cluster shows its progress (Dask only)
        if self.pool.weak:
            reason = self.pool.fallback_reason
            self.warning = UE.WEAK_HERE.format(why=UE.WHY_WEAK.format(reason=reason) if reason else "")
            if not allow_weak:
                self.pool.close()
                raise WeakIsolationRefused(self.warning)
        self.workers = workers
        self.suites = SuiteCache()
        self._threads = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="grade")

    @property
    def isolation(self) -> str:
        return self.pool.level

    @property
    def description(self) -> Text:
        """What its isolation does, in both languages."""
        return self.pool.description

    @property
    def capacity(self) -> int:
        """Requests worth having in flight at once."""
        return 2 * self.workers

    def submit(self, request: GradeRequest) -> Future:
        return self._threads.submit(grade_request, request, runner=self.pool, suites=self.suites)

    def close(self, *, wait: bool = True) -> None:
        """Stop; ``wait=False`` waits neither for running grading threads nor for the zygotes' exit."""
        self._threads.shutdown(wait=wait, cancel_futures=True)
        self.pool.close(wait=wait)

    def __enter__(self) -> "LocalExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close(wait=exc[0] is None)
