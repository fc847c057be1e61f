"""A problem statement for the terminal (``attn-judge show``).

The statement's Markdown is laid out by rich (headings, emphasis, lists,
tables, coloured code, wrapped to the terminal) and its math, which a terminal
can show neither as LaTeX nor as MathML, becomes Unicode text
(:mod:`grader.mathtext`). The Markdown is read by the study site's own parser,
so the terminal and the site agree on what is math; rich lays out those tokens.
"""

from __future__ import annotations

import io

from markdown_it.token import Token
from rich.console import Console
from rich.markdown import Markdown

from grader.mathtext import latex_text
from grader.sitegen import markup

MAX_WIDTH = 100  # columns: longer lines are hard to read, however wide the terminal
_INLINE_MATH = ("math_inline", "math_inline_double")
_BLOCK_MATH = ("math_block", "math_block_label")


def _text(content: str) -> Token:
    return Token("text", "", 0, content=content)


def _inline(children: list[Token]) -> list[Token]:
    """Math as text; a line break between two Chinese characters as nothing (a space would show)."""
    out = []
    for index, child in enumerate(children):
        if child.type in _INLINE_MATH:
            child = _text(latex_text(child.content))
        elif child.type == "softbreak" and markup.joined_without_space(children, index):
            child = _text("")
        out.append(child)
    return out


def _for_terminal(tokens: list[Token], *, marked: bool) -> list[Token]:
    """``tokens`` with their math as text; with ``marked``, each heading keeps its ``#`` marks
    (without colours and emphasis nothing else would tell it from a paragraph)."""
    out = []
    for index, token in enumerate(tokens):
        if token.type in _BLOCK_MATH:  # shown apart, as the site shows display math
            token = Token("fence", "code", 0, content=latex_text(token.content) + "\n", info="text", block=True)
        elif token.type == "inline" and token.children:
            token.children = _inline(token.children)
            if marked and index and tokens[index - 1].type == "heading_open":
                token.children.insert(0, _text(tokens[index - 1].markup + " "))
        out.append(token)
    return out


class _Statement(Markdown):
    """rich's Markdown, laying out tokens read elsewhere rather than parsing text itself."""

    def __init__(self, tokens: list[Token]):
        super().__init__("", hyperlinks=False)
        self.parsed = tokens


def render(text: str, *, width: int, color: bool) -> str:
    """The Markdown ``text`` laid out for a terminal ``width`` columns wide (at most
    :data:`MAX_WIDTH`), with colours and emphasis only when ``color``."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=min(width, MAX_WIDTH), force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False, emoji=False)
    console.print(_Statement(_for_terminal(markup.tokens(text), marked=not color)))
    shown = buffer.getvalue()
    return shown if color else "\n".join(line.rstrip() for line in shown.splitlines()) + "\n"
