"""The report of one submission: ``report.html`` next to its ``results.json``."""

from __future__ import annotations

import re
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import PythonLexer

from grader.registry import Problem
from grader.reports.figures import figure_view
from grader.fsutil import write_atomic
from grader.reports.render import printable, render, root_from_static_href

MAX_OUTPUT_CHARS = 20_000  # of captured output shown on the page
MAX_SOURCE_LINES = 3_000  # of the submission shown on the page
MAX_SOURCE_CHARS = 128 * 1024  # of the submission shown on the page
RENDER_SECONDS = 20.0  # time budget of one page in a helper (pygments is quadratic on some input)
WEAK_ISOLATION = re.compile(r"none|weak|fallback", re.IGNORECASE)


def test_key(number) -> tuple:
    """Natural order of test numbers: 1.2 before 1.10."""
    return tuple(int(p) if p.isdigit() else 10**9 for p in str(number).split("."))


def highlighted(code: str, *, marked: list[int] = (), anchors: str = "") -> Markup:
    """Python source as pygments HTML (pygments escapes it), lines in ``marked`` highlighted."""
    formatter = HtmlFormatter(cssclass="hl", linenos="inline" if anchors else False,
                              hl_lines=list(marked), linespans=anchors, wrapcode=True)
    return Markup(highlight(code, PythonLexer(stripnl=False, ensurenl=True), formatter))


def _misconceptions(problem: Problem, ids) -> list[dict]:
    items = []
    for mid in ids or ():
        try:
            item = problem.misconception(mid)
        except KeyError:
            items.append({"id": str(mid), "known": False})
            continue
        items.append({
            "id": item.id, "known": True, "title": item.title, "title_zh": item.title_zh,
            "explanation": item.explanation,
            "mistake": highlighted(item.mistake) if item.mistake else None,
            "fix": highlighted(item.fix) if item.fix else None,
        })
    return items


def _tests(results: dict) -> list[dict]:
    tests = [dict(t) for t in results.get("tests") or () if isinstance(t, dict)]
    for t in tests:  # copies: the caller's results stay as they were
        t.setdefault("status", "failed")
    return sorted(tests, key=lambda t: (t["status"] == "passed", test_key(t.get("number"))))


def _source(source: str, error_lines: list[int], *, highlight: bool = True) -> dict:
    """The listing: at most MAX_SOURCE_LINES lines and MAX_SOURCE_CHARS characters.

    Highlighted by pygments, or (``highlight=False``, the fallback when a page ran
    over its time budget) escaped line by line by the template.
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
            "html": None, "plain_lines": None}
    if highlight:
        view["html"] = highlighted("\n".join(lines), marked=marked, anchors="L")
    else:
        view["plain_lines"] = lines
    return view


def submission_context(*, results: dict, source: str, problem: Problem, highlight: bool = True) -> dict:
    extra = results.get("extra_data") or {}
    output = str(extra.get("output") or "")
    error_lines = sorted({n for n in extra.get("error_lines") or () if isinstance(n, int)})
    tests = _tests(results)
    isolation = str(extra.get("isolation") or "unknown")
    return {
        "problem": problem,
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
        "misconceptions": _misconceptions(problem, extra.get("diagnosis")),
        "figure": figure_view(extra.get("figure")),
        "source": _source(source, error_lines, highlight=highlight),
        "error_lines": error_lines,
        "output": output[:MAX_OUTPUT_CHARS],
        "output_chars": len(output),
        "output_cut_here": len(output) > MAX_OUTPUT_CHARS,
        "output_truncated": bool(extra.get("output_truncated")),
    }


def write_submission_report(path: Path, *, results: dict, source: str, problem: Problem,
                            static_href: str, highlight: bool = True) -> None:
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
    """
    root = root_from_static_href(static_href)
    context = submission_context(results=results, source=source, problem=problem, highlight=highlight)
    html = render("report/submission.html", root=root, in_class=bool(root),
                  page_name=Path(path).name, **context)
    write_atomic(Path(path), html)


def write_report_task(*, path: str, results: dict, source: str, problem_id: str, static_href: str) -> None:
    """The report, written in a bounded helper process (:mod:`grader.bounded`)."""
    from grader import registry

    write_submission_report(Path(path), results=results, source=source, problem=registry.get(problem_id),
                            static_href=static_href)


def write_report(path: Path, *, results: dict, source: str, problem: Problem, static_href: str,
                 helpers=None) -> bool:
    """Write the report within its time budget; True when highlighted.

    With ``helpers`` (a :class:`grader.bounded.BoundedPool`) the page is rendered
    in a helper process with a time budget; a page over budget (or a helper that
    fails) is written here without highlighting instead, which takes linear time.
    """
    from grader.bounded import BoundedCallFailed

    if helpers is not None:
        try:
            helpers.call("report", RENDER_SECONDS, path=str(path), results=results, source=source,
                         problem_id=problem.id, static_href=static_href)
            return True
        except BoundedCallFailed:
            pass
    else:
        try:
            write_submission_report(path, results=results, source=source, problem=problem,
                                    static_href=static_href)
            return True
        except RecursionError:
            pass
    write_submission_report(path, results=results, source=source, problem=problem,
                            static_href=static_href, highlight=False)
    return False
