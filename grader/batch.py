"""A class directory, seen as submissions to grade: planning and resuming.

``DIR/<student>/<problem>.py`` (or ``.ipynb``), any subset of the problems per
student. :func:`plan_class` finds every submission once, and notes, per
student, the files that are not problems (with the close match). A name is
data: every name the file system allows is a student, except names starting
with ``.`` (``.git``, editor folders), ``__MACOSX`` (a macOS zip's resource
forks) and what Windows leaves in folders (``Thumbs.db``, ``desktop.ini``),
which are skipped. A problem's ``.py`` is graded before its notebook,
unless it is empty or the untouched starter file. ``results.json`` is
the completion marker of a submission: with ``resume`` a submission whose
results already record the same bytes, problem and seed is not graded again.
"""

from __future__ import annotations

import math
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader import feedback as F
from grader import registry
from grader.i18n import Text
from grader.jsonio import load_object
from grader.fsutil import temporary_target
from grader.outpaths import MAX_RESULTS_BYTES, REPORT, RESULTS, results_path, student_folder
from grader.registry import Problem
from grader.reports.gradebook import name_as_read
from grader.reports.render import shown_name
from grader.submission import untouched_file

SUBMISSION_SUFFIXES = ("py", "ipynb")
NOT_STUDENTS = frozenset({"__MACOSX"})  # what macOS adds to a zip of the class: resource forks, never a student
# Folders tools leave in a class folder: passed over without a word, like hidden files (.DS_Store)
TOOL_FOLDERS = frozenset({".git", ".hg", ".svn", ".ipynb_checkpoints", ".vscode", ".idea", ".venv", ".cache",
                          "__pycache__"})
# Files Windows leaves in any folder it shows (thumbnails, folder settings), in lower case: passed over too
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})
MAX_NAMED_CLASHES = 3  # the other names a note on folders that differ only in case names; then a count
MAX_FILE_NOTES = 20  # notes on the files of one student folder that are not graded; then a count
MAX_NAMED_PASSED_OVER = 3  # names of what an otherwise empty student folder holds, in its note
MAX_LISTED = 1000  # names of a folder inside a student folder looked at for problem files
ARCHIVES = ("zip", "tar.gz", "tgz", "tar", "7z", "rar", "gz")  # never opened: told to be unpacked


@dataclass(frozen=True)
class Entry:
    """One student's file for one problem."""

    student: str
    problem: Problem
    path: Path


@dataclass
class ClassPlan:
    entries: list[Entry]
    roster: dict[str, dict]  # student -> {"graded": [problem ids], "notes": [grader.i18n.Text]}
    # what lies next to the student folders and is not one: files and hidden folders (shown names)
    ignored: list[str] = field(default_factory=list)


@dataclass
class ClassSummary:
    graded: int = 0
    skipped: int = 0  # already finished (resume)
    interrupted: bool = False
    seconds: float = 0.0
    isolation: str = ""
    students: int = 0
    errors: dict[str, int] = field(default_factory=dict)
    retried: list[str] = field(default_factory=list)  # graded again elsewhere (a worker lost or unable to grade)
    retired: list[str] = field(default_factory=list)  # workers retired mid-class, each "address: why" (Dask)
    other_installation: int = 0  # finished results graded again by --resume: another installation wrote them


def _is_symlink(path: Path) -> bool:
    try:
        return stat.S_ISLNK(os.lstat(path).st_mode)
    except OSError:
        return False


def _sorted_names(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def plan_class(root: Path, *, only: tuple[Problem, ...] = ()) -> ClassPlan:
    """Find every (student, problem) submission under ``root`` (of the problems ``only`` lists, when
    it lists any: ``--problem``)."""
    only_ids = {p.id for p in only}
    ids = set(registry.problem_ids())
    entries, roster, ignored = [], {}, []
    for student in _sorted_names(root):
        folder = Path(root) / student
        if _left_by_tools(student):
            continue
        if student.startswith("."):
            if folder.is_dir() and not _is_symlink(folder):
                ignored.append(shown_name(student))  # a hidden folder: perhaps a student's, never graded
            continue
        shown = shown_name(student)
        if _is_symlink(folder):
            roster[student] = {"graded": [], "notes": [F.PLAN_SYMLINK.format(name=shown)]}
            continue
        if not folder.is_dir():
            ignored.append(shown)  # a stray file next to the student folders (a submission put there?)
            continue
        entry = roster.setdefault(student, {"graded": [], "notes": []})
        names = [name for name in sorted(_sorted_names(folder), key=lambda n: n.endswith(".ipynb"))  # a .py wins
                 if not (name.startswith(".") or _left_by_tools(name))]
        if not names:  # said, so that a row of zeros is not taken for a grading failure
            entry["notes"].append(_nothing_handed_in(folder))
        chosen = _chosen_files(names, ids)
        passed_over = _prefer_notebooks_to_untouched_files(folder, names, chosen)
        for name in names:
            stem, _, suffix = name.partition(".")
            if chosen.get(stem) == name:
                problem = registry.get(stem)
                if not only_ids or problem.id in only_ids:
                    entries.append(Entry(student, problem, folder / name))
                    entry["graded"].append(problem.id)
            elif name in passed_over:
                entry["notes"].append(passed_over[name].format(name=shown_name(name),
                                                               graded=shown_name(chosen[stem])))
            elif stem in chosen:  # a second file for a problem, a backup (.py.bak), a copy (.py.py)...
                entry["notes"].append(F.DUPLICATE_FILE.format(name=shown_name(name), graded=shown_name(chosen[stem])))
            elif len(entry["notes"]) >= MAX_FILE_NOTES:  # past what the notes show: counted below, never worded
                entry["notes"].append(None)
            else:
                entry["notes"].append(_not_a_problem(folder / name, ids))
        if len(entry["notes"]) > MAX_FILE_NOTES:  # a folder of thousands of files: a cell a person can read
            more = len(entry["notes"]) - MAX_FILE_NOTES + 1
            entry["notes"][MAX_FILE_NOTES - 1:] = [F.PLAN_MORE_FILES.format(count=f"{more:,}")]
    _note_lookalike_names(roster)
    _note_case_clashes(roster)
    return ClassPlan(entries, roster, ignored)


def _nothing_handed_in(folder: Path) -> Text:
    """The note on a student folder with nothing to grade: empty, or holding only what is passed over
    (a hidden file, Jupyter's checkpoints), which it names: the folder is not empty."""
    passed_over = _sorted_names(folder)
    if not passed_over:
        return F.PLAN_EMPTY_FOLDER
    names = ", ".join(shown_name(n) for n in passed_over[:MAX_NAMED_PASSED_OVER])
    more = len(passed_over) - MAX_NAMED_PASSED_OVER
    return F.PLAN_ONLY_PASSED_OVER.format(names=names + (f" (+{more})" if more > 0 else ""))


def _left_by_tools(name: str) -> bool:
    """A folder or file that tools and systems leave in a class folder, never a student's work."""
    return name in NOT_STUDENTS or name in TOOL_FOLDERS or name.lower() in SYSTEM_FILES


def _note_lookalike_names(roster: dict[str, dict]) -> None:
    """Two student folders whose names read the same in the gradebooks and the overview
    (:func:`name_as_read`: ``josé`` typed on macOS and on Windows, ``ab`` and ``a<ZWJ>b``, ``=a``
    and ``'=a``, ``x<BEL>y`` and ``x\\x07y`` typed out, an undecodable byte and its ``\\xNN``) would
    get two rows nobody can tell apart: each says so in its notes, with the code points that tell
    them apart."""
    forms: dict[str, list[str]] = {}
    for name in roster:
        forms.setdefault(name_as_read(name), []).append(name)
    for names in forms.values():
        if len(names) > 1:
            for name in names:
                spelled = name.encode("unicode_escape").decode("ascii")  # as a Python string literal: unambiguous
                roster[name]["notes"].append(F.PLAN_LOOKALIKE_NAME.format(spelled=spelled,
                                                                          count=len(names) - 1))


def _note_case_clashes(roster: dict[str, dict]) -> None:
    """Two student folders whose output folders differ only in case (``Alice`` and ``alice``) are one
    folder on macOS and Windows, where the output folder may be copied: each says so in its notes."""
    folders: dict[str, list[str]] = {}
    for name in roster:
        folders.setdefault(student_folder(name).casefold(), []).append(name)
    for names in folders.values():
        for name in names if len(names) > 1 else ():
            others = [shown_name(other) for other in names if other != name]
            listed = ", ".join(others[:MAX_NAMED_CLASHES]) + (f" (+{len(others) - MAX_NAMED_CLASHES})"
                                                              if len(others) > MAX_NAMED_CLASHES else "")
            roster[name]["notes"].append(F.PLAN_CASE_CLASH.format(others=listed))


def archive_kind(name: str) -> str | None:
    """The kind of archive a file name says it is ("zip"), or None."""
    lowered = name.lower()
    return next((kind for kind in ARCHIVES if lowered.endswith("." + kind)), None)


def meant_file_name(name: str, ids) -> str | None:
    """The problem file's name a file seems meant to have: the problem's name in other case or with
    another extension (``X.PY``, ``x.py.txt`` as some editors save it) gives ``x.py``, a notebook's
    (``X.IPYNB``, ``x.ipynb.json``) ``x.ipynb``; else None."""
    stem, _, extensions = name.partition(".")
    if stem.lower() not in ids:
        return None
    return f"{stem.lower()}.ipynb" if "ipynb" in extensions.lower() else f"{stem.lower()}.py"


def misnamed_note(name: str, ids, shown: str | None = None) -> Text | None:
    """The note on a problem's file under a name the grader does not take (see :func:`meant_file_name`),
    saying what to rename it (the file named as ``shown``, by default as a class's notes show names);
    None when no problem's name fits."""
    meant = meant_file_name(name, ids)
    if meant is None:
        return None
    said = F.PLAN_NOT_A_NOTEBOOK if meant.endswith(".ipynb") else F.PLAN_NOT_A_SUBMISSION
    return said.format(name=shown_name(name) if shown is None else shown, expected=meant)


def _not_a_problem(path: Path, ids: set[str]) -> Text:
    """The note on a name in a student folder that is no problem's file: a folder (holding problem
    files handed in one level too deep, perhaps), an archive, the problem's name in other case or
    with another extension, or a name with its close match."""
    name = shown_name(path.name)
    if _is_symlink(path):  # to a folder or a file: never followed, whatever its name
        return F.PLAN_SYMLINK.format(name=name)
    if path.is_dir():
        inside = _chosen_files(_sorted_names(path)[:MAX_LISTED], ids)
        if inside:
            return F.PLAN_FOLDER_HOLDS.format(name=name, files=", ".join(shown_name(n) for n in inside.values()))
        return F.PLAN_FOLDER.format(name=name)
    kind = archive_kind(path.name)
    if kind:
        return F.PLAN_ARCHIVE.format(name=name, kind=kind)
    misnamed = misnamed_note(path.name, ids)
    if misnamed:
        return misnamed
    stem, _, suffix = path.name.partition(".")
    close = registry.close_matches(stem)
    kind = suffix.lower() if suffix.lower() in SUBMISSION_SUFFIXES else "py"  # a name the plan grades
    hint = F.PLAN_DID_YOU_MEAN.format(name=f"{close[0]}.{kind}") if close else ""
    return F.PLAN_NOT_A_PROBLEM.format(name=name, hint=hint)


def _chosen_files(names: list[str], ids: set[str]) -> dict[str, str]:
    """Problem ID -> the one file of ``names`` graded for it (the first ``<id>.py`` or ``<id>.ipynb``)."""
    chosen: dict[str, str] = {}
    for name in names:
        stem, _, suffix = name.partition(".")
        if stem in ids and suffix in SUBMISSION_SUFFIXES:
            chosen.setdefault(stem, name)
    return chosen


def _prefer_notebooks_to_untouched_files(folder: Path, names: list[str], chosen: dict[str, str]) -> dict[str, Text]:
    """Where ``chosen`` grades a ``.py`` that is empty or the untouched starter file beside the
    problem's notebook (``attn-judge start``, then ``start --notebook``), grade the notebook instead.

    Returns the note for each file so passed over (a :class:`Text` with ``name`` and ``graded``)."""
    passed_over = {}
    for stem, name in list(chosen.items()):
        notebook = f"{stem}.ipynb"
        if name == f"{stem}.py" and notebook in names:
            why = untouched_file(folder / name, registry.get(stem))
            if why is not None:
                chosen[stem] = notebook
                passed_over[name] = why
    return passed_over


# What results written before the grader recorded it are taken to have been graded with.
RECORDED_SINCE = ("options", "installation")


SCORE_TOLERANCE = 1e-6  # between a score and its tests' sum: the grader rounds each to 6 decimals


def _recorded_results(out: Path, entry: Entry) -> dict | None:
    """The results OUT holds for ``entry``; None when there are none (or they are unreadable)."""
    return load_object(results_path(out, entry.student, entry.problem.id), MAX_RESULTS_BYTES)


def recorded_extra(out: Path, entry: Entry) -> dict | None:
    """The ``extra_data`` of the results OUT holds for ``entry``; None when there are none (or they
    are unreadable)."""
    return _extra_of(_recorded_results(out, entry))


def _extra_of(results: dict | None) -> dict | None:
    extra = results.get("extra_data") if results is not None else None
    return extra if isinstance(extra, dict) else None


def _points(value) -> float | None:
    """``value`` as a finite number of points, or None (a string, a bool, NaN, infinity)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


def _scored(item) -> tuple[float, float] | None:
    """The score and maximum that ``item`` (results, or one test of them) records, when both are
    numbers and 0 <= score <= maximum; None otherwise."""
    if not isinstance(item, dict):
        return None
    score, maximum = _points(item.get("score")), _points(item.get("max_score"))
    if score is None or maximum is None or not 0 <= score <= maximum + SCORE_TOLERANCE:
        return None
    return score, maximum


def scores_add_up(results: dict) -> bool:
    """Whether the scores of ``results`` are ones the grader writes: each test's score within
    [0, its max_score], and the score and max_score the sums of the tests' (so within [0, max_score]).
    Results edited since (a score of 999 out of 13) fail: their gradebook would show them."""
    whole = _scored(results)
    tests = results.get("tests")
    if whole is None or not isinstance(tests, list):
        return False
    each = [_scored(test) for test in tests]
    if None in each:
        return False
    score, maximum = whole
    return _same_points(score, sum(s for s, _ in each)) and _same_points(maximum, sum(m for _, m in each))


def _same_points(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=SCORE_TOLERANCE)


def already_graded(out: Path, entry: Entry, sha: str, recorded: dict) -> bool:
    """Whether OUT holds finished results of these very bytes and problem whose ``extra_data``
    records every item of ``recorded`` (the seed or its fingerprint, the language, the options),
    and whose scores add up (:func:`scores_add_up`); an item of :data:`RECORDED_SINCE` missing
    from older results is taken as recorded."""
    data = _recorded_results(out, entry)
    extra = _extra_of(data)
    if extra is None or extra.get("problem") != entry.problem.id or not scores_add_up(data):
        return False
    return extra.get("submission_sha256") == sha and all(
        extra.get(key, value if key in RECORDED_SINCE else None) == value for key, value in recorded.items())


def graded_by_another_installation(out: Path, entry: Entry, sha: str, recorded: dict) -> bool:
    """Whether OUT holds results that :func:`already_graded` would take, but for the installation
    that graded them (``recorded["installation"]``: the grader upgraded or changed since)."""
    if "installation" not in recorded or not already_graded(
            out, entry, sha, {key: value for key, value in recorded.items() if key != "installation"}):
        return False
    extra = recorded_extra(out, entry) or {}
    return extra.get("installation", recorded["installation"]) != recorded["installation"]


def remove_stale_temporaries(out: Path) -> None:
    """Half-written files of a run that was killed: the temporaries of a submission's results or
    report, by their exact form (never a finished result, nor any other file)."""
    if Path(out).is_dir():
        for leftover in Path(out).glob("*/*/.*.tmp"):
            if temporary_target(leftover.name) not in (RESULTS, REPORT):
                continue
            try:
                leftover.unlink()
            except OSError:
                pass
