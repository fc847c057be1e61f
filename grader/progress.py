"""The learner's local record of `attn-judge check` runs (feeds the site's progress view).

Stored as JSON in ``$ATTN_JUDGE_HOME/progress.json`` (default
``~/.local/share/attn-judge``). Written atomically. The file is the learner's
to edit or break: an entry that is not a problem's record is ignored (and
dropped at the next write), and a file that cannot be read as a record (not
JSON, not an object, over :data:`MAX_BYTES`) is moved aside to
``progress.damaged.json`` before a new one is written, so that a check never
crashes over it and nothing the learner had is overwritten unseen.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
import time
from pathlib import Path

MAX_BYTES = 1 << 20  # a record per problem is under 200 bytes
DAMAGED = "progress.damaged.json"


def home() -> Path:
    configured = os.environ.get("ATTN_JUDGE_HOME")
    return Path(configured) if configured else Path.home() / ".local" / "share" / "attn-judge"


def progress_path() -> Path:
    return home() / "progress.json"


# What _read gives for a file that is there but is no record: moved aside before a new one is written.
_DAMAGED = object()
# ... and for one that cannot be opened (permissions, a folder in its place): left alone, not written over.
_UNREADABLE = object()


def load() -> dict:
    """``{problem_id: {"solved": bool, "score": float, "max_score": float, "checked_at": str}}``: the
    well-formed records of the file (none when it is missing or damaged)."""
    return _records(_read())


def _records(data) -> dict:
    if not isinstance(data, dict):
        return {}
    return {key: entry for key, value in data.items() if (entry := _entry(value)) is not None}


def _read():
    """The file's JSON object; None when there is no file, else :data:`_DAMAGED` or :data:`_UNREADABLE`."""
    try:
        with progress_path().open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return None
    except OSError:
        return _UNREADABLE
    if len(raw) > MAX_BYTES:
        return _DAMAGED
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return _DAMAGED
    return data if isinstance(data, dict) else _DAMAGED


def _number(value) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _entry(value) -> dict | None:
    """A problem's record as written by :func:`record`, or None for anything else."""
    if not isinstance(value, dict):
        return None
    score, max_score = _number(value.get("score")), _number(value.get("max_score"))
    if score is None or max_score is None or not isinstance(value.get("solved"), bool):
        return None
    checked_at = value.get("checked_at")
    return {"solved": value["solved"], "score": score, "max_score": max_score,
            "checked_at": checked_at if isinstance(checked_at, str) else ""}


def record(problem_id: str, *, score: float, max_score: float) -> None:
    """Remember the latest check of ``problem_id``; a problem once solved stays solved."""
    path, found = progress_path(), _read()
    if found is _UNREADABLE:
        return  # not ours to write over; progress is a convenience, never a reason to fail a check
    if found is _DAMAGED:  # the learner's file, kept for them to look at
        try:
            os.replace(path, path.with_name(DAMAGED))
        except OSError:
            return
    data = _records(found)
    previous = data.get(problem_id, {})
    data[problem_id] = {
        "solved": bool(previous.get("solved")) or score >= max_score,
        "score": score,
        "max_score": max_score,
        "checked_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # progress is a convenience; never fail a check over it
