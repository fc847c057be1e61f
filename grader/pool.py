"""Warm sandbox workers, seen from the trusted process.

:class:`SandboxPool` starts ``python -m grader.sandbox.worker`` processes (fresh
interpreters, so they inherit nothing from this process: no reference, no
hidden case), hands each submission to a free one and turns the reply into a
:class:`~grader.grading.RunReport`. Every outcome a child produced is decoded
here with the data-only protocol and validated field by field; a malformed one
counts as a crash of that test. A worker that dies or stops answering is
replaced and the submission is reported as crashed, never retried silently.
"""

from __future__ import annotations

import os
import queue
import select
import subprocess
import sys
import tempfile
import threading
from dataclasses import asdict

import torch

from grader.datapaths import data_root, package_dir
from grader.grading import Limits, RunReport
from grader.sandbox.channel import (RESULT_TOO_LARGE, ChannelClosed, read_exactly, read_message,
                                    write_all)
from grader.sandbox.isolation import LEVEL_DESCRIPTIONS, STRONG, WEAK
from grader.sandbox.reaper import kill_uid, sandbox_uid
from grader.sandbox.protocol import ProtocolError, decode, encode

STARTUP_TIMEOUT = 120.0
REPLY_GRACE = 30.0


class SandboxUnavailable(RuntimeError):
    """No worker could be started."""


def _worker_env(force_weak: bool) -> dict:
    env = dict(os.environ)
    source_root = str(package_dir().parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (source_root, env.get("PYTHONPATH")) if p)
    env["OMP_NUM_THREADS"] = "1"
    env["MKL_NUM_THREADS"] = "1"
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    if force_weak:
        env["ATTN_JUDGE_ISOLATION"] = WEAK
    else:
        env.pop("ATTN_JUDGE_ISOLATION", None)
    return env


class WorkerProcess:
    """One warm worker and its pipes."""

    def __init__(self, *, force_weak: bool = False):
        self._cwd = tempfile.mkdtemp(prefix="attn-judge-worker-")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "grader.sandbox.worker"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            cwd=self._cwd, env=_worker_env(force_weak), close_fds=True,
        )
        ready, _, _ = select.select([self.proc.stdout], [], [], STARTUP_TIMEOUT)
        try:
            if not ready:
                raise ChannelClosed("timed out")
            hello = decode(read_message(self.proc.stdout.fileno()))
        except (ChannelClosed, ProtocolError) as exc:
            self.close()
            raise SandboxUnavailable(f"the sandbox worker did not start ({exc})") from None
        self.level: str = hello["level"]
        self.fallback_reason: str = hello.get("fallback_reason", "")

    def request(self, job: dict, timeout: float) -> tuple[dict, list[tuple[int, bytes]]]:
        write_all(self.proc.stdin.fileno(), encode(job))
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise ChannelClosed("the sandbox worker stopped answering")
        fd = self.proc.stdout.fileno()
        summary = decode(read_message(fd))
        frames = [(index, read_exactly(fd, length)) for index, length in summary["frames"]]
        return summary, frames

    def close(self, *, grace: float = 0.0) -> None:
        """Stop the worker: with ``grace``, let it finish tearing down its last child first."""
        if grace:
            try:
                self.proc.stdin.close()  # end of jobs: the worker exits by itself
                self.proc.wait(timeout=grace)
            except (OSError, subprocess.TimeoutExpired):
                pass
        try:
            self.proc.kill()
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            pass
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except (OSError, AttributeError):
                pass
        try:
            os.rmdir(self._cwd)
        except OSError:
            pass


def _validate_outcome(value) -> dict | None:
    """Check the shape of an outcome from the child; None if it is malformed."""
    if not isinstance(value, dict):
        return None
    outcome = {
        "value": value.get("value"),
        "grads": value.get("grads"),
        "param_grads": value.get("param_grads"),
        "mutated": value.get("mutated") or [],
        "error": value.get("error"),
        "stats": value.get("stats"),
    }
    for key in ("grads", "param_grads"):
        grads = outcome[key]
        if grads is not None and not (
            isinstance(grads, dict)
            and all(g is None or isinstance(g, torch.Tensor) for g in grads.values())
        ):
            return None
    if not (isinstance(outcome["mutated"], list) and all(isinstance(m, str) for m in outcome["mutated"])):
        return None
    error = outcome["error"]
    if error is not None:
        if not (isinstance(error, dict) and isinstance(error.get("type"), str)
                and isinstance(error.get("message"), str)):
            return None
        lines = error.get("lines") or []
        error["lines"] = [n for n in lines if isinstance(n, int)][:10] if isinstance(lines, list) else []
        if not isinstance(error.get("forbidden"), (str, type(None))):
            error["forbidden"] = None
    if outcome["stats"] is not None and not isinstance(outcome["stats"], dict):
        return None
    return outcome


def _is_memory_error(error: dict) -> bool:
    return error["type"] == "MemoryError" or "can't allocate memory" in error["message"] or (
        "not enough memory" in error["message"])


def _report(summary: dict, frames: list[tuple[int, bytes]], count: int) -> RunReport:
    outcomes: list[dict | None] = [None] * count
    test_errors = {int(k): v for k, v in (summary.get("test_errors") or {}).items() if int(k) < count}
    for index, payload in frames:
        if not 0 <= index < count:
            continue
        try:
            outcome = _validate_outcome(decode(payload))
        except ProtocolError:
            outcome = None
        if outcome is None:
            test_errors[index] = {"kind": "crash", "message": "the test's result was malformed"}
            continue
        if outcome["error"] and outcome["error"]["type"] == RESULT_TOO_LARGE:
            test_errors[index] = {"kind": "output_limit", "message": outcome["error"]["message"][:300]}
            continue
        if outcome["error"] and _is_memory_error(outcome["error"]):
            test_errors[index] = {"kind": "memory_limit",
                                  "message": f"ran out of memory: {outcome['error']['message'][:300]}"}
            continue
        outcomes[index] = outcome
    error = summary.get("error")
    if error is not None:
        error = {"kind": str(error.get("kind", "crash")), "message": str(error.get("message", ""))[:2000],
                 "lines": [n for n in error.get("lines") or [] if isinstance(n, int)]}
    return RunReport(outcomes=outcomes, test_errors=test_errors, error=error,
                     output=summary.get("output", ""), output_truncated=bool(summary.get("output_truncated")),
                     isolation=summary.get("isolation", "unknown"), seconds=float(summary.get("seconds", 0)))


class SandboxPool:
    """A fixed number of warm workers shared by threads; use as a context manager."""

    def __init__(self, size: int = 1, *, force_weak: bool = False, hidden: list[str] = ()):
        self.size = max(1, int(size))
        self.force_weak = force_weak
        self.hidden = [str(data_root()), str(package_dir())] + [str(h) for h in hidden]
        self._idle: queue.Queue[WorkerProcess] = queue.Queue()
        self._all: list[WorkerProcess] = []
        self._lock = threading.Lock()
        starters = [threading.Thread(target=self._add_worker) for _ in range(self.size)]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        if not self._all:
            raise SandboxUnavailable("no sandbox worker could be started")
        self.level = self._all[0].level
        self.fallback_reason = self._all[0].fallback_reason

    @property
    def isolation(self) -> str:
        return self.level

    @property
    def description(self) -> str:
        return LEVEL_DESCRIPTIONS.get(self.level, self.level)

    def _add_worker(self) -> None:
        try:
            worker = WorkerProcess(force_weak=self.force_weak)
        except SandboxUnavailable:
            return
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def _retire(self, worker: WorkerProcess, *, grace: float = 0.0) -> None:
        worker.close(grace=grace)
        if self.level == STRONG:  # whatever its children started dies with it
            kill_uid(sandbox_uid(worker.proc.pid), reap=False)

    def _replace(self, worker: WorkerProcess) -> None:
        self._retire(worker)
        with self._lock:
            self._all.remove(worker)
        self._add_worker()

    def run(self, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
            invocations: list[dict], limits: Limits) -> RunReport:
        job = {"source": source, "filename": filename, "symbols": symbols, "forbidden": forbidden,
               "invocations": invocations, "limits": asdict(limits), "hidden": self.hidden}
        worker = self._idle.get()
        try:
            summary, frames = worker.request(job, limits.submission_timeout + REPLY_GRACE)
        except (ChannelClosed, ProtocolError, OSError, KeyError, TypeError) as exc:
            self._replace(worker)
            return RunReport(outcomes=[None] * len(invocations), isolation=self.level,
                             error={"kind": "crash", "message": f"the sandbox worker failed ({exc})"})
        self._idle.put(worker)
        return _report(summary, frames, len(invocations))

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            self._retire(worker, grace=5.0)

    def __enter__(self) -> "SandboxPool":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
