"""A pygments lexer for Python built on the interpreter's own tokenizer.

Reports highlight every submission's source, and pygments' ``PythonLexer``
(a regular-expression lexer that tries a few dozen patterns per token) is the
largest part of writing a report: about 6 ms for a 2.5 KB solution, where the
standard library's :mod:`tokenize` takes about 1 ms. :class:`TokenizeLexer`
maps ``tokenize``'s tokens onto the pygments token types that the pages'
stylesheet colours (keywords, names of functions, classes and built-ins,
strings and docstrings, numbers, comments, operators), so pygments' own HTML
formatter still writes the markup.

``tokenize`` cannot read every text (a triple-quoted string left open,
inconsistent dedents): for those, and whenever its tokens would not give back
the exact text, the lexer hands the whole text to ``PythonLexer``, which takes
several times as long. A bracket left open is not one of them: the tokenizer
stops at the end of the text, after every token, so its tokens are kept.

An f-string is one string token, as Python 3.10 and 3.11 give it: from 3.12 on
``tokenize`` splits it into pieces (its literal parts, braces, the fields'
tokens), which are joined back here so that every version colours it alike.
"""

from __future__ import annotations

import builtins
import functools
import io
import keyword
import tokenize
from typing import Iterator

from pygments.lexer import Lexer
from pygments.lexers import PythonLexer
from pygments.token import (Comment, Error, Keyword, Name, Number, Operator, Punctuation, String, Text,
                            _TokenType)

WORD_OPERATORS = frozenset({"and", "or", "not", "in", "is"})
CONSTANTS = frozenset({"True", "False", "None"})
NAMESPACE_KEYWORDS = frozenset({"import", "from"})
PSEUDO_BUILTINS = frozenset({"self", "cls"})
BUILTIN_NAMES = frozenset(name for name in dir(builtins) if not name.startswith("_"))
PUNCTUATION = frozenset("()[]{},:;")
STATEMENT_STARTS = frozenset({None, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT})
SKIPPED = frozenset({tokenize.DEDENT, tokenize.ENDMARKER})
# How the tokenizer says that a bracket is still open at the end of the text ("unexpected
# EOF in multi-line statement" from Python 3.12): the commonest syntax error of all
UNCLOSED_BRACKET = "EOF in multi-line statement"
# Python 3.12 and later tokenise f-strings (3.14: t-strings too) in pieces, between these
STRING_STARTS = frozenset(getattr(tokenize, n) for n in ("FSTRING_START", "TSTRING_START") if hasattr(tokenize, n))
STRING_ENDS = frozenset(getattr(tokenize, n) for n in ("FSTRING_END", "TSTRING_END") if hasattr(tokenize, n))


class Untokenizable(Exception):
    """The standard tokenizer cannot give this text back token by token."""


def _line_offsets(text: str) -> list[int]:
    """Where each line starts (``tokenize`` counts lines from 1 and splits at ``\\n`` only)."""
    offsets = [0, 0]
    position = text.find("\n")
    while position >= 0:
        offsets.append(position + 1)
        position = text.find("\n", position + 1)
    return offsets


def _name_type(word: str, previous: str | None, context: str) -> _TokenType:
    """``context``: "path" in a module path of an import, "decorator" right after a line's ``@``."""
    if keyword.iskeyword(word):
        if word in CONSTANTS:
            return Keyword.Constant
        if word in WORD_OPERATORS:
            return Operator.Word
        if word in NAMESPACE_KEYWORDS:
            return Keyword.Namespace
        return Keyword
    if context == "path":
        return Name.Namespace
    if context == "decorator":
        return Name.Decorator
    if previous == "def":
        return Name.Function.Magic if word.startswith("__") and word.endswith("__") else Name.Function
    if previous == "class":
        return Name.Class
    if previous == ".":
        return Name
    if word in PSEUDO_BUILTINS:
        return Name.Builtin.Pseudo
    if word in BUILTIN_NAMES:
        return Name.Exception if word.endswith(("Error", "Exception", "Warning")) else Name.Builtin
    return Name


def _number_type(literal: str) -> _TokenType:
    lowered = literal.lower()
    if lowered.startswith(("0x", "0o", "0b")):
        return Number.Hex if lowered[1] == "x" else Number.Integer
    return Number.Float if any(c in lowered for c in ".ej") else Number.Integer


def _string_type(literal: str, statement_start: bool) -> _TokenType:
    if statement_start:
        return String.Doc
    quote = literal.lstrip("rRbBuUfF")[:1]
    return String.Double if quote == '"' else String.Single


@functools.lru_cache(maxsize=1)
def tokens(text: str) -> tuple[tuple[int, _TokenType, str], ...]:
    """``text`` as pygments tokens, every character in exactly one; :class:`Untokenizable` if not.

    The last text's tokens are kept: a report's helper highlights a submission
    and then reads the same text again for the similarity report
    (:func:`grader.similarity_tokens.tokenizer_token_text`), which then costs no
    second pass of the tokenizer.
    """
    offsets = _line_offsets(text)
    out: list[tuple[int, _TokenType, str]] = []
    position = 0
    previous_kind = None  # of the last significant token
    previous_word: str | None = None
    context = ""  # see _name_type
    pieces, string_start = 0, 0  # how deep in a string tokenised in pieces, and where it began
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type in SKIPPED:
                continue
            start = offsets[token.start[0]] + token.start[1]
            end = offsets[token.end[0]] + token.end[1]
            kind, word = token.type, token.string
            if pieces or kind in STRING_STARTS:
                if kind in STRING_STARTS:
                    if not pieces:
                        string_start = start
                    pieces += 1
                elif kind in STRING_ENDS:
                    pieces -= 1
                if pieces:
                    continue
                start, kind, word = string_start, tokenize.STRING, text[string_start:end]
            if start < position or end > len(text) or text[start:end] != word:
                raise Untokenizable(f"token {word[:20]!r} out of place")
            if start > position:
                out.append((position, Text, text[position:start]))
            if kind == tokenize.NAME:
                if word in NAMESPACE_KEYWORDS and previous_kind in STATEMENT_STARTS:
                    context = "path"
                elif word == "import":
                    context = ""  # the imported names of ``from PATH import NAMES``
                token_type = _name_type(word, previous_word, context)
                if context == "decorator":
                    context = ""
            elif kind == tokenize.OP:
                if word == "@" and previous_kind in STATEMENT_STARTS:
                    context = "decorator"
                token_type = (Name.Decorator if context == "decorator" else
                              Name.Namespace if context == "path" and word == "." else
                              Punctuation if word in PUNCTUATION else Operator)
            elif kind == tokenize.STRING:
                token_type = _string_type(word, previous_kind in STATEMENT_STARTS)
            elif kind == tokenize.NUMBER:
                token_type = _number_type(word)
            elif kind == tokenize.COMMENT:
                token_type = Comment.Single
            elif kind in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT):
                token_type = Text.Whitespace
            else:
                token_type = Error if word.strip() else Text
            if word:
                out.append((start, token_type, word))
            position = end
            if kind == tokenize.NEWLINE:
                context = ""
            if kind not in (tokenize.NL, tokenize.COMMENT):
                previous_kind, previous_word = kind, word
    except Untokenizable:
        raise
    except tokenize.TokenError as exc:
        if UNCLOSED_BRACKET not in str(exc.args[0] if exc.args else ""):
            raise Untokenizable(f"TokenError: {exc}") from None
        # a bracket left open: the tokenizer read every line before it stopped at the end,
        # so the tokens so far are the whole text's (after the bracket, newlines are NL)
    except Exception as exc:  # noqa: BLE001 - whatever else the tokenizer trips on, pygments reads
        raise Untokenizable(f"{type(exc).__name__}: {exc}") from None
    if position < len(text):
        out.append((position, Text, text[position:]))
    return tuple(out)


class TokenizeLexer(Lexer):
    """Python through :mod:`tokenize`; texts it cannot read go to pygments' ``PythonLexer``."""

    name = "Python (tokenize)"
    aliases: list[str] = []

    def get_tokens_unprocessed(self, text: str) -> Iterator[tuple[int, _TokenType, str]]:
        try:
            yield from tokens(text)
        except Untokenizable:
            yield from PythonLexer(**self.options).get_tokens_unprocessed(text)
