"""Text from candidates, made safe to print on a person's terminal.

Submissions control exception messages, printed output and (in a class) file
and student names. Printed verbatim, an escape sequence could set the window
title, write the clipboard or hide text; a bidirectional override could
reorder what is shown. :func:`safe` replaces every control and format character
except newline and tab with ``?``.
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
