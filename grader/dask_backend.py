"""Grading a class on a Dask cluster (the optional extra ``attention-judge[dask]``).

``attn-judge grade DIR --scheduler tcp://HOST:8786`` (Dask's own address
convention) or ``--scheduler local:N`` (a ``LocalCluster`` of N worker
processes). Each Dask worker hosts its own sandbox pool, started once by a
worker plugin and isolated exactly as locally; the references and hidden cases
live only on the workers' trusted side, and the client receives each
submission's ``results.json`` content, which :func:`grader.services.grade_class`
writes atomically as for the local pool (resume, progress, gradebook, overview
and similarity report unchanged).

A worker that dies mid-class loses nothing: the scheduler reports the lost
tasks (``KilledWorker``; local clusters are created with no silent retries so
that every retry is counted here) and they are submitted again, each a bounded
number of times; a submission whose tries all ended with a lost worker is
marked ``crash`` instead of taking the cluster down one worker at a time. The
run summary lists what was graded again. (The workers' side: :mod:`grader.dask_worker`.)

A worker that cannot grade grades nothing: one whose sandbox pool cannot start
(a machine without namespaces allowed, a bad setting), or one that runs another
installation than the client (:mod:`grader.installation`: other code, hidden
cases, references or torch would grade its share of the class differently).
When the class starts such workers are retired and named; one that joins later
is retired at its first task, which is sent elsewhere without spending one of
the submission's tries (the submission did nothing wrong). When the last worker
that could grade is retired, the class stops with one message
(:class:`NoGraderLeft`), what finished saved for ``--resume``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import signal
import threading
import time
import uuid
from concurrent.futures import CancelledError, Future, InvalidStateError
from typing import Iterator

import dask
from distributed import Client, LocalCluster

from grader import capacity, installation, registry
from grader import user_errors as UE
from grader.dask_worker import (MAX_FAILURE_CHARS, PLUGIN_NAME, SandboxPlugin, WorkerCannotGrade, grade_on_worker,
                                worker_isolation)
from grader.executors import GradeRequest, WeakIsolationRefused
from grader.grading import Suite, not_graded
from grader.i18n import t
from grader.runs import GradingStopped, SubmissionError
from grader.isolation_wording import describe
from grader.sandbox.isolation import WEAK, base_level
from grader.sandbox.messages import ErrorKind

log = logging.getLogger(__name__)

MAX_TRIES = 3
CONNECT_SECONDS = 30
CAPACITY_SECONDS = 2.0  # how long the cluster's count of worker threads is trusted before it is asked again
WORKERS_SECONDS = 20  # how long a cluster may take to have its first worker running (each imports torch)
WORKERS_LOST = t("the grading worker was lost {tries} times while grading this submission; it was not "
                 "graded again", "评测这份提交时，评测进程丢失了 {tries} 次；不再重新评测")


OLDER_INSTALLATION = ("it runs another installation than the command's (one that does not answer as this "
                      "one does): install the same attention-judge and torch on every machine")


def _isolation_answer(answer) -> tuple[str, str, str]:
    """A worker's answer to :func:`worker_isolation`, or a failure when it answered otherwise (an
    older attention-judge's two values, or its error because it has no such function)."""
    if isinstance(answer, (tuple, list)) and len(answer) == 3 and all(isinstance(part, str) for part in answer):
        return tuple(answer)
    return "", "", OLDER_INSTALLATION


class ClusterLost(GradingStopped):
    """The client lost its scheduler: nothing more can be graded on this cluster."""


class NoGraderLeft(GradingStopped):
    """Every worker of the cluster that could grade was retired in the middle of a class."""


class NoWorkers(RuntimeError):
    """The scheduler has no worker running (none came within :data:`WORKERS_SECONDS`)."""


class NoWorkerCanGrade(RuntimeError):
    """No worker of the cluster can grade (``detail``: which, and why)."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


def _failures(failed: dict[str, str]) -> str:
    """The workers that cannot grade, and why: the first in full, a count of the rest."""
    first, *rest = sorted(failed.items())
    text = f"{first[0]}: {first[1]}"
    return text + (f"; {len(rest)} more" if rest else "")


class DaskExecutor:
    """Submits grade requests to a Dask cluster; futures resolve to ``results.json`` content."""

    def __init__(self, client, *, allow_weak: bool, force_weak: bool = False, cluster=None,
                 task=grade_on_worker, max_tries: int = MAX_TRIES):
        self.client = client
        self.cluster = cluster
        self.task = task
        self.max_tries = max_tries
        self.retried: list[str] = []
        self._lock = threading.Lock()
        self._retired: dict[str, str] = {}  # the workers retired because they cannot grade, and why
        self._capacity, self._capacity_until = 2, 0.0
        self._silence_client_log = False
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (TimeoutError, asyncio.TimeoutError):
            self.close()
            raise NoWorkers(f"no worker came within {WORKERS_SECONDS} s") from None
        client.register_plugin(SandboxPlugin(force_weak, installation.digest()), name=PLUGIN_NAME)
        self.notice = None  # said once to whoever runs the class: the workers retired
        levels = self._graders()
        weakest = min((level for level, _ in levels.values()), key=lambda level: base_level(level) != WEAK)
        self.isolation = weakest
        self.description = describe(weakest)
        self.warning = None
        self.dashboard: str | None = None  # where a local cluster shows its progress (see open_dask_executor)
        if base_level(weakest) == WEAK:
            reasons = "; ".join(sorted({reason for _, reason in levels.values() if reason}))
            self.warning = UE.WEAK_ON_WORKERS.format(why=UE.WHY_WEAK.format(reason=reasons) if reasons else "")
            if not allow_weak:
                self.close()
                raise WeakIsolationRefused(self.warning)

    def _graders(self) -> dict[str, tuple[str, str]]:
        """The workers that can grade, each with its isolation level and why it is not stronger;
        the others are retired and named in :attr:`notice`."""
        answers = {address: _isolation_answer(answer)
                   for address, answer in self.client.run(worker_isolation, on_error="return").items()}
        if not answers:
            self.close()
            raise NoWorkers("the Dask cluster has no workers")
        failed = {address: failure for address, (_, _, failure) in answers.items() if failure}
        graders = {address: (level, reason) for address, (level, reason, failure) in answers.items() if not failure}
        if failed:
            self._retired.update(failed)
            self.client.retire_workers(workers=list(failed), close_workers=True)
            if not graders:
                self.close()
                raise NoWorkerCanGrade(_failures(failed))
            self.notice = UE.WORKERS_RETIRED.format(count=len(failed), total=len(answers), detail=_failures(failed))
        return graders

    @property
    def capacity(self) -> int:
        """Requests worth having in flight: two per worker thread (asked of the scheduler every
        :data:`CAPACITY_SECONDS` at most, not for every submission)."""
        now = time.monotonic()
        if now >= self._capacity_until:
            try:
                threads = sum(self.client.nthreads().values())
            except (OSError, CancelledError) as exc:  # TimeoutError among them: the scheduler is gone
                raise self._lost(exc) from None
            self._capacity, self._capacity_until = 2 * max(1, threads), now + CAPACITY_SECONDS
        return self._capacity

    def submit(self, request: GradeRequest) -> Future:
        result: Future = Future()
        self._submit(request, result, tries=1)
        return result

    def _submit(self, request: GradeRequest, result: Future, *, tries: int) -> None:
        key = f"attn-judge-{uuid.uuid4().hex}"
        try:
            future = self.client.submit(self.task, request, key=key, pure=False, retries=0)
        except (OSError, CancelledError, RuntimeError) as exc:  # a closed client or a lost scheduler
            raise self._lost(exc) from None
        future.add_done_callback(lambda finished: self._answered(finished, request, result, tries=tries))

    def _lost(self, exc: BaseException) -> ClusterLost:
        """The error that stops the class; the client's own log of its failed reconnection is
        silenced (it would print a traceback when the client is closed)."""
        self._silence_client_log = True
        address = getattr(self.client.scheduler, "address", None) or "?"
        why = "" if isinstance(exc, CancelledError) else f" ({type(exc).__name__}: {exc})"
        return ClusterLost(f"the Dask scheduler {address} was lost{why}"[:MAX_FAILURE_CHARS])

    def _answered(self, finished, request: GradeRequest, result: Future, *, tries: int) -> None:
        """Pass the cluster's answer (``finished``, a Dask future) on to ``result``.

        A lost worker's request is sent again, up to ``max_tries``; one that reached a
        worker that cannot grade is sent again without spending a try. A request
        cancelled meanwhile (an interrupted class run) no longer wants its answer.
        """
        if result.cancelled():
            return
        try:
            value = finished.result()
        except CancelledError as exc:  # the scheduler was lost: the request is not this submission's failure
            _settle(result, exception=self._lost(exc))
            return
        except WorkerCannotGrade as exc:
            self._cannot_grade(exc, request, result, tries=tries)
            return
        except Exception as exc:  # a lost worker, or the trusted side failing on the worker
            if type(exc).__name__ != "KilledWorker":
                _settle(result, exception=exc)
            elif tries < self.max_tries:
                self._again(request, result, tries=tries + 1)
            else:
                _settle(result, value=_workers_lost(request, tries, self.isolation))
            return
        _settle(result, value=value)

    def _cannot_grade(self, exc: WorkerCannotGrade, request: GradeRequest, result: Future, *, tries: int) -> None:
        """Retire the worker (after its answer, so that none is lost) and send the request to
        another, or stop the class when no worker that could grade is left."""
        with self._lock:
            first = exc.address not in self._retired
            self._retired[exc.address] = exc.failure
            retired = dict(self._retired)
        if first:
            self.client.loop.add_callback(_retire, self.client, exc.address)
        try:
            left = set(self.client.nthreads()) - set(retired)
        except (OSError, CancelledError) as lost:  # TimeoutError among them: the scheduler is gone
            _settle(result, exception=self._lost(lost))
            return
        if not left:
            _settle(result, exception=NoGraderLeft(f"no Dask worker left can grade ({_failures(retired)})"))
            return
        self._again(request, result, tries=tries)

    def _again(self, request: GradeRequest, result: Future, *, tries: int) -> None:
        with self._lock:
            self.retried.append(request.key)
        try:
            self._submit(request, result, tries=tries)
        except ClusterLost as lost:
            _settle(result, exception=lost)

    def close(self, *, wait: bool = True) -> None:
        if self._silence_client_log:
            logging.getLogger("distributed.client").setLevel(logging.CRITICAL)
        try:
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()


async def _retire(client, address: str) -> None:
    """Ask the scheduler to retire a worker (on the client's event loop; it may be gone already)."""
    try:
        await client.scheduler.retire_workers(workers=[address], close_workers=True)
    except Exception as exc:  # noqa: BLE001 - the worker or the scheduler went away meanwhile
        log.debug("retiring %s failed: %s", address, exc)


def _settle(result: Future, *, value=None, exception: BaseException | None = None) -> None:
    """Give ``result`` its answer, unless it was cancelled in the meantime."""
    try:
        if exception is not None:
            result.set_exception(exception)
        else:
            result.set_result(value)
    except InvalidStateError:  # cancelled between the caller's look and now
        pass


def _workers_lost(request: GradeRequest, tries: int, isolation: str) -> dict:
    problem = registry.get(request.problem_id)
    error = SubmissionError(ErrorKind.CRASH, WORKERS_LOST.format(tries=tries))
    return not_graded(problem=problem, suite=Suite(problem, seed=request.seed), seed=request.seed,
                      error=error, source_sha256=request.sha256, isolation=isolation, lang=request.lang,
                      seed_key=request.seed_key)


def _has_dashboard() -> bool:
    """Whether Dask's dashboard can show anything here (without bokeh it only says that it needs it)."""
    return importlib.util.find_spec("bokeh") is not None


@contextlib.contextmanager
def _ctrl_c_left_to_this_process() -> Iterator[None]:
    """Worker processes started within the block ignore SIGINT (an ignored signal stays ignored in
    a new process, and Python then installs no KeyboardInterrupt of its own): a terminal's Ctrl-C
    reaches the whole process group, and only this process, which closes the cluster, answers it.
    Otherwise every worker dies printing a traceback, and the scheduler logs the task it held."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def open_dask_executor(scheduler: str, *, allow_weak: bool, force_weak: bool = False) -> DaskExecutor:
    """A Dask executor for ``tcp://HOST:PORT`` (an existing scheduler) or ``local:N`` (N local workers).

    Raises ImportError without the ``dask`` extra, ValueError for a malformed
    address, :class:`grader.capacity.TooManyWorkers` for more local workers than
    the machine holds, OSError when the scheduler cannot be reached, :class:`NoWorkers` when
    it has no worker.
    """
    if scheduler.startswith("local:"):
        count = scheduler.split(":", 1)[1] or "1"
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"local:N needs a number of workers, not {count!r}")
        workers = capacity.checked_workers(int(count))
        # One task at a time per worker thread (no tasks queued on a worker): a worker that a
        # submission kills then takes no bystander's try with it.
        with dask.config.set({"distributed.scheduler.allowed-failures": 0,
                              "distributed.scheduler.worker-saturation": 1.0}), _ctrl_c_left_to_this_process():
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0", silence_logs=40,  # this machine only
                                   scheduler_kwargs={"dashboard": _has_dashboard()})
        client = Client(cluster, direct_to_workers=True)  # results from the workers, not via the scheduler
        executor = DaskExecutor(client, allow_weak=allow_weak, force_weak=force_weak, cluster=cluster)
        if _has_dashboard():  # a scheduler's own dashboard is its administrator's to give (or to switch off)
            executor.dashboard = client.dashboard_link
        return executor
    if "://" not in scheduler:
        raise ValueError(f"{scheduler!r} is not a scheduler address (tcp://HOST:PORT or local:N)")
    return DaskExecutor(Client(scheduler, timeout=CONNECT_SECONDS), allow_weak=allow_weak,
                        force_weak=force_weak)
