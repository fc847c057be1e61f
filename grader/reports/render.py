"""The jinja2 environment, filters and file helpers shared by every report.

Templates live in ``site/templates/report/`` (found through
:func:`grader.datapaths.site_assets_dir`, so they work from a wheel too) and
extend the shared ``site/templates/base.html``. Autoescaping is always on: a
value reaches a page as text unless a template marks it safe, and only output
that pygments has already escaped is ever marked safe (and a student's name,
escaped by the ``name`` filter, which shows it as :func:`shown_name` does).

Fixed wording comes from :mod:`grader.reports.wording`: a page is given its
catalogue as ``t``, and every template can name one with ``wording(lang)``.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import unicodedata
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

import jinja2
from markupsafe import Markup

from grader.datapaths import site_assets_dir
from grader.jsonio import readable
from grader.reports.wording import Wording
from grader.templating import make_environment

# What a report folder needs next to it: the shared stylesheet, icon and print script, the
# report-only rules and the table script. Nothing else (the study site has its own files).
STATIC_FILES = ("style.css", "icon.svg", "print.js", "report.css", "report.js")

# Shown as escapes rather than passed on: control characters (ANSI escapes, NUL, the C1 controls a
# terminal obeys: CSI, NEL...; tab and newline stay, a carriage return does not: it would hide what
# precedes it), and characters that change how the text around them reads without showing
# themselves: bidirectional overrides and isolates ("Trojan Source"), zero-width and other
# invisible format characters, line and paragraph separators.
_HIDDEN_CHARACTERS = ("\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f"
                      "\u2028-\u202e\u2060-\u2064\u2066-\u206f\u3164\ufeff\uffa0\ufff9-\ufffb"
                      "\U000e0000-\U000e007f")
_HIDDEN = re.compile(f"[{_HIDDEN_CHARACTERS}]")
# A name is one line, in a page and in a gradebook a terminal may show: its tab and newline are
# escaped as well.
_HIDDEN_IN_NAME = re.compile(f"[\t\n{_HIDDEN_CHARACTERS}]")
JOINERS = "\u200c\u200d"  # zero-width non-joiner and joiner: part of some writing, and of emoji


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x80 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _escaped(match: re.Match) -> str:
    return _escape(match.group())


def points(value) -> str:
    """Format a score without float noise: 7.5, 12, 0.3333."""
    if value is None:
        return ""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return ""
    if not math.isfinite(number):
        return ""
    text = f"{round(number, 4):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def printable(text) -> str:
    """Show control characters (ANSI escapes, NUL…) as ``\\xNN`` and invisible ones (bidirectional
    overrides, zero-width characters…) as ``\\uNNNN`` instead of passing them on.

    Tab and newline stay; a carriage return does not (it would hide what precedes it)."""
    text = str(text)
    if text.isprintable():  # none of them (the common case, in C, before any regex)
        return text
    return _HIDDEN.sub(_escaped, text)


def shown_name(name) -> str:
    """A student's name (their folder's) as every class output shows it: the overview, each report,
    the similarity pages and the gradebooks, so that a row of one is found in another by its name.

    The characters :func:`printable` escapes are escaped, and so are tab, newline and C1 controls
    (a name stays on its line). A zero-width joiner or non-joiner is kept where it is writing: between
    two letters (a mark may precede it: a virama, a variation selector), as in Persian ``می‌خواهم``, or
    between the symbols of an emoji (``👩‍👩‍👧``); elsewhere it is escaped. Whitespace at either end is
    escaped, so no name reads as blank (``\\x20\\x20\\x20``) or as the same name without it.
    A name's undecodable bytes read ``\\xNN`` (:func:`grader.jsonio.readable`).
    """
    text = readable(str(name))
    if text.isprintable() and text.strip() == text:  # the common case, in C
        return text
    text = _HIDDEN_IN_NAME.sub(_escaped_unless_joining, text)
    core = text.strip()  # whitespace as str.isspace() has it
    if not core:
        return "".join(map(_escape, text))
    start, end = len(text) - len(text.lstrip()), len(text.rstrip())
    return "".join(map(_escape, text[:start])) + core + "".join(map(_escape, text[end:]))


def _escaped_unless_joining(match: re.Match) -> str:
    char, text, at = match.group(), match.string, match.start()
    if char in JOINERS and 0 < at < len(text) - 1:
        before, after = unicodedata.category(text[at - 1]), unicodedata.category(text[at + 1])
        # a letter, a mark on it, an emoji or its skin tone (Sk) before; a letter or an emoji after
        if before[0] in "LM" or before in ("So", "Sk"):
            if after[0] == "L" or after == "So":
                return char
    return _escape(char)


def url_part(text) -> str:
    """Percent-encode one path segment: ``/``, ``?``, ``#``, ``%`` and quotes included.

    A file name's undecodable bytes (held as surrogates) are encoded as those
    bytes, so the link finds the folder on disk."""
    return quote(os.fsencode(str(text)), safe="")


def percent(value) -> str:
    return f"{100 * value:.0f}%" if value is not None else ""


def fill(message: str, **values) -> Markup:
    """A catalogue message with its ``{placeholders}`` filled in.

    The message and every plain value are escaped (control characters shown as
    by :func:`printable`); a value that is already markup, such as a link built
    by the template, is kept, so that a sentence stays whole in either language.
    """
    shown = {name: printable(value) if type(value) is str else value for name, value in values.items()}
    return Markup.escape(message).format(**shown)


@lru_cache(maxsize=None)
def environment() -> jinja2.Environment:
    # every plain string a template prints shows its control characters visibly; Markup (pygments'
    # already-escaped HTML, a name escaped by the "name" filter) is left alone
    env = make_environment(
        filters={"points": points, "printable": printable, "url_part": url_part, "percent": percent,
                 "fill": fill, "name": lambda name: Markup.escape(shown_name(name))},
        finalize=lambda value: printable(value) if type(value) is str else value,
    )
    env.globals["wording"] = Wording
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)


def copy_static(dest: Path) -> None:
    """Copy the stylesheets and the script the reports use into ``dest`` (a ``static/`` folder)."""
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    source = site_assets_dir() / "static"
    for name in STATIC_FILES:
        shutil.copyfile(source / name, dest / name)


def root_from_static_href(static_href: str) -> str:
    """The page's relative URL of the folder that holds ``static/`` (base.html's ``root``)."""
    if not static_href.endswith("/"):
        static_href += "/"
    if not (static_href == "static/" or static_href.endswith("/static/")):
        raise ValueError(f"static_href must point at a folder named static/, not {static_href!r}")
    return static_href[: -len("static/")]
