"""Atomic file writes: a reader (or a crash) never sees a half-written file."""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

_TEMPORARY = re.compile(r"\.(?P<target>.+)\.[0-9]+\.[0-9a-f]{8}\.tmp")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a fresh temporary name, fsync, then rename.

    The temporary file is created with mode "x" (not ``mkstemp``) so that the
    result gets the usual umask permissions. Its name starts with a dot and ends
    in ``.tmp``, which is how a later run recognises leftovers of a killed one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")  # the form _TEMPORARY knows
    try:
        with open(tmp, "x", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def temporary_target(name: str) -> str | None:
    """The name of the file that ``name`` was a temporary of, if :func:`write_atomic` made it."""
    found = _TEMPORARY.fullmatch(name)
    return found.group("target") if found else None
