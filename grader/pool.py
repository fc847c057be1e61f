"""Zygotes seen from the trusted process, and the pool that grading threads share.

:class:`ZygoteProcess` starts ``grader.sandbox.zygote`` through
:mod:`grader.zygote_launch` (a fresh interpreter in isolated mode with an
allow-listed environment, so that nothing of the grader's environment, and
never the seed, exists anywhere in its memory or its children's), or takes the
one a command prestarted there. It talks to it over a ``SOCK_SEQPACKET`` socket: fork requests
carry exactly the child's three descriptors; replies carry a pidfd, through
which the trusted side kills the child without any race with PID reuse.

:class:`SandboxPool` keeps one zygote per slot (one child at a time each),
hands slots to grading threads and supervises each submission with
:mod:`grader.supervisor`. A zygote never holds a test's inputs: each child
reads its own submission's tests from its pipe, so no child inherits the
inputs of another problem of the class. A zygote that dies is replaced; if none can be
started, every waiting and later run fails with :class:`SandboxUnavailable`
instead of waiting forever.
"""

from __future__ import annotations

import glob
import json
import os
import queue
import select
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
from dataclasses import asdict

from grader.runs import GradingStopped, RunReport, SubmissionError
from grader import feedback as F
from grader.i18n import Text
from grader.sandbox import cgroups
from grader.sandbox.channel import encode_invocations
from grader.sandbox.execute import preload_autograd_modules
from grader.datapaths import keep_answers_private
from grader.isolation_wording import describe
from grader.sandbox.isolation import WEAK, ChildLimits, base_level
from grader.sandbox.messages import ErrorKind, Invocation, Limits
from grader.supervisor import run_submission
from grader.zygote_launch import BadSetting, launch, take_prestarted, uid_base

STARTUP_TIMEOUT = 180.0
MAX_PACKET = 64 * 1024
IDLE_POLL_SECONDS = 1.0
ZYGOTE_TRIES = 2  # runs of one submission whose zygote died under it
UID_CLASH_TRIES = 4  # zygotes started for one slot whose private uid another slot already has
MAX_CACHED_SUITES = 32


class SandboxUnavailable(GradingStopped):
    """No sandbox process could be started (or kept running)."""


class ZygoteDied(RuntimeError):
    """The zygote stopped answering."""


def remove_stale_scratch() -> None:
    """Mount points, working folders and control groups left by zygotes that were killed."""
    for path in glob.glob(os.path.join(tempfile.gettempdir(), "attn-judge-*-*-*")):
        parts = os.path.basename(path).split("-")
        owner = parts[3] if len(parts) > 3 else ""
        if parts[2] in ("root", "work") and owner.isdigit() and not os.path.exists(f"/proc/{owner}"):
            if parts[2] == "root":
                try:
                    os.rmdir(path)
                except OSError:
                    pass
            else:
                shutil.rmtree(path, ignore_errors=True)
    cgroups.remove_stale()


class ChildHandle:
    """A forked child: its request number, pid and a pidfd to kill it by."""

    def __init__(self, req: int, pid: int, pidfd: int):
        self.req, self.pid, self.pidfd = req, pid, pidfd

    def kill(self) -> None:
        if self.pidfd < 0:
            return
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except OSError:
            pass  # already gone
        os.close(self.pidfd)
        self.pidfd = -1


class ZygoteProcess:
    """One zygote and its control socket."""

    def __init__(self, *, force_weak: bool = False, quick_start: bool = False):
        try:
            launched = (take_prestarted(force_weak=force_weak, quick_start=quick_start)
                        or launch(force_weak=force_weak, quick_start=quick_start))
        except (OSError, BadSetting) as exc:
            raise SandboxUnavailable(f"the sandbox did not start ({exc})") from None
        self.proc, self.socket, self._stderr = launched.proc, launched.socket, launched.stderr
        self._req = 0
        self._exits: dict[int, dict] = {}
        self._lock = threading.Lock()
        try:
            hello, _ = self._receive(STARTUP_TIMEOUT)
        except ZygoteDied as exc:
            detail = self._stderr_tail()
            self.close()
            raise SandboxUnavailable(f"the sandbox did not start ({exc}){detail}") from None
        self.pid: int = hello["pid"]
        self.private_uid: int | None = hello.get("private_uid")  # its children's own uid, if any
        self.level: str = hello["level"]
        # its children would share our file system under a uid of their own: the answers are made
        # private before the first one runs (never for a sandbox a caller refuses and closes unused)
        self._answers_to_hide = self.private_uid is not None and base_level(self.level) == WEAK
        self.fallback_reason: str = hello.get("fallback_reason", "")
        group = hello.get("cgroup")
        self.group = None if group is None else cgroups.Group(**group)

    def _stderr_tail(self) -> str:
        try:
            self._stderr.seek(0, os.SEEK_END)
            size = self._stderr.tell()
            self._stderr.seek(max(0, size - 2000))
            text = self._stderr.read().decode(errors="replace").strip()
        except OSError:
            return ""
        return f": {text.splitlines()[-1]}" if text else ""

    def _receive(self, timeout: float) -> tuple[dict, list[int]]:
        ready, _, _ = select.select([self.socket], [], [], timeout)
        if not ready:
            raise ZygoteDied("no answer")
        try:
            data, fds, _, _ = socket.recv_fds(self.socket, MAX_PACKET, 4)
        except OSError as exc:
            raise ZygoteDied(str(exc)) from None
        if not data:
            raise ZygoteDied("it exited")
        return json.loads(data), fds

    def _next(self, op: str, req: int, timeout: float) -> tuple[dict, list[int]]:
        """The reply ``op`` for request ``req``; exits of earlier children are recorded on the way."""
        while True:
            message, fds = self._receive(timeout)
            if message.get("op") == "exited" and message.get("req") != req:
                for fd in fds:
                    os.close(fd)
                continue  # a child we had already finished with
            if message.get("op") == op and message.get("req") == req:
                return message, fds
            if message.get("op") == "failed" and message.get("req") == req:
                raise ZygoteDied(f"the fork failed: {message.get('error', '')}")
            for fd in fds:
                os.close(fd)

    def _request(self, message: dict, fds: list[int], reply: str) -> tuple[dict, list[int]]:
        """Send ``message`` (its ``req`` added) with ``fds`` and wait for its ``reply``; hold the lock."""
        self._req += 1
        message = dict(message, req=self._req)
        try:
            socket.send_fds(self.socket, [json.dumps(message).encode()], fds)
        except OSError as exc:
            raise ZygoteDied(str(exc)) from None
        return self._next(reply, self._req, STARTUP_TIMEOUT)

    def fork(self, *, fds: list[int], limits: Limits) -> ChildHandle:
        """A child with ``fds`` (its job input, result channel and captured output)."""
        child_limits = ChildLimits(cpu_seconds=int(limits.submission_timeout) + 1,
                                   memory_bytes=int(limits.memory_mb) * 1024 * 1024,
                                   max_processes=int(limits.max_processes),
                                   max_file_bytes=int(limits.max_written_bytes))
        request = {"op": "fork", "limits": asdict(child_limits), "max_result_bytes": int(limits.max_result_bytes)}
        with self._lock:
            if self._answers_to_hide:
                keep_answers_private()
                self._answers_to_hide = False
            reply, reply_fds = self._request(request, fds, "forked")
            req = self._req
        if len(reply_fds) != 1:
            raise ZygoteDied("a fork reply without its pidfd")
        return ChildHandle(req, int(reply["pid"]), reply_fds[0])

    def wait_exit(self, handle: ChildHandle, timeout: float) -> dict:
        with self._lock:
            message, _ = self._next("exited", handle.req, timeout)
        return message

    def _counter(self, read, default):
        """``read(group)``, or ``default`` where there is no group or its file cannot be read (the
        group is being removed, or the kernel lacks that counter)."""
        if self.group is None:
            return default
        try:
            return read(self.group)
        except (OSError, ValueError):
            return default

    def cpu_seconds(self) -> float:
        return self._counter(lambda group: group.cpu_seconds(), 0.0)

    def peak_meter(self):
        return None if self.group is None else self.group.peak_meter()

    def memory_usage(self) -> int:
        return 0 if self.group is None else self.group.memory_usage()

    def reclaimable_memory(self) -> int:
        return self._counter(lambda group: group.reclaimable(), 0)

    def memory_limit(self) -> int | None:
        return self._counter(lambda group: group.memory_limit(), None)

    def memory_limit_hits(self) -> int | None:
        """How often the children's memory reached the limit so far; None where no group counts it
        (the per-process limit: an allocation that fails there is the only sign)."""
        return self._counter(lambda group: group.memory_limit_hits(), None)

    def close(self, *, grace: float = 0.0, wait: bool = True) -> None:
        """End the zygote: it kills its child, cleans up and exits within ``grace`` seconds, or is
        killed. ``wait=False`` does not wait for it (its exit takes about half a second once it has
        run a child, which a command about to exit need not spend)."""
        try:
            self.socket.close()  # end of requests: the zygote cleans up and exits
        except OSError:
            pass
        if not wait:
            self._stderr.close()
            return
        try:
            self.proc.wait(timeout=grace or 0.001)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._stderr.close()


class SandboxPool:
    """A fixed number of zygotes shared by grading threads; use as a context manager.

    While its zygotes start, a pool for a class (not ``quick_start``) imports in
    this process what its first reference gradient would
    (:data:`grader.sandbox.execute.LAZY_AUTOGRAD_MODULES`), off the first suite's path.
    """

    def __init__(self, size: int = 1, *, force_weak: bool = False, quick_start: bool = False):
        self.size = max(1, int(size))
        self.force_weak = force_weak
        self.quick_start = quick_start  # one submission: see grader.zygote_launch.launch
        self._idle: queue.Queue[ZygoteProcess] = queue.Queue()
        self._all: list[ZygoteProcess] = []
        self._lock = threading.Lock()
        self._closed = False
        self._invocations_cache: dict[tuple[int, ...], tuple[tuple[Invocation, ...], bytes]] = {}
        self._start_failure = ""  # why the last zygote that failed to start did
        try:
            uid_base()  # a bad setting is said once, not by every zygote that fails on it
        except BadSetting as exc:
            raise SandboxUnavailable(str(exc)) from None
        remove_stale_scratch()
        errors: list[str] = []
        starters = [threading.Thread(target=self._add_zygote, args=(errors,)) for _ in range(self.size)]
        if not quick_start:  # a class: its first reference gradient need not wait for these imports
            starters.append(threading.Thread(target=preload_autograd_modules, name="preload"))
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        if not self._all:
            raise SandboxUnavailable(errors[0] if errors else "no sandbox process could be started")
        self.level = self._all[0].level
        self.fallback_reason = self._all[0].fallback_reason

    @property
    def isolation(self) -> str:
        return self.level

    @property
    def description(self) -> Text:
        """What its isolation does, in both languages."""
        return describe(self.level)

    @property
    def weak(self) -> bool:
        return base_level(self.level) == WEAK

    def _add_zygote(self, errors: list[str] | None = None) -> bool:
        for _ in range(UID_CLASH_TRIES):
            try:
                zygote = ZygoteProcess(force_weak=self.force_weak, quick_start=self.quick_start)
            except SandboxUnavailable as exc:
                if errors is not None:
                    errors.append(str(exc))
                self._start_failure = str(exc)
                return False
            with self._lock:
                if self._closed:
                    zygote.close()
                    return False
                clash = zygote.private_uid is not None and any(
                    other.private_uid == zygote.private_uid for other in self._all)
                if not clash:
                    self._all.append(zygote)
                    self._idle.put(zygote)
                    return True
            zygote.close()  # its uid (from its pid) is another slot's: their children would share it
        self._start_failure = "every new sandbox process got the uid of a running one"
        if errors is not None:
            errors.append(self._start_failure)
        return False

    def _replace(self, zygote: ZygoteProcess) -> None:
        zygote.close()
        with self._lock:
            if zygote in self._all:
                self._all.remove(zygote)
        self._add_zygote()

    def _take(self) -> ZygoteProcess:
        while True:
            try:
                return self._idle.get(timeout=IDLE_POLL_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._closed or not self._all:
                        why = f" ({self._start_failure})" if self._start_failure else ""
                        raise SandboxUnavailable("every sandbox process has stopped and none could "
                                                 f"be started again{why}") from None

    def _encoded(self, invocations: list[Invocation]) -> bytes:
        """The invocations' encoding, made once per suite and reused for every submission.

        Keyed by the identity of the invocation objects (a suite's are built once
        per class), kept alive by the cache itself, a few suites at most.
        """
        key = tuple(id(i) for i in invocations)
        with self._lock:
            cached = self._invocations_cache.get(key)
        if cached is not None:
            return cached[1]
        encoded = encode_invocations(invocations)
        with self._lock:
            if len(self._invocations_cache) >= MAX_CACHED_SUITES:
                self._invocations_cache.pop(next(iter(self._invocations_cache)))
            self._invocations_cache[key] = (tuple(invocations), encoded)
        return encoded

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[Invocation], limits: Limits) -> RunReport:
        """Run a submission on an idle zygote. A zygote that dies under it (most likely the
        machine's doing: the OOM killer, an operator) is replaced and the submission runs again,
        once; a second death is recorded as its crash. Raises :class:`SandboxUnavailable` when no
        zygote is left and none can be started: nothing is recorded then."""
        encoded = self._encoded(invocations)
        for _ in range(ZYGOTE_TRIES):
            zygote = self._take()
            try:
                report = run_submission(zygote, source=source, filename=filename, symbols=symbols,
                                        forbidden=forbidden, invocations=invocations, limits=limits,
                                        isolation=self.level, invocations_bytes=encoded)
            except (ZygoteDied, OSError, ValueError) as exc:
                self._replace(zygote)
                failure = exc
                continue
            self._idle.put(zygote)
            return report
        return RunReport(outcomes=[None] * len(invocations), isolation=self.level,
                         error=SubmissionError(ErrorKind.CRASH, F.SANDBOX_FAILED.format(why=str(failure)[:200])))

    def close(self, *, wait: bool = True) -> None:
        """Stop every zygote; ``wait=False`` leaves them to finish their clean-up on their own."""
        with self._lock:
            self._closed = True
            zygotes, self._all = self._all, []
        for zygote in zygotes:
            zygote.close(grace=5.0, wait=wait)

    def __enter__(self) -> "SandboxPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
