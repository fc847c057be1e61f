"""The token text that the similarity report compares, and its map back to the source.

A submission is read as Python tokens and written again without what a
student can change while keeping the code: each name of a variable, function,
class or attribute becomes one letter (``V``, ``F``, ``O``), each string (an
f-string included) one ``S``, and comments and whitespace disappear.
Keywords, operators, numbers, the module paths of imports, and the names of
built-ins and Python's own ``__dunder__`` names stay as written. So
``scores = q @ k.transpose(-2, -1)  # raw`` reads ``V=V@V.V(-2,-1)``.

The tokens come from the report lexer (:mod:`grader.reports.python_lexer`,
the standard library's tokenizer), which takes about half the time of
pygments' regular-expression lexer (1.6 against 3.2 ms for a multi-head
attention solution). Text the tokenizer refuses is read by pygments'
``PythonLexer`` instead, after :func:`prepared` has removed what pygments
reads badly; both give the same token text, but for ``1j`` (pygments: the
number 1 and a name). For every character of the token text,
:class:`TokenText` keeps where its token begins and ends in the source, so that
matched runs are marked on the source.

Written by hand, not with copydetect's own filter: that filter takes pygments'
tokens only; it writes a string's quotes and escapes as letters of their own
(one student's ``"it's"`` reads ``"S"S"``, another's ``'it\\'s'`` ``"SSS"``);
and it records a wrong offset for class names, which moves marked regions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from pygments.token import Comment, Name, String, Text, _TokenType

from grader.reports.python_lexer import Untokenizable, tokens

if TYPE_CHECKING:
    import numpy as np

MAX_COMPARED_CHARS = 64 * 1024  # of each submission (fewer in a very large class, see grader.similarity)
# a name is a letter of its own only where it is the student's to choose
VARIABLE_TYPES = frozenset({Name, Name.Variable, Name.Attribute})
_OPERAND_AT = re.compile(r"@(?=[^\W\d])")  # an @ that pygments would read as a decorator


@dataclass(frozen=True)
class TokenText:
    """The compared text and, for each of its characters, its token's ``[start, end)`` in the source."""

    text: str
    starts: np.ndarray
    ends: np.ndarray


def compared_text(source: str, limit: int = MAX_COMPARED_CHARS) -> tuple[str, bool]:
    """What is compared (and shown) of a submission: its first ``limit`` characters, newlines
    made ``\\n`` (as pygments would); and whether it was cut."""
    text = source[:limit].replace("\r\n", "\n").replace("\r", "\n")
    return text, len(source) > limit


def tokenizer_token_text(source: str) -> str | None:
    """The token text of a whole submission if the standard tokenizer reads it (linear time), else None.

    A class run asks the helper that writes a submission's report for it: the
    report has just tokenised the same text for its listing, so the similarity
    report at the end of the run does not tokenise the class a second time
    (see :func:`grader.similarity.write_similarity`). Texts the tokenizer
    refuses are left to the similarity report, whose pygments fallback has a
    time budget of its own.
    """
    if len(source) > MAX_COMPARED_CHARS:
        return None
    text, _ = compared_text(source)
    try:
        return _normalised(tokens(text[_mark(text):]))[0]
    except Untokenizable:
        return None


def token_text(source: str) -> TokenText:
    """``source`` as compared (see the module's docstring); linear in its length except through pygments."""
    import numpy as np  # here, not at the top: a report helper needs only the text (0.06 s less to start)

    bom = _mark(source)
    try:
        return _mapped(_normalised(tokens(source[bom:])), np.arange(bom, len(source) + 1))
    except Untokenizable:
        return pygments_token_text(source)


def pygments_token_text(source: str) -> TokenText:
    """The same through pygments' ``PythonLexer``: for text the tokenizer refuses (slower)."""
    from pygments.lexers import PythonLexer

    bom = _mark(source)
    text, index = prepared(source[bom:])
    return _mapped(_normalised(PythonLexer().get_tokens_unprocessed(text)), index + bom)


def _mark(source: str) -> int:
    """1 if ``source`` starts with a byte-order mark (an editor's mark, not a token), else 0."""
    return 1 if source.startswith("\ufeff") else 0


def _letter(token_type: _TokenType, value: str) -> str | None:
    """The letter a token becomes, ``""`` if it disappears, None if it stays as written."""
    letter = _type_letter(token_type)
    if letter and letter in "VFO" and value[:2] == "__" == value[-2:] and len(value) > 4:
        return None  # Python's own names (``__init__``, ``__name__``), not the student's
    return letter


@lru_cache(maxsize=None)
def _type_letter(token_type: _TokenType) -> str | None:
    if token_type in Text or token_type in Comment:
        return ""
    if token_type in VARIABLE_TYPES:
        return "V"
    if token_type in Name.Function:
        return "F"
    if token_type in Name.Class:
        return "O"
    if token_type in String:
        return "S"
    return None


def _normalised(stream: Iterable[tuple[int, _TokenType, str]]) -> tuple[str, list[int], list[int]]:
    """The token text of ``stream``, and each of its characters' token ``[start, end)`` in the tokenised text."""
    pieces: list[str] = []
    starts: list[int] = []  # in the tokenised text (:func:`_mapped` takes them to the source)
    ends: list[int] = []
    last_letter, last_end = None, -1
    fields = 0  # how deep in an f-string's fields, which pygments gives as tokens of their own
    for position, token_type, value in stream:
        end = position + len(value)
        letter = _letter(token_type, value)
        if fields or (letter == "S" == last_letter and last_end == position):
            ends[-1] = end  # pygments gives a string's quotes, escapes and text as tokens of their own
            if token_type in String.Interpol:
                fields = max(fields + value.count("{") - value.count("}"), 0)
        elif letter is None:
            pieces.append(value)
            starts.extend(range(position, end))
            ends.extend(range(position + 1, end + 1))
        elif letter:
            pieces.append(letter)
            starts.append(position)
            ends.append(end)
        last_letter, last_end = ("S" if fields else letter), end
    return "".join(pieces), starts, ends


def _mapped(normalised: tuple[str, list[int], list[int]], index: np.ndarray) -> TokenText:
    """:func:`_normalised`'s answer with its positions taken to the source through ``index``."""
    import numpy as np

    text, starts, ends = normalised
    if not starts:
        return TokenText("", np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    return TokenText(text, index[np.array(starts)], index[np.array(ends) - 1] + 1)


def prepared(text: str) -> tuple[str, np.ndarray]:
    """The text handed to pygments, and for each of its characters the position in ``text``.

    pygments' Python lexer is quadratic on runs of whitespace-only lines, so
    trailing whitespace is removed from every line (it is no token: the token
    text stays the same). And it reads ``@name`` as a decorator anywhere on a
    line, which keeps the name of a matrix product's operand written without a
    space (``q@k``, where ``q @ k`` gives a normalised name), so a space is
    inserted after an ``@`` that does not begin its line. The map has one more
    entry, the end of ``text``.
    """
    import numpy as np

    pieces, kept, position = [], [], 0
    for line in text.split("\n"):
        stripped = line.rstrip()
        indent = len(stripped) - len(stripped.lstrip())
        places = [m.start() + 1 for m in _OPERAND_AT.finditer(stripped) if m.start() != indent]
        positions = np.append(np.arange(position, position + len(stripped)), position + len(line))
        if places:
            stripped = " ".join(stripped[a:b] for a, b in zip([0, *places], [*places, len(stripped)]))
            positions = np.insert(positions, places, positions[np.array(places) - 1])
        pieces.append(stripped)
        kept.append(positions)
        position += len(line) + 1
    prepared_text = "\n".join(pieces)
    index = np.concatenate(kept)[: len(prepared_text)]
    return prepared_text, np.append(index, len(text))
