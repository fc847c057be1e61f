"""Framing of the pipes between the trusted process and a sandboxed child.

Trusted -> child (the job pipe): two :mod:`grader.sandbox.protocol` messages —
the submission (:class:`~grader.sandbox.messages.Job` without its tests) and
the tests' invocations (encoded once per suite and reused for every submission)
— then, during a memory test, one byte ``g`` that says "the meter runs, go".

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


def read_exactly(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise ChannelClosed("pipe closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def read_message(fd: int) -> bytes:
    """Read one protocol message (validated length) from ``fd``."""
    prefix = read_exactly(fd, HEADER_PREFIX)
    return prefix + read_exactly(fd, frame_length(prefix) - HEADER_PREFIX)


def encode_invocations(invocations) -> bytes:
    """The tests of a suite, encoded once and sent to every child that runs them."""
    return encode([i.to_wire() for i in invocations])


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
