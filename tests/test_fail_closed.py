"""The trusted side fails closed: a hostile submission costs itself and nobody else.

Every trusted step that reads what a submission controls is attacked here:

1. analysing the source (deep and huge expressions against the static check,
   the report's highlighter and the similarity report);
2. decoding what the child sends (well-framed messages poisoned inside: deep
   JSON, huge integers, overflowing shapes, wrong types, escapes, oversize
   fields, a claimed length never sent);
3. rendering (pygments' quadratic case, under a time budget);
4. strings copied from the submission (oversize, escape-laden);
5. student names that collide with outputs or formats;
6. non-finite numbers in what is written.

The last test mixes one attacker of each kind among honest students and grades
the class with the defaults, as an instructor would: every honest score is the
one the same students get in a clean class, every output is complete and
strict, the terminal gets no control character, exit code 0. Bound: each class
run finishes within ``CLASS_BOUND_SECONDS`` (measured: the clean and the mixed
run together take 40-45 s on two busy cores, most of it the infinite loop's
10 s test limit, the memory bomb and the pathological listing; the bound is
generous because the machines are shared, and a hang fails it).
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from grader import registry
from grader.bounded import BoundedPool
from grader.forbidden import AnalysisFailed, find_forbidden
from grader.grading import Suite, grade
from grader.outpaths import CLASS_FILES, student_folder
from grader.references import solution_source
from grader.reports import submission as report_module
from grader.reports.gradebook import defuse
from grader.reports.render import points, shown_name
from grader.trusted_runner import TrustedRunner
from tests.sandboxing import FAST_LIMITS, attack_source, sandbox_processes

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SDPA = "scaled_dot_product_attention"
PROBLEM = registry.get(SDPA)
GOLDEN = Path(__file__).parent / "golden"
CLASS_BOUND_SECONDS = 600
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
ERROR_KINDS = {"syntax_error", "import_error", "missing_symbol", "forbidden_api", "timeout", "memory_limit",
               "resource_limit", "crash", "output_limit", "bad_submission", "grader_error"}
FRAME_VARIANTS = ["deep_json", "huge_int", "shape_overflow", "lines_wrong_type", "escape_in_type", "huge_type",
                  "huge_message", "huge_names", "claimed_2_40", "wrong_job", "stall", "forged_load_kind"]


def deep_sources(depth: int) -> dict[str, str]:
    """Valid (or nearly valid) Python whose syntax tree is ``depth`` levels deep, one per form."""
    return {
        "parentheses": "x = " + "(" * depth + "1" + ")" * depth,
        "attribute_chain": "x = torch" + ".nn" * depth,
        "call_chain": "x = f" + "()" * depth,
        "subscript_chain": "x = torch" + "[0]" * depth,
        "string_sum": "x = " + " + ".join(["'a'"] * depth),
        "not_chain": "x = " + "not " * depth + "y",
        "unary_chain": "x = " + "-" * depth + "1",
        "nested_lists": "x = " + "[" * depth + "]" * depth,
        "lambdas": "x = " + "lambda: " * depth + "1",
        "getattr_calls": "x = " + "getattr(" * depth + "torch" + ", 'nn')" * depth,
    }


def _sdpa(source_name: str) -> str:
    return (GOLDEN / source_name / "submission.py").read_text(encoding="utf-8")


def _no_control(text: str) -> bool:
    return not CONTROL.search(text.replace("\r\n", "\n"))


# ----------------------------------------------------------------------------- 1. analysing the source

@pytest.mark.parametrize("depth", [1_500, 100_000])
@pytest.mark.parametrize("form", sorted(deep_sources(1)))
def test_the_static_check_answers_or_says_it_cannot_on_deep_source(form, depth):
    source = deep_sources(depth)[form]
    try:
        uses = find_forbidden(source, list(PROBLEM.forbidden) or ["torch.softmax"])
    except AnalysisFailed as exc:
        assert "nested" in str(exc) or "large" in str(exc)
    else:
        assert isinstance(uses, list)


def test_a_huge_source_is_refused_by_the_static_check():
    with pytest.raises(AnalysisFailed, match="too large"):
        find_forbidden("x = 1\n" * 1_000_000, ["torch.softmax"])


@pytest.fixture(scope="module")
def suite():
    return Suite(PROBLEM).prepare()


def _grade(pool, suite, source: str) -> dict:
    return grade(problem=PROBLEM, source=source, filename=f"{SDPA}.py", runner=pool, suite=suite,
                 limits=FAST_LIMITS)


def _assert_contained(results: dict) -> None:
    """A result that cost its submission only: score 0, a known kind, short one-line texts."""
    assert results["score"] == 0
    error = results["extra_data"]["error"]
    assert error is not None and error["kind"] in ERROR_KINDS
    assert "\n" not in error["message"] and len(error["message"]) <= 1000
    assert not any("Hint:" in test["output"] for test in results["tests"])  # none about what failed
    text = json.dumps(results, ensure_ascii=False, allow_nan=False)
    assert len(text) < 64 * 1024
    assert _no_control(text.replace("\\n", "\n")) and "\x1b" not in text and "\\u001b" not in text


def test_a_source_that_cannot_be_analysed_is_not_run(pool, suite):
    hidden_call = "import torch\n\ndef _never(q):\n    return q" + ".T" * 100_000 + "\n\n"
    results = _grade(pool, suite, hidden_call + solution_source(PROBLEM))
    _assert_contained(results)
    assert results["extra_data"]["error"]["kind"] == "grader_error"
    assert "could not be analysed" in results["extra_data"]["error"]["message"]


# ----------------------------------------------------------------------------- 2, 4. what the child sends

@pytest.mark.parametrize("variant", FRAME_VARIANTS)
def test_a_poisoned_message_costs_only_its_submission(pool, suite, variant):
    results = _grade(pool, suite, attack_source("hostile_frame", VARIANT=variant))
    _assert_contained(results)
    assert all(t["status"] == "failed" for t in results["tests"])
    honest = _grade(pool, suite, solution_source(PROBLEM))
    assert honest["score"] == honest["max_score"]


def test_oversize_and_escape_laden_exceptions_are_capped_and_made_printable(pool, suite):
    source = ("import torch\n\n"
              "def scaled_dot_product_attention(q, k, v, mask=None):\n"
              "    kind = type('E' * 1_000_000, (Exception,), {})\n"
              "    raise kind('\\x1b]0;pwned\\x07' * 1_000_000)\n")
    results = _grade(pool, suite, source)
    assert results["score"] == 0
    text = json.dumps(results, ensure_ascii=False, allow_nan=False)
    assert len(text) < 256 * 1024
    assert "\x1b" not in text and "\x07" not in text


# ----------------------------------------------------------------------------- 3. rendering

def test_a_listing_over_its_render_budget_is_written_plain(tmp_path, monkeypatch):
    # A dedent to no earlier indentation, which the standard tokenizer refuses, so pygments lexes
    # the listing; then 2,900 lines of whitespace: within the listing's caps, about 8 s of
    # pygments on two cores
    source = (solution_source(PROBLEM) + "if True:\n        a = 1\n    b = 2\n"
              + (" \t" * 20 + "\n") * 2_900)
    results = _grade_trusted(source)
    monkeypatch.setattr(report_module, "RENDER_SECONDS", 1.0)
    path = tmp_path / "report.html"
    with BoundedPool(1) as helpers:
        written = report_module.write_report(path, results=results, source=source, problem=PROBLEM,
                                             static_href="static", helpers=helpers, token_text=True)
    assert written.highlighted is False and written.token_text is None
    page = path.read_text(encoding="utf-8")
    assert "def scaled_dot_product_attention" in page


def _grade_trusted(source: str) -> dict:
    return grade(problem=PROBLEM, source=source, filename=f"{SDPA}.py", runner=TrustedRunner(),
                 limits=FAST_LIMITS)


# ----------------------------------------------------------------------------- 5, 6 and all together

NAN_SOURCE = ("import torch\n\n"
              "def scaled_dot_product_attention(q, k, v, mask=None):\n"
              "    out = torch.full((*q.shape[:-1], v.shape[-1]), float('nan'), dtype=q.dtype)\n"
              "    return out, torch.full((*q.shape[:-1], k.shape[-2]), float('inf'), dtype=q.dtype)\n")


def honest_students() -> dict[str, dict[str, str]]:
    """Honest work under names that collide with outputs, formats and escaping."""
    solution = solution_source(PROBLEM)
    return {
        "alice": {SDPA: solution},
        "gradebook.csv": {SDPA: _sdpa("sdpa_no_scale_forgot_division")},
        "index.html": {SDPA: PROBLEM.stub()},
        "static": {SDPA: solution, "positional_encoding": solution_source(registry.get("positional_encoding"))},
        "Static": {SDPA: _sdpa("sdpa_no_scale_forgot_division")},  # the same folder as static/ on macOS
        "INDEX.HTML": {SDPA: solution},
        "similarity": {SDPA: _sdpa("sdpa_softmax_axis_one")},
        "Points Possible": {SDPA: _sdpa("sdpa_softmax_axis_one")},
        "DOMAIN\\alice": {SDPA: solution},
        "~tilde": {SDPA: _sdpa("sdpa_mask_inverted_where")},
        "~" + "x" * 254: {SDPA: solution},
        "=HYPERLINK(\"x\")": {SDPA: solution},
        "\x1b]0;pwned\x07bob": {SDPA: _sdpa("sdpa_mask_inverted_where")},
        "stud\udcffent": {SDPA: solution},  # a folder name that is not valid UTF-8
    }


def attackers() -> dict[str, str]:
    """One attacker of each class (and the classic ones), by student name."""
    solution = solution_source(PROBLEM)
    return {
        "deep_attributes": "def _never(a):\n    return a" + ".b" * 100_000 + "\n\n" + solution,
        "deep_sum": "def _never():\n    return " + " + ".join(["'a'"] * 100_000) + "\n\n" + solution,
        "deep_not": "def _never(x):\n    return " + "not " * 100_000 + "x\n\n" + solution,
        "pathological_listing": solution + (" \t" * 20 + "\n") * 3_000,
        "poisoned_message": attack_source("hostile_frame", VARIANT="deep_json"),
        "forged_kind": attack_source("hostile_frame", VARIANT="forged_load_kind"),
        "stalled_frame": attack_source("hostile_frame", VARIANT="stall"),
        "huge_exception": ("def scaled_dot_product_attention(q, k, v, mask=None):\n"
                           "    raise type('E' * 1_000_000, (Exception,), {})('\\x1b[2J' * 4_000_000)\n"),
        "not_a_number": NAN_SOURCE,
        "\x1b]52;c;cHduZWQ=\x07flood": attack_source("flood_stdout"),
        "loop": attack_source("infinite_loop"),
        "memory": attack_source("memory_bomb"),
        "forged_output": attack_source("forged_output"),
    }


def deep_notebook() -> str:
    """A notebook whose code cell nests 100,000 levels deep (analysed like a .py file)."""
    cell = "def _never(a):\n    return a" + ".b" * 100_000 + "\n\n" + solution_source(PROBLEM)
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                       "cells": [{"cell_type": "code", "id": "deep", "metadata": {}, "execution_count": None,
                                  "outputs": [], "source": cell}]})


def _write_class(root: Path, students: dict[str, dict[str, str]]) -> None:
    for student, files in students.items():
        folder = Path(os.fsdecode(os.fsencode(root) + b"/" + os.fsencode(student)))
        folder.mkdir(parents=True)
        for name, source in files.items():
            (folder / (name if "." in name else f"{name}.py")).write_text(source, encoding="utf-8")


def _grade_class(klass: Path, out: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(klass), "--out", str(out)],
                            capture_output=True, timeout=CLASS_BOUND_SECONDS)
    stdout, stderr = result.stdout.decode("utf-8"), result.stderr.decode("utf-8")
    assert result.returncode == 0, stderr
    assert "Traceback" not in stdout + stderr
    assert _no_control(stdout) and _no_control(stderr)
    return result


def _strict(path: Path):
    def refuse(constant):
        raise AssertionError(f"{path}: non-strict JSON constant {constant}")
    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _gradebook(out: Path) -> dict[str, list[str]]:
    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    names = [row[0] for row in rows[1:]]
    assert len(names) == len(set(names)), "a student appears twice"
    return {row[0]: row for row in rows[1:]}


def test_a_mixed_class_grades_every_honest_student_exactly(tmp_path):
    honest = honest_students()
    hostile = {name: {SDPA: source} for name, source in attackers().items()}
    hostile["deep_notebook"] = {f"{SDPA}.ipynb": deep_notebook()}
    _write_class(tmp_path / "clean", honest)
    _write_class(tmp_path / "mixed", {**honest, **hostile})
    _grade_class(tmp_path / "clean", tmp_path / "clean-out")
    _grade_class(tmp_path / "mixed", tmp_path / "out")
    out = tmp_path / "out"
    assert not sandbox_processes()

    # every output complete and strict
    for student, files in {**honest, **hostile}.items():
        for name in files:
            folder = out / student_folder(student) / name.split(".")[0]
            results = _strict(folder / "results.json")
            assert (folder / "report.html").stat().st_size < 8 * 1024 * 1024
            assert len(json.dumps(results)) < 256 * 1024
            if student in hostile:
                assert results["score"] == 0 or student == "pathological_listing", student
    for path in out.rglob("*.json"):
        _strict(path)
    # copied to macOS or Windows, where case does not tell files apart, no student's folder is a class file's
    folded = {path.name.casefold() for path in out.iterdir() if path.name not in CLASS_FILES}
    assert not folded & {name.casefold() for name in CLASS_FILES}
    assert (out / "index.html").stat().st_size < 4 * 1024 * 1024
    assert "not_a_number" in (out / "index.html").read_text(encoding="utf-8")

    # every student exactly once in each gradebook, honest scores as in the clean class
    clean, mixed = _gradebook(tmp_path / "clean-out"), _gradebook(out)
    shown = {defuse(shown_name(name)): name for name in {**honest, **hostile}}
    assert set(mixed) == set(shown)
    for name in honest:
        assert mixed[defuse(shown_name(name))][1:4] == clean[defuse(shown_name(name))][1:4], name
    assert mixed["alice"][1] == _full_marks()
    with open(out / "gradebook-canvas.csv", newline="", encoding="utf-8") as fh:
        canvas = list(csv.reader(fh))
    assert [row[0] for row in canvas].count("Points Possible") == 1
    logins = [row[3] for row in canvas[2:]]
    assert sorted(logins) == sorted(shown)


def _full_marks() -> str:
    return points(_grade_trusted(solution_source(PROBLEM))["max_score"])
