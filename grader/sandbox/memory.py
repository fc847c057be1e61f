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
mapping, unmapped when freed.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from typing import Callable

M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 128 * 1024
_fixed = False


def fixed_mmap_threshold() -> bool:
    """Fix glibc's mmap threshold (once per process); False where that is not glibc."""
    global _fixed
    if not _fixed:
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _fixed = bool(libc.mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))
        except (OSError, AttributeError):
            _fixed = False
    return _fixed


def _status_kib(field: str) -> int | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def measure_in_process(call: Callable[[], object]) -> tuple[object, int | None]:
    """Run ``call``; return its result and its peak resident bytes beyond the start (or None)."""
    fixed_mmap_threshold()
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset the peak resident set size of this process
    except OSError:
        return call(), None
    start = _status_kib("VmRSS")
    result = call()
    peak = _status_kib("VmHWM")
    if start is None or peak is None:
        return result, None
    return result, max(0, peak - start) * 1024
