"""Strict JSON for everything the grader writes.

``json.dumps`` would write ``NaN`` and ``Infinity``, which strict parsers (and
Gradescope's) reject, and would write file names that are not valid UTF-8 as
lone surrogates that no UTF-8 file can hold. :func:`json_safe` represents a
non-finite number explicitly as the string ``"nan"``, ``"inf"`` or ``"-inf"``,
a name's undecodable bytes as ``\\xNN`` (any other unpaired surrogate as
``\\uDXXX``) and NUL, which a submission can print, as ``\\x00``; :func:`dumps`
then refuses anything else that is not strict JSON.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

# What json.dumps leaves raw that acts on a terminal or a text's direction, or hides (it escapes C0
# itself): DEL and C1 controls, direction marks, embeddings, overrides and isolates, zero-width spaces
# and word joiners, the byte-order mark, tag characters, line and paragraph separators. The joiners
# of real names (U+200C, U+200D) stay. A regular expression's character class:
ACTING_CHARACTERS = ("\x7f-\x9f\u061c\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
                     "\U000e0000-\U000e007f\u2028\u2029")
_ACTING = re.compile(f"[{ACTING_CHARACTERS}]")


def readable(text: str) -> str:
    """A string whose undecodable bytes (from a file name) are shown as ``\\xNN``, any other
    unpaired surrogate as ``\\uDXXX`` and NUL as ``\\x00``: always valid UTF-8, and text every
    store takes (PostgreSQL's text and JSON types, behind the course platforms, refuse NUL)."""
    if "\x00" in text:
        text = text.replace("\x00", "\\x00")
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return "".join(_shown(char) if "\ud800" <= char <= "\udfff" else char for char in text)


def _shown(surrogate: str) -> str:
    code = ord(surrogate)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"


def json_safe(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else ("nan" if value != value else ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return readable(value)
    if isinstance(value, dict):
        return {readable(str(k)): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    return value


def dumps(value, *, indent: int | None = 1) -> str:
    """Strict JSON, its text readable as it is (UTF-8), save the characters a terminal would obey or
    that would reorder what it shows: those are written as ``\\uXXXX`` escapes (the value is the same)."""
    text = json.dumps(json_safe(value), allow_nan=False, ensure_ascii=False, indent=indent)
    return _ACTING.sub(_escaped, text)


def _escaped(match: re.Match) -> str:
    """A character as JSON escapes it: one \\uXXXX, or a surrogate pair beyond the first plane."""
    encoded = match.group().encode("utf-16-be")
    return "".join(f"\\u{int.from_bytes(encoded[i:i + 2], 'big'):04x}" for i in range(0, len(encoded), 2))


def load_object(path: Path, max_bytes: int) -> dict | None:
    """The JSON object in the file ``path`` (one the grader wrote, perhaps edited or damaged since),
    or None when it is missing, larger than ``max_bytes``, not JSON, or not an object."""
    try:
        if Path(path).stat().st_size > max_bytes:
            return None
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return data if isinstance(data, dict) else None
