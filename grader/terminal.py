"""Text from candidates, made safe to print on a person's terminal.

Submissions control exception messages, printed output and (in a class) file
and student names. Printed verbatim, an escape sequence could set the window
title, write the clipboard or hide text; a bidirectional override could
reorder what is shown. :func:`safe` replaces every control and format character
except newline and tab with ``?``. A name (of a file, a folder, a student) and a
message of one line are shown with :func:`one_line`, which makes a newline ``?``
too: a name cannot start a line of its own that reads as the grader's.
"""

from __future__ import annotations

import unicodedata

from grader.jsonio import readable

_KEPT = {"\n", "\t"}


def _unsafe(ch: str) -> bool:
    return ch not in _KEPT and unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Zl", "Zp")


def safe(text) -> str:
    """``text`` with control, format and separator characters replaced by ``?``."""
    text = readable(str(text))
    if text.isprintable():
        return text
    return "".join("?" if _unsafe(ch) else ch for ch in text)


def one_line(text) -> str:
    """``text`` as :func:`safe` shows it, with its newlines made ``?`` as well (every other line
    break, CR, U+0085, U+2028, U+2029, already is): for names and one-line messages."""
    return safe(text).replace("\n", "?")


def shortened(text: str, limit: int) -> str:
    """``text`` if it has at most ``limit`` characters, else its start and "…", ``limit`` in all."""
    return text if len(text) <= limit else text[:limit - 1] + "…"
