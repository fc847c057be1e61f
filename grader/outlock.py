"""One class run at a time writes into an output folder.

Two ``attn-judge grade`` runs into the same OUT would grade the same
submissions twice, interleave their results and each rewrite the class
outputs from a half-finished folder. The second one is refused instead: a run
holds an advisory ``flock`` on ``OUT/.attn-judge/lock`` from its start to its
end. The kernel releases it when the process ends, however it ends (``kill -9``
included), so a lock left behind never blocks a later run. The file holds the
holder's process ID, for the message. On a file system that has no locks
(some network mounts) the run goes on unlocked.

A process that holds the lock may take it again (the command line takes it
before it grades, the class service again when it runs); it is released when
the last taker lets it go. :func:`holder_of` asks, taking nothing and making
nothing, so that the command line refuses a busy OUT before it starts its
sandboxes (the lock itself is taken once the options are known to be good).
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

from grader.outpaths import STATE_DIR

LOCK_FILE = "lock"
_PID_BYTES = 20


class OutputInUse(Exception):
    """Another process holds the lock of this output folder."""

    def __init__(self, pid: str):
        super().__init__(f"output folder locked by process {pid}")
        self.pid = pid


class OutputLock:
    """One taking of an output folder's lock, held until :meth:`release` (or the end of a ``with``)."""

    def __init__(self, path: Path):
        self._path = path
        self._held = True

    def release(self) -> None:
        with _TAKEN:
            if not self._held:
                return
            self._held = False
            fd, count = _HELD.pop(self._path)
            if count > 1:
                _HELD[self._path] = (fd, count - 1)
            else:
                os.close(fd)  # closing the only descriptor releases the flock

    def __enter__(self) -> "OutputLock":
        return self

    def __exit__(self, *exc_info) -> None:
        self.release()


_HELD: dict[Path, tuple[int, int]] = {}  # lock file -> (its descriptor, how many takings hold it)
_TAKEN = threading.Lock()


def _lock_path(out: Path) -> Path:
    return Path(out).resolve() / STATE_DIR / LOCK_FILE


def lock_output(out: Path) -> OutputLock:
    """Take the lock of ``out`` (creating its state folder); :class:`OutputInUse` if another
    live process holds it."""
    path = _lock_path(out)
    with _TAKEN:
        if path in _HELD:
            fd, count = _HELD[path]
            _HELD[path] = (fd, count + 1)
            return OutputLock(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise OutputInUse(holder) from None
        except OSError:  # no locks on this file system: held in name only
            pass
        else:
            try:
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)
            except OSError:  # no room left: the process ID is only for the message
                pass
        _HELD[path] = (fd, 1)
        return OutputLock(path)


def holder_of(out: Path) -> str | None:
    """The process ID of another process that holds the lock of ``out`` (``"?"`` if it cannot be
    read); None when none does, when this process does, or when ``out`` has no lock file yet."""
    path = _lock_path(out)
    with _TAKEN:
        if path in _HELD:
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # released with the descriptor below
    except BlockingIOError:
        return _holder(fd)
    except OSError:  # no locks on this file system
        return None
    finally:
        os.close(fd)
    return None


def _holder(fd: int) -> str:
    try:
        text = os.pread(fd, _PID_BYTES, 0).decode("ascii", "replace").strip()
    except OSError:
        text = ""
    return text if text.isdigit() else "?"
