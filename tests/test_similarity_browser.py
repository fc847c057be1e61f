"""The similarity section of the class overview and a pair's page in a real headless Chromium.

Opened from file:// as an instructor would: no console errors, no failed or
network requests, every link resolves, both sources are shown side by side with
the matched regions marked, a candidate's markup (in a name or a source) never
runs, a phone does not scroll sideways, and in a class run in Chinese neither
page shows English wording. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.i18n import DEFAULT_LANG
from grader.reports import write_class_outputs, write_submission_report
from grader.reports.wording import Wording
from grader.similarity import write_similarity
from tests.browser import ARTIFACTS, english_wording
from tests.report_samples import HOSTILE_DIR_NAME, ODD_NAME, PROBLEM_ID, graded, problem
from tests.test_reports_browser import PHONE, _check_links, _shot, visit  # noqa: F401 (a fixture)
from tests.test_similarity import HOSTILE_SOURCE_TAIL, disguise, honest_class

pytestmark = pytest.mark.browser


def _similarity_class(out: Path, lang: str = DEFAULT_LANG) -> Path:
    """A graded class of scaled dot-product attention in which one student hid a copy of another's,
    its pages written in ``lang``."""
    honest = honest_class(PROBLEM_ID)
    sources = {"alice": honest["reference"],
               HOSTILE_DIR_NAME: disguise(honest["reference"]) + HOSTILE_SOURCE_TAIL,
               ODD_NAME: honest["sdpa_correct_einsum_finfo"], "carol": honest["sdpa_correct_bmm_flattened"],
               "dave": honest["sdpa_correct_manual_softmax"], "erin": honest["sdpa_correct_log_softmax"]}
    results, _ = graded("reference", lang)
    for name, source in sources.items():
        folder = out / name / PROBLEM_ID
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
        write_submission_report(folder / "report.html", results=results, source=source, problem=problem(),
                                static_href="../../static/")
    write_similarity(out=out, submissions={PROBLEM_ID: sources}, lang=lang)
    roster = {name: {"graded": [PROBLEM_ID], "notes": []} for name in sources}
    write_class_outputs(out, problems=[problem()], roster=roster, lang=lang)
    return out


@pytest.fixture(scope="module")
def klass(tmp_path_factory) -> Path:
    return _similarity_class(tmp_path_factory.mktemp("similarity-class"))


@pytest.fixture(scope="module")
def zh_klass(tmp_path_factory) -> Path:
    return _similarity_class(tmp_path_factory.mktemp("similarity-class-zh"), lang="zh")


def test_the_overview_section_lists_the_pair_and_links_its_page(klass, visit):
    v = visit(klass / "index.html")
    assert v.problems == []
    section = v.page.locator("#similarity")
    assert section.is_visible()
    rows = section.locator("table.sim-pairs tbody tr")
    assert rows.count() == 1
    names = rows.first.locator("td.names").inner_text()
    assert HOSTILE_DIR_NAME in names and "alice" in names  # the name as text, not markup
    assert section.locator("details summary").inner_text() == "What the comparison cannot see"
    _check_links(v)
    section.scroll_into_view_if_needed()
    _shot_element(v, "#similarity", "similarity-overview")
    rows.first.locator("a", has_text="compare").click()
    v.page.wait_for_load_state("load")
    assert v.page.url.endswith(f"/similarity/{PROBLEM_ID}/1.html")
    assert v.problems == []


def test_the_pair_page_shows_both_sources_side_by_side(klass, visit):
    page_path = klass / "similarity" / PROBLEM_ID / "1.html"
    for name, context in [("similarity-pair", {"viewport": {"width": 1280, "height": 900}}),
                          ("similarity-pair-dark", {"viewport": {"width": 1280, "height": 900},
                                                    "color_scheme": "dark"}),
                          ("similarity-pair-phone", PHONE)]:
        v = visit(page_path, **context)
        assert v.problems == []
        assert v.page.evaluate("window.__pwned") is None
        _shot(v, name)
    assert v.page.evaluate("document.documentElement.scrollWidth") <= 390, "it scrolls sideways on a phone"

    v = visit(page_path, viewport={"width": 1280, "height": 900})
    sides = v.page.locator(".sim-side")
    assert sides.count() == 2
    left, right = (sides.nth(i).bounding_box() for i in range(2))
    assert abs(left["y"] - right["y"]) < 2 and left["x"] + left["width"] <= right["x"]  # side by side
    for i in range(2):
        marks = sides.nth(i).locator("mark.sim")
        assert marks.count() >= 3
        background = marks.first.evaluate("m => getComputedStyle(m).backgroundColor")
        assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # report.css marks them
    assert "alice" in sides.nth(0).locator("h3").inner_text() + sides.nth(1).locator("h3").inner_text()
    hostile_code = sides.nth(0).locator("pre.sim-code").inner_text()  # '"' sorts before 'a'
    assert "</code></pre><script>window.__pwned = 6</script>" in hostile_code  # shown as text
    assert v.page.locator("img, iframe, object, embed, script:not([src])").count() == 0
    assert _check_links(v) >= 5  # stylesheets, the overview, both students' reports


def _shot_element(v, selector: str, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    v.page.locator(selector).screenshot(path=str(ARTIFACTS / f"{name}.png"))


# What the pages show of the class: names (in the pair tables, headings and the table of shares),
# the sources and code.
DATA = "td.names, h1, .sim-side h3, pre, code"


def test_in_a_chinese_run_both_pages_have_no_english_wording(zh_klass, visit):
    zh = Wording("zh")
    overview = visit(zh_klass / "index.html")
    assert overview.problems == []
    assert overview.page.evaluate("document.documentElement.lang") == "zh"
    section = overview.page.locator("#similarity")
    assert section.locator("h2").inner_text() == zh.similar_submissions
    assert section.locator("details summary").inner_text() == zh.cannot_see
    assert section.locator("details li").count() == 5
    english = english_wording(overview.page, DATA)
    assert not english, f"English wording on the Chinese overview: {english}"
    section.scroll_into_view_if_needed()
    _shot_element(overview, "#similarity", "similarity-overview-zh")

    pair = visit(zh_klass / "similarity" / PROBLEM_ID / "1.html", viewport={"width": 1280, "height": 900})
    assert pair.problems == []
    assert pair.page.evaluate("document.documentElement.lang") == "zh"
    assert " 和 " in pair.page.locator("h1").inner_text()
    assert pair.page.locator("#meaning h2").inner_text() == zh.what_score_means
    english = english_wording(pair.page, DATA)
    assert not english, f"English wording on the Chinese pair page: {english}"
    assert _check_links(pair) >= 5
    _shot(pair, "similarity-pair-zh")


def test_a_problem_with_one_submission_shows_no_threshold_in_the_summary(tmp_path, visit):
    """One submission has no pair to compare: its row says so, not a median and a threshold of 0%."""
    from grader import registry
    from grader.references import solution_source

    alone = registry.get("self_attention")
    honest = honest_class(PROBLEM_ID)
    sources = {PROBLEM_ID: {"alice": honest["reference"], "bob": honest["sdpa_correct_bmm_flattened"]},
               alone.id: {"alice": solution_source(alone)}}
    write_similarity(out=tmp_path, submissions=sources)
    roster = {"alice": {"graded": [PROBLEM_ID, alone.id], "notes": []}, "bob": {"graded": [PROBLEM_ID], "notes": []}}
    write_class_outputs(tmp_path, problems=[problem(), alone], roster=roster)
    v = visit(tmp_path / "index.html")
    rows = v.page.locator("#similarity table.sim-summary tbody tr")
    assert rows.count() == 2
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(2)]
    assert cells[1][1:] == ["1", "0", "one submission: no pair"], cells
    assert cells[0][1:3] == ["2", "1"] and cells[0][4].endswith("%"), cells  # the compared one keeps its figures
