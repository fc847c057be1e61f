"""The token text the similarity report compares: what it keeps, what it hides, and its map back."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.reports.python_lexer import Untokenizable, tokens
from grader.similarity_tokens import prepared, pygments_token_text, token_text, tokenizer_token_text

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted([*ROOT.glob("solutions/*.py"), *ROOT.glob("tests/golden/*/submission.py"),
                  *ROOT.glob("problems/*/stub.py"), *ROOT.glob("examples/class/*/*.py")])
IDENTIFIER = re.compile(r"[^\W\d]\w*")
STRING = re.compile(r"(?is)[rbuft]*['\"].*")  # a literal, from its prefix or quote to its end


@pytest.mark.parametrize("source, expected", [
    ("scores = q @ k.transpose(-2, -1)  # raw\n", "V=V@V.V(-2,-1)"),
    ("scores = q@k.transpose(-2,-1)\n", "V=V@V.V(-2,-1)"),
    ('msg = "it\'s"\n', "V=S"),
    ("msg = 'it\\'s'\n", "V=S"),
    ('msg = f"{name!r} has {len(x):>{width}} rows"\n', "V=S"),
    ('msg = "a" "b"\n', "V=SS"),
    ('def forward(self, x):\n    """Docstring."""\n    return self.proj(x)\n',
     "defF(self,V):Sreturnself.V(V)"),
    ("class Attention(nn.Module):\n    def __init__(self):\n        super().__init__()\n",
     "classO(V.V):def__init__(self):super().__init__()"),
    ("import torch.nn.functional as F\nfrom math import sqrt\n",
     "importtorch.nn.functionalasFfrommathimportV"),
    ("@torch.no_grad()\ndef step(x):\n    return len(x) if x is not None else 0\n",
     "@torch.V()defF(V):returnlen(V)ifVisnotNoneelse0"),
    ("\ufeffx = 1\n", "V=1"),
    ("", ""),
])
def test_names_and_strings_become_letters_and_the_rest_stays(source, expected):
    """Both readers agree: the standard tokenizer's and, for text it refuses, pygments'."""
    assert token_text(source).text == expected
    assert pygments_token_text(source).text == expected


def _maps_back(source: str, compared) -> None:
    assert len(compared.starts) == len(compared.ends) == len(compared.text)
    assert np.all(compared.starts < compared.ends) and np.all(np.diff(compared.starts) > 0)
    for char, start, end in zip(compared.text, compared.starts.tolist(), compared.ends.tolist()):
        piece = source[start:end]  # a character kept as written, or the token its letter stands for
        kept = piece == char
        assert kept or (char in "VFO" and IDENTIFIER.fullmatch(piece)) or (char == "S" and STRING.fullmatch(piece)), \
            (char, piece)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_real_sources_read_alike_both_ways_and_map_back(path):
    """Except ``1j``, which pygments reads as the number 1 and a name."""
    source = path.read_text(encoding="utf-8")
    ours, theirs = token_text(source), pygments_token_text(source)
    _maps_back(source, ours)
    _maps_back(source, theirs)
    if not re.search(r"\dj\b", source):
        assert ours.text == theirs.text
        assert ours.starts.tolist() == theirs.starts.tolist() and ours.ends.tolist() == theirs.ends.tolist()


@pytest.mark.parametrize("path", sorted(ROOT.glob("solutions/*.py")), ids=lambda p: p.stem)
def test_a_bracket_left_open_reads_alike_both_ways(path):
    """A syntax error as common as ``def (name(...)``: read by the tokenizer, as pygments reads it."""
    source = path.read_text(encoding="utf-8").replace("def ", "def (", 1)
    assert tokenizer_token_text(source) == token_text(source).text == pygments_token_text(source).text
    _maps_back(source, token_text(source))


def test_text_the_tokenizer_refuses_is_read_by_pygments_and_maps_back():
    source = ("def f(x):\n    return x @ y  # fine so far\n"
              "   bad_dedent = 1\n"  # no earlier indentation is three spaces wide
              's = """never closed\n')
    with pytest.raises(Untokenizable):
        tokens(source)
    compared = token_text(source)
    assert compared.text.startswith("defF(V):returnV@V")
    _maps_back(source, compared)


def test_renaming_respacing_and_recommenting_change_nothing():
    original = "def attend(q, k):\n    s = q @ k.mT  # scores\n    return s.softmax(-1)\n"
    disguised = "def look( a ,b ) :\n    # my own work\n    out=a@b.mT\n    return out .softmax( -1 )\n"
    assert token_text(original).text == token_text(disguised).text


def test_prepared_text_maps_back_to_the_source():
    """What pygments is given: no trailing whitespace (it is quadratic on whitespace-only lines),
    and a space after an operand's ``@`` (it would read ``@k`` as a decorator)."""
    text = "x = q@k  \n    @decorator\n  \t \ny = a@b@c\n"
    text_for_pygments, index = prepared(text)
    assert text_for_pygments == "x = q@ k\n    @decorator\n\ny = a@ b@ c\n"
    assert len(index) == len(text_for_pygments) + 1 and index[-1] == len(text)
    assert "".join(text[i] for i in index[:-1]) == "x = q@@k\n    @decorator\n\ny = a@@b@@c\n"


def test_damaged_sources_are_read_and_map_back():
    """Random damage of the kinds that trip a tokenizer (quotes, brackets, f-strings, control
    characters): every text gets a token text, by one reader or the other, that maps back."""
    rng = random.Random(11)
    pieces = ['"', "'", '"""', "(", ")", "[", "{", "}", "\\", "\t", "\n", "\r", "\x0c", "\x00", "\ufeff",
              "#", "f'{", 'f"{x!r:>{w}}"', "rb'", "@", "1j", "é", "\u2028", "$", "?"]
    texts = [path.read_text(encoding="utf-8") for path in SOURCES[:20]]
    for _ in range(300):
        damaged = rng.choice(texts)
        for _ in range(rng.randint(1, 6)):
            at = rng.randrange(len(damaged) + 1)
            cut = 0 if rng.random() < 0.6 else rng.randint(1, 30)
            damaged = damaged[:at] + (rng.choice(pieces) if not cut else "") + damaged[at + cut:]
        _maps_back(damaged, token_text(damaged))


def test_a_report_helper_makes_the_token_text_without_numpy():
    """A report helper starts without importing numpy (0.06 s of every helper's start)."""
    code = ("import sys\n"
            "sys.path.insert(0, sys.argv[1])\n"  # as a helper starts (grader.bounded.BOOTSTRAP)
            "from grader.reports.submission import write_report_task\n"
            "from grader.similarity_tokens import tokenizer_token_text\n"
            "assert tokenizer_token_text('x = f(y)  # note\\n') == 'V=V(V)'\n"
            "print('numpy' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-I", "-c", code, str(ROOT)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"
