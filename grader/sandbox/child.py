"""The forked child that imports and runs a submission (untrusted side).

Forked by the zygote (which never held any job), it keeps exactly three
descriptors — its job input, its result channel and its captured output —
isolates itself (:mod:`grader.sandbox.isolation`) before touching anything of
the job, and only then reads its job from the trusted side: the submission's
source and its tests' inputs. It loads the submission and runs each test,
sending one frame per test on the result channel; before a test that measures
memory it announces the test and waits for the trusted side to start its
meter, which then sends that test with its inputs. Its stdout and stderr go to
the capture pipe; nothing printed is ever read as a result. Only the child's own
process reports: a copy of it that the submission forks ends where it would
report. It always ends with ``os._exit`` so that no cleanup code of the
candidate's or of torch runs.
"""

from __future__ import annotations

import os
import sys

import torch

from grader.sandbox import guard, isolation
from grader.sandbox.channel import BEGIN, LOADED, RESULT, read_go, read_job, write_frame
from grader.sandbox.exception_facts import class_name, message_of
from grader.sandbox.execute import describe_exit, execute
from grader.sandbox.loader import load_submission
from grader.sandbox.memory import release_freed_memory
from grader.sandbox.messages import (RESULT_TOO_LARGE, ErrorKind, Job, Loaded, LoadFailure,
                                     Outcome, TestException, loaded_to_wire, outcome_to_wire)
from grader.sandbox.protocol import MessageTooLarge, Unsupported, encode_parts

RUNTIME_FAILED = 70  # exit status: isolation or the runtime failed (not the candidate's code)
_WRITER_PID = 0  # the child itself: the one process that reports on the result channel (set in main)


def _close_other_descriptors(keep: set[int]) -> None:
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _flush_output() -> None:
    """What the submission printed reaches the capture pipe before the frame that follows it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # a closed or replaced stream: its text is the candidate's loss
            pass


def _report(fd: int, kind: bytes, index: int, parts: list) -> None:
    """Write one frame on the result channel; a copy of this process that the submission forked
    (at import, or in a call) ends here instead: it shares the channel, and a second report of
    the same test would make the whole result malformed, the score depending on which came first."""
    if os.getpid() != _WRITER_PID:
        os._exit(0)
    write_frame(fd, kind, index, parts)


def _send(fd: int, kind: bytes, index: int, wire: dict, limit: int) -> None:
    _flush_output()
    _report(fd, kind, index, _encoded(wire, limit))


def _encoded(wire: dict, limit: int) -> list:
    """The message of ``wire``; a value that cannot be encoded costs that test only, whatever
    fails while encoding it (a tensor subclass's own code, an integer too long to print)."""
    try:
        return encode_parts(wire, limit=limit)
    except MessageTooLarge as exc:
        wire = outcome_to_wire(Outcome(error=TestException(RESULT_TOO_LARGE, f"{exc}")), wire["job_id"])
    except Exception as exc:  # noqa: BLE001 - ProtocolError, or anything the value's own code raised
        wire = dict(wire, value=Unsupported(f"value that cannot be sent ({class_name(type(exc))})"), grads=None,
                    param_grads=None)
    return encode_parts(wire, limit=limit)


def _exit_outcome(exc: SystemExit) -> Outcome:
    return Outcome(error=TestException("SystemExit", describe_exit(exc)))


def _memory_test(job_fd: int, result_fd: int, index: int):
    """Announce a memory test and wait until the trusted side's meter runs; the test, now with its
    inputs, arrives then. It starts with the memory earlier tests freed given back."""
    release_freed_memory()
    _report(result_fd, BEGIN, index, [])
    return read_go(job_fd)


def _run(job: Job, *, job_fd: int, result_fd: int, limit: int) -> None:
    guard.install(list(job.forbidden))
    try:
        namespace, failure = load_submission(job.source, job.filename, list(job.symbols),
                                             feedback_errors=BaseException)
    except SystemExit as exc:  # a SystemExit subclass that escaped the loader's own handling
        namespace, failure = None, LoadFailure(ErrorKind.IMPORT_ERROR, f"SystemExit: {describe_exit(exc)}")
    _send(result_fd, LOADED, job.first, loaded_to_wire(Loaded(job.job_id, failure)), limit)
    if namespace is None:
        return
    for index in range(job.first, len(job.invocations)):
        invocation = job.invocations[index]
        if invocation.measure_memory:
            invocation = _memory_test(job_fd, result_fd, index)
        try:
            outcome = execute(namespace, invocation, filename=job.filename, feedback_errors=BaseException,
                              max_result_bytes=limit)
        except SystemExit as exc:
            outcome = _exit_outcome(exc)
        _send(result_fd, RESULT, index, outcome_to_wire(outcome, job.job_id), limit)


def main(*, job_fd: int, result_fd: int, output_fd: int, setup: isolation.Setup,
         limits: isolation.ChildLimits, weak_workdir: str | None, max_result_bytes: int) -> None:
    """Child main: never returns."""
    global _WRITER_PID
    _WRITER_PID = os.getpid()
    status = 0
    try:
        os.setsid()
        devnull = os.open("/dev/null", os.O_RDONLY)
        os.dup2(devnull, 0)
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        _close_other_descriptors({0, 1, 2, job_fd, result_fd})
        torch.set_num_threads(1)  # a forked child must not use the zygote's OpenMP pool
        isolation.enter(setup, limits, weak_workdir=weak_workdir)
        os.environ.update({"HOME": os.getcwd(), "TMPDIR": os.getcwd()})
        job = read_job(job_fd)
        _run(job, job_fd=job_fd, result_fd=result_fd, limit=max_result_bytes)
    except BaseException as exc:  # isolation failed, or running out of a limit broke the runtime
        status = RUNTIME_FAILED
        try:
            os.write(2, f"sandbox runtime failed: {class_name(type(exc))}: {message_of(exc)}\n".encode())
        except BaseException:  # noqa: BLE001 - nothing more can be said
            pass
    finally:
        _flush_output()
        os._exit(status)
