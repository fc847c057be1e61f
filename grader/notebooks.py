"""Jupyter notebooks as submissions: their code cells, in order, become the module.

Read with ``nbformat`` (version 4). IPython magics (``%time``, ``%%writefile``)
and shell lines (``!pip install``) are not executed: each becomes an empty line
so that line numbers still map to cells, and the feedback says which were
skipped. A notebook's outputs are ignored (a notebook whose outputs are huge is
judged by its code alone); its code obeys the same rules as a ``.py`` file
(at most 1 MiB). The conversion runs with a time budget in a helper process
(:mod:`grader.bounded`) when one is given, since a notebook is candidate data.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

from grader import feedback as F
from grader.i18n import t
from grader.jsonio import readable

MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024  # outputs included
MAX_CODE_CHARS = 1024 * 1024
CELL_LINE = t("cell {cell}, line {line}", "第 {cell} 个单元格第 {line} 行")


@dataclass(frozen=True)
class NotebookCode:
    source: str
    line_map: tuple[tuple[int, int], ...]  # module line n (1-based) -> (code cell number, line in cell)
    skipped: tuple[int, ...]  # module lines that were magics or shell commands


def _is_magic(line: str) -> bool:
    """A line IPython would not hand to Python: a magic, a shell command, a help request."""
    stripped = line.strip()
    return stripped.startswith(("%", "!", "?")) or (stripped.endswith("?") and not stripped.startswith("#"))


def convert(text: str) -> NotebookCode:
    """The code of a notebook (its JSON text); ValueError when it is not a readable notebook."""
    import nbformat

    try:
        with warnings.catch_warnings():  # nbformat warns about old notebooks on stderr
            warnings.simplefilter("ignore")
            notebook = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises several kinds for malformed input
        raise ValueError(f"{type(exc).__name__}") from None
    lines: list[str] = []
    line_map: list[tuple[int, int]] = []
    skipped: list[int] = []
    cell_number = 0
    for cell in notebook.get("cells", ()):
        if cell.get("cell_type") != "code":
            continue
        cell_number += 1
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(source)
        in_cell_magic = source.lstrip().startswith("%%")
        for index, line in enumerate(source.split("\n"), start=1):
            lines.append("" if (in_cell_magic or _is_magic(line)) else line)
            line_map.append((cell_number, index))
            if in_cell_magic or _is_magic(line):
                skipped.append(len(lines))
        lines.append("")  # cells end with a newline
        line_map.append((cell_number, index + 1))
    code = "\n".join(lines)
    if len(code) > MAX_CODE_CHARS:
        raise ValueError("its code is larger than 1 MiB")
    return NotebookCode(code, tuple(line_map), tuple(skipped))


def notebook_to_source_task(*, text: str) -> dict:
    """:func:`convert` in a bounded helper process."""
    code = convert(text)
    return {"source": code.source, "line_map": [list(p) for p in code.line_map], "skipped": list(code.skipped)}


def notebook_source(data: bytes, path: Path) -> str:
    """The module source of a notebook file's bytes, or :class:`~grader.submission.BadSubmission`."""
    from grader.submission import BadSubmission

    try:
        text = data.decode("utf-8-sig")
        source = convert(text).source
    except (UnicodeDecodeError, ValueError, RecursionError, MemoryError) as exc:
        why = "not UTF-8" if isinstance(exc, UnicodeDecodeError) else str(exc) or type(exc).__name__
        raise BadSubmission(F.IS_NOTEBOOK.format(path=readable(str(path)), why=why)) from None
    if not source.strip():
        raise BadSubmission(F.EMPTY_FILE.format(path=readable(str(path))))
    return source
