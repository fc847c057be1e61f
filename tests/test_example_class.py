"""The bundled example class, graded end to end exactly as an instructor would.

``make demo`` runs ``attn-judge grade examples/class``; this test runs the same
command as a subprocess and checks that the outputs show what
``examples/README.md`` promises: a row per student, results for every problem
file, the misnamed file and the notebook reported, the catalogued mistakes
diagnosed, and the hostile, hanging and crashing submissions contained.
"""

from __future__ import annotations

import csv
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader import registry

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]

ROOT = Path(__file__).resolve().parent.parent
CLASS = ROOT / "examples" / "class"

# (student, problem) -> what the grader must conclude. "full" means full marks.
EXPECTED = {
    ("ana_garcia", "scaled_dot_product_attention"): {"full": True},
    ("ana_garcia", "self_attention"): {"full": True},
    ("ana_garcia", "multi_head_attention"): {"full": True},
    ("ana_garcia", "grouped_query_attention"): {"full": True},
    ("ana_garcia", "text_generation"): {"full": True},
    ("ana_garcia", "positional_encoding"): {"full": True},
    ("李明", "scaled_dot_product_attention"): {"diagnosis": ["sdpa.softmax_query_axis"]},
    ("李明", "self_attention"): {"diagnosis": ["self_attention.extra_layers"]},
    ("李明", "positional_encoding"): {"diagnosis": ["pe.halves_not_interleaved"]},
    ("ben_okafor", "scaled_dot_product_attention"): {"diagnosis": []},  # partial: 3-D only
    ("ben_okafor", "multi_head_attention"): {"diagnosis": ["mha.bad_head_merge"]},
    ("ben_okafor", "text_generation"): {"diagnosis": ["gen.top_p_excludes_boundary"]},
    ("chloe_martin", "scaled_dot_product_attention"): {"diagnosis": ["sdpa.mask_after_softmax"]},
    ("chloe_martin", "shared_qk_attention"): {"diagnosis": ["shared_qk.no_fallback"]},
    ("chloe_martin", "grouped_query_attention"): {"diagnosis": ["gqa.interleaved_groups"]},
    ("dmitri_volkov", "text_generation"): {"error": "timeout"},
    ("dmitri_volkov", "positional_encoding"): {"diagnosis": []},  # partial: no ValueError
    ("emma_schmidt", "scaled_dot_product_attention"): {"full": True},
    ("emma_schmidt", "self_attention"): {"error": "crash"},
    ("farah_haddad", "self_attention"): {"diagnosis": []},  # hostile output, partial
    ("farah_haddad", "positional_encoding"): {"full": True},
    ("=SUM(1+1) Gus", "scaled_dot_product_attention"): {"diagnosis": ["sdpa.no_scale"]},
    ("=SUM(1+1) Gus", "multi_head_attention"): {"full": True},
    ("hana_sato", "shared_qk_attention"): {"full": True},
    ("hana_sato", "self_attention"): {"full": True},  # a notebook, graded from its code cells
}


def _students() -> list[str]:
    return sorted(p.name for p in CLASS.iterdir() if p.is_dir() and not p.name.startswith("."))


def _problem_files(student: str) -> dict[str, Path]:
    """problem id -> submitted file, for the files named after a problem (.py or .ipynb)."""
    ids = set(registry.problem_ids())
    found = {}
    for path in (CLASS / student).iterdir():
        stem, _, suffix = path.name.partition(".")
        if stem in ids and suffix in ("py", "ipynb"):
            found[stem] = path
    return found


def _defused(cell: str) -> str:
    """How platform.md says a name appears in the gradebook."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade the class once, as typed at a shell in the repository's root (after activating .venv)."""
    installed = Path(sys.executable).parent / "attn-judge"  # the command of this environment
    command = str(installed) if installed.is_file() else shutil.which("attn-judge")
    assert command, "attn-judge is not installed: run 'make install' (it creates .venv/bin/attn-judge)"
    out = tmp_path_factory.mktemp("example-class") / "out"
    run = subprocess.run([command, "grade", "examples/class", "--out", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=900)
    return run, out


def _results(out: Path, student: str, problem: str) -> dict:
    return json.loads((out / student / problem / "results.json").read_text(encoding="utf-8"))


def _gradebook(out: Path) -> dict[str, list[str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return {row[0]: row for row in rows[1:]}


def test_the_class_is_what_the_readme_describes():
    assert 8 <= len(_students()) <= 10
    listed = {(s, p) for s in _students() for p in _problem_files(s)}
    assert listed == set(EXPECTED)


def test_grading_the_class_succeeds(graded):
    run, out = graded
    assert run.returncode == 0, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert (out / "gradebook.csv").is_file() and (out / "index.html").is_file()


def test_every_student_has_a_gradebook_row(graded):
    _, out = graded
    rows = _gradebook(out)
    for student in _students():
        assert _defused(student) in rows, f"no gradebook row for {student!r}"
    nothing = rows["ivan_petrov"]
    assert "homework1.py" in " ".join(nothing) and "notes.txt" in " ".join(nothing)


def test_every_problem_file_has_results(graded):
    _, out = graded
    for student in _students():
        for problem in _problem_files(student):
            assert (out / student / problem / "results.json").is_file(), (student, problem)
    assert not (out / "ivan_petrov").exists() or not any((out / "ivan_petrov").rglob("results.json"))


def test_the_misnamed_file_is_reported_for_its_student(graded):
    _, out = graded
    row = " ".join(_gradebook(out)["hana_sato"])
    assert "multihead_attention.py" in row
    assert "multi_head_attention" in row  # the close match
    assert not (out / "hana_sato" / "multihead_attention").exists()


def test_the_notebook_is_graded_from_its_code_cells(graded):
    _, out = graded
    results = _results(out, "hana_sato", "self_attention")
    assert results["extra_data"]["error"] is None and results["score"] == results["max_score"]


@pytest.mark.parametrize("key", sorted(EXPECTED), ids=["/".join(k) for k in sorted(EXPECTED)])
def test_each_submission_gets_its_expected_verdict(graded, key):
    _, out = graded
    want = EXPECTED[key]
    results = _results(out, *key)
    extra = results["extra_data"]
    kind = (extra["error"] or {}).get("kind")
    assert kind == want.get("error"), (key, extra["error"])
    if want.get("full"):
        assert results["score"] == results["max_score"], (key, results["output"])
    else:
        assert results["score"] < results["max_score"], key
    if "diagnosis" in want:
        assert extra["diagnosis"] == want["diagnosis"], (key, extra["diagnosis"])


def test_hostile_output_is_captured_and_escaped(graded):
    _, out = graded
    results = _results(out, "farah_haddad", "self_attention")
    assert "<script>" in results["extra_data"]["output"]  # captured as data
    report = (out / "farah_haddad" / "self_attention" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in report and "<img src=x" not in report
    assert "&lt;script&gt;" in report
