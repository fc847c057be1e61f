"""Where a class run writes what: one definition of the output layout.

``OUT/<student>/<problem>/results.json`` and ``report.html`` for each
submission; ``OUT/index.html``, ``gradebook.csv``, ``gradebook-canvas.csv``,
``similarity.json``, ``similarity/`` and ``static/`` for the class; private state
in ``OUT/.attn-judge/``. A student's folder is named after the student, so a
student called ``index.html`` or ``static`` would collide with a class output:
such names, in any case (``Static`` and ``INDEX.HTML`` are the same file on
macOS and Windows, where an output folder may be copied), and names starting
with ``~`` get a leading ``~``, which keeps the mapping one-to-one and every
student's folder distinct from every class file.
Where the leading ``~`` would make a name longer than a file name may be, the
folder is ``~#`` and the SHA-256 of the name instead: no other name maps there
(an escaped name starts with ``~~`` or with a class file's name).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

DEFAULT_CLASS_OUT = Path("attn-judge-results")  # a class run's output folder when no --out is given
STATE_DIR = ".attn-judge"  # a class output folder's private state (never a student's folder)
CLASS_FILES = frozenset({"index.html", "gradebook.csv", "gradebook-canvas.csv", "similarity.json",
                         "similarity", "static", STATE_DIR})
_CLASS_FILES_FOLDED = frozenset(name.casefold() for name in CLASS_FILES)
ESCAPE = "~"
HASHED = "#"  # after ESCAPE: a name too long to escape, given as its hash
NAME_MAX = 255  # bytes in one file name (Linux, macOS)
RESULTS = "results.json"
REPORT = "report.html"
MAX_RESULTS_BYTES = 64 * 1024 * 1024  # a results.json larger than this is not ours


def student_folder(student: str) -> str:
    """The folder name of ``student`` under OUT (names of class outputs are escaped)."""
    if student.casefold() in _CLASS_FILES_FOLDED or student.startswith(ESCAPE):
        escaped = ESCAPE + student
        if len(os.fsencode(escaped)) <= NAME_MAX:
            return escaped
        return ESCAPE + HASHED + hashlib.sha256(os.fsencode(student)).hexdigest()
    return student


def submission_dir(out: Path, student: str, problem_id: str) -> Path:
    return Path(out) / student_folder(student) / problem_id


def results_path(out: Path, student: str, problem_id: str) -> Path:
    return submission_dir(out, student, problem_id) / RESULTS


def report_path(out: Path, student: str, problem_id: str) -> Path:
    return submission_dir(out, student, problem_id) / REPORT
