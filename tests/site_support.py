"""Helpers shared by the study-site tests: build into a folder, read its links."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from grader.sitegen import build_site


def build(out: Path, home: Path) -> Path:
    """Build the site into ``out`` with the learner's progress read from ``home``."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ATTN_JUDGE_HOME", str(home))
        return build_site(out=out)


class _Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.refs: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            if value and (name in ("href", "src") or (tag == "form" and name == "action")):
                self.refs.append((tag, name, value))


def parse(path: Path) -> _Links:
    parser = _Links()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def broken_links(site: Path) -> list[str]:
    """Relative links to a missing file or #anchor, and any resource loaded from elsewhere.

    A hyperlink (``<a href>``) to another site is allowed (it is not a request
    until someone clicks it); a stylesheet, script, image or form target is not.
    """
    ids = {page.resolve(): parse(page).ids for page in html_pages(site)}
    problems = []
    for page in html_pages(site):
        for tag, attr, ref in parse(page).refs:
            parts = urlsplit(ref)
            if parts.scheme or parts.netloc:
                if tag != "a" or parts.scheme not in ("http", "https"):
                    problems.append(f"{page.relative_to(site)}: external {attr}={ref}")
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page.resolve()
            if not target.is_file():
                problems.append(f"{page.relative_to(site)}: {ref} -> missing file")
            elif parts.fragment and target.suffix == ".html" and parts.fragment not in ids.get(target, set()):
                problems.append(f"{page.relative_to(site)}: {ref} -> missing #{parts.fragment}")
    return problems
