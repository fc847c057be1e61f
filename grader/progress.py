"""The learner's local record of `attn-judge check` runs (feeds the site's progress view).

Stored as JSON in ``$ATTN_JUDGE_HOME/progress.json`` (default
``~/.local/share/attn-judge``). Written atomically; a damaged file is ignored
rather than crashing a check.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path


def home() -> Path:
    configured = os.environ.get("ATTN_JUDGE_HOME")
    return Path(configured) if configured else Path.home() / ".local" / "share" / "attn-judge"


def progress_path() -> Path:
    return home() / "progress.json"


def load() -> dict:
    """``{problem_id: {"solved": bool, "score": float, "max_score": float, "checked_at": str}}``."""
    try:
        data = json.loads(progress_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(problem_id: str, *, score: float, max_score: float) -> None:
    """Remember the latest check of ``problem_id``; a problem once solved stays solved."""
    data = load()
    previous = data.get(problem_id, {})
    data[problem_id] = {
        "solved": bool(previous.get("solved")) or score >= max_score,
        "score": score,
        "max_score": max_score,
        "checked_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    path = progress_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".progress-")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        pass  # progress is a convenience; never fail a check over it
