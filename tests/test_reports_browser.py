"""The reports in a real headless Chromium, opened from file:// as an instructor would.

Checks that pages load without console errors or failed (or any network)
requests, from disk and served over HTTP, that every link resolves, that the
heatmaps render, that the student table sorts and filters, that the printed
overview keeps every column on the paper, that a candidate's markup never runs,
and that a report graded in Chinese, and the overview of a class graded in
Chinese, show no English wording. Screenshots go to test-artifacts/ for a
person to look at.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import pytest

from grader import registry
from grader.grading import grade
from grader.references import misconception_variants, solution_source
from grader.reports import copy_static, write_submission_report
from grader.reports.wording import Wording
from grader.sandbox import isolation
from grader.trusted_runner import NamespaceRunner
from tests.browser import ARTIFACTS, Watched, english_wording, folds, printing, served, wording_shown
from tests.report_samples import (HOSTILE_DIR_NAME, HOSTILE_OUTPUT, PROBLEM_ID, STRAY_NAME, build_class, graded,
                                  problem, weights_figure)

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("class")
    build_class(out)
    return out


@pytest.fixture(scope="module")
def wide_klass(tmp_path_factory) -> Path:
    """The same class with a column for every problem of the registry: the widest student table."""
    out = tmp_path_factory.mktemp("wide-class")
    build_class(out, problems=registry.all_problems())
    return out


class Visit:
    """A page opened from disk, with everything that went wrong on the way."""

    def __init__(self, browser, path: Path, **context):
        self.context = browser.new_context(**context)
        self.page = self.context.new_page()
        self.problems: list[str] = []
        page = self.page
        page.on("console", lambda m: m.type in ("error", "warning")
                and self.problems.append(f"console {m.type}: {m.text}"))
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url}"))
        page.on("request", lambda r: r.url.startswith("file:") or self.problems.append(f"network request: {r.url}"))
        page.goto(path.as_uri(), wait_until="load")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser):
    opened = []

    def open_(path: Path, **context) -> Visit:
        v = Visit(browser, path, **context)
        opened.append(v)
        return v

    yield open_
    for v in opened:
        v.close()


def _shot(visit_: Visit, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    visit_.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def _reports(out: Path) -> list[Path]:
    return sorted(out.glob(f"*/{PROBLEM_ID}/report.html"))


def test_class_overview_loads_clean(klass, visit):
    for name, context in [("class-overview", {}), ("class-overview-dark", {"color_scheme": "dark"}),
                          ("class-overview-phone", PHONE)]:
        v = visit(klass / "index.html", **context)
        assert v.problems == []
        assert v.page.evaluate("window.__pwned") is None
        stray = v.page.text_content("#not-student-folders")  # named as text, where the instructor looks
        assert STRAY_NAME in stray and ".carol" in stray
        assert "frank" in v.page.text_content("#results-of-others")  # an earlier run's student, in no gradebook
        _shot(v, name)
    phone_width = v.page.evaluate("document.documentElement.scrollWidth")
    assert phone_width <= 390, "the page scrolls sideways on a phone (only tables may)"


def test_submission_reports_load_clean(klass, visit):
    reports = _reports(klass)
    assert len(reports) == 6
    for path in reports:
        v = visit(path)
        assert v.problems == [], path
        assert v.page.evaluate("window.__pwned") is None, path
    bob = klass / "bob" / PROBLEM_ID / "report.html"
    for name, context in [("report", {}), ("report-dark", {"color_scheme": "dark"}), ("report-phone", PHONE)]:
        v = visit(bob, **context)
        assert v.problems == []
        _shot(v, name)
    assert v.page.title().startswith("bob · ")  # a class run's report names its student
    assert v.page.locator(".facts dt", has_text="Student").locator("xpath=..").locator("dd").inner_text() == "bob"
    hostile = visit(klass / HOSTILE_DIR_NAME / PROBLEM_ID / "report.html")
    assert hostile.page.locator(".facts dd").first.inner_text() == HOSTILE_DIR_NAME  # shown as text
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(visit(klass / HOSTILE_DIR_NAME / PROBLEM_ID / "report.html"), "report-syntax-error")
    _shot(visit(next(p for p in reports if "Zo" in str(p))), "report-tokens")


def test_the_report_folder_loads_cleanly_over_http(klass, browser):
    """Put on a web server, the class run's folder is asked for nothing it lacks: no /favicon.ico
    either, which a browser asks for on the first page unless the page names its icon."""
    context = browser.new_context()
    try:
        with served(klass) as server:
            w = Watched(context, origin=server.url)
            for path in [klass / "index.html", *_reports(klass)]:
                # The icon comes after "load": a page left before it arrives would abort its request.
                w.page.goto(f"{server.url}/{quote(path.relative_to(klass).as_posix())}", wait_until="networkidle")
                assert w.page.title(), path
            w.page.goto("about:blank")
    finally:
        context.close()
    assert [f"{status} {path}" for status, path in server.answered if status >= 400] == []
    assert w.problems == []


# The longest isolation level a sandbox reports, and the longest in words of a weak one
LONG_LEVELS = ["+".join([isolation.STRONG, *isolation.FEATURES[1:]]), "+".join([isolation.WEAK, *isolation.FEATURES])]
DESKTOP = {"viewport": {"width": 1200, "height": 900}}


@pytest.mark.parametrize("level", LONG_LEVELS)
def test_score_card_holds_the_longest_isolation_level(level, tmp_path, visit):
    results, source = graded("reference")
    results["extra_data"]["isolation"] = level
    copy_static(tmp_path / "static")
    write_submission_report(tmp_path / "report.html", results=results, source=source, problem=problem(),
                            static_href="static/", student="a-student-with-a-long-folder-name")
    for name, context in [("desktop", DESKTOP), ("phone", PHONE)]:
        v = visit(tmp_path / "report.html", **context)
        badge = v.page.locator(".facts .badge")
        assert badge.inner_text() == level, name  # the breaks it may take are not characters
        outside = v.page.evaluate("""() => {
            const card = document.querySelector('.scorecard').getBoundingClientRect();
            return Array.from(document.querySelectorAll('.scorecard *'), e => [e, e.getBoundingClientRect()])
                .filter(([e, r]) => r.width && (r.left < card.left - 0.5 || r.right > card.right + 0.5))
                .map(([e, r]) => `${e.tagName}.${e.className} ${r.left}-${r.right} (card ${card.left}-${card.right})`);
        }""")
        assert outside == [], f"{name}: the score card does not hold {outside}"
        assert v.page.evaluate("document.documentElement.scrollWidth") <= context["viewport"]["width"], name


def _check_links(v: Visit) -> int:
    targets = v.page.evaluate("""() => [
        ...Array.from(document.querySelectorAll('a[href]'), a => a.href),
        ...Array.from(document.querySelectorAll('link[href]'), l => l.href),
        ...Array.from(document.querySelectorAll('script[src]'), s => s.src)]""")
    here = v.page.url.split("#")[0]
    for url in targets:
        parts = urlsplit(url)
        assert parts.scheme == "file", f"not a local link: {url}"
        target = Path(unquote(parts.path))
        assert target.is_file(), f"{url} does not resolve"
        if parts.fragment and url.split("#")[0] == here:
            assert v.page.evaluate("id => !!document.getElementById(id)", unquote(parts.fragment)), url
    return len(targets)


def test_every_link_resolves(klass, visit):
    assert _check_links(visit(klass / "index.html")) > 10
    for path in _reports(klass):
        assert _check_links(visit(path)) >= 3, path


def test_heatmaps_render(klass, visit):
    v = visit(klass / "bob" / PROBLEM_ID / "report.html")
    maps = v.page.locator("#figure svg.hm:not(.key)")
    assert maps.count() == 3
    for i in range(3):
        box = maps.nth(i).bounding_box()
        assert box["width"] > 100 and box["height"] > 80
    cells = v.page.evaluate("""() => Array.from(document.querySelectorAll('#figure svg.hm:not(.key) rect.w'),
        r => [getComputedStyle(r).fill, r.getBoundingClientRect().width])""")
    assert len(cells) == 18
    assert {fill for fill, _ in cells} == {_accent(v)}  # the theme's colour, from report.css
    assert all(width > 10 for _, width in cells)
    dark = visit(klass / "bob" / PROBLEM_ID / "report.html", color_scheme="dark")
    fill = dark.page.evaluate("getComputedStyle(document.querySelector('#figure rect.w')).fill")
    assert fill == _accent(dark) != _accent(v)  # follows the system's dark theme


def _accent(v: Visit) -> str:
    return v.page.evaluate("""() => { const probe = document.createElement('span');
        probe.style.color = 'var(--accent)'; document.body.append(probe);
        const colour = getComputedStyle(probe).color; probe.remove(); return colour; }""")


def _column(v: Visit, index: int) -> list[str]:
    return v.page.evaluate("""i => Array.from(document.querySelectorAll('#student-table tbody tr'))
        .filter(r => !r.hidden).map(r => r.cells[i].textContent.trim())""", index)


def test_student_table_sorts_and_filters(klass, visit):
    v = visit(klass / "index.html")
    headers = v.page.locator("#student-table thead th")
    total = headers.count() - 3  # Student, problems…, Total, %, Notes
    names = _column(v, 0)
    assert len(names) == 14
    headers.nth(total).locator("button").click()
    totals = [float(t) for t in _column(v, total)]
    assert totals == sorted(totals, reverse=True) and totals[0] > totals[-1]
    assert headers.nth(total).get_attribute("aria-sort") == "descending"
    headers.nth(total).locator("button").click()
    assert [float(t) for t in _column(v, total)] == sorted(totals)
    problem = _column(v, 1)
    headers.nth(1).locator("button").click()  # not submitted ("–") sorts last, both ways
    scores = _column(v, 1)
    numbers = [s for s in scores if s != "–"]
    assert scores[len(numbers):] == ["–"] * (len(scores) - len(numbers))
    assert [float(s.rstrip(" !")) for s in numbers] == sorted((float(s.rstrip(" !")) for s in numbers), reverse=True)
    assert sorted(problem) == sorted(scores)
    headers.nth(0).locator("button").click()
    assert _column(v, 0) != [] and headers.nth(0).get_attribute("aria-sort") == "ascending"

    v.page.fill("#student-search", "ALIC")
    assert _column(v, 0) == ["alice"]
    assert v.page.text_content("#student-count") == "1 of 14 students"
    v.page.fill("#student-search", "")
    v.page.select_option("#student-filter", "n")  # notes: on files, or on why a submission was not graded
    assert sorted(_column(v, 0)) == sorted(["<script>window.__pwned = 5</script>", "dave", "erin", HOSTILE_DIR_NAME])
    v.page.locator("#misconceptions button[data-filter]").first.click()
    assert sorted(_column(v, 0)) == sorted(["bob", "=SUM(A1:A9)"])
    _shot(v, "class-overview-filtered")
    v.page.select_option("#student-filter", "")
    # a name as macOS spells it (e, then the accent) is found as typed elsewhere (é), and back
    v.page.evaluate("document.querySelector('#student-table tbody tr td').textContent = 'Jose\\u0301 D'")
    for typed in ("JOS\u00c9", "jose\u0301"):
        v.page.fill("#student-search", typed)
        assert _column(v, 0) == ["Jose\u0301 D"], typed
    assert v.problems == []


# A4 upright, less the printer's margins: the narrowest paper the overview is printed on
PRINTED = {"viewport": {"width": 718, "height": 1000}}

# Where each table of the page overflows what is printed: a header cell past the right edge of its
# box (the table's scrolling box, or the page), a box that scrolls, a cell whose content does not
# fit it (on screen the student table cuts that off with an ellipsis).
_OFF_THE_PAPER = """() => {
    const page = document.documentElement.clientWidth, found = [];
    for (const table of document.querySelectorAll('table')) {
        const box = table.closest('.table-wrap') || document.body;
        const right = Math.min(box.getBoundingClientRect().right, page) + 0.5;
        if (box.scrollWidth > box.clientWidth + 1) found.push(`scrolls: ${box.scrollWidth} > ${box.clientWidth}`);
        for (const th of table.querySelectorAll('th'))
            if (th.getBoundingClientRect().right > right) found.push(`past the edge: ${th.textContent.trim()}`);
        for (const cell of table.querySelectorAll('th, td'))
            if (cell.scrollWidth > cell.clientWidth + 1) found.push(`cut off: ${cell.textContent.trim()}`);
    }
    if (document.documentElement.scrollWidth > page) found.push('the page is wider than the paper');
    return found; }"""


@pytest.mark.parametrize("which", ["klass", "wide_klass", "zh_klass"])
def test_printed_overview_keeps_every_column_on_the_paper(which, request, visit):
    out = request.getfixturevalue(which)
    v = visit(out / "index.html", **PRINTED)
    assert not all(f["open"] for f in folds(v.page))  # every check of a problem, folded
    assert v.page.evaluate(_OFF_THE_PAPER) != [], "on screen the student table scrolls"
    with printing(v.page):  # every fold opened, as wide as the checks' tables make it
        assert v.page.evaluate(_OFF_THE_PAPER) == []
        headers = v.page.locator("#student-table thead th")
        assert headers.count() == 4 + len(registry.all_problems() if which == "wide_klass" else [1, 2])
        for control in ("#student-search", "#student-filter", ".topbar", "#misconceptions button[data-filter]"):
            assert not v.page.locator(control).is_visible(), control
        assert v.page.locator("#student-count").is_visible()  # says when a filter left students out
        _shot(v, f"class-overview-print-{which}")
    assert v.page.locator("#student-search").is_visible()
    assert v.problems == []


def test_candidate_markup_never_runs(klass, visit):
    for path in (klass / "index.html", klass / "bob" / PROBLEM_ID / "report.html",
                 klass / HOSTILE_DIR_NAME / PROBLEM_ID / "report.html"):
        v = visit(path)
        v.page.wait_for_timeout(200)  # give an injected onerror/onload the chance to fire
        assert v.page.evaluate("window.__pwned") is None, path
        assert v.page.locator("img, iframe, object, embed").count() == 0, path
        assert v.problems == [], path
    shown = visit(klass / "bob" / PROBLEM_ID / "report.html").page.inner_text("#output pre")
    assert "<script>window.__pwned = 1</script>" in shown  # shown as text, not run
    assert HOSTILE_OUTPUT.splitlines()[1] in shown


# --- a report in Chinese ----------------------------------------------------------------

CHINESE = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")  # CJK characters and punctuation
# What the page shows of the submission and its results (code, captured output, IDs, the
# grader's messages, which tests/test_i18n.py checks): data that may hold English words.
DATA = ".source, .snippet, pre, code, td.feedback, p.summary"


@pytest.fixture(scope="module")
def zh_report(tmp_path_factory) -> Path:
    """The report of a failing submission graded in Chinese, with its figure and some output."""
    p = problem()
    runner = NamespaceRunner(misconception_variants(p.id)["sdpa.no_scale"][0])
    results = grade(problem=p, source=solution_source(p), filename=f"{p.id}.py", runner=runner, lang="zh")
    assert results["extra_data"]["lang"] == "zh" and results["score"] < results["max_score"]
    results["extra_data"]["figure"] = weights_figure()
    results["extra_data"]["output"] = "printed by the submission\n"
    out = tmp_path_factory.mktemp("zh")
    copy_static(out / "static")
    write_submission_report(out / "report.html", results=results, source=solution_source(p), problem=p,
                            static_href="static/")
    return out / "report.html"


def _headings(v: Visit) -> list[str]:
    # textContent: a section below the fold is not rendered yet (content-visibility), and innerText is empty there
    return v.page.evaluate("Array.from(document.querySelectorAll('main h2'), h => h.textContent)")


def test_chinese_report_has_no_english_wording(zh_report, visit):
    v = visit(zh_report)
    assert v.problems == []
    assert v.page.evaluate("document.documentElement.lang") == "zh"
    zh = Wording("zh")
    assert _headings(v) == [zh.diagnosis, zh.tests, zh.figure_weights, zh.your_code, zh.output]
    assert _headings(v)[:2] == ["诊断", "测试"]
    leave_out = f'{DATA}, [lang="en"]'  # and the English titles of the problem and mistake
    shown = wording_shown(v.page, leave_out)
    assert zh.tests_passed in shown and zh.reference in shown and zh.key_weights in shown
    assert zh.score in shown  # the score card's aria label
    english = english_wording(v.page, leave_out)
    assert not english, f"English wording on the Chinese page: {english}"
    _shot(v, "report-zh")


def test_english_report_has_no_chinese_wording(klass, visit):
    v = visit(klass / "bob" / PROBLEM_ID / "report.html")
    assert v.page.evaluate("document.documentElement.lang") == "en"
    en = Wording("en")
    assert _headings(v) == [en.diagnosis, en.tests, en.figure_weights, en.your_code, en.output]
    shown = wording_shown(v.page, f'{DATA}, [lang="zh"]')  # the Chinese titles of the problem and mistake
    assert not CHINESE.search(shown), shown


# --- a class overview in Chinese ------------------------------------------------------------

# What the overview shows of the class: names, the batch planner's notes (checked below for the
# overview's own), IDs and file names in <code>.
CLASS_DATA = "td.name, td.notes, code"


@pytest.fixture(scope="module")
def zh_klass(tmp_path_factory) -> Path:
    """The small class graded and written in Chinese."""
    out = tmp_path_factory.mktemp("class-zh")
    build_class(out, lang="zh")
    return out


def test_chinese_class_overview_has_no_english_wording(zh_klass, visit):
    v = visit(zh_klass / "index.html")
    assert v.problems == []
    assert v.page.evaluate("document.documentElement.lang") == "zh"
    zh = Wording("zh")
    assert v.page.title() == f"{zh.class_overview} — attention-judge"
    assert _headings(v) == [zh.score_distribution, zh.checks_failed_most, zh.misconceptions_seen,
                            zh.submission_errors, zh.students, zh.similar_submissions]
    assert v.page.text_content("#student-count") == "14 名学生"
    v.page.fill("#student-search", "ALIC")
    assert v.page.text_content("#student-count") == "显示 1 名学生（共 14 名）"  # the script keeps the language
    v.page.fill("#student-search", "")
    assert v.page.text_content("#student-count") == "14 名学生"
    dave = v.page.locator("#student-table tr", has_text="dave").locator("td.notes").inner_text()
    assert dave == f"{PROBLEM_ID}：结果缺失；请重新评测（加上 --resume）补全"
    shown = wording_shown(v.page, CLASS_DATA)
    assert zh.total_histogram in shown and zh.search_placeholder in shown and zh.no_similarity in shown
    english = english_wording(v.page, CLASS_DATA)
    assert not english, f"English wording on the Chinese overview: {english}"
    assert _check_links(v) > 10
    _shot(v, "class-overview-zh")
    phone = visit(zh_klass / "index.html", **PHONE)
    assert phone.problems == []
    assert phone.page.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "class-overview-zh-phone")


def test_english_class_overview_has_no_chinese_wording(klass, visit):
    v = visit(klass / "index.html")
    assert v.page.evaluate("document.documentElement.lang") == "en"
    assert _headings(v)[0] == Wording("en").score_distribution
    shown = wording_shown(v.page, CLASS_DATA)  # a student's name holds 李
    assert not CHINESE.search(shown), shown
