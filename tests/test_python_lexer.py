"""The reports' Python lexer: every character kept, the same colours as pygments' own lexer."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from pygments.lexers import PythonLexer
from pygments.token import STANDARD_TYPES, Keyword, Name, Number, Operator, String

from grader.reports import python_lexer
from grader.reports.python_lexer import TokenizeLexer, Untokenizable, tokens
from grader.reports.submission import highlighted

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("solutions/*.py"), *ROOT.glob("examples/class/*/*.py"),
                  *ROOT.glob("tests/golden/*/submission.py")])
COLOURS = {"k": "k", "kn": "k", "kd": "k", "kc": "k", "s": "s", "s1": "s", "s2": "s", "sd": "s",
           "c": "c", "c1": "c", "cm": "c", "mi": "m", "mf": "m", "nf": "n", "nc": "n",
           "o": "o", "ow": "o", "nb": "b", "bp": "b"}  # the classes the pages' stylesheet colours, by colour

ODD_TEXTS = {
    "empty": "",
    "crlf": "def f(x):\r\n    return x\r\n",
    "lone cr": "a = 1\rb = 2\r",
    "tabs and form feed": "if x:\n\tpass\n\x0c\ny = 2\n",
    "continuation": "total = 1 + \\\n    2\n",
    "non-ascii names": "注意力 = softmax(分数)  # 注释\n",
    "unterminated string": 's = "abc\nprint(s)\n',
    "unterminated triple quote": 'x = """never closed\n\n',
    "open bracket at the end": "y = f(1,\n",
    "inconsistent dedent": "if x:\n        a = 1\n    b = 2\n",
    "null byte": "a = 1\x00\n",
    "stray dollar": "cost = $5\n",
    "line separator": "a = 1\u2028b = 2\n",
    "no final newline": "return",
}


def _kept(lexer_class, text: str) -> str:
    return "".join(value for _, value in lexer_class(stripnl=False, ensurenl=True).get_tokens(text))


@pytest.mark.parametrize("name", sorted(ODD_TEXTS))
def test_every_character_is_kept_on_odd_text(name):
    text = ODD_TEXTS[name]
    assert _kept(TokenizeLexer, text) == _kept(PythonLexer, text)


def _colours(lexer_class, text: str) -> list[str | None]:
    """Per character, the colour the stylesheet gives it (classes of one colour count as one)."""
    out = []
    for token_type, value in lexer_class(stripnl=False, ensurenl=True).get_tokens(text):
        style = STANDARD_TYPES.get(token_type)
        while style is None and token_type.parent is not None:
            token_type = token_type.parent
            style = STANDARD_TYPES.get(token_type)
        out += [COLOURS.get(style)] * len(value)
    return out


def _same_characters_and_colours_as_pygments(text: str) -> None:
    """Except where pygments colours the fields inside f-strings as code, and ``1j`` as 1 and a name."""
    assert _kept(TokenizeLexer, text) == _kept(PythonLexer, text)
    ours, theirs = _colours(TokenizeLexer, text), _colours(PythonLexer, text)
    exempt = set()
    for start, token_type, value in tokens(text if text.endswith("\n") else text + "\n"):
        f_string = token_type in String and value[:2].lower() in ('f"', "f'", "rf", "fr")
        imaginary = token_type in Number and value[-1:] in "jJ"
        if f_string or imaginary:
            exempt.update(range(start, start + len(value)))
    differences = [(i, text[max(0, i - 15):i + 15]) for i, (a, b) in enumerate(zip(ours, theirs))
                   if a != b and i not in exempt]
    assert not differences, differences[:5]


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_real_sources_keep_every_character_and_pygments_colours(path):
    _same_characters_and_colours_as_pygments(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", sorted(ROOT.glob("solutions/*.py")), ids=lambda p: p.stem)
def test_a_bracket_left_open_is_read_by_the_tokenizer(path):
    """The commonest syntax error (``def (name(...)``, a call never closed) keeps the quick lexer."""
    text = path.read_text(encoding="utf-8")
    for broken in (text.replace("def ", "def (", 1), text.rstrip() + "\nprint(len(\n"):
        assert tokens(broken)  # no Untokenizable: pygments' lexer is not asked
        _same_characters_and_colours_as_pygments(broken)


def test_every_character_is_kept_on_mangled_sources():
    """Random damage of the kinds that trip a tokenizer: quotes, brackets, backslashes, indents."""
    rng = random.Random(7)
    pieces = ['"', "'", '"""', "(", ")", "[", "\\", "\t", "\n", "    ", "#", "f'{", "\r", "\x0c", "é"]
    text = (ROOT / "solutions" / "multi_head_attention.py").read_text(encoding="utf-8")
    for _ in range(150):
        mangled = text
        for _ in range(rng.randint(1, 4)):
            at = rng.randrange(len(mangled))
            if rng.random() < 0.5:
                mangled = mangled[:at] + rng.choice(pieces) + mangled[at:]
            else:
                mangled = mangled[:at] + mangled[at + rng.randint(1, 8):]
        assert _kept(TokenizeLexer, mangled) == _kept(PythonLexer, mangled)


def test_names_in_context():
    text = ("import torch.nn as nn\nfrom a.b import c\n@torch.no_grad()\nclass Block(nn.Module):\n"
            "    def forward(self, x):\n        \"\"\"Doc.\"\"\"\n        return max(x.max(), None) @ w\n")
    found: dict = {}
    for _, token_type, value in tokens(text):
        found.setdefault(value, token_type)  # the first time each text appears
    assert found["torch"] is Name.Namespace and found["c"] is Name
    assert found["Block"] is Name.Class and found["forward"] is Name.Function
    assert found["self"] is Name.Builtin.Pseudo and found["None"] is Keyword.Constant
    assert found['"""Doc."""'] is String.Doc
    assert [t for _, t, v in tokens(text) if v == "max"] == [Name.Builtin, Name]  # max(x.max())
    assert [t for _, t, v in tokens(text) if v == "@"] == [Name.Decorator, Operator]  # @torch, x @ w
    assert found["w"] is Name


@pytest.mark.parametrize("name", ["unterminated triple quote", "inconsistent dedent"])
def test_text_the_tokenizer_cannot_read_is_lexed_by_pygments(name):
    text = ODD_TEXTS[name]
    with pytest.raises(Untokenizable):
        python_lexer.tokens(text)
    ours = list(TokenizeLexer(stripnl=False, ensurenl=True).get_tokens(text))
    assert ours == list(PythonLexer(stripnl=False, ensurenl=True).get_tokens(text))


def test_report_source_is_highlighted_with_line_anchors():
    html = str(highlighted("def f(x):\n    return x  # done\n", marked=[2], anchors="L"))
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html
    assert '<span class="c1"># done</span>' in html
    assert 'id="L-1"' in html and 'id="L-2"' in html and 'class="hll"' in html


def test_listings_highlighted_one_after_another_keep_their_own_options():
    """Formatters are used again for the same options: none leaks into another listing."""
    code = "a = 1\nb = 2\nc = 3\n"
    for _ in range(2):
        for marked, anchors, first in [([2], "L", 1), ([3], "L", 1), ([], "L", 1), ([1], "M", 7), ([], "", 1)]:
            html = str(highlighted(code, marked=marked, anchors=anchors, first_line=first))
            assert re.findall(r'id="(\w+-\d+)"', html) == [f"{anchors}-{first + i}" for i in range(3) if anchors]
            lit = [n for n, line in enumerate(html.split("\n"), 1) if 'class="hll"' in line]
            assert lit == marked


def test_an_f_string_is_one_string_token_on_every_python():
    """Python 3.12 and later tokenise f-strings in pieces; they are joined back into one token."""
    text = 'x = f"a{b:>{w}}c{f\'{d}\'}" + 1\nprint(rf"""{{x}}\n{y!r}""")\n'
    strings = [(start, value) for start, token_type, value in tokens(text) if token_type in String]
    assert strings == [(4, 'f"a{b:>{w}}c{f\'{d}\'}"'), (36, 'rf"""{{x}}\n{y!r}"""')]
    assert not [value for _, token_type, value in tokens(text) if token_type is python_lexer.Error]
