"""The class outputs: ``index.html`` (class overview), gradebooks and static files.

Reads what the batch grader saved, ``OUT/<student>/<problem>/results.json``, for
the students and problems it is told about; it never grades. A student with
nothing gradable still gets a row everywhere. Told the run's seed and the files
handed in (:class:`Current`), it counts only results of those very files and
that seed: results left from an earlier version of a file, or from another
seed, are shown as not graded, with a note saying what to do.

The overview is in the run's language: its fixed wording comes from
:mod:`grader.reports.wording_class`, and the notes made here (and the batch
planner's) are :class:`grader.i18n.Text`, shown on the page and written to the
gradebooks' notes in that language. The CSV's columns stay English: scripts and
Canvas read them.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Mapping

from grader.i18n import DEFAULT_LANG, Text, same
from grader.jsonio import load_object, readable
from grader.outpaths import MAX_RESULTS_BYTES, REPORT, RESULTS, student_folder, submission_dir
from grader.registry import Problem
from grader.reports.figures import histogram
from grader.reports.gradebook import write_gradebooks
from grader.fsutil import write_atomic
from grader.reports.render import copy_static, environment, render, url_part
from grader.reports.submission import test_key
from grader.reports import wording_class as W
from grader.reports.wording import Wording
from grader.submission import BadSubmission, current_sha256

HARDEST_CHECKS = 10  # shown at the top of the overview; every check is in the per-problem tables
SIMILARITY_JSON = "similarity.json"  # written by grader.similarity, with its pages in SIMILARITY_PAGES
SIMILARITY_PAGES = "similarity"
OVERVIEW_TEMPLATE = "report/class.html"
SIMILARITY_LISTED = 50  # flagged pairs listed (each with a page) per problem
# Submission errors after which no test ran: left out of each check's pass rate, which would otherwise
# rank every check of a problem with a few such files among the class's hardest
# (grader.sandbox.messages.ErrorKind's values: that module imports torch, which the report helpers never load)
NEVER_RAN = frozenset({"syntax_error", "import_error", "missing_symbol", "bad_submission", "forbidden_api",
                       "grader_error"})
_DIGITS = re.compile(r"([0-9]+)")  # the runs of a student's name ordered by value
# Characters of a submission error's message in a note (the gradebook's notes cell): more than any message
# the grader writes takes (its longest wording with a file name of 255 characters), so that what to do is
# never cut; only what a submission says at length (an exception's message, up to 2000 characters) is.
MAX_NOTE_MESSAGE = 640


@dataclass
class Cell:
    """One student's result on one problem."""

    graded: bool = False
    score: float = 0.0
    max_score: float = 0.0
    error_kind: str | None = None
    diagnosis: tuple[str, ...] = ()
    href: str | None = None

    @property
    def status(self) -> str:
        if not self.graded:
            return "miss"
        if self.error_kind:
            return "err"
        if self.max_score and self.score >= self.max_score - 1e-9:
            return "full"
        return "zero" if self.score == 0 else "part"


@dataclass
class Student:
    name: str
    cells: list[Cell]
    remarks: list[Text]  # what the grader noticed, in both languages

    def notes(self, lang: str) -> list[str]:
        """The remarks in ``lang`` (``"en"`` or ``"zh"``), as the gradebook CSV writes them."""
        return [remark.get(lang) for remark in self.remarks]

    @property
    def total(self) -> float:
        return sum(c.score for c in self.cells if c.graded)

    @property
    def graded(self) -> int:
        return sum(c.graded for c in self.cells)

    def keys(self, codes: dict[str, str]) -> list[str]:
        """Short tokens the overview's filter matches on: ``n`` has notes, ``0`` nothing
        graded, ``e`` any submission error, ``e-<kind>`` that error, a misconception's code."""
        keys = set()
        for c in self.cells:
            if c.error_kind:
                keys.update(("e", f"e-{c.error_kind}"))
            keys.update(codes[mid] for mid in c.diagnosis if mid in codes)
        if self.remarks:
            keys.add("n")
        if not self.graded:
            keys.add("0")
        return sorted(keys)


@dataclass
class ProblemStats:
    problem: Problem
    max_score: float = 0.0
    fractions: list[float] = field(default_factory=list)
    tests: dict = field(default_factory=dict)  # number -> {"name", "max_score", "passed", "attempted"}
    misconceptions: Counter = field(default_factory=Counter)  # id -> students
    errors: Counter = field(default_factory=Counter)  # kind -> submissions
    handed_in: int = 0  # students who handed the problem in, graded or not

    @property
    def submitted(self) -> int:
        """The students whose current results are counted."""
        return len(self.fractions)

    @property
    def pending(self) -> int:
        """The students who handed the problem in and have no current results (yet)."""
        return self.handed_in - self.submitted

    @property
    def full(self) -> int:
        return sum(f >= 1 - 1e-9 for f in self.fractions)

    @property
    def mean(self) -> float | None:
        return statistics.fmean(self.fractions) if self.fractions else None

    @property
    def median(self) -> float | None:
        return statistics.median(self.fractions) if self.fractions else None

    @property
    def histogram(self) -> list[dict]:
        return histogram(self.fractions)

    @property
    def test_rates(self) -> list[dict]:
        rows = [dict(t, number=n, rate=t["passed"] / t["attempted"]) for n, t in self.tests.items()
                if t["attempted"]]
        return sorted(rows, key=lambda t: (t["rate"], test_key(t["number"])))

    @property
    def misconception_rows(self) -> list[dict]:
        """Each misconception seen, its title and explanation as :class:`Text` (the page picks one)."""
        rows = []
        for mid, count in self.misconceptions.most_common():
            try:
                item = self.problem.misconception(mid)
                title = Text(item.title, item.title_zh or item.title)
                explanation = Text(item.explanation, item.explanation_zh or item.explanation)
            except KeyError:
                title, explanation = same(mid), same("")
            rows.append({"id": mid, "title": title, "explanation": explanation, "count": count,
                         "share": count / self.submitted if self.submitted else 0})
        return rows


@dataclass
class ClassData:
    problems: list[Problem]
    students: list[Student]
    stats: list[ProblemStats]

    @property
    def maximum(self) -> float:
        return sum(s.max_score for s in self.stats)

    @property
    def submissions(self) -> int:
        return sum(s.submitted for s in self.stats)

    @property
    def pending(self) -> int:
        """Submissions handed in that have no current results: a run interrupted, or files changed since."""
        return sum(s.pending for s in self.stats)

    @property
    def total_fractions(self) -> list[float]:
        if not self.maximum:
            return []
        return [s.total / self.maximum for s in self.students if s.graded]

    @cached_property
    def error_rows(self) -> list[dict]:
        kinds: dict[str, Counter] = defaultdict(Counter)  # kind -> problem -> submissions
        for stat in self.stats:
            for kind, count in stat.errors.items():
                kinds[kind][stat.problem] += count
        rows = [{"kind": k, "count": sum(c.values()), "problems": c.most_common()} for k, c in kinds.items()]
        return sorted(rows, key=lambda r: (-r["count"], r["kind"]))

    @cached_property
    def hardest(self) -> list[dict]:
        rows = [dict(t, problem=s.problem) for s in self.stats for t in s.test_rates]
        rows.sort(key=lambda t: (t["rate"], t["problem"].order, test_key(t["number"])))
        return rows[:HARDEST_CHECKS]

    @cached_property
    def misconception_rows(self) -> list[dict]:
        """Every misconception seen, most frequent first, each with its filter code."""
        rows = [dict(r, problem=s.problem) for s in self.stats for r in s.misconception_rows]
        rows.sort(key=lambda r: (-r["count"], r["problem"].order, r["id"]))
        for index, row in enumerate(rows):
            row["code"] = f"m{index}"
        return rows

    @cached_property
    def codes(self) -> dict[str, str]:
        return {r["id"]: r["code"] for r in self.misconception_rows}

    @cached_property
    def row_keys(self) -> list[str]:
        """The filter tokens of each student, space-separated, in table order."""
        return [" ".join(s.keys(self.codes)) for s in self.students]

    @cached_property
    def present_keys(self) -> set[str]:
        """The filter keys some student has (the overview offers only those)."""
        return {k for keys in self.row_keys for k in keys.split()}


def _single_component(name: str) -> bool:
    """A name that is one folder name (every name the batch planner finds is)."""
    return bool(name) and name not in (".", "..") and "/" not in name and "\x00" not in name


def _read_results(path: Path) -> dict | None:
    return load_object(path, MAX_RESULTS_BYTES)


def _number(value, default=0.0) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return default
    return number if number == number else default  # NaN -> default


@dataclass(frozen=True)
class Current:
    """What results must record to be counted: the run's seed and the bytes of the file handed in
    as it is now. The one place that tells current results from stale ones (:meth:`holds`)."""

    seed: Mapping[str, object]  # the run's seed record, as results record it (grader.grading.seed_record)
    files: Mapping[tuple[str, str], Path]  # (student, problem id) -> the file handed in (the planner's)

    def holds(self, student: str, problem_id: str, extra: dict) -> bool:
        """Whether results whose ``extra_data`` is ``extra`` are of this seed and of the bytes of
        ``student``'s file for ``problem_id`` as it is now. A file that cannot be read as the grader
        reads it (too large, a symlink, gone) matches no results but an unreadable submission's."""
        if any(extra.get(key) != value for key, value in self.seed.items()):
            return False
        error = extra.get("error")
        if isinstance(error, dict) and error.get("kind") == BadSubmission.kind:
            # an unreadable submission's results record a digest of its error message
            # (grader.classrun.bad_submission_sha), not its bytes: nothing to compare with here
            return True
        path = self.files.get((student, problem_id))
        sha = current_sha256(path) if path is not None else None
        return sha is not None and extra.get("submission_sha256") == sha


def _cell(out_dir: Path, student: str, problem: Problem, notes: list[Text],
          current: Current | None = None) -> tuple[Cell, dict | None]:
    folder = submission_dir(out_dir, student, problem.id)
    results = _read_results(folder / RESULTS)
    if results is None:
        note = W.RESULTS_MISSING if not (folder / RESULTS).exists() else W.RESULTS_UNREADABLE
        notes.append(note.format(problem=problem.id))
        return Cell(), None
    extra = results.get("extra_data") if isinstance(results.get("extra_data"), dict) else {}
    if current is not None and not current.holds(student, problem.id, extra):
        notes.append(W.RESULTS_STALE.format(problem=problem.id))
        return Cell(), None
    error = extra.get("error") if isinstance(extra.get("error"), dict) else None
    if error:  # why the score is what it is (0, most often), beside the score
        message = " ".join(str(error.get("message") or "").split())
        message = message if len(message) <= MAX_NOTE_MESSAGE else message[:MAX_NOTE_MESSAGE - 1] + "…"
        notes.append(W.NOT_GRADED_NORMALLY.format(problem=problem.id, kind=str(error.get("kind")), message=message))
    link = None
    for name in (REPORT, RESULTS):
        if (folder / name).is_file():
            link = f"{url_part(student_folder(student))}/{url_part(problem.id)}/{name}"
            break
    return Cell(graded=True, score=_number(results.get("score")), max_score=_number(results.get("max_score")),
                error_kind=str(error.get("kind")) if error else None,
                diagnosis=tuple(str(d) for d in extra.get("diagnosis") or ()), href=link), results


def student_order(name: str) -> tuple:
    """The order of students everywhere (the overview, the gradebooks, the similarity report): case
    aside, numbers by value (``s2`` before ``s10``, as the overview's table sorts), ties by the name."""
    parts = _DIGITS.split(name.casefold())
    return tuple((int(part), part) if i % 2 else part for i, part in enumerate(parts)), name


def load_class(out_dir: Path, *, problems: list[Problem], roster: dict[str, dict],
               current: Current | None = None) -> ClassData:
    """Read every saved result of the roster into the numbers the outputs show; with ``current``,
    only the results it :meth:`~Current.holds` (the others are shown as not graded, with a note)."""
    out_dir = Path(out_dir)
    problems = list(problems)
    stats = [ProblemStats(p) for p in problems]
    index = {p.id: i for i, p in enumerate(problems)}
    students = []
    for name in sorted(roster, key=student_order):
        entry = roster[name] or {}
        notes = [n if isinstance(n, Text) else same(n) for n in entry.get("notes") or ()]
        cells = [Cell() for _ in problems]
        graded = [str(g) for g in entry.get("graded") or ()]
        for problem_id in dict.fromkeys(graded):
            if problem_id not in index:
                notes.append(W.NOT_IN_RUN.format(problem=problem_id))
                continue
            if not _single_component(name):
                notes.append(W.NAME_NOT_FOLDER.format(problem=problem_id))
                continue
            i = index[problem_id]
            stats[i].handed_in += 1
            cells[i], results = _cell(out_dir, name, problems[i], notes, current)
            if results is not None:
                _count(stats[i], cells[i], results)
        students.append(Student(name=readable(name), cells=cells, remarks=notes))
    for stat in stats:
        if not stat.max_score:
            stat.max_score = _catalogue_max(stat.problem)
    return ClassData(problems=problems, students=students, stats=stats)


def _count(stat: ProblemStats, cell: Cell, results: dict) -> None:
    stat.max_score = max(stat.max_score, cell.max_score)
    stat.fractions.append(min(cell.score / cell.max_score, 1.0) if cell.max_score else 0.0)
    if cell.error_kind:
        stat.errors[cell.error_kind] += 1
    for mid in set(cell.diagnosis):
        stat.misconceptions[mid] += 1
    if cell.error_kind in NEVER_RAN:  # its tests say nothing about the checks: no test of it ran
        return
    for test in results.get("tests") or ():
        if not isinstance(test, dict) or "number" not in test:
            continue
        row = stat.tests.setdefault(str(test["number"]), {
            "name": str(test.get("name", "")), "max_score": _number(test.get("max_score")),
            "passed": 0, "attempted": 0})
        row["attempted"] += 1
        row["passed"] += test.get("status") == "passed"


def _catalogue_max(problem: Problem) -> float:
    """The points of a problem nobody submitted, from its hidden cases (points are not secret)."""
    try:
        from grader.hidden import hidden_cases
        return float(sum(c.points for c in hidden_cases(problem.id)))
    except Exception:  # a problem without hidden cases yet: no maximum to add
        return 0.0


def similarity_page(problem_id: str, number: int) -> str:
    """The page of a problem's ``number``-th flagged pair, relative to OUT (problem IDs are URL-safe)."""
    return f"{SIMILARITY_PAGES}/{problem_id}/{int(number)}.html"


def cannot_see(*, min_matched: int, compared_chars: int, problem_chars: int) -> list[Text]:
    """What the similarity comparison cannot see, with its settings filled in.

    :mod:`grader.similarity` records the English side in ``similarity.json``;
    the pages show the page's language."""
    return [W.CANNOT_SEE_REWRITTEN, W.CANNOT_SEE_SHORT.format(min_matched=min_matched), W.CANNOT_SEE_SOURCE,
            W.CANNOT_SEE_AI, W.CANNOT_SEE_LONG.format(kib=compared_chars // 1024,
                                                      submissions=problem_chars // compared_chars)]


def _cannot_see_view(recorded: list, settings: dict) -> list[Text]:
    """The limits a run recorded: each one the catalogue knows (filled with the run's own settings)
    as a :class:`Text`, any other as written."""
    try:
        known = {item.en: item for item in cannot_see(
            min_matched=int(_number(settings.get("min_matched"))),
            compared_chars=int(_number(settings.get("max_compared_chars"))),
            problem_chars=int(_number(settings.get("max_problem_chars"))))}
    except (ValueError, OverflowError, ZeroDivisionError):  # settings missing or not numbers
        known = {}
    return [known.get(item) or same(item) for item in (str(entry)[:500] for entry in recorded[:10])]


def similarity_view(out_dir: Path, problems: list[Problem]) -> dict | None:
    """A small view of ``OUT/similarity.json`` for the overview; None when the run wrote none.

    The file is read bounded in size and taken as data: only known problems,
    numbers and strings are kept, and a pair links to its page only when the
    page exists (its URL is made here, never taken from the file).
    """
    path = Path(out_dir) / SIMILARITY_JSON
    if not path.is_file():
        return None
    data = _read_results(path)
    if data is None or not isinstance(data.get("problems"), dict):
        return {"unreadable": True}
    settings = data.get("settings") if isinstance(data.get("settings"), dict) else {}
    rows = []
    for problem in problems:
        entry = data["problems"].get(problem.id)
        if not isinstance(entry, dict):
            continue
        distribution = entry.get("distribution") if isinstance(entry.get("distribution"), dict) else {}
        flagged = []
        for number, pair in enumerate(_list(entry.get("flagged")), 1):
            if number > SIMILARITY_LISTED or not isinstance(pair, dict):
                break
            page = similarity_page(problem.id, number)
            students = [readable(str(s)) for s in _list(pair.get("students"))][:2]
            flagged.append({"number": number, "students": students + ["?"] * (2 - len(students)),
                            "score": _number(pair.get("score")),
                            "href": page if (Path(out_dir) / page).is_file() else None})
        total = int(_number(entry.get("flagged_total"), len(flagged)))
        rows.append({"id": problem.id, "problem": problem,
                     "students": int(_number(entry.get("students"))), "pairs": int(_number(entry.get("pairs"))),
                     "median": _number(distribution.get("median")),
                     "threshold": _number(entry.get("threshold")), "flagged": flagged, "flagged_total": total,
                     "unlisted": max(0, total - len(flagged)),
                     "error": str(entry["error"])[:500] if entry.get("error") else None,
                     "left_out": len(_list(entry.get("left_out"))), "cut": len(_list(entry.get("cut"))),
                     "compared_chars": _number(entry.get("compared_chars"))})
    return {"unreadable": False, "problems": rows,
            "settings": {k: _number(settings.get(k)) for k in ("score_floor", "score_ceiling", "spread",
                                                                  "min_students_for_spread")},
            "cannot_see": _cannot_see_view(_list(data.get("cannot_see")), settings)}


def _list(value) -> list:
    return value if isinstance(value, list) else []


class ClassOutputs:
    """The class outputs in two steps, so that a class run can do the first while its
    similarity report is compared (:class:`grader.classrun.ClassRun`, ``while_comparing``).

    :meth:`prepare` reads the results, writes the gradebooks and the static files
    and compiles the overview's template; :meth:`write` writes the overview, which
    shows the similarity report, after preparing if that was not done.
    """

    def __init__(self, out_dir: Path, *, problems: list[Problem], roster: dict[str, dict],
                 overview: bool = True, lang: str = DEFAULT_LANG, ignored: list[str] = (), others: list[str] = (),
                 current: Current | None = None):
        """``current``: what results must record to be counted (:class:`Current`); None counts any."""
        self.out_dir, self.problems, self.roster = Path(out_dir), problems, roster
        self.overview, self.lang, self.ignored, self.others = overview, lang, list(ignored), list(others)
        self.current = current
        self._klass: ClassData | None = None

    def prepare(self) -> None:
        klass = load_class(self.out_dir, problems=self.problems, roster=self.roster, current=self.current)
        write_gradebooks(self.out_dir, klass, lang=self.lang)
        if self.overview:
            copy_static(self.out_dir / "static")
            environment().get_template(OVERVIEW_TEMPLATE)  # compiled now, once per process
        self._klass = klass

    def write(self) -> None:
        if self._klass is None:
            self.prepare()
        if self.overview:
            klass, wording = self._klass, Wording(self.lang)
            html = render(OVERVIEW_TEMPLATE, root="", klass=klass, lang=wording.lang, t=wording,
                          total_bins=histogram(klass.total_fractions),
                          similarity=similarity_view(self.out_dir, self.problems), ignored=self.ignored,
                          others=self.others)
            write_atomic(self.out_dir / "index.html", html)


def write_class_outputs(out_dir: Path, *, problems: list[Problem], roster: dict[str, dict],
                        overview: bool = True, lang: str = DEFAULT_LANG, ignored: list[str] = (),
                        others: list[str] = ()) -> None:
    """Write the class overview, the gradebooks and the static files of a class run.

    Args:
        out_dir: the run's output folder; results are read from
            ``out_dir/<student>/<problem>/results.json`` and reports are linked at
            ``out_dir/<student>/<problem>/report.html``.
        problems: the problems of the run, in column order.
        roster: student name -> ``{"graded": [problem_id, ...], "notes": [note, ...]}``, a
            note a string or a :class:`grader.i18n.Text`; every student gets a row, graded or not.
        lang: the language of the overview and of the gradebooks' notes (``"en"`` or ``"zh"``); the
            gradebooks' columns are the same in both.
        ignored: what lies beside the student folders and is not one (shown names), named in the overview.
        others: folders of ``out_dir`` with results of students not in ``roster`` (an earlier run's), named too.

    Writes ``gradebook.csv``, ``gradebook-canvas.csv`` and, with ``overview``,
    ``index.html`` (with a section made from ``similarity.json`` when the run
    wrote one) and ``static/``.
    """
    ClassOutputs(out_dir, problems=problems, roster=roster, overview=overview, lang=lang, ignored=ignored,
                 others=others).write()
