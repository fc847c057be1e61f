"""Trusted work on candidate-derived data, in helper processes with a time and memory budget.

Some trusted steps read what a submission controls and cannot be bounded from
the inside: pygments' Python lexer is quadratic on some inputs (90 KB of
whitespace lines take over a minute), and a report, a similarity comparison or
a notebook's conversion may meet a pathological input. Such steps run here, in
helper processes (fresh interpreters, no torch) with an address-space limit,
and each call has a time budget: a call over budget kills its helper (a new
one starts on demand) and raises :class:`BoundedCallFailed`, so that the caller
can fall back for that submission alone.

Only the functions named in :data:`TASKS` can be called; arguments and results
are strict JSON (:mod:`grader.jsonio`) over pipes, never pickle.
"""

from __future__ import annotations

import importlib
import json
import os
import queue
import resource
import select
import struct
import subprocess
import sys
import threading
import time

from grader.datapaths import package_dir
from grader.environment import minimal_environment
from grader.jsonio import dumps

TASKS = {
    "report": "grader.reports.submission:write_report_task",
    "similarity": "grader.similarity:compare_problem_task",
    "notebook": "grader.notebooks:notebook_to_source_task",
}
# What a helper can load before its first call, by task (see BoundedPool.start): only trusted
# code, run before the helper reads any request.
READY = {
    "similarity": "grader.similarity:load_comparison",
}
HELPER_MEMORY_MB = 2048
STARTUP_TIMEOUT = 60.0
_LENGTH = struct.Struct("<I")
MAX_MESSAGE = 256 * 1024 * 1024
BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
             "from grader.bounded import serve; serve()")


class BoundedCallFailed(RuntimeError):
    """The call ran out of its time or memory budget, or failed; the message says which."""


class PoolClosed(BoundedCallFailed):
    """The pool was closed before or while the call ran (its caller abandons the work)."""


def _write_message(fd: int, data: bytes) -> None:
    payload = _LENGTH.pack(len(data)) + data
    view = memoryview(payload)
    while view:
        view = view[os.write(fd, view):]


def _read_exactly(fd: int, size: int, deadline: float | None) -> bytes:
    chunks, remaining = [], size
    while remaining:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                raise TimeoutError
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _read_message(fd: int, deadline: float | None = None) -> bytes:
    (size,) = _LENGTH.unpack(_read_exactly(fd, _LENGTH.size, deadline))
    if size > MAX_MESSAGE:
        raise EOFError
    return _read_exactly(fd, size, deadline)


class Helper:
    """One helper process."""

    def __init__(self, memory_mb: int, ready: tuple[str, ...] = ()):
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-c", BOOTSTRAP, str(package_dir().parent), str(memory_mb), *ready],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd="/",
            env=minimal_environment(), close_fds=True,
            start_new_session=True)  # a terminal's Ctrl-C is the command's to take, not a helper's

    def call(self, task: str, kwargs: dict, timeout: float):
        deadline = time.monotonic() + timeout
        try:
            _write_message(self.proc.stdin.fileno(), dumps({"task": task, "kwargs": kwargs},
                                                           indent=None).encode())
            reply = json.loads(_read_message(self.proc.stdout.fileno(), deadline))
        except TimeoutError:
            self.kill()
            raise BoundedCallFailed(f"over its time budget of {timeout:g} s") from None
        except (EOFError, OSError, ValueError):
            self.kill()
            raise BoundedCallFailed("the helper process failed (most likely out of memory)") from None
        if not reply.get("ok"):
            raise BoundedCallFailed(str(reply.get("error", "failed"))[:500])
        return reply.get("value")

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass


class BoundedPool:
    """Up to ``size`` helpers, started on demand, shared by threads; use as a context manager."""

    def __init__(self, size: int = 1, *, memory_mb: int = HELPER_MEMORY_MB):
        self.size = max(1, int(size))
        self.memory_mb = memory_mb
        self._idle: queue.Queue[Helper] = queue.Queue()
        self._started = 0
        self._lock = threading.Lock()
        self._helpers: set[Helper] = set()  # every helper alive, idle or in a call
        self._closed = False

    def start(self, *, ready: tuple[str, ...] = ()) -> None:
        """Start every helper now, each loading what the tasks named in ``ready`` need
        (:data:`READY`) before it reads a call; a helper that cannot start is left to ``call``.

        A class run starts its helpers while its first suites are computed and the
        cores have time to spare: the similarity report's library is then loaded
        when the class's last report is written, not after it.
        """
        unknown = set(ready) - set(READY)
        if unknown:
            raise ValueError(f"no helper readiness for {sorted(unknown)}")
        with self._lock:
            while self._started < self.size and not self._closed:
                try:
                    helper = Helper(self.memory_mb, ready)
                except OSError:
                    return
                self._started += 1
                self._helpers.add(helper)
                self._idle.put(helper)

    def _take(self) -> Helper:
        with self._lock:
            if self._closed:
                raise PoolClosed("the helpers were stopped")
            if self._idle.empty() and self._started < self.size:
                self._started += 1
                try:
                    helper = Helper(self.memory_mb)
                except OSError as exc:  # no process could be started: this call fails, the pool stays usable
                    self._started -= 1
                    raise BoundedCallFailed(f"no helper process could be started ({exc})") from None
                self._helpers.add(helper)
                return helper
        while True:  # a helper is given back, or the pool closed meanwhile
            try:
                return self._idle.get(timeout=0.5)
            except queue.Empty:
                if self._closed:
                    raise PoolClosed("the helpers were stopped") from None

    def call(self, task: str, timeout: float, **kwargs):
        """Run ``TASKS[task](**kwargs)`` in a helper within ``timeout`` seconds."""
        if task not in TASKS:
            raise ValueError(f"unknown bounded task {task!r}")
        helper = self._take()
        try:
            return helper.call(task, kwargs, timeout)
        except BoundedCallFailed:
            if self._closed:  # its helper was killed by close(), not by its budget
                raise PoolClosed("the helpers were stopped") from None
            raise
        finally:
            with self._lock:
                kept = helper.alive and not self._closed
                if kept:
                    self._idle.put(helper)
                else:
                    self._helpers.discard(helper)
                    self._started -= 1
            if not kept:  # dead, or alive in a pool closed during the call: ended here
                helper.kill()

    def close(self) -> None:
        """Kill every helper, those in a call too (their callers get :class:`PoolClosed`); the pool
        takes no more calls; closing again does nothing. A class run closes its helpers when it ends,
        or when it abandons their work."""
        with self._lock:
            self._closed = True
            busy = set(self._helpers)
            while True:
                try:
                    idle = self._idle.get_nowait()
                except queue.Empty:
                    break
                busy.discard(idle)
                self._helpers.discard(idle)
                idle.kill()
        for helper in busy:  # its caller meets the end of its pipe and closes it (never closed under it)
            helper.proc.kill()

    def __enter__(self) -> "BoundedPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _function(spec: str):
    """The function named ``"module:function"`` (an entry of :data:`TASKS` or :data:`READY`)."""
    module_name, _, function = spec.partition(":")
    return getattr(importlib.import_module(module_name), function)


def _get_ready(tasks: list[str]) -> None:
    """Load what ``tasks`` need (:data:`READY`); a failure here is met again, and reported, by the call."""
    for task in tasks:
        try:
            _function(READY[task])()
        except Exception:  # noqa: BLE001 - the task's own call imports again and says what failed
            pass


def serve() -> None:
    """The helper's main loop (``python -I -c BOOTSTRAP <package root> <memory MB> [task...]``)."""
    memory = int(sys.argv[2]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    _get_ready(sys.argv[3:])
    requests, replies = sys.stdin.fileno(), os.dup(sys.stdout.fileno())
    os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # stray prints must not corrupt the replies
    while True:
        try:
            request = json.loads(_read_message(requests))
        except (EOFError, OSError, ValueError):
            return
        try:
            value = _function(TASKS[request["task"]])(**request["kwargs"])
            reply = {"ok": True, "value": value}
        except MemoryError:
            reply = {"ok": False, "error": "out of memory"}
        except Exception as exc:  # reported to the caller, which falls back
            reply = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        _write_message(replies, dumps(reply, indent=None).encode())
