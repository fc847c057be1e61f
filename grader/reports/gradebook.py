"""Gradebook CSV files: ``gradebook.csv`` and the Canvas import file.

Student names, file names and notes are candidate-controlled; a spreadsheet
would run a cell that starts with ``=``, ``+``, ``-``, ``@`` or a tab as a
formula, so every such cell gets a leading ``'``. A student's name is spelled
as the overview and the reports spell it (:func:`grader.reports.render.shown_name`:
its hidden characters as escapes, ``a\\u202eb``), so that a row is found in
either by its name and two names never share a cell by their hidden characters.
In other cells a folder name's undecodable bytes are written as ``\\xNN``; the
characters a terminal obeys (escape sequences, direction overrides), invisible
ones and line breaks as ``?``: a cell stays on its line, for the readers that
take each line for a row. The column layout is documented in ``docs/gradebook.md``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

from grader.fsutil import write_atomic
from grader.i18n import DEFAULT_LANG
from grader.jsonio import ACTING_CHARACTERS, readable
from grader.reports.render import JOINERS, points, shown_name

FORMULA_START = ("=", "+", "-", "@", "\t")
# every control but the tab (CSV's own); line breaks too, which a line-based reader takes for a new row
_OBEYED = re.compile(f"[\\x00-\\x08\\x0a-\\x1f{ACTING_CHARACTERS}]")

# Canvas identifies students by these columns (docs/gradebook.md says how we fill them).
CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")


def defuse(cell) -> str:
    """A CSV cell that no spreadsheet evaluates (``'`` before a formula-starting character, at its
    start and after each ``;``), on one line, and that a terminal showing the file only shows (its
    controls, line breaks, direction overrides and invisible characters made ``?``)."""
    text = "" if cell is None else _OBEYED.sub("?", readable(str(cell)))
    # where the list separator is ";" (much of Europe), a spreadsheet splits the cell there
    return ";".join("'" + piece if piece.startswith(FORMULA_START) else piece for piece in text.split(";"))


def name_as_read(name: str) -> str:
    """The text a person reads for a student's name in the gradebooks and the overview: its cell
    (:func:`shown_name`, :func:`defuse`), composed (NFC), since ``é`` typed as one code point or as
    ``e`` and an accent reads the same, without the joiners it keeps (``a`` + ZWJ + ``b`` reads ``ab``).
    Two names that give the same text cannot be told apart by a reader."""
    text = unicodedata.normalize("NFC", defuse(shown_name(name)))
    return text.translate({ord(joiner): None for joiner in JOINERS})


def _csv(rows: list[list]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([defuse(cell) for cell in row])
    return buffer.getvalue()


def gradebook_rows(klass, lang: str = DEFAULT_LANG) -> list[list[str]]:
    """Header and one row per student: name, a score per problem, total, maximum, notes (in ``lang``)."""
    header = ["student", *(p.id for p in klass.problems), "total", "maximum", "notes"]
    rows = [header]
    for student in klass.students:
        rows.append([
            shown_name(student.name),
            *(points(c.score) if c.graded else "" for c in student.cells),
            points(student.total),
            points(klass.maximum),
            "; ".join(student.notes(lang)),
        ])
    return rows


def canvas_rows(klass) -> list[list[str]]:
    """Canvas's gradebook import layout: identity columns, one column per problem,
    a "Points Possible" row. Problems nobody submitted are left out."""
    problems = [(i, p) for i, p in enumerate(klass.problems) if klass.stats[i].submitted]
    header = [*CANVAS_IDENTITY, *(p.title for _, p in problems)]
    possible = ["Points Possible", "", "", "", "", *(points(klass.stats[i].max_score) for i, _ in problems)]
    rows = [header, possible]
    for student in klass.students:
        rows.append([shown_name(_canvas_display_name(student.name)), "", "", shown_name(student.name), "",
                     *(points(student.cells[i].score) if student.cells[i].graded else ""
                       for i, _ in problems)])
    return rows


def _canvas_display_name(name: str) -> str:
    """Canvas takes a row whose Student cell reads "Points Possible" for the maximum points:
    a student of that name is shown as "Points Possible (student)" (their login column is exact)."""
    if name.strip().casefold() == "points possible":
        return f"{name} (student)"
    return name


def write_gradebooks(out_dir: Path, klass, *, lang: str = DEFAULT_LANG) -> None:
    """Write ``gradebook.csv`` (its notes in ``lang``) and ``gradebook-canvas.csv`` into ``out_dir``."""
    write_atomic(Path(out_dir) / "gradebook.csv", _csv(gradebook_rows(klass, lang)))
    write_atomic(Path(out_dir) / "gradebook-canvas.csv", _csv(canvas_rows(klass)))
