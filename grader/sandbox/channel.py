"""Framing for the pipes between the trusted process, a warm worker and its child.

Child -> worker frames are ``kind (1 byte) | index (u32) | length (u32) | payload``
so the worker can track progress without decoding anything the candidate made;
the payload is a :mod:`grader.sandbox.protocol` message decoded only by the
trusted process. Worker <-> trusted process messages are protocol messages.
"""

from __future__ import annotations

import os
import struct

from grader.sandbox.protocol import HEADER_PREFIX, frame_length

CHILD_HEADER = struct.Struct("<cII")
LOADED, RESULT = b"L", b"R"
RESULT_TOO_LARGE = "ResultTooLarge"  # the error type a child reports instead of an oversized result


class ChannelClosed(EOFError):
    """The other end closed the pipe."""


def child_frame(kind: bytes, index: int, payload: bytes) -> bytes:
    return CHILD_HEADER.pack(kind, index, len(payload)) + payload


def parse_child_frames(buffer: bytearray, max_payload: int) -> list[tuple[bytes, int, bytes]]:
    """Remove and return complete frames from ``buffer``; raise ValueError if one is invalid."""
    frames = []
    while len(buffer) >= CHILD_HEADER.size:
        kind, index, length = CHILD_HEADER.unpack_from(buffer)
        if kind not in (LOADED, RESULT) or length > max_payload:
            raise ValueError("invalid or oversized result frame")
        end = CHILD_HEADER.size + length
        if len(buffer) < end:
            break
        frames.append((kind, index, bytes(buffer[CHILD_HEADER.size:end])))
        del buffer[:end]
    return frames


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


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
