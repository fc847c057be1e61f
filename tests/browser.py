"""The one headless Chromium of the browser tests (shared by every browser test file).

Chromium comes from Debian (``make test`` installs the ``chromium`` package when
it is missing); ``ATTN_JUDGE_CHROMIUM`` names another binary. A browser test
that cannot find it fails with what to install: it never skips.

:func:`english_wording` finds the reports' English wording on a page meant to
be in Chinese (the report of a submission, the class overview, a pair's page).
:func:`served` serves a folder of pages over HTTP, as a web server would, and
keeps every request it answered. :func:`printing` prints a page as a browser does
and checks its folds.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from grader.reports.wording import every_message

CHROMIUM = os.environ.get("ATTN_JUDGE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
MISSING = ("{what} is missing: the browser tests need it. Run 'make test' (it installs Debian's "
           "'chromium' package and the Python extras), or install it yourself "
           "('apt-get install chromium', 'pip install -e .[dev]'); ATTN_JUDGE_CHROMIUM may name "
           "another Chromium binary.")


def chromium_path() -> str:
    found = CHROMIUM if Path(CHROMIUM).is_file() else shutil.which(CHROMIUM)
    if not found:
        pytest.fail(MISSING.format(what=f"Chromium ({CHROMIUM})"), pytrace=False)
    return found


def launch():
    """Yield a launched Chromium (a generator for a fixture)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(MISSING.format(what="Playwright (the Python package)"), pytrace=False)
    executable = chromium_path()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, args=ARGS)
        yield browser
        browser.close()


class Watched:
    """A page that records console errors and warnings, page errors, failed or remote requests.

    A request to ``origin`` (the local server of :func:`served`) is not remote."""

    def __init__(self, context, origin: str | None = None):
        self.page = context.new_page()
        self.problems: list[str] = []
        local = ("file", "data", "about")
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(
            f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: not _left_before_its_icon(r) and self.problems.append(
            f"failed request: {r.url} ({r.failure})"))
        self.page.on("request", lambda r: urlsplit(r.url).scheme not in local
                     and not (origin and r.url.startswith(origin + "/"))
                     and self.problems.append(f"network request: {r.url}"))


def _left_before_its_icon(request) -> bool:
    """The page's icon, whose request the browser makes after the page has loaded, cancelled because
    the test went on to the next page first. A missing icon still fails: it is not found, not cancelled."""
    return request.failure == "net::ERR_ABORTED" and urlsplit(request.url).path.endswith("/static/icon.svg")


class _Handler(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):
        self.server.answered.append((int(code), self.path))

    def log_message(self, format, *args):  # quiet: the test reads what was answered instead
        pass


@contextmanager
def served(folder: Path):
    """Serve ``folder`` on a free local port; yield the server, whose ``url`` is its origin
    (``http://127.0.0.1:<port>``) and whose ``answered`` lists ``(status, path)`` of every request,
    those the browser makes of its own (``/favicon.ico``) included."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Handler, directory=str(folder)))
    server.answered = []
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


_PLACEHOLDER = re.compile(r"\{[^{}]*\}")

# A page's wording as a person meets it: its visible text (with every <details> opened, as a
# reader can), its title, and the labels, tooltips, placeholders and options it offers.
_SHOWN = """selector => {
    const body = document.body.cloneNode(true);
    body.querySelectorAll(selector).forEach(e => e.remove());
    body.querySelectorAll('details').forEach(d => { d.open = true; });
    document.documentElement.append(body);  // innerText of an element that is not rendered is raw
    const text = body.innerText;
    const attributes = Array.from(body.querySelectorAll('[aria-label], [title], [placeholder]'),
        e => ['aria-label', 'title', 'placeholder'].map(a => e.getAttribute(a) || '').join('\\n'));
    const options = Array.from(body.querySelectorAll('option'), o => o.textContent);
    body.remove();
    return [text, document.title, ...attributes, ...options].join('\\n'); }"""


@lru_cache(maxsize=1)
def _english_pieces() -> frozenset[str]:
    """The English side of every report message, cut at its placeholders, that Chinese never shares.

    Pieces of three characters or fewer ("of", "Fix") and those the Chinese side
    keeps as they are ("NaN", "stdout") could be data, so they are left out; so are
    the test tags, identifiers ("window", "cache") that code on the page may contain."""
    pieces = set()
    for name, message in every_message().items():
        if name.startswith("TEST_TAGS["):
            continue
        for piece in _PLACEHOLDER.split(message.en):
            piece = piece.strip(" .,:;()—−")
            if len(piece) > 3 and piece not in message.zh:
                pieces.add(piece)
    return frozenset(pieces)


def wording_shown(page, leave_out: str) -> str:
    """What ``page`` says once the elements ``leave_out`` selects (data: names, code, the
    results' own messages, text marked as in the other language) are taken out."""
    return page.evaluate(_SHOWN, leave_out)


def english_wording(page, leave_out: str) -> list[str]:
    """The catalogue's English pieces that ``page`` shows outside ``leave_out``; empty on a page
    all in Chinese."""
    shown = wording_shown(page, leave_out)
    return sorted(piece for piece in _english_pieces() if piece in shown)


# Each fold of the page as the reader sees it; data-print="as-is" marks one that printing leaves alone
_FOLDS = """() => Array.from(document.querySelectorAll('details'),
    d => ({open: d.open, hidden: d.hidden, asIs: d.dataset.print === 'as-is'}))"""


def folds(page) -> list[dict]:
    """Each ``<details>`` of ``page``: ``open``, ``hidden`` and ``asIs`` (printed as it is)."""
    return page.evaluate(_FOLDS)


@contextmanager
def printing(page):
    """Hold ``page`` as printed: print media, and the ``beforeprint`` a browser fires (Playwright's
    print media fires none), twice, as nothing stops a browser from doing; on leaving, ``afterprint``
    and the screen again.

    Fails unless every fold is open and shown while printing (but one marked ``data-print="as-is"``,
    left as it was), and each fold is back as the reader left it afterwards, which only the state
    saved by the first ``beforeprint`` can give."""
    before = folds(page)
    page.emulate_media(media="print")
    for _ in range(2):
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    printed = folds(page)
    assert [f for f in printed if not f["asIs"] and (not f["open"] or f["hidden"])] == [], "a fold is printed shut"
    assert [f for f in printed if f["asIs"]] == [f for f in before if f["asIs"]], "printing opened a fold left as is"
    yield
    page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    page.emulate_media(media="screen")
    assert folds(page) == before, "a fold is not as the reader left it"
