"""The one headless Chromium of the browser tests (shared by every browser test file).

Chromium comes from Debian (``make test`` installs the ``chromium`` package when
it is missing); ``ATTN_JUDGE_CHROMIUM`` names another binary. A browser test
that cannot find it fails with what to install: it never skips.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

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
    """A page that records console errors and warnings, page errors, failed or remote requests."""

    def __init__(self, context):
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda m: m.type in ("error", "warning") and self.problems.append(
            f"console {m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed request: {r.url}"))
        self.page.on("request", lambda r: urlsplit(r.url).scheme not in ("file", "data", "about")
                     and self.problems.append(f"network request: {r.url}"))
