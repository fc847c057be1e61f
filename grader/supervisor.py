"""Supervising one submission's run in the sandbox, from the trusted side.

For each child (a new one after a crash, so that one crash costs one test; the
tests answered before keep their results even when it cannot load again) the
supervisor asks a zygote for a fork, writes the job into the child's input,
and reads the child's frames and printed output itself, with every limit
enforced here, never trusted to the child:

- absolute deadlines: a test's starts when the previous test's result arrives
  (loading counts towards the first), the submission's when its first child
  starts; no other frame moves either;
- the submission's whole process tree's CPU time (its control group, where the
  machine has one), memory (the kernel's limit on the group; a kill is named
  ``memory_limit``) and processes;
- sizes: every frame, every result and all results together (more than
  ``max_results_bytes`` stops the submission: the trusted side holds them until
  it judges), the captured output (the first 64 KiB are kept, more than
  ``max_output_bytes`` over all tests stops the submission: the test that
  printed past it fails, and those after it are not run);
- content: every result is decoded and validated (:mod:`grader.sandbox.messages`)
  against this job's ID and the test it must answer; results arrive strictly in
  order and anything else is a protocol violation that costs that test.

Messages for the learner are written here, in both languages, from what was
observed (:mod:`grader.feedback`).
"""

from __future__ import annotations

import fcntl
import os
import secrets
import select
import selectors
import signal
import time
from dataclasses import dataclass, field, replace

from grader import feedback as F
from grader.grading import load_failure_error
from grader.i18n import Text
from grader.runs import RunReport, SubmissionError
from grader.sandbox.channel import (BEGIN, CHILD_HEADER, FRAME_KINDS, LOADED, encode_go, encode_invocations,
                                    encode_job)
from grader.sandbox.execute import INPUT_COPIES
from grader.sandbox.messages import (MEMORY_LIMIT_EXCEEDED, MIB, RESULT_TOO_LARGE, ErrorKind, Invocation, Job,
                                     Limits, Loaded, Outcome, TestException, loaded_from_wire,
                                     outcome_from_wire)
from grader.sandbox.protocol import ProtocolError, decode

KEPT_OUTPUT_BYTES = 64 * 1024
F_SETPIPE_SZ = 1031
MAX_PIPE_BYTES = 1 << 20  # what an unprivileged process may ask for by default
PIPE_BYTES = 1 << 16  # a pipe's default size: what one read or write moves while no large frame is under way
MAX_RESTARTS = 3
# A memory test's peak counts what its child computes once the meter runs, less the copies of the
# test's inputs the child holds meanwhile (execute.INPUT_COPIES). What the child held before the
# test beyond HELD_ALLOWANCE_BYTES (the interpreter's pages it changed, the other tests' inputs,
# the module: a few MiB) counts too: memory held only to be freed during the call would otherwise
# hide the call's own.
HELD_ALLOWANCE_BYTES = 128 * MIB
# A group at its limit pays for a call's memory with the page cache and kernel memory it holds
# (files a submission read at import, dentries it looked up) instead of growing: when the group's
# peak reached its limit (within LIMIT_REACHED_BYTES) during a memory test, a drop in those counts
# as the test's memory, beyond RECLAIMED_TOLERANCE_BYTES (pipe buffers the trusted side drains,
# page tables freed). A drop below the limit is the machine's own reclaim (its page cache full of
# other files) and counts nothing.
RECLAIMED_TOLERANCE_BYTES = 4 * MIB
LIMIT_REACHED_BYTES = 4 * MIB
POLL_SECONDS = 0.25  # how often CPU time is read while a child runs
EXIT_WAIT_SECONDS = 10.0
SIGNAL_NAMES = {s.value: s.name for s in signal.Signals}


class CapturedOutput:
    """What the children printed: the first bytes are kept, the total is counted."""

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


class ResultBudget:
    """The bytes of results that the children of one submission may still send, together."""

    def __init__(self, total: int):
        self.left = total


@dataclass
class ChildEnd:
    """How one child's run ended."""

    loaded: Loaded | None = None
    results: dict[int, Outcome] = field(default_factory=dict)
    malformed: dict[int, SubmissionError] = field(default_factory=dict)
    stop: str | None = None  # why the supervisor stopped it
    detail: str = ""
    status: int | None = None
    oom_kills: int = 0
    tasks_refused: int = 0
    memory_limited: set[int] = field(default_factory=set)  # tests whose MemoryError met the limit
    thread_refused: bool = False  # its own output says a thread could not be started


class ChildRun:
    """One child of one submission, from test ``job.first`` on."""

    def __init__(self, zygote, job: Job, job_bytes: bytes, limits: Limits, output: CapturedOutput,
                 budget: ResultBudget, deadline_total: float):
        self.zygote, self.job, self.limits, self.output, self.budget = zygote, job, limits, output, budget
        self.job_bytes = memoryview(job_bytes)
        self.deadline_total = deadline_total
        self.end = ChildEnd()
        self.expected = job.first  # the next test whose result may arrive
        self.meter = None  # a memory meter while a memory test runs
        self.meter_start = 0
        self.reclaimable_start = 0
        self.idle_usage = 0  # the zygote's group before the fork (jobs with a memory test)
        self.announced: set[int] = set()  # the memory tests whose start the child announced
        self.memory_hits = zygote.memory_limit_hits()  # at the fork, then at each MemoryError
        self.output_start = len(output.kept)  # where what this child prints begins

    def run(self) -> ChildEnd:
        job_r, job_w = os.pipe()
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        os.set_blocking(job_w, False)
        _resize_pipe(result_w, MAX_PIPE_BYTES)  # a large result crosses in one or two reads, not dozens
        self._prewrite(job_w)
        if any(i.measure_memory for i in self.job.invocations[self.job.first:]):
            self.idle_usage = self.zygote.memory_usage()
        try:
            handle = self.zygote.fork(fds=[job_r, result_w, output_w], limits=self.limits)
        finally:
            for fd in (job_r, result_w, output_w):
                os.close(fd)
        try:
            self._supervise(handle, job_w, result_r, output_r)
        finally:
            if self.meter is not None:
                self.meter.close()
            finished = self._answered_everything()
            handle.kill()
            for fd in (job_w, result_r, output_r):
                os.close(fd)
            if not finished:
                exit_info = self.zygote.wait_exit(handle, EXIT_WAIT_SECONDS)
                self.end.status = exit_info.get("status")
                self.end.oom_kills = int(exit_info.get("oom_kills", 0))
                self.end.tasks_refused = int(exit_info.get("tasks_refused", 0))
                self.end.thread_refused = _says_thread_refused(self.output.kept[self.output_start:])
        return self.end

    def _prewrite(self, job_w: int) -> None:
        """Put as much of the job as the pipe holds into it before the fork: the child finds it ready."""
        _resize_pipe(job_w, min(max(len(self.job_bytes), PIPE_BYTES), MAX_PIPE_BYTES))
        try:
            written = os.write(job_w, self.job_bytes)
        except BlockingIOError:
            written = 0
        self.job_bytes = self.job_bytes[written:]

    def _answered_everything(self) -> bool:
        loaded = self.end.loaded
        if self.end.stop is not None or loaded is None:
            return False
        return loaded.failure is not None or self.expected >= len(self.job.invocations)

    def _stop(self, reason: str, detail: str = "") -> None:
        self.end.stop, self.end.detail = reason, detail

    def _supervise(self, handle, job_w: int, result_r: int, output_r: int) -> None:
        limits = self.limits
        deadline_test = time.monotonic() + 2 * limits.timeout  # loading counts towards the first test
        cpu_start = self.zygote.cpu_seconds()
        next_poll = time.monotonic() + POLL_SECONDS
        buffer = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(result_r, selectors.EVENT_READ, "result")
            selector.register(output_r, selectors.EVENT_READ, "output")
            selector.register(job_w, selectors.EVENT_WRITE, "job")
            writing = True
            while True:
                now = time.monotonic()
                if now >= self.deadline_total:
                    return self._stop("submission_timeout")
                if now >= deadline_test:
                    return self._stop("timeout")
                if now >= next_poll:
                    next_poll = now + POLL_SECONDS
                    if self.zygote.cpu_seconds() - cpu_start > limits.submission_timeout:
                        return self._stop("cpu")
                wait = min(deadline_test, self.deadline_total, next_poll) - now
                for key, _ in selector.select(max(0.0, wait)):
                    if key.data == "job":
                        if self.job_bytes:
                            try:
                                written = os.write(job_w, self.job_bytes[:PIPE_BYTES])
                            except BlockingIOError:
                                continue
                            except OSError:  # the child is gone; its end shows below
                                self.job_bytes = memoryview(b"")
                                written = 0
                            self.job_bytes = self.job_bytes[written:]
                        if not self.job_bytes and writing:
                            selector.unregister(job_w)
                            writing = False
                        continue
                    data = os.read(key.fd, _read_size(buffer) if key.data == "result" else PIPE_BYTES)
                    if not data:
                        if key.data == "result":  # the child closed its result channel: it exited
                            return self._drain(output_r)  # with its last words (a runtime's fatal error)
                        selector.unregister(key.fd)
                        continue
                    if key.data == "output":
                        if not self.output.add(data, limits.max_output_bytes):
                            return self._stop("output_limit")
                        continue
                    # what the test printed before its frame first: crossing the output limit costs
                    # the test that crossed it, however the two channels were read (the child flushes)
                    self._drain(output_r)
                    if self.end.stop:
                        return None
                    buffer += data
                    started = self._frames(buffer)
                    if self.end.stop or self._answered_everything():
                        return self._drain(output_r)
                    if self.job_bytes and not writing:  # a memory test began: its inputs go now
                        selector.register(job_w, selectors.EVENT_WRITE, "job")
                        writing = True
                    if started:
                        deadline_test = time.monotonic() + limits.timeout

    def _drain(self, output_r: int) -> None:
        """Read what the child printed before the frame just read (it flushes before each frame)."""
        while select.select([output_r], [], [], 0)[0]:
            data = os.read(output_r, PIPE_BYTES)
            if not data:
                return
            if not self.output.add(data, self.limits.max_output_bytes):
                self._stop("output_limit")
                return

    def _frames(self, buffer: bytearray) -> bool:
        """Consume complete frames; True when a test's result arrived (the next test starts)."""
        started = False
        while len(buffer) >= CHILD_HEADER.size and not self.end.stop:
            kind, index, length = CHILD_HEADER.unpack_from(buffer)
            if kind not in FRAME_KINDS:
                self._stop("protocol", "unknown frame")
                break
            if length > self.limits.max_result_bytes:
                self._stop("result_limit")
                break
            if length > self.budget.left:
                self._stop("results_limit")
                break
            end = CHILD_HEADER.size + length
            if len(buffer) < end:
                break
            self.budget.left -= length
            with memoryview(buffer) as view:
                payload = bytearray(view[CHILD_HEADER.size:end])  # decoded tensors are views of it
            del buffer[:end]
            if kind == LOADED:
                self._loaded(index, payload)
                started = True
            elif kind == BEGIN:
                self._begin(index)
            else:
                self._result(index, payload)
                started = True
        return started

    def _loaded(self, index: int, payload: bytes) -> None:
        if self.end.loaded is not None or index != self.job.first:
            return self._stop("protocol", "a second load report")
        try:
            self.end.loaded = loaded_from_wire(decode(payload), job_id=self.job.job_id)
        except ProtocolError as exc:
            self._stop("protocol", str(exc))

    def _begin(self, index: int) -> None:
        """A memory test begins: the meter starts, then the test and its inputs are sent."""
        invocation = self.job.invocations[index]
        if (self.end.loaded is None or index != self.expected or self.meter is not None
                or not invocation.measure_memory or self.job_bytes):
            return self._stop("protocol", "an unexpected memory test")
        self.announced.add(index)
        self.meter = self.zygote.peak_meter()
        self.meter_start = self.zygote.memory_usage() if self.meter is not None else 0
        self.reclaimable_start = self.zygote.reclaimable_memory() if self.meter is not None else 0
        self.job_bytes = memoryview(encode_go(invocation))

    def _result(self, index: int, payload: bytes) -> None:
        if self.end.loaded is None:
            return self._stop("protocol", "a result before the submission had loaded")
        if index != self.expected:
            return self._stop("protocol", f"a result for test {index} while test {self.expected} runs")
        self.expected += 1
        try:
            outcome = outcome_from_wire(decode(payload), job_id=self.job.job_id,
                                        forbidden=self.job.forbidden)
        except ProtocolError as exc:
            self.end.malformed[index] = SubmissionError(ErrorKind.CRASH,
                                                        F.MALFORMED_RESULT.format(why=str(exc)[:200]))
            return None
        invocation = self.job.invocations[index]
        if invocation.measure_memory:
            if index not in self.announced:
                self.end.malformed[index] = SubmissionError(ErrorKind.CRASH, F.MEMORY_TEST_NOT_ANNOUNCED)
                return None
            outcome = replace(outcome, peak_memory_bytes=self._peak(invocation))
        self._memory_evidence(index, outcome)
        self.end.results[index] = outcome

    def _memory_evidence(self, index: int, outcome: Outcome) -> None:
        """A test that raised MemoryError ran out of memory only if the group's memory reached its
        limit since the child began or since its last MemoryError (where no group counts, a failed
        allocation is how the limit shows):
        otherwise the MemoryError is the submission's own exception (``raise MemoryError``)."""
        if not _memory_error(outcome):  # the counter is read only then: not on every test's path
            return
        hits, before = self.zygote.memory_limit_hits(), self.memory_hits
        self.memory_hits = hits
        if hits is None or before is None or hits > before:
            self.end.memory_limited.add(index)

    def _peak(self, invocation: Invocation) -> int | None:
        """The test's peak memory beyond its inputs (see :data:`HELD_ALLOWANCE_BYTES`)."""
        if self.meter is None:
            return None
        try:
            peak = self.meter.read()
            reclaimable_end = self.zygote.reclaimable_memory()
            limit = self.zygote.memory_limit()
        except (OSError, ValueError):
            peak = None
        self.meter.close()
        self.meter = None
        if peak is None:
            return None
        reached = limit is not None and peak >= limit - LIMIT_REACHED_BYTES
        return call_peak(peak=peak, start=self.meter_start, idle=self.idle_usage,
                         reclaimable=(self.reclaimable_start, reclaimable_end), input_bytes=invocation.input_bytes(),
                         limit_reached=reached)


def call_peak(*, peak: int, start: int, idle: int, reclaimable: tuple[int, int], input_bytes: int,
              limit_reached: bool) -> int:
    """A memory test's figure from its group's counters: how far the group's peak rose above its
    use when the test began (``start``), less the copies of the test's inputs; plus, when the group
    reached its limit meanwhile, what the kernel took back from it (the drop in ``reclaimable``,
    before and after, beyond :data:`RECLAIMED_TOLERANCE_BYTES`); plus what the child held before
    the test beyond its allowance over the group's use before the fork (``idle``)."""
    reclaimed = max(0, reclaimable[0] - reclaimable[1] - RECLAIMED_TOLERANCE_BYTES) if limit_reached else 0
    held_before = max(0, start - idle - HELD_ALLOWANCE_BYTES)
    return max(0, peak - start - INPUT_COPIES * input_bytes) + reclaimed + held_before


def _read_size(buffer: bytearray) -> int:
    """How much to read next: the rest of a large frame at once (up to a pipe's worth), else a little."""
    if len(buffer) < CHILD_HEADER.size:
        return PIPE_BYTES
    _, _, length = CHILD_HEADER.unpack_from(buffer)
    return max(PIPE_BYTES, min(CHILD_HEADER.size + length - len(buffer), MAX_PIPE_BYTES))


def _resize_pipe(fd: int, size: int) -> None:
    """Ask for a pipe of ``size`` bytes; where the system refuses, the default size only costs more reads."""
    try:
        fcntl.fcntl(fd, F_SETPIPE_SZ, size)
    except OSError:
        pass


# What a runtime prints as it stops the process because a thread could not be started (libgomp's
# pool after torch.set_num_threads(64), OpenBLAS's): the process and thread limit said no.
THREAD_REFUSED_MARKERS = (b"Thread creation failed", b"pthread_create")


def _says_thread_refused(printed: bytes) -> bool:
    """Whether a child's kept output (at most :data:`KEPT_OUTPUT_BYTES`) has a runtime's thread failure."""
    return any(marker in printed for marker in THREAD_REFUSED_MARKERS)


def _describe_end(end: ChildEnd, limits: Limits) -> SubmissionError:
    """Why a child stopped before answering every test, as the learner reads it."""
    reason = end.stop
    if reason == "timeout":
        return SubmissionError(ErrorKind.TIMEOUT, F.TEST_TIMEOUT.format(seconds=f"{limits.timeout:g}"))
    if reason == "submission_timeout":
        return SubmissionError(ErrorKind.TIMEOUT,
                               F.SUBMISSION_TIMEOUT.format(seconds=f"{limits.submission_timeout:g}"))
    if reason == "cpu":
        return SubmissionError(ErrorKind.TIMEOUT, F.CPU_LIMIT)
    if reason == "output_limit":
        return SubmissionError(ErrorKind.OUTPUT_LIMIT, F.PRINTED_TOO_MUCH.format(limit=limits.max_output_bytes))
    if reason == "result_limit":
        return SubmissionError(ErrorKind.OUTPUT_LIMIT, F.RESULT_TOO_LARGE.format(limit=limits.max_result_bytes))
    if reason == "results_limit":
        return SubmissionError(ErrorKind.OUTPUT_LIMIT, F.RESULTS_TOO_LARGE.format(limit=limits.max_results_bytes // MIB))
    if reason == "protocol":
        return SubmissionError(ErrorKind.CRASH, F.RESULT_CHANNEL_MISUSED.format(why=end.detail[:200]))
    if end.oom_kills:
        return SubmissionError(ErrorKind.MEMORY_LIMIT, F.OUT_OF_MEMORY.format(limit=limits.memory_mb))
    status = end.status
    if status is None:
        return SubmissionError(ErrorKind.CRASH, F.EXITED_EARLY.format(code="?"))
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGXCPU:
            return SubmissionError(ErrorKind.TIMEOUT, F.CPU_LIMIT)
        if sig == signal.SIGXFSZ:
            return SubmissionError(ErrorKind.RESOURCE_LIMIT, F.WROTE_TOO_MUCH.format(limit=limits.max_written_bytes))
        if sig == signal.SIGKILL:
            return SubmissionError(ErrorKind.MEMORY_LIMIT, F.KILLED)
        if end.tasks_refused:
            return SubmissionError(ErrorKind.RESOURCE_LIMIT,
                                   F.TOO_MANY_PROCESSES.format(limit=limits.max_processes))
        return SubmissionError(ErrorKind.CRASH, F.CRASHED_SIGNAL.format(signal=SIGNAL_NAMES.get(sig, str(sig))))
    code = os.WEXITSTATUS(status) if os.WIFEXITED(status) else -1
    if end.tasks_refused:
        return SubmissionError(ErrorKind.RESOURCE_LIMIT, F.TOO_MANY_PROCESSES.format(limit=limits.max_processes))
    if end.thread_refused and code != 0:
        return SubmissionError(ErrorKind.RESOURCE_LIMIT,
                               F.THREAD_REFUSED.format(code=code, limit=limits.max_processes))
    if code == 70:
        return SubmissionError(ErrorKind.CRASH, F.RUNTIME_FAILED)
    return SubmissionError(ErrorKind.CRASH, F.EXITED_EARLY.format(code=code))


def _memory_error(outcome: Outcome) -> bool:
    error = outcome.error
    return error is not None and (error.type == "MemoryError" or "can't allocate memory" in error.message
                                  or "not enough memory" in error.message)


def _test_level_errors(results: dict[int, Outcome], limits: Limits,
                       memory_limited: set[int]) -> dict[int, SubmissionError]:
    """Outcomes that are really limits hit inside one test (too large a result, out of memory:
    ``memory_limited``, see :meth:`ChildRun._memory_evidence`)."""
    errors = {}
    for index, outcome in results.items():
        if outcome.error and outcome.error.type == RESULT_TOO_LARGE:
            errors[index] = SubmissionError(ErrorKind.OUTPUT_LIMIT,
                                            F.RESULT_TOO_LARGE.format(limit=limits.max_result_bytes))
        elif index in memory_limited:
            errors[index] = SubmissionError(ErrorKind.MEMORY_LIMIT, F.OUT_OF_MEMORY.format(limit=limits.memory_mb))
    return errors


def _why_the_rest_is_not_run(stopped: SubmissionError, end: ChildEnd, restarts: int) -> Text | None:
    """Why the tests after the one that ended a child are not run (None: they run in a new child).
    A submission's time, results and printed output are limited in all, over its tests: once one
    of them is spent, what is left is not run."""
    if stopped.kind == ErrorKind.TIMEOUT:
        return F.NOT_RUN_AFTER_TIMEOUT
    if end.stop == "results_limit":
        return F.NOT_RUN_AFTER_RESULTS
    if end.stop == "output_limit":
        return F.NOT_RUN_AFTER_OUTPUT
    return F.NOT_RUN_AFTER_CRASHES if restarts > MAX_RESTARTS else None


def _not_run(test_errors: dict[int, SubmissionError], tests: range, kind: ErrorKind, why: Text) -> None:
    for later in tests:
        test_errors[later] = SubmissionError(kind, F.NOT_RUN.format(why=why))


def run_submission(zygote, *, source: str, filename: str, symbols: list[str], forbidden: list[str],
                   invocations: list[Invocation], limits: Limits, isolation: str,
                   invocations_bytes: bytes | None = None) -> RunReport:
    """Run every test of one submission in fresh children of ``zygote``; see the module docstring.
    ``invocations_bytes``: the invocations' encoding, where the caller made it already."""
    start = time.monotonic()
    count = len(invocations)
    deadline_total = start + limits.submission_timeout
    encoded = invocations_bytes if invocations_bytes is not None else encode_invocations(invocations)
    output = CapturedOutput()
    budget = ResultBudget(limits.max_results_bytes)
    results: dict[int, Outcome] = {}
    test_errors: dict[int, SubmissionError] = {}
    memory_limited: set[int] = set()
    error = None
    first, restarts, loaded_before = 0, 0, False
    job_id = secrets.token_hex(8)
    while first < count:
        job = Job(job_id=job_id, source=source, filename=filename, symbols=tuple(symbols),
                  forbidden=tuple(forbidden), invocations=tuple(invocations), first=first)
        end = ChildRun(zygote, job, encode_job(job, encoded), limits, output, budget, deadline_total).run()
        results.update(end.results)
        test_errors.update(end.malformed)
        memory_limited |= end.memory_limited
        if end.loaded is None:
            stopped = _describe_end(end, limits)
            if not loaded_before:
                error = SubmissionError(stopped.kind, F.WHILE_LOADING.format(message=stopped.message))
                break
            # loaded again after a test ended its child: the tests answered before keep their results
            test_errors[first] = SubmissionError(stopped.kind, F.WHILE_LOADING_AGAIN.format(message=stopped.message))
            _not_run(test_errors, range(first + 1, count), stopped.kind, F.NOT_RUN_AFTER_RELOAD)
            break
        if end.loaded.failure:
            error = load_failure_error(end.loaded.failure)
            break
        loaded_before = True
        answered = set(end.results) | set(end.malformed)
        first = max(answered) + 1 if answered else first
        if first >= count:
            break
        stopped = _describe_end(end, limits)
        if stopped.kind == ErrorKind.MEMORY_LIMIT and invocations[first].measure_memory:
            # A memory test killed at the limit is that test's measurement, judged by its check.
            results[first] = Outcome(error=TestException(MEMORY_LIMIT_EXCEEDED, stopped.message.en),
                                     peak_memory_bytes=limits.memory_mb * MIB)
            first += 1
            continue
        test_errors[first] = stopped
        restarts += 1
        why = _why_the_rest_is_not_run(stopped, end, restarts)
        if why is not None:
            _not_run(test_errors, range(first + 1, count), stopped.kind, why)
            break
        first += 1
    test_errors.update(_test_level_errors(results, limits, memory_limited))
    outcomes = [None if i in test_errors else results.get(i) for i in range(count)]
    return RunReport(outcomes=outcomes, test_errors=test_errors, error=error, output=output.text(),
                     output_truncated=output.total > len(output.kept), isolation=isolation,
                     seconds=time.monotonic() - start)
