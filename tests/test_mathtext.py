"""LaTeX math as text, where MathML cannot be shown (the terminal, the site's search snippets)."""

from __future__ import annotations

import pytest

from grader.mathtext import latex_text


@pytest.mark.parametrize("latex, text", [
    (r"\theta_i = \text{base}^{-2i/D}", "θ_i = base^(-2i/D)"),  # a group keeps its brackets
    (r"\ell \leftarrow e^{m - m'}\,\ell", "ℓ ← e^(m - m') ℓ"),
    (r"x \odot y \ne z \pm 1", "x ⊙ y ≠ z ± 1"),  # a symbol keeps the space after it
    (r"\frac{a+b}{c} + \tfrac12", "(a+b)/c + 1/2"),
    (r"\operatorname{softmax}(x)_{ij}", "softmax(x)_ij"),
    (r"\lfloor T/2 \rfloor \bmod 2", "⌊ T/2 ⌋ mod 2"),
])
def test_math_reads_as_the_page_shows_it(latex, text):
    assert latex_text(latex) == text


@pytest.mark.parametrize("latex", ["}{", r"\frac{", r"\begin{pmatrix} 1 &", "x^", r"\undefined{x}"])
def test_broken_or_unknown_math_never_raises(latex):
    assert isinstance(latex_text(latex), str)
