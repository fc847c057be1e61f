"""Framing of the pipes between the trusted process and a sandboxed child.

Trusted -> child (the job pipe): two :mod:`grader.sandbox.protocol` messages —
the submission (:class:`~grader.sandbox.messages.Job` without its tests) and
the tests' invocations (encoded once per suite and reused for every submission;
a memory test's without its inputs) — then, when a memory test begins, one byte
``g`` that says "the meter runs, go" and that test's whole invocation: what the
child computes from those inputs is all measured.

Child -> trusted (the result channel): frames
``kind (1 byte) | index (u32) | length (u32) | payload`` with kinds ``L``
(loaded), ``B`` (a memory test begins; no payload) and ``R`` (a test's result),
each payload a protocol message that only the trusted side decodes.
"""

from __future__ import annotations

import os
import struct

from grader.sandbox.messages import Invocation, Job
from grader.sandbox.protocol import HEADER_PREFIX, decode, encode, frame_length

CHILD_HEADER = struct.Struct("<cII")
LOADED, BEGIN, RESULT = b"L", b"B", b"R"
FRAME_KINDS = (LOADED, BEGIN, RESULT)
GO = b"g"
MAX_WRITE_BUFFERS = 512  # buffers per os.writev, under every system's IOV_MAX


class ChannelClosed(EOFError):
    """The other end closed the pipe."""


def write_frame(fd: int, kind: bytes, index: int, parts: list) -> None:
    """A child's frame whose payload is ``parts`` one after the other, written without joining them."""
    length = sum(memoryview(part).nbytes for part in parts)
    write_all(fd, CHILD_HEADER.pack(kind, index, length), *parts)


def write_all(fd: int, *buffers) -> None:
    """Write every buffer in order, as few system calls as the pipe allows (``os.writev``)."""
    pending = [view for view in (memoryview(buffer).cast("B") for buffer in buffers) if view.nbytes]
    first = 0
    while first < len(pending):
        written = os.writev(fd, pending[first:first + MAX_WRITE_BUFFERS])
        while written and written >= pending[first].nbytes:
            written -= pending[first].nbytes
            first += 1
        if written:
            pending[first] = pending[first][written:]


def read_exactly(fd: int, size: int) -> bytearray:
    """``size`` bytes from ``fd``, read into one buffer (no copies: a memory test's inputs arrive
    while its memory is measured)."""
    buffer = bytearray(size)
    _read_into(fd, memoryview(buffer))
    return buffer


def _read_into(fd: int, view: memoryview) -> None:
    while view.nbytes:
        count = os.readv(fd, [view])
        if not count:
            raise ChannelClosed("pipe closed")
        view = view[count:]


def read_message(fd: int) -> bytearray:
    """Read one protocol message (validated length) from ``fd``."""
    prefix = read_exactly(fd, HEADER_PREFIX)
    message = bytearray(frame_length(bytes(prefix)))
    message[:HEADER_PREFIX] = prefix
    with memoryview(message) as view:
        _read_into(fd, view[HEADER_PREFIX:])
    return message


def encode_invocations(invocations) -> bytes:
    """The tests of a suite, encoded once and sent to every child that runs them (a memory test's
    inputs withheld: :func:`encode_go` sends them once the meter runs)."""
    return encode([(i.inputs_withheld() if i.measure_memory else i).to_wire() for i in invocations])


def encode_go(invocation: Invocation) -> bytes:
    """What starts a memory test in the child: ``g`` and the test with its inputs."""
    return GO + encode(invocation.to_wire())


def read_go(fd: int) -> Invocation:
    """The child's side of :func:`encode_go` (it has announced the test and waits)."""
    if read_exactly(fd, 1) != GO:
        raise ChannelClosed("the memory meter did not start")
    return Invocation.from_wire(decode(read_message(fd)))


def encode_job(job: Job, invocations: bytes | None = None) -> bytes:
    """The bytes of the job pipe (``invocations``: the suite's encoding, if already made)."""
    head = job.to_wire()
    del head["invocations"]
    return encode(head) + (invocations if invocations is not None else encode_invocations(job.invocations))


def read_job(fd: int) -> Job:
    """The child's side of :func:`encode_job`."""
    head = decode(read_message(fd))
    invocations = decode(read_message(fd))
    return Job.from_wire(dict(head, invocations=[Invocation.from_wire(i) for i in invocations]))
