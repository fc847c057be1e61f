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
cases, references or torch would grade its share of the class differently), or
one that cannot load attention-judge at all. When the class starts such workers
are retired and named; each worker is asked what it runs before the grader's
plugin is sent, because one that cannot unpickle the plugin hangs, and Dask's
registration of the plugin with it. Every question to the workers at the start
is bounded in time. One that joins later is retired at its first task, which is
sent elsewhere without spending one of the submission's tries (the submission
did nothing wrong), and named at the end of the run. When the last worker that
could grade is retired, the class stops with one message
(:class:`NoGraderLeft`), what finished saved for ``--resume``.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import re
import signal
import socket
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
                                other_installation, worker_installation, worker_isolation)
from grader.executors import GradeRequest, WeakIsolationRefused
from grader.grading import Suite, not_graded
from grader.i18n import t
from grader.runs import GradingStopped, SubmissionError
from grader.isolation_wording import describe
from grader.sandbox.isolation import WEAK, base_level
from grader.sandbox.messages import ErrorKind

log = logging.getLogger(__name__)

TASK_PREFIX = "attn-judge-"  # of the key of each grading task, which the scheduler's log names

MAX_TRIES = 3
CONNECT_SECONDS = 30
CONNECT_GRACE_SECONDS = 5  # beyond CONNECT_SECONDS, for a connection that Dask itself would end
RESOLVE_SECONDS = 5  # for the scheduler's host name to resolve before Dask is left to try
UNSUPPORTED_PROTOCOLS = ("ucx",)  # needs a build of Dask and of the workers of its own
CAPACITY_SECONDS = 2.0  # how long the cluster's count of worker threads is trusted before it is asked again
WORKERS_SECONDS = 20  # how long a cluster may take to have its first worker running (each imports torch)
STUCK = ("closing", "closed")  # a worker's status while it cannot answer a broadcast
STUCK_SECONDS = 10  # how long a worker may take to leave the scheduler once closing
PLUGIN_SECONDS = 180  # how long every worker may take to start its sandboxes once the plugin is sent
WORKERS_LOST = t("the grading worker was lost {tries} times while grading this submission; it was not "
                 "graded again", "评测这份提交时，评测进程丢失了 {tries} 次；不再重新评测")


OLDER_INSTALLATION = ("it runs another installation than the command's (one that does not answer as this "
                      "one does): install the same attention-judge and torch on every machine")


def _installation_failure(answer, ours: str) -> str:
    """Why a worker that gave ``answer`` to :func:`worker_installation` cannot grade for a command
    whose installation digest is ``ours`` ("" when it can)."""
    if isinstance(answer, (tuple, list)) and len(answer) == 2 and all(isinstance(part, str) for part in answer):
        digest, summary = answer
        return "" if digest == ours else other_installation(summary, installation.summary())
    missing = isinstance(answer, Exception) and re.search(r"No module named '(grader(\.[\w.]+)?)'", str(answer))
    if missing:  # Dask hands the worker's error back as a plain Exception holding its text
        return (f"it cannot load attention-judge (no module named {missing.group(1)}): install the same "
                f"attention-judge and torch on every machine")
    return OLDER_INSTALLATION


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


class WorkersStuck(NoWorkerCanGrade):
    """Workers stuck closing hold up the grader's plugin for every worker, good ones too (``detail``:
    which)."""


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
        self._retired_at_start: dict[str, str] = {}  # of them, those retired before the class started
        self._asked: set[str] = set()  # every worker asked at the start (the notice's count)
        self._capacity, self._capacity_until = 2, 0.0
        self._silence_client_log = False
        try:
            client.wait_for_workers(1, timeout=WORKERS_SECONDS)
        except (TimeoutError, asyncio.TimeoutError):
            self.close()
            raise NoWorkers(f"no worker came within {WORKERS_SECONDS} s") from None
        self._retire_other_installations()
        self._refuse_stuck_workers()
        self._register(SandboxPlugin(force_weak, installation.digest()))
        levels = self._graders()
        self.notice = None  # said once to whoever runs the class: the workers retired
        if self._retired_at_start:
            self.notice = UE.WORKERS_RETIRED.format(count=len(self._retired_at_start), total=len(self._asked),
                                                    detail=_failures(self._retired_at_start))
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

    def _retire_other_installations(self) -> None:
        """Retire, before the grader's plugin is sent, every worker that does not run this
        installation. One that cannot load attention-judge at all must not receive the plugin:
        failing to unpickle it, the worker hangs, and Dask's registration of the plugin with it
        (dask/distributed#8694)."""
        ours = installation.digest()
        answers = self._ask_running(worker_installation)
        self._retire_at_start({address: failure for address, answer in answers.items()
                               if (failure := _installation_failure(answer, ours))})

    def _register(self, plugin: SandboxPlugin) -> None:
        """Send the plugin to every worker and wait for them to start their sandboxes, at most
        :data:`PLUGIN_SECONDS`: a worker that joined meanwhile unable to load attention-judge, or
        one stuck closing, holds the registration up for as long as the scheduler keeps it."""
        try:
            _within(PLUGIN_SECONDS, self.client.register_plugin, plugin, name=PLUGIN_NAME)
        except TimeoutError:
            stuck = sorted(set(self.client.nthreads()) - set(self._running()))
            self.close()
            raise NoWorkerCanGrade(f"the workers did not all start their sandboxes within {PLUGIN_SECONDS} s"
                                   + (f"; not running: {', '.join(stuck[:3])}" if stuck else "")
                                   + "; a worker that cannot load attention-judge holds Dask up there until "
                                     "its scheduler drops it") from None

    def _refuse_stuck_workers(self) -> None:
        """Stop at once if a worker the scheduler still lists is stuck closing (one that could not
        load an earlier run's plugin: Dask keeps it until it misses its heartbeats, minutes), rather
        than wait :data:`PLUGIN_SECONDS` for it to take the plugin."""
        deadline = time.monotonic() + STUCK_SECONDS
        while True:
            stuck = sorted(address for address, status in self._statuses().items()
                           if status in STUCK and address not in self._retired)
            if not stuck or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        if stuck:
            self.close()
            raise WorkersStuck(f"{', '.join(stuck[:3])}: stuck closing")

    def _statuses(self) -> dict[str, str | None]:
        """Each worker the scheduler lists -> its status ("running", "closing", ...)."""
        return {address: info.get("status") for address, info in self.client.scheduler_info()["workers"].items()}

    def _running(self) -> list[str]:
        """The workers the scheduler says are running (not one still starting, or stuck closing
        because it could not load a plugin)."""
        return [address for address, status in self._statuses().items() if status == "running"]

    def _ask_running(self, function) -> dict:
        """Each running worker's answer to ``function`` (or the error it raised), within
        :data:`WORKERS_SECONDS`."""
        running = self._running()
        if not running:
            self.close()
            raise NoWorkers("the Dask cluster has no running workers")
        self._asked.update(running)
        try:
            return _within(WORKERS_SECONDS, self.client.run, function, workers=running, on_error="return")
        except TimeoutError:
            self.close()
            raise NoWorkerCanGrade(f"the workers did not answer within {WORKERS_SECONDS} s") from None

    def _retire_at_start(self, failed: dict[str, str]) -> None:
        """Retire ``failed`` (worker -> why it cannot grade) before the class starts; stop when no
        other worker is left."""
        if not failed:
            return
        self._retired.update(failed)
        self._retired_at_start.update(failed)
        try:
            _within(WORKERS_SECONDS, self.client.retire_workers, workers=list(failed), close_workers=True)
        except TimeoutError:  # still closing: it is asked nothing more, and graded nothing
            pass
        if not set(self.client.nthreads()) - set(self._retired):
            self.close()
            raise NoWorkerCanGrade(_failures(self._retired_at_start))

    def _graders(self) -> dict[str, tuple[str, str]]:
        """The workers that can grade, each with its isolation level and why it is not stronger;
        the others are retired (:meth:`_retire_at_start`)."""
        answers = {address: _isolation_answer(answer)
                   for address, answer in self._ask_running(worker_isolation).items()}
        self._retire_at_start({address: failure for address, (_, _, failure) in answers.items() if failure})
        return {address: (level, reason) for address, (level, reason, failure) in answers.items() if not failure}

    @property
    def retired_during_run(self) -> list[str]:
        """The workers retired once the class had started, each with why (``address: why``)."""
        with self._lock:
            return [f"{address}: {why}" for address, why in sorted(self._retired.items())
                    if address not in self._retired_at_start]

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
        key = f"{TASK_PREFIX}{uuid.uuid4().hex}"
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
        lost = f"the Dask scheduler {address} was lost{why}"[:MAX_FAILURE_CHARS]
        return ClusterLost(f"{lost}; its workers end with it: start the scheduler and the workers again")

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


def _within(seconds: float, call, *args, **kwargs):
    """``call(*args, **kwargs)``, waited for at most ``seconds`` (then TimeoutError). It runs on a
    thread of its own, left to end by itself: Dask cannot cancel a broadcast to its workers."""
    answer: Future = Future()

    def run() -> None:
        try:
            answer.set_result(call(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - raised below, in the caller's thread
            answer.set_exception(exc)

    threading.Thread(target=run, name="dask-broadcast", daemon=True).start()
    return answer.result(timeout=seconds)


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


def _check_address(scheduler: str) -> None:
    """Refuse at once an address no scheduler can have (ValueError), rather than after trying to
    reach it for :data:`CONNECT_SECONDS`: no ``PROTOCOL://``, or a TCP port out of range."""
    from distributed.comm import parse_address, parse_host_port

    if "://" not in scheduler:
        raise ValueError(f"{scheduler!r} is not a scheduler address (tcp://HOST:PORT or local:N)")
    protocol, location = parse_address(scheduler)
    if protocol in UNSUPPORTED_PROTOCOLS:
        raise ValueError(f"{scheduler!r}: the grader reaches a scheduler over tcp:// (or tls://)")
    if protocol in ("tcp", "tls"):
        try:
            host, port = parse_host_port(location)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{scheduler!r}: {exc}") from None
        if not host or not 0 < int(port) < 65536:
            raise ValueError(f"{scheduler!r} has no host or a port out of range")


def _check_host_known(scheduler: str) -> None:
    """OSError at once when the scheduler's host name does not resolve (a typo), rather than after
    trying to reach it for :data:`CONNECT_SECONDS`. A resolver that takes longer than
    :data:`RESOLVE_SECONDS` is left to Dask's own timeout."""
    from distributed.comm import parse_address, parse_host_port

    protocol, location = parse_address(scheduler)
    if protocol not in ("tcp", "tls"):
        return
    host, port = parse_host_port(location)
    outcome: dict = {}

    def resolve() -> None:
        try:
            socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            outcome["unknown"] = exc
        except OSError:  # anything else is for the connection to report
            pass

    thread = threading.Thread(target=resolve, name="attn-judge-dask-resolve", daemon=True)
    thread.start()
    thread.join(RESOLVE_SECONDS)
    if "unknown" in outcome:
        raise OSError(f"no host is named {host!r} (the name does not resolve: {outcome['unknown'].strerror}); "
                      "check the address")


def open_dask_executor(scheduler: str, *, allow_weak: bool, force_weak: bool = False) -> DaskExecutor:
    """A Dask executor for ``tcp://HOST:PORT`` (an existing scheduler) or ``local:N`` (N local workers).

    Raises ImportError without the ``dask`` extra, ValueError for a malformed
    address, :class:`grader.capacity.TooManyWorkers` for more local workers than
    the machine holds, OSError when the scheduler cannot be reached, :class:`NoWorkers` when
    it has no worker.
    """
    if scheduler.startswith("local:"):
        count = scheduler.split(":", 1)[1]
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"local:N needs a number of workers, not {count!r}")
        workers = capacity.checked_workers(int(count))
        # One task at a time per worker thread (no tasks queued on a worker): a worker that a
        # submission kills then takes no bystander's try with it.
        # the scheduler runs in this process: its ERROR line for each submission whose worker died
        # would read as the run failing; the run's summary says what was graded again
        logging.getLogger("distributed.scheduler").addFilter(_not_a_lost_worker_of_ours)
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
    _check_address(scheduler)
    _check_host_known(scheduler)
    # A remote client logs what it retries ("Couldn't gather 1 keys, rescheduling"): the run's summary
    # says what was graded again, and the terminal is the grader's.
    logging.getLogger("distributed.client").setLevel(logging.ERROR)
    return DaskExecutor(_connected_client(scheduler), allow_weak=allow_weak, force_weak=force_weak)


def _not_a_lost_worker_of_ours(record: logging.LogRecord) -> bool:
    """False for the scheduler's record of a grading task whose worker died ("Task attn-judge-…
    marked as failed because 1 workers died while trying to run it"): the class run grades it again
    or marks it crash, and says so in its own words."""
    args = record.args if isinstance(record.args, tuple) else ()
    return not (record.levelno == logging.ERROR and "workers died" in str(record.msg)
                and any(str(arg).startswith(TASK_PREFIX) for arg in args))


def _connected_client(scheduler: str) -> Client:
    """A client of the scheduler at ``scheduler``, or OSError within :data:`CONNECT_SECONDS` (and a
    little): Dask's own timeout covers reaching the port, not a service there that is no scheduler
    (a web server, the dashboard's port), which can keep the handshake waiting for ever or answer
    bytes that Dask decodes into an absurd allocation."""
    outcome: dict = {}

    def connect() -> None:
        try:
            outcome["client"] = Client(scheduler, timeout=CONNECT_SECONDS)
        except BaseException as exc:  # whatever Dask makes of the answer: reported, never raised here
            outcome["error"] = exc

    thread = threading.Thread(target=connect, name="attn-judge-dask-connect", daemon=True)
    thread.start()
    thread.join(CONNECT_SECONDS + CONNECT_GRACE_SECONDS)
    if thread.is_alive():
        raise OSError(f"nothing there answered as a Dask scheduler within {CONNECT_SECONDS:g} s; is it the "
                      "scheduler's port (8786 by default), not its dashboard's (8787)?")
    error = outcome.get("error")
    if isinstance(error, OSError):
        raise error
    if error is not None:
        if scheduler.startswith("tls://") and isinstance(error, TypeError):
            raise OSError("tls:// needs Dask's TLS settings (distributed.comm.tls in the Dask configuration)")
        # (the type of error Dask made of the answer, a MemoryError say, would mean nothing here)
        raise OSError("what answered there is no Dask scheduler; is it the scheduler's port (8786 by default)?")
    return outcome["client"]
