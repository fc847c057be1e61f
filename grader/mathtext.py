"""LaTeX math as plain Unicode text, for what cannot show MathML: the terminal
(``attn-judge show``) and the study site's search index, whose snippets are text.

pylatexenc does the conversion. This module adds what our statements need and it
lacks: a few macros it does not know (≠, mod, ``\\tfrac``...), the space a
symbol's macro swallows in TeX but which text needs (``x \\odot y`` reads
``x ⊙ y``, not ``x ⊙y``), and the grouping of a superscript, subscript or
fraction of more than one symbol, which it would drop (``e^{m - m'}`` reads
``e^(m - m')``, not ``e^m - m'``).
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache

from pylatexenc import latexwalker, macrospec
from pylatexenc.latex2text import LatexNodes2Text, MacroTextSpec, get_default_latex_context_db

log = logging.getLogger(__name__)

_SPACES = re.compile(r"\s+")


def _grouped(text: str) -> str:
    """``text`` as one operand: bracketed unless it is a single symbol or a word."""
    text = text.strip()
    return text if len(text) <= 1 or text.isalnum() else f"({text})"


def _fraction(node, l2tobj) -> str:
    numerator, denominator = (l2tobj.nodelist_to_text([arg]) for arg in node.nodeargd.argnlist[-2:])
    return f"{_grouped(numerator)}/{_grouped(denominator)}"


class _ToText(LatexNodes2Text):
    def group_node_to_text(self, node) -> str:
        contents = super().group_node_to_text(node)
        if node.pos and node.parsing_state.s[node.pos - 1] in "^_":
            return _grouped(contents)
        return contents

    def macro_node_to_text(self, node) -> str:
        text = super().macro_node_to_text(node)
        if node.nodeargd is None or not any(node.nodeargd.argnlist or ()):
            return text + node.macro_post_space  # a symbol: the space after it is the text's
        return text


@lru_cache(maxsize=None)
def _converter() -> tuple[latexwalker.LatexContextDb, _ToText]:
    fractions = ("frac", "tfrac", "dfrac")
    parsing = latexwalker.get_default_latex_context_db()
    parsing.add_context_category("attn-judge", prepend=True, macros=[
        *(macrospec.MacroSpec(name, "{{") for name in fractions), macrospec.MacroSpec("operatorname", "{")])
    texts = get_default_latex_context_db()
    texts.add_context_category("attn-judge", prepend=True, macros=[
        *(MacroTextSpec(name, _fraction) for name in fractions),
        MacroTextSpec("operatorname", "%s"), MacroTextSpec("ne", "≠"), MacroTextSpec("neq", "≠"),
        MacroTextSpec("bmod", " mod "), MacroTextSpec("mid", " | "),
        MacroTextSpec("Bigl", ""), MacroTextSpec("Bigr", ""), MacroTextSpec("bigl", ""), MacroTextSpec("bigr", ""),
    ])
    return parsing, _ToText(latex_context=texts, math_mode="text")


@lru_cache(maxsize=4096)  # the same formulas recur across statements and answers
def latex_text(latex: str) -> str:
    """``latex`` (the inside of ``$...$``) as one line of Unicode text; the source if it cannot be read."""
    parsing, converter = _converter()
    try:
        nodes, _, _ = latexwalker.LatexWalker(latex, latex_context=parsing, tolerant_parsing=True).get_latex_nodes()
        text = converter.nodelist_to_text(nodes)
    except Exception as exc:  # pylatexenc raises many exception types on odd input
        log.warning("cannot convert math %r to text: %s", latex, exc)
        return latex.strip()
    return _SPACES.sub(" ", text).strip()
