"""Printing each kind of page, in a real headless Chromium, opened from file:// as a reader would.

A submission's report, the class overview and a similar pair's page (from one class run) and a
problem's page of the study site each load the shared print script from where the page sits, open
every fold for the paper and, once printed, leave each fold as the reader left it: the one they
opened stays open, the hints they had not reached are hidden again.
"""

from __future__ import annotations

import pytest

from tests.browser import Watched, folds, printing
from tests.report_samples import PROBLEM_ID
from tests.site_support import build
from tests.test_similarity_browser import _similarity_class

pytestmark = pytest.mark.browser

# Each kind of page: the fixture whose folder holds it, its path there, and how many folds it has
# of its own (a submission's report has none; the test adds what it lacks of two).
PAGES = {
    "submission report": ("klass", f"alice/{PROBLEM_ID}/report.html", 0),
    "class overview": ("klass", "index.html", 2),
    "similar pair": ("klass", f"similarity/{PROBLEM_ID}/1.html", 1),
    "study site problem": ("site", f"problem/{PROBLEM_ID}.html", 2),
}

_ADD_FOLDS = """n => { for (let i = 0; i < n; i++) {
    const d = document.createElement('details');
    d.innerHTML = '<summary>Added by the test</summary><p>Folded away</p>';
    document.querySelector('main').append(d); } }"""


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    """A class run with every kind of report page: the reports, the overview, a similar pair."""
    return _similarity_class(tmp_path_factory.mktemp("class"))


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build(out, tmp_path_factory.mktemp("home"))
    return out


@pytest.mark.parametrize("kind", PAGES)
def test_printing_opens_every_fold_then_leaves_each_as_the_reader_left_it(kind, request, browser):
    fixture, relative, own = PAGES[kind]
    context = browser.new_context()
    try:
        w = Watched(context)
        w.page.goto((request.getfixturevalue(fixture) / relative).as_uri(), wait_until="load")
        assert w.problems == []  # print.js among what the page found
        assert len(folds(w.page)) >= own, "the page lost folds of its own"
        w.page.evaluate(_ADD_FOLDS, max(0, 2 - len(folds(w.page))))
        w.page.locator("details > summary").first.click()  # the reader opened one fold
        before = folds(w.page)
        assert before[0]["open"] and not all(f["open"] for f in before), before
        with printing(w.page):
            pass
        assert folds(w.page)[0]["open"], "the fold the reader opened was shut"
        assert w.problems == []
    finally:
        context.close()
