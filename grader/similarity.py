"""Which students' submissions are more alike than the class explains (to be written)."""

from __future__ import annotations

from pathlib import Path


def write_similarity(*, out: Path, submissions: dict[str, dict[str, str]], helpers=None) -> dict | None:
    """Write ``OUT/similarity.json`` and the pages of flagged pairs; return the report (or None).

    Args:
        out: the class output folder.
        submissions: problem ID -> {student: source} of every readable submission.
        helpers: a :class:`grader.bounded.BoundedPool` to run comparisons with a time budget.
    """
    return None
