"""Text to HTML for the study site: Markdown with math as MathML, code through pygments.

Everything is rendered at build time so that the pages need no script to show
math or colour code. Markdown is rendered with raw HTML switched off: the
sources are ours, but a stray ``<`` in a statement must show as text, not
break the page. Every function returns :class:`markupsafe.Markup` only for HTML
that markdown-it, latex2mathml or pygments produced (each escapes its input).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from latex2mathml.converter import convert as latex_to_mathml
from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin
from pygments import highlight as pygments_highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, get_lexer_by_name
from pygments.util import ClassNotFound

from grader.mathtext import latex_text

log = logging.getLogger(__name__)

_FORMATTER = HtmlFormatter(cssclass="hl")


def highlight(code: str, lang: str = "python") -> Markup:
    """``code`` as pygments HTML (``<div class="hl"><pre>…``), coloured by style.css."""
    try:
        lexer = get_lexer_by_name(lang or "text")
    except ClassNotFound:
        lexer = TextLexer()
    return Markup(pygments_highlight(code, lexer, _FORMATTER))


# latex2mathml spaces every minus as a binary operator, "(1, − 1)", and makes ∞ an operator too,
# "− ∞". A minus that opens a group or follows an operator, a comma or an opening bracket (any <mo>
# but a closing one) is a sign: form="prefix" sets it against its operand, as TeX does.
_CLOSING = r"\)|\]|\}|&#x00029;|&#x0005D;|&#x0007D;|&#x0007C;|\||&#x02016;|&#x027E9;"
_SIGN = re.compile(rf"(<mrow>|<mo[^>]*>(?!(?:{_CLOSING})</mo>)[^<]*</mo>)<mo>&#x02212;</mo>")
_INFINITY = "<mo>&#x0221E;</mo>"


def _tidy(mathml: str) -> str:
    mathml = mathml.replace(_INFINITY, "<mi>&#x0221E;</mi>")
    return _SIGN.sub(r'\1<mo form="prefix">&#x02212;</mo>', mathml)


@lru_cache(maxsize=4096)  # the same formulas recur across statements and answers
def math(latex: str, *, display: bool) -> str:
    """LaTeX -> MathML; on a conversion error, the escaped source (and a warning)."""
    try:
        return _tidy(latex_to_mathml(latex.strip(), display="block" if display else "inline"))
    except Exception as exc:  # latex2mathml raises many exception types
        log.warning("cannot convert math %r: %s", latex, exc)
        delimiter = "$$" if display else "$"
        return str(escape(f"{delimiter}{latex}{delimiter}"))


def _math_renderer(content: str, options: dict) -> str:
    return math(content, display=bool(options.get("display_mode")))


def _fence(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    lang = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else "text"
    return str(highlight(token.content, lang))


def _display_math_in_text(self, tokens, idx, options, env) -> str:
    # The plugin wraps this case in a <div>, which may not sit inside a <p>;
    # a display-mode <math> needs no wrapper (style.css makes it a block).
    return math(tokens[idx].content, display=True)


_CJK = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef\u3000-\u303f]")


def joined_without_space(tokens, idx: int) -> bool:
    """Whether the line break ``tokens[idx]`` inside a paragraph stands between two Chinese
    characters, where it is nothing (a browser or a terminal would show it as a stray space)."""
    before = tokens[idx - 1].content[-1:] if idx > 0 else ""
    after = tokens[idx + 1].content[:1] if idx + 1 < len(tokens) else ""
    return bool(_CJK.match(before) and _CJK.match(after))


def _softbreak(self, tokens, idx, options, env) -> str:
    """A line break inside a paragraph: a space between words, nothing between Chinese characters."""
    return "" if joined_without_space(tokens, idx) else "\n"


def _code_block(self, tokens, idx, options, env) -> str:
    return str(highlight(tokens[idx].content, "text"))


@lru_cache(maxsize=None)
def _block_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False}).enable("table")
    md.enable("strikethrough")
    # double_inline: a $$…$$ inside a paragraph or list item (not on a line of
    # its own) is display math too, as authors expect.
    dollarmath_plugin(md, allow_digits=False, double_inline=True, renderer=_math_renderer)
    md.add_render_rule("math_inline_double", _display_math_in_text)
    md.add_render_rule("fence", _fence)
    md.add_render_rule("code_block", _code_block)
    md.add_render_rule("softbreak", _softbreak)
    return md


@lru_cache(maxsize=None)
def _inline_parser() -> MarkdownIt:
    # Short registry strings (hints, titles, explanations) are written as plain
    # text, full of shapes like (*B, Lq, Dk) and q * k: only code spans, math
    # and backslash escapes are meaningful there.
    md = MarkdownIt("zero", {"html": False}).enable(["backticks", "escape"])
    dollarmath_plugin(md, allow_digits=False, renderer=_math_renderer)
    return md


def markdown(text: str) -> Markup:
    """A Markdown document (statements, answers) as HTML."""
    return Markup(_block_parser().render(text))


def markdown_with_text(text: str) -> tuple[Markup, str]:
    """``markdown(text)`` and ``plain_text(text)`` from a single parse."""
    md = _block_parser()
    env: dict = {}
    tokens = md.parse(text, env)
    return Markup(md.renderer.render(tokens, md.options, env)), _words(tokens)


def inline(text: str) -> Markup:
    """A one-line string: plain text, except `code` and $math$."""
    if not text:
        return Markup("")
    return Markup(_inline_parser().renderInline(text))


_TAG = re.compile(r"<[^>]+>")
_SPACE = re.compile(r"\s+")


def plain_text(text: str) -> str:
    """Markdown source reduced to searchable words: code as typed, math as text (a reader searches
    for what the page shows, "√" rather than "\\sqrt", and a snippet must not show LaTeX)."""
    return _words(tokens(text))


_MATH = ("math_inline", "math_inline_double", "math_block", "math_block_label")


def _words(tokens) -> str:
    words: list[str] = []
    for token in tokens:
        if token.type == "inline":
            parts = [child for child in token.children or () if child.content]
        else:
            parts = [token] if token.content and token.type in ("fence", "code_block", *_MATH) else []
        words.extend(latex_text(part.content) if part.type in _MATH else part.content for part in parts)
    return _SPACE.sub(" ", " ".join(words)).strip()


def tokens(text: str) -> list:
    """The markdown-it tokens of a Markdown document as the site reads it (math as ``math_*`` tokens)."""
    return _block_parser().parse(text)


def strip_tags(html: str) -> str:
    return _SPACE.sub(" ", _TAG.sub(" ", html)).strip()


__all__ = ["highlight", "inline", "markdown", "math", "plain_text", "escape"]
