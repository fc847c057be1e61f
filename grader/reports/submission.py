"""The report of one submission: ``report.html`` next to its ``results.json``.

A notebook's results record which cell each line came from
(:class:`grader.notebooks.SourceMap`): its listing is then shown cell by cell,
numbered as in the cell, and the lines that were not run are named.

The page is in the language of the results (``extra_data["lang"]``): its fixed
wording comes from :mod:`grader.reports.wording`, and the results' own messages
were written in that language already.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter

from grader.i18n import DEFAULT_LANG, LANGS, Text
from grader.notebooks import MAX_RECORDED_SPANS, SourceMap
from grader.registry import Problem
from grader.reports.figures import figure_view
from grader.reports.python_lexer import TokenizeLexer
from grader.fsutil import write_atomic
from grader.reports.render import printable, render, root_from_static_href
from grader.reports.wording import Wording

MAX_OUTPUT_CHARS = 20_000  # of captured output shown on the page
MAX_SOURCE_LINES = 3_000  # of the submission shown on the page
MAX_SOURCE_CHARS = 128 * 1024  # of the submission shown on the page
RENDER_SECONDS = 20.0  # time budget of one page in a helper (pygments is quadratic on some input)
WEAK_ISOLATION = re.compile(r"none|weak|fallback", re.IGNORECASE)


def test_key(number) -> tuple:
    """Natural order of test numbers: 1.2 before 1.10."""
    return tuple(int(p) if p.isdigit() else 10**9 for p in str(number).split("."))


def highlighted(code: str, *, marked: list[int] = (), anchors: str = "", first_line: int = 1) -> Markup:
    """Python source as pygments HTML (pygments escapes it), lines in ``marked`` highlighted.

    Args:
        marked: line numbers counted from the snippet's first line as 1.
        anchors: with it, lines are numbered and each line is ``<span id="{anchors}-{number}">``.
        first_line: the number shown (and used in ids) for the snippet's first line.
    """
    formatter = _formatter(tuple(marked), anchors, first_line)
    return Markup(highlight(code, TokenizeLexer(stripnl=False, ensurenl=True), formatter))


@functools.lru_cache(maxsize=64)
def _formatter(marked: tuple[int, ...], anchors: str, first_line: int) -> HtmlFormatter:
    """One formatter per set of options, used again for every listing that needs the same.

    Making one builds its token-class table from the style (0.15 ms; a
    solution's listing takes 1.2 ms to highlight with a formatter at hand, 1.4
    without); formatting leaves it as it was, and most listings share their
    options (no marked line, numbered from 1).
    """
    return HtmlFormatter(cssclass="hl", linenos="inline" if anchors else False, hl_lines=list(marked),
                         linespans=anchors, wrapcode=True, linenostart=first_line)


@functools.lru_cache(maxsize=256)
def _snippet(code: str) -> Markup:
    """A misconception's snippet (problem data, so the same few strings in every report of a class)."""
    return highlighted(code)


def _misconceptions(problem: Problem, ids, lang: str) -> list[dict]:
    items = []
    for mid in ids or ():
        try:
            item = problem.misconception(mid)
        except KeyError:
            items.append({"id": str(mid), "known": False})
            continue
        items.append({
            "id": item.id, "known": True, "title": item.title, "title_zh": item.title_zh,
            "explanation": Text(item.explanation, item.explanation_zh).get(lang),
            "mistake": _snippet(item.mistake) if item.mistake else None,
            "fix": _snippet(item.fix) if item.fix else None,
        })
    return items


def _tests(results: dict) -> list[dict]:
    tests = [dict(t) for t in results.get("tests") or () if isinstance(t, dict)]
    for t in tests:  # copies: the caller's results stay as they were
        t.setdefault("status", "failed")
    return sorted(tests, key=lambda t: (t["status"] == "passed", test_key(t.get("number"))))


def _source(source: str, error_lines: list[int], *, highlight: bool = True,
            source_map: SourceMap | None = None, lang: str = DEFAULT_LANG) -> dict:
    """The listing: at most MAX_SOURCE_LINES lines and MAX_SOURCE_CHARS characters.

    Highlighted by pygments, or (``highlight=False``, the fallback when a page ran
    over its time budget) escaped line by line by the template. With a notebook's
    ``source_map`` the listing is cut into ``cells`` (see :func:`_cell_blocks`).
    """
    text = source.replace("\r\n", "\n")
    lines = printable(text[:MAX_SOURCE_CHARS]).split("\n")
    total = text.count("\n") + (0 if text.endswith("\n") else 1) if text else 0
    if lines and lines[-1] == "":
        lines.pop()
    lines = lines[:MAX_SOURCE_LINES]
    cut = len(lines) < total or len(text) > MAX_SOURCE_CHARS
    marked = [n for n in error_lines if 1 <= n <= len(lines)]
    view = {"lines": total, "cut": cut, "marked": marked, "shown_lines": len(lines),
            "html": None, "plain_lines": None, "cells": None, "error_links": None}
    if source_map is not None:
        view["cells"] = _cell_blocks(lines, set(marked), source_map, highlight=highlight)
        view["error_links"] = [{"anchor": _anchor(source_map, n), "label": source_map.label(n).get(lang)}
                               for n in error_lines]
    elif highlight:
        view["html"] = highlighted("\n".join(lines), marked=marked, anchors="L")
    else:
        view["plain_lines"] = lines
    return view


def _anchor(source_map: SourceMap, line: int) -> str:
    """The id of a module line in a cell-by-cell listing: ``L-c4-3`` (cell 4, line 3), else ``L-12``."""
    where = source_map.locate(line)
    return f"L-{line}" if where is None else f"L-c{where[0]}-{where[1]}"


def _cell_blocks(lines: list[str], marked: set[int], source_map: SourceMap, *, highlight: bool) -> list[dict]:
    """The listing as runs of lines from one cell each, numbered as in the cell.

    A run's lines have ids ``L-c<cell>-<line>``; lines from no cell (added by
    the grader) form runs of their own, numbered and identified by module line.
    So do the lines past the map that results record, which holds at most
    :data:`~grader.notebooks.MAX_RECORDED_SPANS` runs: those are said to be
    unmapped (the learner's cells), not added by the grader.
    """
    mapped_until = (source_map.spans[-1][1] + source_map.spans[-1][2] - 1
                    if len(source_map.spans) >= MAX_RECORDED_SPANS else None)
    blocks = []
    start = 1
    while start <= len(lines):
        origin = source_map.locate(start)
        end = start
        while end < len(lines) and _continues(source_map.locate(end + 1), origin, end + 1 - start):
            end += 1
        cell, first = (None, start) if origin is None else origin
        prefix = "L" if cell is None else f"L-c{cell}"
        chunk = lines[start - 1:end]
        relative = [n - start + 1 for n in range(start, end + 1) if n in marked]
        unmapped = cell is None and mapped_until is not None and start > mapped_until
        block = {"cell": cell, "html": None, "plain_lines": None, "unmapped_after": mapped_until if unmapped else None}
        if highlight:
            # one "\n" per line, so that a cell's trailing empty lines (skipped magics) are all shown
            block["html"] = highlighted("".join(line + "\n" for line in chunk), marked=relative, anchors=prefix,
                                        first_line=first)
        else:
            block["plain_lines"] = [{"id": f"{prefix}-{first + i}", "number": first + i, "text": text,
                                     "marked": i + 1 in relative} for i, text in enumerate(chunk)]
        blocks.append(block)
        start = end + 1
    return blocks


def _continues(where: tuple[int, int] | None, origin: tuple[int, int] | None, offset: int) -> bool:
    """Whether the line ``offset`` lines after a run's first (from ``origin``) belongs to the same run."""
    if origin is None or where is None:
        return origin is None and where is None
    return where == (origin[0], origin[1] + offset)


def submission_context(*, results: dict, source: str, problem: Problem, highlight: bool = True) -> dict:
    extra = results.get("extra_data") or {}
    source_map = SourceMap.from_json(extra) if "cells" in extra else None
    lang = extra.get("lang") if extra.get("lang") in LANGS else DEFAULT_LANG
    note = source_map.skipped_note() if source_map is not None else None
    output = str(extra.get("output") or "")
    error_lines = sorted({n for n in extra.get("error_lines") or () if isinstance(n, int)})
    tests = _tests(results)
    isolation = str(extra.get("isolation") or "unknown")
    return {
        "problem": problem,
        "lang": lang,
        "t": Wording(lang),
        "title": Text(problem.title, problem.title_zh).get(lang),
        "score": results.get("score", 0),
        "max_score": results.get("max_score", 0),
        "fraction": (results.get("score", 0) / results["max_score"]) if results.get("max_score") else 0,
        "summary": str(results.get("output") or ""),
        "execution_time": results.get("execution_time"),
        "isolation": isolation,
        "weak_isolation": bool(WEAK_ISOLATION.search(isolation)),
        "suite": extra.get("suite", "hidden"),
        "seed": extra.get("seed"),
        "seed_fingerprint": extra.get("seed_fingerprint"),
        "sha": str(extra.get("submission_sha256") or ""),
        "grader_version": str(extra.get("grader_version") or ""),
        "error": extra.get("error") if isinstance(extra.get("error"), dict) else None,
        "tests": tests,
        "passed": sum(t["status"] == "passed" for t in tests),
        "misconceptions": _misconceptions(problem, extra.get("diagnosis"), lang),
        "figure": figure_view(extra.get("figure"), lang),
        "source": _source(source, error_lines, highlight=highlight, source_map=source_map, lang=lang),
        "skipped_note": note.get(lang) if note is not None else "",
        "error_lines": error_lines,
        "output": output[:MAX_OUTPUT_CHARS],
        "output_chars": len(output),
        "output_cut_here": len(output) > MAX_OUTPUT_CHARS,
        "output_truncated": bool(extra.get("output_truncated")),
    }


def write_submission_report(path: Path, *, results: dict, source: str, problem: Problem,
                            static_href: str, highlight: bool = True, student: str | None = None) -> None:
    """Write the HTML report of one graded submission.

    Args:
        path: the ``report.html`` to write (its folder is created).
        results: the submission's ``results.json`` content, as :func:`grader.grading.grade`
            returns it.
        source: the submission's source code (shown highlighted, lines named in
            tracebacks marked).
        problem: the graded problem (misconception explanations and snippets come from it).
        static_href: relative URL from the report to the folder holding the copied
            ``static/`` files, ending in ``static/`` (``"../../static/"`` in a class run,
            where ``../../index.html`` is the class overview; ``"static/"`` for a lone report).
        highlight: False shows the source as escaped plain text (linear time).
        student: whose submission it is, named on the page (a class run's reports).
    """
    root = root_from_static_href(static_href)
    context = submission_context(results=results, source=source, problem=problem, highlight=highlight)
    html = render("report/submission.html", root=root, in_class=bool(root),
                  page_name=Path(path).name, student=student, **context)
    write_atomic(Path(path), html)


def write_report_task(*, path_hex: str, results: dict, source: str, problem_id: str, static_href: str,
                      token_text: bool = False, student: str | None = None) -> dict:
    """The report, written in a bounded helper process (:mod:`grader.bounded`).

    The path travels as the hex of its bytes: JSON cannot hold a folder name
    that is not valid UTF-8, and such a name must still find its folder.

    With ``token_text`` the answer also carries the similarity report's token
    text of the source, made from the tokens the listing has just used (see
    :func:`grader.similarity_tokens.tokenizer_token_text`)."""
    from grader import registry
    from grader.similarity_tokens import tokenizer_token_text

    path = Path(os.fsdecode(bytes.fromhex(path_hex)))
    write_submission_report(path, results=results, source=source, problem=registry.get(problem_id),
                            static_href=static_href, student=student)
    return {"token_text": tokenizer_token_text(source) if token_text else None}


@dataclass(frozen=True)
class WrittenReport:
    """How a report was written: ``highlighted`` False when its listing is plain text.

    ``token_text``: the similarity report's token text of the source, when asked for and
    made by the helper that wrote the page; None otherwise."""

    highlighted: bool
    token_text: str | None = None


def write_report(path: Path, *, results: dict, source: str, problem: Problem, static_href: str,
                 helpers=None, token_text: bool = False, student: str | None = None) -> WrittenReport:
    """Write the report within its time budget.

    With ``helpers`` (a :class:`grader.bounded.BoundedPool`) the page is rendered
    in a helper process with a time budget; a page over budget (or a helper that
    fails) is written here without highlighting instead, which takes linear time.
    ``token_text`` asks that helper for the source's token text too (see
    :func:`write_report_task`); ``student`` is named on the page.
    """
    from grader.bounded import BoundedCallFailed

    if helpers is not None:
        try:
            answer = helpers.call("report", RENDER_SECONDS, path_hex=os.fsencode(Path(path).resolve()).hex(),
                                  results=results, source=source, problem_id=problem.id,
                                  static_href=static_href, token_text=token_text, student=student)
            made = answer.get("token_text") if isinstance(answer, dict) else None
            return WrittenReport(True, made if isinstance(made, str) and len(made) <= len(source) else None)
        except BoundedCallFailed:
            pass
    else:
        try:
            write_submission_report(path, results=results, source=source, problem=problem,
                                    static_href=static_href, student=student)
            return WrittenReport(True)
        except RecursionError:
            pass
    write_submission_report(path, results=results, source=source, problem=problem,
                            static_href=static_href, highlight=False, student=student)
    return WrittenReport(False)
