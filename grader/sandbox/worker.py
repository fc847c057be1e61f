"""The warm worker: a process with torch imported that forks one isolated child per run.

Started by the trusted process as ``python -m grader.sandbox.worker``; it
imports only the untrusted-side modules (this package, torch, numpy), never a
reference solution, a hidden case or an expected value, so a forked child
inherits nothing secret. It never runs a torch computation itself (a fork after
the OpenMP pool has started can deadlock the child).

Jobs arrive on stdin as protocol messages; for each, the worker forks children
(a new one after a crash, so one crash costs one test), enforces the per-test
and per-submission wall-clock deadlines, caps captured output and result sizes,
kills the child's whole process tree when done, and answers on its original
stdout with a summary followed by the children's raw result frames, which only
the trusted process decodes.
"""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import tempfile
import time

import importlib

import torch

# Modules a submission may reasonably import, loaded once before any fork so that
# each child gets them for free (and never has to read them inside its sandbox).
# torch.fx's symbolic shapes (and sympy behind it) are imported by the first backward
# pass with explicit grad_outputs: ~0.3-1.5 s that every child would otherwise pay.
PRELOADED = ("collections", "dataclasses", "functools", "itertools", "math", "random", "typing",
             "numpy", "torch.nn", "torch.nn.functional", "torch.fx.experimental.symbolic_shapes")
for _name in PRELOADED:
    importlib.import_module(_name)

from grader.sandbox import child, isolation
from grader.sandbox.hugepages import advise_huge_pages
from grader.sandbox.reaper import kill_uid, reap_orphans, sandbox_uid
from grader.sandbox.channel import LOADED, RESULT, ChannelClosed, parse_child_frames, read_message, write_all
from grader.sandbox.protocol import ProtocolError, decode, encode

# Query (not compute) once before any fork: torch reads /proc/cpuinfo lazily, and the
# child's private root has no /proc. One intra-op thread keeps OpenMP from starting a pool.
torch.set_num_threads(1)
torch.backends.cpu.get_cpu_capability()

KEPT_OUTPUT_BYTES = 64 * 1024
PR_SET_CHILD_SUBREAPER = 36
MAX_RESTARTS = 3
SIGNAL_NAMES = {s.value: s.name for s in signal.Signals}


class ChildRun:
    """The supervision of one forked child from test ``first`` on."""

    def __init__(self, worker: "Worker", job: dict, first: int, output: "CapturedOutput"):
        self.worker, self.job, self.first, self.output = worker, job, first, output
        self.loaded: dict | None = None  # decoded LOADED frame
        self.results: dict[int, bytes] = {}
        self.reason: str | None = None  # why we stopped it: timeout, submission_timeout, ...

    def start_and_wait(self, deadline_total: float) -> int | None:
        """Run the child; return its wait status, or None if it answered everything.

        A child that answered every test is torn down after the reply has been
        sent (its exit costs ~10 ms that nothing needs to wait for).
        """
        limits = self.job["limits"]
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        workdir = tempfile.mkdtemp(prefix="attn-judge-work-") if self.worker.level == isolation.WEAK else None
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            os.close(result_r)
            os.close(output_r)
            child.run(self.job, first=self.first, result_fd=result_w, output_fd=output_w,
                      level=self.worker.level, root=self.worker.root, uid=self.worker.uid,
                      hidden=self.job.get("hidden", []), weak_workdir=workdir)
        os.close(result_w)
        os.close(output_w)

        def finish() -> int:
            status = self._stop(pid)
            os.close(result_r)
            os.close(output_r)
            if workdir:
                shutil.rmtree(workdir, ignore_errors=True)
            return status

        try:
            self._supervise(pid, result_r, output_r, limits, deadline_total)
        except BaseException:
            finish()
            raise
        if self._answered_everything():
            self.worker.after_reply.append(finish)
            return None
        return finish()

    def _answered_everything(self) -> bool:
        if self.reason is not None or self.loaded is None:
            return False
        last = len(self.job["invocations"]) - 1
        return bool(self.loaded.get("error")) or (bool(self.results) and max(self.results) == last)

    def _kill(self, pid: int) -> None:
        for kill in (os.killpg, os.kill):  # its session (after setsid), or just it (before)
            try:
                kill(pid, signal.SIGKILL)
            except OSError:
                pass

    def _stop(self, pid: int) -> int:
        """Kill the child and everything it started; return the child's wait status.

        The direct child is waited for first: reaping orphans before that could
        collect the child itself and lose its status.
        """
        self._kill(pid)
        _, status = os.waitpid(pid, 0)
        if self.worker.level == isolation.STRONG:
            kill_uid(self.worker.uid)
        reap_orphans()
        return status

    def _supervise(self, pid, result_r, output_r, limits, deadline_total) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(result_r, selectors.EVENT_READ, "result")
            selector.register(output_r, selectors.EVENT_READ, "output")
            self._pump(pid, selector, limits, deadline_total)

    def _pump(self, pid, selector, limits, deadline_total) -> None:
        per_test = float(limits["timeout"])
        max_payload = int(limits["max_result_bytes"])
        deadline_test = time.monotonic() + 2 * per_test  # loading counts towards the first test
        buffer = bytearray()
        open_streams = 2
        expected = len(self.job["invocations"])
        while open_streams:
            if os.getppid() != self.worker.parent_pid:
                self._stop(pid)
                os._exit(0)
            now = time.monotonic()
            if now >= deadline_total:
                self.reason = "submission_timeout"
                return
            if now >= deadline_test:
                self.reason = "timeout"
                return
            events = selector.select(min(deadline_test, deadline_total, now + 1.0) - now)
            for key, _ in events:
                data = os.read(key.fd, 1 << 16)
                if not data:
                    selector.unregister(key.fd)
                    open_streams -= 1
                    if key.data == "result":
                        return  # the child closed its result pipe (it exited, or gave up)
                    continue
                if key.data == "output":
                    if not self.output.add(data, int(limits["max_output_bytes"])):
                        self.reason = "output_limit"
                        return
                    continue
                buffer += data
                try:
                    frames = parse_child_frames(buffer, max_payload)
                except ValueError:
                    self.reason = "result_limit"
                    return
                for kind, index, payload in frames:
                    if kind == LOADED and self.loaded is None:
                        self.loaded = _decode_small(payload)
                        if self.loaded.get("error"):
                            return
                    elif kind == RESULT and self.loaded is not None and self.first <= index < expected:
                        self.results[index] = payload
                    deadline_test = time.monotonic() + per_test
                if self.results and max(self.results) == expected - 1:
                    return


def _decode_small(payload: bytes) -> dict:
    try:
        value = decode(payload)
    except ProtocolError:
        return {"error": {"kind": "crash", "message": "the submission sent a malformed message"}}
    if not isinstance(value, dict):
        return {"error": {"kind": "crash", "message": "the submission sent a malformed message"}}
    error = value.get("error")
    if error is not None and not (isinstance(error, dict) and isinstance(error.get("message"), str)):
        error = {"kind": "crash", "message": "the submission sent a malformed message"}
    return {"error": error}


class CapturedOutput:
    """Stdout/stderr of the children: the first bytes are kept, the total is counted."""

    def __init__(self):
        self.kept = bytearray()
        self.total = 0

    def add(self, data: bytes, limit: int) -> bool:
        self.total += len(data)
        room = KEPT_OUTPUT_BYTES - len(self.kept)
        if room > 0:
            self.kept += data[:room]
        return self.total <= limit

    def text(self) -> str:
        return self.kept.decode("utf-8", errors="replace")


def _describe_exit(status: int, reason: str | None, limits: dict) -> tuple[str, str]:
    """(error kind, message) for a child that stopped before finishing its tests."""
    if reason == "timeout":
        return "timeout", f"no answer within {limits['timeout']:g} s (per-test time limit)"
    if reason == "submission_timeout":
        return "timeout", (f"the submission used its whole time budget of "
                           f"{limits['submission_timeout']:g} s")
    if reason == "output_limit":
        return "output_limit", (f"printed more than {limits['max_output_bytes']} bytes; "
                                "the process was stopped")
    if reason == "result_limit":
        return "output_limit", "returned a result larger than the allowed size"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        name = SIGNAL_NAMES.get(sig, str(sig))
        if sig == signal.SIGXCPU:
            return "timeout", "used up its CPU time limit"
        if sig == signal.SIGXFSZ:
            return "resource_limit", (f"wrote more than {limits['max_written_bytes']} bytes "
                                      "to a file")
        if sig == signal.SIGKILL:
            return "memory_limit", "was killed by the system (most likely out of memory)"
        return "crash", f"the process crashed with signal {name}"
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    if code == 70:
        return "crash", ("the sandboxed process failed (a limit broke its runtime, or isolation "
                         "could not be set up; see captured output)")
    return "crash", (f"the process exited with status {code} before finishing "
                     "(os._exit, a fatal error, or a closed result channel)")


class Worker:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="attn-judge-root-")
        self.uid = sandbox_uid(os.getpid())
        self.parent_pid = os.getppid()
        self.after_reply: list = []  # teardown of children that answered everything
        if os.environ.get("ATTN_JUDGE_ISOLATION", "") == isolation.WEAK:
            self.level, self.fallback_reason = isolation.WEAK, "weak isolation was requested"
        else:
            self.level, self.fallback_reason = isolation.probe_level(self.root, self.uid)

    def finish_children(self) -> None:
        """Tear down the children that answered everything (after the reply went out)."""
        while self.after_reply:
            self.after_reply.pop()()

    def run_job(self, job: dict) -> tuple[dict, list[tuple[int, bytes]]]:
        limits = job["limits"]
        count = len(job["invocations"])
        start = time.monotonic()
        deadline_total = start + float(limits["submission_timeout"])
        output = CapturedOutput()
        results: dict[int, bytes] = {}
        test_errors: dict[str, dict] = {}
        error = None
        first, restarts = 0, 0
        while first < count:
            run = ChildRun(self, job, first, output)
            status = run.start_and_wait(deadline_total)
            results.update(run.results)
            if run.loaded is None:
                kind, message = _describe_exit(status, run.reason, limits)
                error = {"kind": kind, "message": f"while loading the submission: {message}"}
                break
            if run.loaded.get("error"):
                error = run.loaded["error"]
                break
            done = [i for i in run.results]
            first = (max(done) + 1) if done else first
            if first >= count:
                break
            kind, message = _describe_exit(status, run.reason, limits)
            test_errors[str(first)] = {"kind": kind, "message": message}
            restarts += 1
            if kind == "timeout" or restarts > MAX_RESTARTS:
                why = "an earlier test timed out" if kind == "timeout" else "the submission crashed repeatedly"
                for later in range(first + 1, count):
                    test_errors[str(later)] = {"kind": kind, "message": f"not run: {why}"}
                break
            first += 1
        frames = sorted(results.items())
        summary = {
            "frames": [[index, len(payload)] for index, payload in frames],
            "test_errors": test_errors,
            "error": error,
            "output": output.text(),
            "output_truncated": output.total > len(output.kept),
            "isolation": self.level,
            "seconds": time.monotonic() - start,
        }
        return summary, frames


def main() -> None:
    advise_huge_pages()  # after every import: makes each fork and exit several times cheaper
    # No PR_SET_PDEATHSIG here: it fires when the *thread* that started us ends, and the
    # grader starts workers from short-lived threads. The worker notices the grader's end
    # instead (end of stdin, or a changed parent while it supervises a child).
    # Orphans of the candidate's process tree are re-parented to us, so we can kill and reap them.
    isolation.prctl(PR_SET_CHILD_SUBREAPER, 1)
    job_fd = 0
    reply_fd = os.dup(1)
    os.dup2(2, 1)  # anything printed by accident must not corrupt the reply channel
    worker = Worker()
    write_all(reply_fd, encode({"hello": True, "level": worker.level, "pid": os.getpid(),
                                "fallback_reason": worker.fallback_reason}))
    while True:
        try:
            job = decode(read_message(job_fd))
        except ChannelClosed:
            break
        summary, frames = worker.run_job(job)
        write_all(reply_fd, encode(summary) + b"".join(payload for _, payload in frames))
        worker.finish_children()
    shutil.rmtree(worker.root, ignore_errors=True)


if __name__ == "__main__":
    main()
