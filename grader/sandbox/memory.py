"""Peak memory of one call, measured from a counter the measured code cannot see.

Two meters, one reading: bytes of peak resident memory beyond what the process
held when the call started.

- :class:`CgroupMeter` reads a memory cgroup's peak counter from outside the
  sandboxed child (the trusted side resets it just before the test starts and
  reads it after the result arrives); the child's whole process tree is counted
  and it cannot reach the counter.
- :func:`measure_in_process` resets this process's own peak (``/proc/self/clear_refs``)
  and reads ``VmHWM`` afterwards: for trusted code only (references and
  misconception references in the project's tests), which does not tamper.

Both need the allocator to give freed blocks back to the system, or the same
code measures 10–600 MiB depending on what ran before: :func:`fixed_mmap_threshold`
fixes glibc's mmap threshold so that every block of 128 KiB or more is its own
mapping, unmapped when freed, and :func:`release_freed_memory` gives back the
smaller blocks earlier calls freed before a measured call starts.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from typing import Callable

M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 128 * 1024
_fixed = False
_loaded_libc = None


def _libc():
    """The C library (loaded once: in the zygote, before any child is forked)."""
    global _loaded_libc
    if _loaded_libc is None:
        _loaded_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    return _loaded_libc


def fixed_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold (once per process); False where that is not glibc."""
    global _fixed
    if not _fixed:
        try:
            _fixed = bool(_libc().mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
        except (OSError, AttributeError):
            _fixed = False
    return _fixed


def release_freed_memory() -> None:
    """Give back to the system what earlier calls freed but the process kept: unreachable objects
    are collected and glibc's heap is trimmed. A memory test starts from here, so that it counts
    the heap its call grows and not what earlier tests happened to leave free (a loop over 16,384
    small tensors measured 77 MiB as the first of two memory tests and 9 MiB as the second)."""
    gc.collect()
    try:
        _libc().malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: blocks of 128 KiB or more are unmapped anyway
        pass


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class InProcessMeter:
    """A context manager measuring this process's peak resident memory beyond its start.

    ``peak_bytes`` is None where ``/proc/self/clear_refs`` cannot be written.
    """

    def __init__(self):
        self.peak_bytes: int | None = None
        self._start: int | None = None

    def __enter__(self) -> "InProcessMeter":
        fixed_mmap_threshold()
        release_freed_memory()
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # reset the peak resident set size of this process
        except OSError:
            return self
        self._start = _status_kib("VmRSS")
        return self

    def __exit__(self, *exc) -> None:
        peak = _status_kib("VmHWM")
        if self._start is not None and peak is not None:
            self.peak_bytes = max(0, peak - self._start) * 1024


def measure_in_process(call: Callable[[], object]) -> tuple[object, int | None]:
    """Run ``call``; return its result and its peak resident bytes beyond the start (or None)."""
    with InProcessMeter() as meter:
        result = call()
    return result, meter.peak_bytes
