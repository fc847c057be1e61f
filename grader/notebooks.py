"""Jupyter notebooks as submissions: their code cells, in order, become the module.

A notebook (nbformat 4) is candidate data. Its outputs, markdown, attachments
and metadata (the notebook's and each cell's) are dropped before ``nbformat``
validates it, so a notebook whose outputs are huge (the file may hold 32 MiB,
outputs included) is judged by its code alone, validation costs time in
proportion to the code, and metadata an editor wrote its own way (a kernelspec
without ``display_name``) never refuses a notebook whose cells are readable. The code
obeys the rule of a ``.py`` file: at most 1 MiB. The conversion of a file
always runs in a helper process with a time and memory budget, never in the
grader's own (:func:`read_notebook` with a :class:`grader.bounded.BoundedPool`;
the task ``"notebook"`` is :func:`notebook_to_source_task`).

IPython syntax is not Python: line magics (``%time``), cell magics
(``%%writefile``), shell lines (``!pip``, ``x = !ls``), help requests
(``?obj``, ``obj?``) and ``get_ipython()`` calls are not run. Each becomes an
empty line (``pass`` where it is indented, so that its block stays valid), only
where a statement can start (never inside a string or brackets), so every
module line still comes from one line of one cell. The body of ``%%time`` and
``%%capture`` cells runs (IPython runs it too); other cell magics skip their
whole cell, every line of it emptied. A :class:`SourceMap` records where each module line came from and
which lines of IPython syntax were not run, so that feedback says "cell 4, line 3" and the summary
names them.

The grader's own notebook API is Python, not IPython syntax, and is never noted
as not run: the check cell that :func:`starter_notebook` writes
(:func:`check_cell_source`, or any cell holding only ``from grader import check``
and ``check(...)`` calls) is left out, every line of it emptied, and an import of
``check`` elsewhere, however it is spelled (``from grader import check as run``,
``import grader`` then ``grader.check(...)``), binds the same name to a ``check``
that does nothing (:func:`_check_stand_in`).

Cells are numbered by their position in the notebook, markdown cells
included, as a person counts them scrolling down.

:func:`start_notebook` writes the other kind of notebook: a problem's
statement, its stub and a cell that checks the code (``attn-judge start ID
--notebook``).

This module never runs a notebook and never imports the grader's heavy parts.
"""

from __future__ import annotations

import ast
import bisect
import json
import re
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from grader import feedback as F
from grader.i18n import Text, join, same, t
from grader.submission import (MAX_BYTES, BadSubmission, empty_file, mib_over, refuse_binary, shown_name,
                               utf8_text)
from grader.terminal import shortened

if TYPE_CHECKING:
    from grader.registry import Problem

MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024  # outputs included
MAX_CODE_BYTES = MAX_BYTES  # the code cells together, as for a .py file
READ_SECONDS = 20.0  # time budget of one notebook's conversion in a helper process
MAX_RECORDED_SPANS = 2000  # cell spans written into results.json
MAX_RECORDED_SKIPPED = 2000  # skipped lines written into results.json
MAX_NOTED_RANGES = 5  # skipped ranges named in the summary's note
MAX_SHOWN_VALUE = 40  # characters of a wrong JSON value shown in the message about it
PYTHON_CELL_MAGICS = ("time", "capture")  # cell magics whose body IPython runs as Python
# What an import of `check` binds where the grader runs a notebook: its own tests replace the
# notebook's, so the check() calls a learner left anywhere (in a solution cell, over several
# lines, assigned) run and do nothing, rather than fail to import the grader's notebook API.
# What they return passes (`assert check(...).passed` is a check, not the graded code).
CHECK_STAND_IN = ("(lambda result: lambda *args, **kwargs: result)(type('CheckNotRunWhenGraded', (), "
                  "{'passed': True, 'results': None, '__repr__': lambda self: 'check() does not run when graded'})())")
MODULE_STAND_IN = f"type('grader', (), {{'check': staticmethod({CHECK_STAND_IN})}})"  # for `import grader`
CELL_LINE = t("cell {cell}, line {line}", "第 {cell} 个单元格第 {line} 行")

# Matched at a line's start. No two neighbouring parts can take the same characters, so a
# hostile line (a megabyte of spaces) costs linear time.
_LINE_MAGIC = re.compile(r"\s*[%!]")
# The cell `attn-judge start --notebook` ends with (check_cell_source): the learner's own check, never
# graded code. Matched leniently, so that a learner's edit of it (another problem, another language) is too.
_CHECK_IMPORT = re.compile(r"from\s+grader(\.notebook_api)?\s+import\s+(check|\*)(\s+as\s+(?P<name>\w+))?\s*(#.*)?$")
_MODULE_IMPORT = re.compile(r"import\s+grader(\.notebook_api)?\s+as\s+(?P<name>\w+)\s*(#.*)?$"
                            r"|import\s+grader\s*(#.*)?$")
_CHECK_CALL = re.compile(r"check\(.*\)\s*(#.*)?$")
_MAGIC_ASSIGNMENT = re.compile(r"[\w.,()\[\]* \t]+=\s*[%!]")
_HELP = re.compile(r"\s*(\?{1,2}\s*\S.*|[%\w.*\[\]]+\s*\?{1,2})\s*$")
_GET_IPYTHON = re.compile(r"([\w.,()\[\]* \t]+=)?\s*get_ipython\s*\(")
_TOKENS = re.compile(r'"""|\'\'\'|"|\'|#|[(\[{]|[)\]}]|\\$')
_STRING_ENDS = {quote: re.compile(r"\\.|\\$|" + re.escape(quote), re.DOTALL)
                for quote in ('"""', "'''", '"', "'")}


class NotebookUnreadable(ValueError):
    """Not a notebook whose code can be read; ``why`` says why in both languages."""

    def __init__(self, why: Text):
        self.why = why
        super().__init__(why.en)


class NotebookOverBudget(NotebookUnreadable):
    """A notebook whose conversion went over the helper's time or memory budget; ``why`` says which."""


@dataclass(frozen=True)
class SourceMap:
    """Where each line of a module assembled from cells came from, and which were not run.

    ``spans`` are runs of consecutive module lines from one cell:
    ``(cell, first module line, number of lines, first line in the cell)``,
    in module order. A module line outside every span (a line the grader
    added) is labelled by its module line number. ``skipped`` are the module
    lines of IPython syntax that were not run.
    """

    spans: tuple[tuple[int, int, int, int], ...]
    skipped: tuple[int, ...] = ()

    @classmethod
    def from_origins(cls, origins: list[tuple[int, int] | None], skipped: Iterable[int] = ()) -> "SourceMap":
        """The map of a module whose line ``n`` came from ``origins[n - 1]`` (cell, line) or from nowhere."""
        spans: list[list[int]] = []
        for number, origin in enumerate(origins, start=1):
            if origin is None:
                continue
            cell, line = origin
            last = spans[-1] if spans else None
            if last and last[0] == cell and last[1] + last[2] == number and last[3] + last[2] == line:
                last[2] += 1
            else:
                spans.append([cell, number, 1, line])
        return cls(tuple(tuple(s) for s in spans), tuple(skipped))

    def __post_init__(self) -> None:
        object.__setattr__(self, "_starts", [span[1] for span in self.spans])  # for bisect

    def locate(self, line: int) -> tuple[int, int] | None:
        """``(cell, line in the cell)`` of module line ``line``, or None."""
        index = bisect.bisect_right(self._starts, line) - 1
        if index < 0:
            return None
        cell, first, count, cell_first = self.spans[index]
        if line >= first + count:
            return None
        return cell, cell_first + line - first

    def label(self, line: int) -> Text:
        """'cell 4, line 3' for a module line (its module number where no cell holds it)."""
        where = self.locate(line)
        if where is None:
            return F.LINE_NUMBER.format(line=line)
        return CELL_LINE.format(cell=where[0], line=where[1])

    def skipped_note(self) -> Text | None:
        """The summary's sentence naming the lines that were not run, or None."""
        if not self.skipped:
            return None
        ranges = self._skipped_ranges()
        shown = [self._range_label(*r) for r in ranges[:MAX_NOTED_RANGES]]
        if len(ranges) > MAX_NOTED_RANGES:
            shown.append(F.AND_MORE.format(count=len(ranges) - MAX_NOTED_RANGES))
        return F.SKIPPED_LINES.format(count=len(self.skipped), where=join(F.CLAUSE_SEPARATOR, shown))

    def _skipped_ranges(self) -> list[tuple[int, int]]:
        """Skipped module lines grouped into runs within one cell: ``(first, last)``."""
        ranges: list[list[int]] = []
        for line in self.skipped:
            if ranges and ranges[-1][1] == line - 1 and self._same_cell(ranges[-1][1], line):
                ranges[-1][1] = line
            else:
                ranges.append([line, line])
        return [tuple(r) for r in ranges]

    def _same_cell(self, a: int, b: int) -> bool:
        where_a, where_b = self.locate(a), self.locate(b)
        return where_a is not None and where_b is not None and where_a[0] == where_b[0]

    def _range_label(self, first: int, last: int) -> Text:
        if first == last:
            return self.label(first)
        start, end = self.locate(first), self.locate(last)
        if start is None or end is None:
            return self.label(first)
        return F.CELL_LINES.format(cell=start[0], first=start[1], last=end[1])

    def to_json(self, *, capped: bool = True) -> dict:
        """The record of ``results.json`` (``extra_data["cells"]`` and ``["skipped_lines"]``).

        Args:
            capped: keep at most :data:`MAX_RECORDED_SPANS` spans and
                :data:`MAX_RECORDED_SKIPPED` lines (results stay small whatever the notebook).
        """
        spans, skipped = self.spans, self.skipped
        if capped:
            spans, skipped = spans[:MAX_RECORDED_SPANS], skipped[:MAX_RECORDED_SKIPPED]
        return {"cells": [list(s) for s in spans], "skipped_lines": list(skipped)}

    @classmethod
    def from_json(cls, record: dict) -> "SourceMap | None":
        """The map in a ``results.json``'s ``extra_data`` (or a task's reply); None when absent or malformed."""
        spans, skipped = record.get("cells"), record.get("skipped_lines") or []
        if not isinstance(spans, list) or not isinstance(skipped, list):
            return None
        valid = all(isinstance(s, list) and len(s) == 4 and all(type(v) is int and v >= 0 for v in s)
                    for s in spans)
        if not valid or not all(type(n) is int for n in skipped):
            return None
        ordered = sorted((tuple(s) for s in spans if s[2] > 0), key=lambda s: s[1])
        return cls(tuple(ordered), tuple(sorted(set(skipped))))


@dataclass(frozen=True)
class NotebookCode:
    source: str  # the module: one line per line of the code cells, IPython syntax blanked
    source_map: SourceMap


class _StatementStarts:
    """Tracks, line by line, whether the next line starts a statement (not in a string or brackets)."""

    def __init__(self):
        self.quote: str | None = None
        self.depth = 0
        self.continued = False

    @property
    def at_start(self) -> bool:
        return self.quote is None and self.depth == 0 and not self.continued

    def feed(self, line: str) -> None:
        self.continued = False
        position = 0
        while position <= len(line):
            if self.quote:
                position = self._close_string(line, position)
                if position < 0:
                    return
                continue
            match = _TOKENS.search(line, position)
            if not match or match.group() == "#":
                return
            token, position = match.group(), match.end()
            if token in _STRING_ENDS:
                self.quote = token
            elif token in "([{":
                self.depth += 1
            elif token in ")]}":
                self.depth = max(0, self.depth - 1)
            else:  # a backslash ending the line
                self.continued = True
                return

    def _close_string(self, line: str, position: int) -> int:
        """Where the open string ends in ``line`` (after it), or -1 if it goes on."""
        for match in _STRING_ENDS[self.quote].finditer(line, position):
            if match.group() == self.quote:
                self.quote = None
                return match.end()
            if match.group() == "\\":  # a backslash ending the line continues any string
                return -1
        if len(self.quote) == 1:  # an unterminated one-line string: Python reports it
            self.quote = None
        return -1


def _ipython_only(line: str) -> bool:
    """A line that starts a statement IPython handles itself: magic, shell, help, get_ipython()."""
    return bool(_LINE_MAGIC.match(line) or _MAGIC_ASSIGNMENT.match(line) or _HELP.match(line)
                or _GET_IPYTHON.match(line))


def _not_run(line: str) -> str:
    indent = line[: len(line) - len(line.lstrip())]
    return indent + "pass" if indent else ""


def _cell_lines(source: str) -> list[str]:
    source = source.replace("\r\n", "\n").replace("\r", "\n")
    lines = source.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the cell's final newline ends its last line
    return lines


def _check_cell(lines: list[str]) -> bool:
    """The cell that runs the public tests from the notebook (``from grader import check``, then
    ``check(...)`` calls): the grader's own, which a sandbox neither has nor needs."""
    code = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    return (bool(code) and bool(_CHECK_IMPORT.match(code[0]))
            and all(_CHECK_IMPORT.match(line) or _CHECK_CALL.match(line) for line in code[1:]))


def _check_stand_in(statement: str) -> str | None:
    """What an import of the notebook API's ``check`` becomes (the same name bound to a ``check`` that
    does nothing), or None for any other statement."""
    if found := _CHECK_IMPORT.match(statement):
        return f"{found['name'] or 'check'} = {CHECK_STAND_IN}"
    if found := _MODULE_IMPORT.match(statement):
        return f"{found['name'] or 'grader'} = {MODULE_STAND_IN}"
    return None


def _skipped_whole(lines: list[str]) -> tuple[bool, int | None]:
    """(whether a cell magic skips the whole cell; index of its magic line)."""
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if not line.startswith("%%"):
            return False, None
        name = line[2:].split(maxsplit=1)[0] if line[2:].strip() else ""
        return name not in PYTHON_CELL_MAGICS, index
    return False, None


def code_from_cells(cells: Iterable[tuple[int, str]]) -> NotebookCode:
    """The module of code cells given as ``(cell number, source)``, IPython syntax blanked."""
    lines: list[str] = []
    origins: list[tuple[int, int]] = []
    skipped: list[int] = []
    for cell, source in cells:
        cell_lines = _cell_lines(source)
        own_check = _check_cell(cell_lines)
        whole, magic_line = _skipped_whole(cell_lines)
        starts = _StatementStarts()
        continued = False  # the line before was IPython syntax ending in a backslash: this one is its rest
        for index, line in enumerate(cell_lines):
            if own_check:  # the grader's own check cell: left out, and not IPython syntax to note
                line = ""
            elif whole or index == magic_line:  # the whole cell is not Python: none of its lines is kept
                line = ""
                skipped.append(len(lines) + 1)
            elif continued:  # `!pip install \` then an indented line: blank, never a `pass` out of place
                continued = line.endswith("\\")
                line = ""
                skipped.append(len(lines) + 1)
            elif starts.at_start and _ipython_only(line):
                continued = line.endswith("\\")
                line = _not_run(line)
                skipped.append(len(lines) + 1)
            else:
                if starts.at_start and (stand_in := _check_stand_in(line.strip())):  # check(): a no-op
                    line = line[: len(line) - len(line.lstrip())] + stand_in
                starts.feed(line)
            lines.append(line)
            origins.append((cell, index + 1))
    source = "\n".join(lines) + ("\n" if lines else "")
    return NotebookCode(source, SourceMap.from_origins(origins, skipped))


CELL_TYPES = ("code", "markdown", "raw")
# The keys of a cell in format 4; others (some tools add their own) are dropped, as Jupyter opens such
# a notebook too, and so are execution counts, attachments and outputs: the grader reads none of them.
_CELL_KEYS = frozenset({"cell_type", "id", "metadata", "source"})


def _code_only(notebook: dict) -> dict:
    """The notebook with outputs, markdown text, attachments, execution counts, metadata and keys of
    other tools emptied: what validation needs to see, the cells' structure, which the grader reads
    (their types and sources)."""
    cells = []
    for position, cell in enumerate(notebook["cells"], start=1):
        if not isinstance(cell, dict):
            cells.append(cell)  # validation names the problem
            continue
        if cell.get("cell_type") not in CELL_TYPES:
            raise NotebookUnreadable(F.NOTEBOOK_CELL_TYPE.format(cell=position, type=_json_shown(cell.get("cell_type"))))
        cell = {key: value for key, value in cell.items() if key in _CELL_KEYS}
        cell["metadata"] = {}
        if cell["cell_type"] == "code":
            cell.update(outputs=[], execution_count=None)
        elif "source" in cell:
            cell["source"] = ""
        cells.append(cell)
    return {**notebook, "metadata": {}, "cells": cells}


def _validated(notebook: dict) -> dict:
    import nbformat

    try:
        with warnings.catch_warnings():  # nbformat warns (on stderr) about cells without ids
            warnings.simplefilter("ignore")
            node = nbformat.from_dict(notebook)
            nbformat.validate(node)
    except RecursionError:
        raise NotebookUnreadable(F.NOTEBOOK_TOO_DEEP) from None
    except Exception as exc:  # nbformat raises several kinds for what it refuses
        detail = str(getattr(exc, "message", "") or type(exc).__name__).splitlines()[0][:200]
        where = list(getattr(exc, "absolute_path", ()))[:2]
        if len(where) == 2 and where[0] == "cells" and isinstance(where[1], int):
            raise NotebookUnreadable(F.NOTEBOOK_CELL_INVALID.format(cell=where[1] + 1, detail=detail)) from None
        raise NotebookUnreadable(F.NOTEBOOK_INVALID.format(detail=detail)) from None
    return node


def _source_text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def _unpaired_surrogate(source: str) -> bool:
    """Whether the text holds a lone surrogate (JSON's ``\\ud800`` escapes can make one): not Unicode
    that a Python file can hold."""
    try:
        source.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _is_python(text: str) -> bool:
    """Whether text that is not JSON is a Python module with some code in it (a .py file renamed)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(node, (ast.FunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) for node in tree.body)


def _too_many_digits(error: ValueError) -> bool:
    """Whether JSON was refused for an integer longer than Python converts (valid JSON otherwise)."""
    return "integer string conversion" in str(error)


def _json_shown(value) -> str:
    """A JSON value as a message shows it: short, on one line, and a list or object by its kind."""
    if isinstance(value, (list, dict)):
        return "[…]" if isinstance(value, list) else "{…}"
    return shortened(json.dumps(value[:MAX_SHOWN_VALUE] if isinstance(value, str) else value,
                                ensure_ascii=True), MAX_SHOWN_VALUE)


def convert(text: str) -> NotebookCode:
    """The code of a notebook (its JSON text); :class:`NotebookUnreadable` when there is none to read."""
    try:
        notebook = json.loads(text)
    except RecursionError:
        raise NotebookUnreadable(F.NOTEBOOK_TOO_DEEP) from None
    except ValueError as exc:
        if _too_many_digits(exc):
            raise NotebookUnreadable(F.NOTEBOOK_HUGE_NUMBER.format(digits=sys.get_int_max_str_digits())) from None
        raise NotebookUnreadable(F.NOTEBOOK_IS_PYTHON if _is_python(text) else F.NOTEBOOK_NOT_JSON) from None
    version = notebook.get("nbformat") if isinstance(notebook, dict) else None
    if isinstance(notebook, dict) and "nbformat" in notebook and type(version) is not int:
        raise NotebookUnreadable(F.NOTEBOOK_BAD_VERSION.format(got=_json_shown(version)))
    if type(version) is int and version > 4:
        raise NotebookUnreadable(F.NOTEBOOK_NEW_FORMAT.format(version=version))
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        if type(version) is int and version < 4:
            raise NotebookUnreadable(F.NOTEBOOK_OLD_FORMAT.format(version=version))
        raise NotebookUnreadable(F.NOTEBOOK_NO_CELLS)
    notebook = _validated(_code_only(notebook))
    code_cells = [(position, _source_text(cell["source"]))
                  for position, cell in enumerate(notebook["cells"], start=1) if cell["cell_type"] == "code"]
    for position, source in code_cells:
        if _unpaired_surrogate(source):
            raise NotebookUnreadable(F.NOTEBOOK_NOT_UNICODE.format(cell=position))
    size = sum(len(source.encode("utf-8")) for _, source in code_cells)
    if size > MAX_CODE_BYTES:
        raise NotebookUnreadable(F.NOTEBOOK_CODE_TOO_LARGE.format(size=mib_over(size)))
    return code_from_cells(code_cells)


def notebook_to_source_task(*, text: str) -> dict:
    """:func:`convert` in a bounded helper process: the module and its map, or why there is none."""
    try:
        code = convert(text)
    except NotebookUnreadable as exc:
        return {"why": {"en": exc.why.en, "zh": exc.why.zh}}
    return {"source": code.source, **code.source_map.to_json(capped=False)}


def read_notebook(data: bytes, path: Path, *, helpers) -> NotebookCode:
    """The code of a notebook file's bytes, or :class:`~grader.submission.BadSubmission`.

    Args:
        data: the file's bytes (at most :data:`MAX_NOTEBOOK_BYTES`).
        path: the file, named in messages.
        helpers: the :class:`grader.bounded.BoundedPool` in which the conversion runs, within
            :data:`READ_SECONDS` and the helpers' memory limit.
    """
    refuse_binary(data, path)
    text = utf8_text(data, path)
    shown = shown_name(path)
    try:
        code = _convert_bounded(text, helpers)
    except NotebookOverBudget as exc:
        raise BadSubmission(F.NOTEBOOK_OVER_BUDGET.format(path=shown, why=exc.why)) from None
    except NotebookUnreadable as exc:
        raise BadSubmission(F.IS_NOTEBOOK.format(path=shown, why=exc.why)) from None
    except (RecursionError, MemoryError) as exc:
        raise BadSubmission(F.IS_NOTEBOOK.format(path=shown, why=type(exc).__name__)) from None
    if not code.source.strip():
        raise empty_file(path)
    return code


def _convert_bounded(text: str, helpers) -> NotebookCode:
    from grader.bounded import BoundedCallFailed

    try:
        reply = helpers.call("notebook", READ_SECONDS, text=text)
    except BoundedCallFailed as exc:
        raise NotebookOverBudget(same(str(exc))) from None
    if "why" in reply:
        raise NotebookUnreadable(Text(str(reply["why"]["en"]), str(reply["why"]["zh"])))
    source_map = SourceMap.from_json(reply)
    if source_map is None or not isinstance(reply.get("source"), str):
        raise NotebookUnreadable(F.NOTEBOOK_BAD_REPLY)
    return NotebookCode(reply["source"], source_map)


def check_cell_source(problem_id: str, *, lang: str) -> str:
    """The last cell of a starter notebook: it runs the public tests from Jupyter. Where the grader
    reads the notebook the cell is left out without a note (:func:`code_from_cells`)."""
    return f'{F.NOTEBOOK_CHECK_CELL.get(lang)}\nfrom grader import check\n\ncheck("{problem_id}", lang="{lang}")'


def starter_notebook(problem: "Problem", *, lang: str) -> str:
    """A problem's starter notebook (JSON text): its statement, its stub, and a cell that checks.

    The statement is the markdown of the registry (math in ``$…$`` and ``$$…$$``,
    which Jupyter renders), under the problem's title in ``lang``.
    """
    import nbformat
    from nbformat import v4

    title = problem.title_zh if lang == "zh" else problem.title
    notebook = v4.new_notebook(
        cells=[v4.new_markdown_cell(f"# {title}\n\n{problem.statement(lang).strip()}\n"),
               v4.new_code_cell(problem.stub().rstrip("\n")),
               v4.new_code_cell(check_cell_source(problem.id, lang=lang))],
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                  "language_info": {"name": "python"}})
    nbformat.validate(notebook)
    return nbformat.writes(notebook)


def start_notebook(*, problem_id: str, directory: Path, lang: str) -> Path:
    """Write ``directory/<id>.ipynb`` (:func:`starter_notebook`); never overwrite.

    Raises:
        grader.services.UserError: an unknown problem, or a file already in the way.
    """
    from grader.services import find_problem, write_starter

    problem = find_problem(problem_id)
    return write_starter(Path(directory), f"{problem.id}.ipynb", lambda: starter_notebook(problem, lang=lang))
