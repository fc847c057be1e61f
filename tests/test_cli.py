"""The command line as users type it: list, show, start, check, grade FILE, bad inputs."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from grader import registry
from grader.cli import main
from grader.hidden import public_cases
from grader.references import solution_source
from grader.sandbox.isolation import base_level



def attn(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run ``attn-judge`` in a subprocess, exactly as a user would."""
    return subprocess.run([sys.executable, "-m", "grader.cli", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout, env={**os.environ, **(env or {})})


def test_list_json_has_every_problem_of_the_registry_in_order():
    result = CliRunner().invoke(main, ["list", "--json"])
    assert result.exit_code == 0
    problems = json.loads(result.output)
    assert [p["id"] for p in problems] == registry.problem_ids()
    assert all(p["title"] and p["title_zh"] and p["difficulty"] in registry.DIFFICULTIES for p in problems)


def test_show_in_both_languages():
    runner = CliRunner()
    en = runner.invoke(main, ["show", "multi_head_attention"])
    zh = runner.invoke(main, ["show", "multi_head_attention", "--lang", "zh"])
    assert en.exit_code == zh.exit_code == 0
    assert "Multi-head attention" in en.output and "多头注意力" in zh.output


LATEX = re.compile(r"\\[a-zA-Z]{2,}|\$")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_show_lays_out_a_statement_with_its_math_as_text(lang):
    """A terminal shows neither LaTeX nor MathML: every statement's math reads as text, and in a
    pipe or a file (no colours, no bold) its headings keep their marks."""
    for problem_id in registry.problem_ids():
        shown = CliRunner().invoke(main, ["show", problem_id, "--lang", lang])
        assert shown.exit_code == 0, shown.output
        assert LATEX.findall(shown.output) == [], problem_id
        assert "\x1b[" not in shown.output and "\n## " in shown.output, problem_id
    rope = CliRunner().invoke(main, ["show", "rotary_embedding", "--lang", lang]).output
    assert "θ_i = base^(-2i/D)" in rope


def test_show_colours_a_terminal_unless_no_color_is_set(monkeypatch):
    from grader import cli, statement_text

    coloured = statement_text.render("## Why\n\nthe **offset** $p\\,\\theta_i$", width=80, color=True)
    assert "\x1b[" in coloured and "p θ_i" in coloured and "##" not in coloured
    monkeypatch.setattr(cli.sys.stdout, "isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert cli._colour_wanted()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not cli._colour_wanted()


def test_unknown_problem_is_a_usage_error_with_close_matches():
    result = CliRunner().invoke(main, ["show", "multihead_attention"])
    assert result.exit_code == 2
    assert "multi_head_attention" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("name", ["Self_Attention", "self-attention", "SELF ATTENTION"])
def test_a_problem_id_in_other_case_or_with_hyphens_is_the_only_suggestion(name, tmp_path):
    shown = CliRunner().invoke(main, ["show", name])
    assert shown.exit_code == 2 and "self_attention" in shown.output
    assert "shared_qk_attention" not in shown.output and "Traceback" not in shown.output
    source = tmp_path / f"{name}.py"
    source.write_text(registry.get("self_attention").stub())
    checked = CliRunner().invoke(main, ["check", str(source)])
    assert checked.exit_code == 2 and "Did you mean self_attention.py?" in checked.output


@pytest.mark.parametrize("stem, expected", [("mha", "multi_head_attention"), ("GQA", "grouped_query_attention"),
                                            ("sdpa", "scaled_dot_product_attention"), ("RoPE", "rotary_embedding")])
def test_a_file_named_by_the_problem_s_usual_abbreviation_is_offered_that_problem(stem, expected, tmp_path):
    source = tmp_path / f"{stem}.py"
    source.write_text(registry.get(expected).stub())
    checked = CliRunner().invoke(main, ["check", str(source)])
    assert checked.exit_code == 2 and f"Did you mean {expected}.py?" in checked.output


@pytest.mark.parametrize("stem", ["x", "-x", "a"])
def test_a_name_of_one_letter_is_offered_no_problem_that_merely_holds_it(stem, tmp_path):
    """"x" is inside "text_generation" and "a" inside every ID: no suggestion is better than those."""
    source = tmp_path / f"{stem}.py"
    source.write_text("x = 1\n")
    checked = CliRunner().invoke(main, ["check", str(source)])
    assert checked.exit_code == 2 and "Traceback" not in checked.output
    assert "Did you mean" not in checked.output and "text_generation" not in checked.output


def test_a_file_named_with_a_word_of_several_problems_is_offered_every_one_of_them(tmp_path):
    """my_attention.py: the closest in spelling first, then every other attention problem (the
    easy scaled_dot_product_attention among them), not the first three alone."""
    source = tmp_path / "my_attention.py"
    source.write_text(registry.get("self_attention").stub())
    checked = CliRunner().invoke(main, ["check", str(source)])
    attention = [i for i in registry.problem_ids() if "attention" in i.split("_")]
    assert checked.exit_code == 2 and len(attention) == 7
    assert all(f"{i}.py" in checked.output for i in attention)
    assert "Did you mean self_attention.py, " in checked.output


def test_start_writes_the_stub_and_never_overwrites(tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["start", "self_attention", "--dir", str(tmp_path)])
    target = tmp_path / "self_attention.py"
    assert first.exit_code == 0 and target.read_text() == registry.get("self_attention").stub()
    target.write_text("# my work\n")
    second = runner.invoke(main, ["start", "self_attention", "--dir", str(tmp_path)])
    assert second.exit_code == 2 and "already exists" in second.output
    assert target.read_text() == "# my work\n"


def test_same_as_above_stands_for_a_whole_message_and_never_hides_a_hint(capsys):
    """A failure whose first line repeats the test above but whose table differs is shown whole;
    a message repeated whole becomes "(same as above)", and each test's hint stays unless it
    repeats the hint of the test above too (the same failure, said once)."""
    from grader.cli import _print_results
    from grader.i18n import same

    def failed(number, output):
        return {"number": number, "name": "n", "score": 0, "max_score": 1, "status": "failed", "output": output}

    tests = [failed("P1", "output: off\ngot: 1\nHint: one"), failed("P2", "output: off\ngot: 2\nHint: two"),
             failed("P3", "output: off\ngot: 2\nHint: three"), failed("P4", "output: off\ngot: 2\nHint: three"),
             failed("P5", "output: off\ngot: 2\nHint: one")]
    _print_results({"tests": tests, "output": "", "extra_data": {"isolation": "x"}}, title=same("t"), lang="en")
    shown = [line.strip() for line in capsys.readouterr().out.splitlines()]
    assert shown[1:] == ["✗ P1    n  (0/1)", "output: off", "got: 1", "Hint: one",
                         "✗ P2    n  (0/1)", "output: off", "got: 2", "Hint: two",
                         "✗ P3    n  (0/1)", "(same as above)", "Hint: three",
                         "✗ P4    n  (0/1)", "(same as above)",
                         "✗ P5    n  (0/1)", "(same as above)", "Hint: one", ""]


@pytest.mark.sandbox
def test_check_a_stub_then_a_solution(tmp_path):
    assert attn("start", "scaled_dot_product_attention", cwd=tmp_path).returncode == 0
    failing = attn("check", "scaled_dot_product_attention.py", cwd=tmp_path,
                   env={"ATTN_JUDGE_HOME": str(tmp_path / "home")})
    assert failing.returncode == 1
    assert "not implemented" in failing.stdout
    tests = len(public_cases(registry.get("scaled_dot_product_attention")))
    assert failing.stdout.count("(same as above)") == tests - 1  # every test, one message
    (tmp_path / "scaled_dot_product_attention.py").write_text(
        solution_source(registry.get("scaled_dot_product_attention")))
    passing = attn("check", "scaled_dot_product_attention.py", cwd=tmp_path,
                   env={"ATTN_JUDGE_HOME": str(tmp_path / "home")})
    assert passing.returncode == 0, passing.stdout + passing.stderr
    assert "Every public test passes. The hidden tests try more" in passing.stdout  # never "everything"
    progress = json.loads((tmp_path / "home" / "progress.json").read_text())
    assert progress["scaled_dot_product_attention"]["solved"] is True


@pytest.mark.sandbox
@pytest.mark.parametrize("problem_id, returned, said", [
    ("scaled_dot_product_attention", "return output, weights", "(weights, output), in this order; the contract returns (output, weights)"),
    ("flash_attention", "return output, lse", "(lse, output), in this order; the contract returns (output, lse)"),
])
def test_items_returned_in_another_order_are_told_so_once_not_given_each_tests_hint(tmp_path, problem_id,
                                                                                    returned, said):
    """(weights, output) for (output, weights): every test's hint (scaling, masks, dtypes) was
    beside the point; the learner is told the order to return, once."""
    source = solution_source(registry.get(problem_id))
    assert source.count(returned) == 1, "the reference returns these names"
    swapped = ", ".join(reversed(returned.removeprefix("return ").split(", ")))
    (tmp_path / f"{problem_id}.py").write_text(source.replace(returned, f"return {swapped}"))
    result = attn("check", f"{problem_id}.py", cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(tmp_path / "home")})
    assert result.returncode == 1
    assert said in result.stdout, result.stdout
    assert result.stdout.count("Hint: ") == 1 and "as the signature says" in result.stdout, result.stdout


@pytest.mark.parametrize("damaged, kept_aside", [('{"scaled_dot_product_attention": 5, "self_attention": null}', False),
                                                 ('{"scaled_dot_product_attention": [1, 2', True),
                                                 ('[]', True)])
def test_a_damaged_progress_file_costs_the_learner_neither_the_check_nor_the_file(tmp_path, damaged, kept_aside):
    """The progress file is the learner's: broken by hand or by a full disk, it still lets a check
    run and print its results, the site still builds, and what it held is kept, not overwritten."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "progress.json").write_text(damaged)
    solution = tmp_path / "scaled_dot_product_attention.py"
    solution.write_text(solution_source(registry.get("scaled_dot_product_attention")))
    checked = attn("check", str(solution), cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(home)})
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Every public test passes" in checked.stdout and "Traceback" not in checked.stderr
    progress = json.loads((home / "progress.json").read_text())
    assert progress["scaled_dot_product_attention"]["solved"] is True
    if kept_aside:  # not an object of records: kept beside, as it was
        assert (home / "progress.damaged.json").read_text() == damaged
    built = attn("site", "build", "--out", str(tmp_path / "site"), cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(home)})
    assert built.returncode == 0, built.stderr


@pytest.mark.parametrize("notebook", [False, True])
@pytest.mark.parametrize("where", ["a_file/inside", "/proc/no_folder_here"])  # a file itself: click says so
def test_start_into_a_folder_it_cannot_write_gets_one_message(tmp_path, monkeypatch, where, notebook):
    (tmp_path / "a_file").write_text("mine\n")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["start", "self_attention", "--dir", where, *(["--notebook"] if notebook else [])])
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit)  # a message, not a traceback
    assert f"--dir {where}: cannot write self_attention.{'ipynb' if notebook else 'py'} there" in result.output
    assert (tmp_path / "a_file").read_text() == "mine\n"


def test_start_quotes_the_command_it_suggests(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["start", "self_attention", "--dir", "my work"])
    assert result.exit_code == 0
    assert "then run: attn-judge check 'my work/self_attention.py'" in result.output


@pytest.mark.parametrize("name, said", [
    ("nonexistent.py", "nonexistent.py: no such file"),
    ("Untitled.ipynb", "Rename the file to <problem_id>.ipynb"),
    ("multi_head_attention-checkpoint.ipynb", "Did you mean multi_head_attention.ipynb? Rename"),
    ("scaled_dot_product_attention (1).py", "Did you mean scaled_dot_product_attention.py? Rename"),
    ("self_attention_v2.py", "Did you mean self_attention.py? Rename"),
])
def test_a_file_check_cannot_place_is_told_what_to_do_about_it(tmp_path, monkeypatch, name, said):
    """A missing file is named as missing; a notebook is told notebook names; a copy's name (as a
    download or a checkpoint names it) gets the problem it copies, alone."""
    monkeypatch.chdir(tmp_path)
    if not name.startswith("nonexistent"):
        (tmp_path / name).write_text("x = 1\n")
    result = CliRunner().invoke(main, ["check", name])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert said in result.output


@pytest.mark.parametrize("command", [["show", "kv_cache"], ["check", "scaled_dot_product_attention.py"]])
def test_no_color_leaves_no_escape_sequence_even_on_a_terminal(tmp_path, monkeypatch, command):
    """no-color.org: NO_COLOR set means no colour or emphasis, also where colours would be used."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "scaled_dot_product_attention.py").write_text(registry.get("scaled_dot_product_attention").stub())
    env = {"ATTN_JUDGE_HOME": str(tmp_path / "home")}
    coloured = CliRunner().invoke(main, command, color=True, env=env)
    assert "\x1b[" in coloured.output  # a terminal gets them
    plain = CliRunner().invoke(main, command, color=True, env={**env, "NO_COLOR": "1"})
    assert plain.exit_code == coloured.exit_code
    assert "\x1b[" not in plain.output and "\x1b[" not in plain.stderr


def test_show_gives_the_difficulty_in_the_readers_language():
    result = CliRunner().invoke(main, ["show", "kv_cache", "--lang", "zh"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].endswith("[中等]")


def test_check_needs_a_problem_it_can_recognise(tmp_path):
    (tmp_path / "attention.py").write_text("x = 1\n")
    result = CliRunner().invoke(main, ["check", str(tmp_path / "attention.py")])
    assert result.exit_code == 2
    assert "--problem" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("command", ["check", "grade"])
def test_an_archive_is_told_to_be_unpacked(tmp_path, command):
    """A class, or one submission, as an LMS exports it: a zip is never opened nor taken for a
    misnamed file, even with --problem."""
    (tmp_path / "class.zip").write_bytes(b"PK\x03\x04")
    for extra in ([], ["--problem", "self_attention"]):
        result = CliRunner().invoke(main, [command, str(tmp_path / "class.zip"), *extra])
        assert result.exit_code == 2
        assert "class.zip: a zip archive, which attn-judge does not open; unpack it" in result.output


@pytest.mark.sandbox
def test_grade_json_prints_only_results(tmp_path):
    path = tmp_path / "positional_encoding.py"
    path.write_text(solution_source(registry.get("positional_encoding")))
    result = attn("grade", str(path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    results = json.loads(result.stdout)
    assert results["score"] == results["max_score"] > 0
    assert results["extra_data"]["problem"] == "positional_encoding"
    assert results["extra_data"]["seed"] == 0


@pytest.mark.sandbox
def test_secret_seed_is_never_written(tmp_path):
    path = tmp_path / "scaled_dot_product_attention.py"
    path.write_text(solution_source(registry.get("scaled_dot_product_attention")))
    result = attn("grade", str(path), "--json", "--seed", "987654321", cwd=tmp_path)
    assert "987654321" not in result.stdout
    extra = json.loads(result.stdout)["extra_data"]
    assert "seed" not in extra and len(extra["seed_fingerprint"]) == 16


def _notebook(path: Path) -> None:
    path.write_text(json.dumps({"cells": [{"cell_type": "code", "source": ["x = 1"]}], "nbformat": 4}))


BAD_INPUTS = {
    "empty": (lambda p: p.write_text("   \n"), "bad_submission", "empty"),
    "binary": (lambda p: p.write_bytes(b"\x7fELF\x00\x01\x02"), "bad_submission", "binary"),
    "not_utf8": (lambda p: p.write_bytes("x = 'é'\n".encode("latin-1")), "bad_submission", "UTF-8"),
    "utf16": (lambda p: p.write_text("x = 1\n", encoding="utf-16"), "bad_submission", "saved as UTF-16; save it as UTF-8"),
    "utf32": (lambda p: p.write_text("x = 1\n", encoding="utf-32"), "bad_submission", "saved as UTF-32; save it as UTF-8"),
    "latin1_cookie": (lambda p: p.write_bytes(b"# -*- coding: latin-1 -*-\nx = 1\n"), "bad_submission",
                      "encoding"),
    "huge": (lambda p: p.write_bytes(b"# " + b"x" * (30 * 1024 * 1024) + b"\n"), "bad_submission", "1 MiB"),
    "notebook_as_py": (_notebook, "bad_submission", "notebook"),
    "directory": (lambda p: p.mkdir(), "bad_submission", "directory"),
    "symlink": (lambda p: p.symlink_to("/etc/hostname"), "bad_submission", "symbolic link"),
    "syntax_error": (lambda p: p.write_text("def scaled_dot_product_attention(:\n"), "syntax_error", "line 1"),
    "missing_symbol": (lambda p: p.write_text("def attention(q, k, v):\n    pass\n"), "missing_symbol",
                       "scaled_dot_product_attention"),
}


@pytest.mark.sandbox
@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_gets_one_clear_message_and_an_error_kind(tmp_path, name):
    make, kind, words = BAD_INPUTS[name]
    path = tmp_path / "scaled_dot_product_attention.py"
    make(path)
    result = attn("grade", str(path), "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    error = json.loads(result.stdout)["extra_data"]["error"]
    assert error["kind"] == kind and words in error["message"]
    assert "Traceback" not in result.stderr


@pytest.mark.sandbox
@pytest.mark.parametrize("lang, asked", [
    ("en", "does not define MultiHeadAttention (names are case-sensitive; start from the stub) — but it defines "
           "self_attention, which problem self_attention asks for: is this the right file?"),
    ("zh", "文件没有定义 MultiHeadAttention（名字区分大小写；请从题目模板开始）——但它定义了 self_attention，"
           "这是题目 self_attention 要求的名字：是不是用错了文件？"),
])
def test_another_problem_s_file_is_asked_whether_it_is_the_right_file(tmp_path, lang, asked):
    """A self-attention solution saved as multi_head_attention.py: the message names the problem it solves."""
    path = tmp_path / "multi_head_attention.py"
    path.write_text(solution_source(registry.get("self_attention")))
    result = attn("check", str(path), "--lang", lang, cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(tmp_path / "home")})
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert asked in result.stdout, result.stdout


class MissingNamesRunner:
    """A runner whose child reports every name of the problem missing, whatever the source (the child
    loads what the trusted side may be unable to parse)."""

    isolation = "none (test double)"

    def run(self, *, source, filename, symbols, forbidden, invocations, limits):
        from grader.grading import load_failure_error
        from grader.runs import RunReport
        from grader.sandbox.messages import ErrorKind, LoadFailure

        failure = LoadFailure(ErrorKind.MISSING_SYMBOL, ", ".join(symbols))
        return RunReport(outcomes=[None] * len(invocations), error=load_failure_error(failure),
                         isolation=self.isolation)


def _missing_names_message(source: str) -> str:
    from grader.grading import grade

    results = grade(problem=registry.get("multi_head_attention"), source=source, filename="multi_head_attention.py",
                    runner=MissingNamesRunner(), public=True, enforce_forbidden=False)
    return results["extra_data"]["error"]["message"]


UNCHANGED = "the file does not define MultiHeadAttention (names are case-sensitive; start from the stub)"


@pytest.mark.parametrize("source", [
    "import torch\n\n\nclass MultiheadAttention(torch.nn.Module):\n    pass\n\n\ndef helper(x):\n    return x\n",
    "def self_attention_v2(x):\n    return x\n\nif True:\n    def generate(x):\n        return x\n",
])
def test_a_file_defining_no_other_problem_s_names_keeps_the_missing_names_message(source):
    """Neither other names nor another problem's name defined below the top level suggest a problem."""
    assert _missing_names_message(source) == UNCHANGED


SELF_ATTENTION = "def self_attention(x, w_q, w_k, w_v):\n    return x\n"


@pytest.mark.parametrize("source", [
    SELF_ATTENTION + "x = " + "(" * 100_000 + "1" + ")" * 100_000 + "\n",  # the tokenizer refuses it
    SELF_ATTENTION + "x = " + "-" * 5_000 + "1\n",  # too deep for the parser's recursion
    SELF_ATTENTION + "x = 1\0\n",  # a null byte
    SELF_ATTENTION + "# " + "x" * 200_000 + "\n",  # over the size that is parsed for a hint
], ids=["nested_parentheses", "deep_unary", "null_byte", "over_the_bound"])
def test_a_source_that_cannot_be_parsed_for_a_hint_gets_none_and_no_exception(source):
    assert _missing_names_message(source) == UNCHANGED


def test_the_problem_named_is_the_one_whose_names_are_defined_last():
    """A helper that another problem asks for (scaled_dot_product_attention) comes before the code
    that calls it: the problem named is the one that code solves."""
    helper = "def scaled_dot_product_attention(q, k, v):\n    return q\n\n"
    assert _missing_names_message(helper + SELF_ATTENTION).endswith(
        "— but it defines self_attention, which problem self_attention asks for: is this the right file?")


def test_bad_input_to_check_is_a_usage_error(tmp_path):
    path = tmp_path / "scaled_dot_product_attention.py"
    path.write_bytes(b"\x00\x01")
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2 and "binary" in result.output and "Traceback" not in result.output


def test_a_file_just_over_the_size_limit_is_not_said_to_be_the_limit(tmp_path):
    path = tmp_path / "scaled_dot_product_attention.py"
    path.write_bytes(b"#" * (1024 * 1024 + 50 * 1024))  # 1.05 MiB
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2 and "is 1.1 MiB; a submission may be at most 1 MiB" in result.output, result.output


def test_a_notebook_that_is_not_valid_gets_one_clear_message(tmp_path):
    path = tmp_path / "self_attention.ipynb"
    _notebook(path)  # no metadata: nbformat refuses it
    result = CliRunner().invoke(main, ["check", str(path)])
    assert result.exit_code == 2 and "notebook" in result.output and "Traceback" not in result.output


def test_missing_path_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["grade", str(tmp_path / "nope.py")])
    assert result.exit_code == 2 and "no such file" in result.output


@pytest.mark.parametrize("where, words", [
    ("class", "holds {file}: the report would be written among the submissions"),
    ("results", "is in the output folder of a class run ({results})"),
    ("results/ana", "is in the output folder of a class run ({results})"),
])
def test_grade_file_refuses_an_out_folder_where_the_report_would_be_taken_for_a_submission(tmp_path, where, words):
    """``grade FILE --out`` into a class directory holding the student's folder, or into a class run's
    output folder, made the report a phantom student of the next run; class mode refuses both, one
    file was never checked."""
    root = _class_of_one(tmp_path)
    results = tmp_path / "results"
    (results / ".attn-judge").mkdir(parents=True)  # what a class run leaves in its output folder
    before = sorted(tmp_path.rglob("*"))
    file = root / "ana" / "self_attention.py"
    out = tmp_path / where
    result = CliRunner().invoke(main, ["grade", str(file), "--out", str(out)])
    assert result.exit_code == 2, result.output
    said = words.format(folder=(root / "ana").resolve(), file=file, results=results.resolve())
    assert f"Error: --out {out.resolve()} {said}" in result.output and "Traceback" not in result.output
    assert sorted(tmp_path.rglob("*")) == before  # nothing written


@pytest.mark.sandbox
def test_grade_file_writes_its_report_again_into_a_folder_of_its_own_beside_the_submission(tmp_path):
    """The checks of ``grade FILE --out`` leave the ordinary cases alone: a new folder, then the same
    folder again (its report replaced); a learner's report folder beside the file, or the file's own."""
    root = _class_of_one(tmp_path)
    for out in (tmp_path / "ana-report", tmp_path / "ana-report", root / "ana" / "report", root / "ana"):
        result = attn("grade", str(root / "ana" / "self_attention.py"), "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert (out / "self_attention" / "report.html").is_file()
        assert json.loads((out / "self_attention" / "results.json").read_text())["score"] > 0


@pytest.mark.parametrize("here, words", [
    ("class/ana", "is inside the class directory {root}"),
    (".", "already holds files that no class run wrote"),
])
def test_the_default_output_folder_is_named_as_such_when_refused(tmp_path, monkeypatch, here, words):
    """``grade CLASS`` without --out, from a folder where ./attn-judge-results cannot take the
    results: the message once read "--out … is inside the class directory", an option never given."""
    root = _class_of_one(tmp_path)
    (tmp_path / "attn-judge-results").mkdir()
    (tmp_path / "attn-judge-results" / "notes.txt").write_text("mine\n")
    monkeypatch.chdir(tmp_path / here)
    result = CliRunner().invoke(main, ["grade", str(root)])
    assert result.exit_code == 2, result.output
    default = (tmp_path / here / "attn-judge-results").resolve()
    assert (f"Error: the default output folder {default} (used without --out; pass --out to put the results "
            f"elsewhere) {words.format(root=root.resolve())}") in result.output
    assert "Error: --out" not in result.output and "Traceback" not in result.output
    explicit = CliRunner().invoke(main, ["grade", str(root), "--out", str(default)])
    assert f"Error: --out {default} {words.format(root=root.resolve())}" in explicit.output


@pytest.mark.parametrize("brk", ["\n", "\r", "\x85", "\u2028", "\u2029"])
def test_a_line_break_in_a_name_cannot_start_a_line_of_its_own(tmp_path, brk):
    """A name holding a line break is shown on its one line, the break as ``?``, as any other
    control: it cannot forge a line that reads as the grader's."""
    result = CliRunner().invoke(main, ["grade", str(tmp_path / f"x{brk}Submissions graded: 99.py")])
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "x?Submissions graded: 99.py" in result.output


def _class_of_one(tmp_path: Path) -> Path:
    root = tmp_path / "class"
    (root / "ana").mkdir(parents=True)
    (root / "ana" / "self_attention.py").write_text(solution_source(registry.get("self_attention")))
    return root


@pytest.mark.parametrize("args, words", [
    (["--workers", "100000"], ["--workers 100000: at most", "cores", "GB of memory", "or fewer"]),
    (["--scheduler", "local:100000"], ["--scheduler local:100000: at most", "or fewer"]),
    (["--scheduler", "local:0"], ["--scheduler local:0: not a scheduler address", "local:N"]),
    (["--scheduler", "8786"], ["--scheduler 8786: not a scheduler address", "tcp://HOST:PORT"]),
    (["--scheduler", "local:"], ["--scheduler local:: not a scheduler address", "local:N"]),
    (["--scheduler", "tcp://127.0.0.1:99999"], ["--scheduler tcp://127.0.0.1:99999: not a scheduler address"]),
    (["--scheduler", "tcp://:8786"], ["--scheduler tcp://:8786: not a scheduler address"]),
    (["--scheduler", "ucx://127.0.0.1:1"], ["--scheduler ucx://127.0.0.1:1: not a scheduler address"]),
    (["--scheduler", "tls://127.0.0.1:9"], ["--scheduler tls://127.0.0.1:9: cannot reach", "Dask's TLS settings"]),
], ids=["workers", "local-workers", "local-zero", "no-protocol", "local-no-count", "port-out-of-range", "no-host",
        "ucx", "tls-unconfigured"])
def test_a_class_asked_of_too_many_workers_or_no_scheduler_gets_one_message(tmp_path, args, words):
    """Refused before any worker starts: 100,000 workers would each load torch and exhaust the memory."""
    _class_refused_in_one_line(tmp_path, args, words)


def _class_refused_in_one_line(tmp_path, args, words):
    """``grade`` of a class with ``args``: exit 2, one error line holding ``words``, no OUT made."""
    root = _class_of_one(tmp_path)
    result = attn("grade", str(root), "--out", str(tmp_path / "out"), *args, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]
    assert not (tmp_path / "out").exists()
    return result


@pytest.mark.parametrize("args, words", [
    (["--inputs", "per-file"], ["--inputs per-file grades one file", "leave it out"]),
    (["--json"], ["--json prints one file's results.json", "leave out --json, or give one file's path"]),
    (["--workers", "2", "--scheduler", "local:2"], ["--workers sets this machine's pool", "give one of the two"]),
], ids=["inputs", "json", "workers-and-scheduler"])
def test_an_option_of_one_file_given_for_a_class_is_refused(tmp_path, args, words):
    """--json on a class folder was once ignored in silence: the user asked for JSON and got a
    progress bar and files. Refused, like --inputs, before anything is graded or written."""
    assert _class_refused_in_one_line(tmp_path, args, words).stdout == ""


@pytest.mark.parametrize("scheduler", ["local:2", "tcp://127.0.0.1:1", "nonsense"])
def test_a_scheduler_given_for_one_file_is_refused(tmp_path, scheduler):
    """One file was graded on this machine whatever --scheduler said (even an address nobody
    answers): an instructor re-grading a disputed file "on the cluster" believed it ran there."""
    path = tmp_path / "self_attention.py"
    path.write_text(solution_source(registry.get("self_attention")))
    result = attn("grade", str(path), "--scheduler", scheduler, cwd=tmp_path, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [
        "Error: --scheduler grades a class (a folder of student folders) on Dask workers; one file is graded on "
        "this machine: leave --scheduler out, or give the class's folder."]


@pytest.mark.parametrize("command", ["check", "grade"])
@pytest.mark.parametrize("value", ["inf", "nan", "-1", "1e9"])
def test_a_timeout_that_is_not_a_number_of_seconds_is_refused(tmp_path, command, value):
    """inf once graded every submission as the grader's error (OverflowError), nan left loops to the
    submission's whole budget: refused, with the option named."""
    path = tmp_path / "self_attention.py"
    path.write_text(solution_source(registry.get("self_attention")))
    result = CliRunner().invoke(main, [command, str(path), "--timeout", value])
    assert result.exit_code == 2 and "Invalid value for '--timeout'" in result.output, result.output


@pytest.mark.parametrize("grade_one", ["check", "grade_file"])
def test_one_submission_starts_one_sandbox_worker_whatever_the_cores(tmp_path, monkeypatch, grade_one):
    """A learner's check (and grading one file) must not pay a torch import per core."""
    from grader import services

    class Started(Exception):
        pass

    def recording_executor(*, workers, **_):
        raise Started(workers)

    monkeypatch.setattr(services, "LocalExecutor", recording_executor)
    monkeypatch.setattr(services.capacity, "cores", lambda: 8)
    monkeypatch.setattr(services.capacity, "memory_mb", lambda: 64 * 1024)  # any machine: 8 fit
    path = tmp_path / "self_attention.py"
    path.write_text(solution_source(registry.get("self_attention")))
    with pytest.raises(Started) as started:
        if grade_one == "check":
            services.check_file(path=path, problem_id=None)
        else:
            services.grade_file(path=path, problem_id=None)
    assert started.value.args == (1,)
    with pytest.raises(Started) as started:
        services.open_executor(allow_weak=False)  # a class: one per core
    assert started.value.args == (8,)


def test_an_unreachable_scheduler_gets_one_message(monkeypatch):
    from grader import dask_backend, services

    monkeypatch.setattr(dask_backend, "CONNECT_SECONDS", 1)
    with pytest.raises(services.UserError) as caught:
        services.open_executor(allow_weak=False, scheduler="tcp://127.0.0.1:9")
    assert caught.value.text.en.startswith("--scheduler tcp://127.0.0.1:9: cannot reach the Dask scheduler")


def test_a_scheduler_host_that_does_not_resolve_is_said_at_once(monkeypatch):
    """A misspelt host name was said only after the connection's 30 s, as a timeout: said at once,
    as a name that does not resolve (.invalid never does)."""
    from grader import dask_backend, services

    def never_connect(*args, **kwargs):
        raise AssertionError("a connection was tried to a host whose name does not resolve")

    monkeypatch.setattr(dask_backend, "_connected_client", never_connect)
    with pytest.raises(services.UserError) as caught:
        services.open_executor(allow_weak=False, scheduler="tcp://no-such-host.invalid:8786")
    said = caught.value.text.en
    assert said.startswith("--scheduler tcp://no-such-host.invalid:8786: cannot reach the Dask scheduler (no host "
                           "is named 'no-such-host.invalid' (the name does not resolve"), said
    assert said.endswith("check the address)"), said


def _serving(answer: bytes | None):
    """A TCP server on this machine that is no Dask scheduler: it answers ``answer`` to whatever it
    is sent (a web server's reply), or nothing at all (None); its address."""
    server = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        with server:
            while True:
                try:
                    connection, _ = server.accept()
                except OSError:
                    return
                if answer is not None:
                    connection.recv(65536)
                    connection.sendall(answer)
                kept.append(connection)  # never closed: a peer that keeps the handshake waiting

    kept: list = []
    threading.Thread(target=serve, daemon=True).start()
    return server, f"tcp://127.0.0.1:{server.getsockname()[1]}"


@pytest.mark.parametrize("answer", [None, b"HTTP/1.1 404 Not Found\r\nserver: x\r\n\r\n" + b"\xff" * 64],
                         ids=["silent", "web-server"])
def test_a_service_that_is_no_scheduler_gets_one_message_in_bounded_time(monkeypatch, answer):
    """The dashboard's port for the scheduler's, a web server: Dask can wait on its handshake for
    ever or decode a reply into an absurd allocation; the command says what is wrong, in time."""
    from grader import dask_backend, services

    monkeypatch.setattr(dask_backend, "CONNECT_SECONDS", 2)
    monkeypatch.setattr(dask_backend, "CONNECT_GRACE_SECONDS", 1)
    server, address = _serving(answer)
    try:
        with pytest.raises(services.UserError) as caught:
            services.open_executor(allow_weak=False, scheduler=address)
    finally:
        server.close()
    assert caught.value.text.en.startswith(f"--scheduler {address}: cannot reach the Dask scheduler")


def test_workers_stuck_closing_are_named_with_how_to_stop_them(monkeypatch):
    """Not 'no worker can grade' (the cluster's other workers can): which are stuck, and that they
    need kill -9."""
    from grader import dask_backend, services

    def stuck(scheduler, **_):
        raise dask_backend.WorkersStuck("tcp://10.0.0.7:40111: stuck closing")

    monkeypatch.setattr(dask_backend, "open_dask_executor", stuck)
    with pytest.raises(services.UserError) as caught:
        services.open_executor(allow_weak=False, scheduler="tcp://127.0.0.1:8786")
    said = caught.value.text.en
    assert said.startswith("--scheduler tcp://127.0.0.1:8786: tcp://10.0.0.7:40111: stuck closing: ")
    assert "kill -9" in said and "no Dask worker can grade" not in said


CJK = re.compile(r"[\u4e00-\u9fff]")


def _told_in_chinese(result: subprocess.CompletedProcess, *words: str) -> None:
    """Exit code 2 and one line on stderr, in Chinese, naming ``words``; nothing else printed."""
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("错误：") and CJK.search(lines[0]), lines[0]
    assert all(word in lines[0] for word in words), lines[0]
    assert "Traceback" not in result.stderr and result.stdout == ""


@pytest.mark.parametrize("lang_args, lang_variable", [(["--lang", "zh"], "en"), ([], "zh")],
                         ids=["option", "variable"])
def test_user_errors_are_told_in_the_users_language(tmp_path, lang_args, lang_variable):
    """``--lang zh`` (over ATTN_JUDGE_LANG=en), or ATTN_JUDGE_LANG=zh alone, gives the Chinese message."""
    env = {"ATTN_JUDGE_LANG": lang_variable, "ATTN_JUDGE_HOME": str(tmp_path / "home")}
    missing = attn("check", "self_attention.py", *lang_args, cwd=tmp_path, env=env)
    _told_in_chinese(missing, "self_attention.py", "文件不存在")
    unknown = attn("show", "no_such_problem", *lang_args, cwd=tmp_path, env=env)
    _told_in_chinese(unknown, "no_such_problem", "没有题目", "attn-judge list")


def test_user_errors_stay_in_english_for_an_english_user(tmp_path):
    result = attn("show", "no_such_problem", cwd=tmp_path, env={"ATTN_JUDGE_LANG": "en"})
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.splitlines() == ["Error: unknown problem 'no_such_problem'. Run 'attn-judge list' "
                                          "to see all problems."]


@pytest.mark.sandbox
def test_weak_isolation_is_refused_for_grading_unless_allowed(tmp_path):
    path = tmp_path / "scaled_dot_product_attention.py"
    path.write_text(solution_source(registry.get("scaled_dot_product_attention")))
    weak = {"ATTN_JUDGE_ISOLATION": "weak"}
    refused = attn("grade", str(path), "--json", cwd=tmp_path, env=weak)
    assert refused.returncode == 2 and "--allow-weak-isolation" in refused.stderr
    refused_zh = attn("grade", str(path), "--json", "--lang", "zh", cwd=tmp_path, env=weak)
    assert refused_zh.returncode == 2 and "只有弱隔离" in refused_zh.stderr and "Only weak" not in refused_zh.stderr
    assert refused.stdout == ""
    allowed = attn("grade", str(path), "--json", "--allow-weak-isolation", cwd=tmp_path, env=weak)
    assert allowed.returncode == 0
    extra = json.loads(allowed.stdout)["extra_data"]
    assert base_level(extra["isolation"]) == "weak" and "weak isolation" in extra["isolation_warning"]
    checked = attn("check", str(path), cwd=tmp_path, env={**weak, "ATTN_JUDGE_HOME": str(tmp_path)})
    assert checked.returncode == 0 and "weak isolation" in checked.stderr


@pytest.mark.sandbox
def test_what_the_isolation_does_is_said_in_the_users_language(tmp_path):
    english = attn("isolation", "--describe", cwd=tmp_path, env={"ATTN_JUDGE_LANG": "en"})
    chinese = attn("isolation", "--describe", cwd=tmp_path, env={"ATTN_JUDGE_LANG": "zh"})
    assert english.returncode == chinese.returncode == 0
    level, described = english.stdout.splitlines()
    assert chinese.stdout.splitlines()[0] == level
    said = chinese.stdout.splitlines()[1]
    assert described.startswith(("Linux namespaces", "a Linux user namespace", "resource limits"))
    assert said.startswith(("Linux 命名空间", "Linux 用户命名空间", "只有资源限制")) and not any(
        word in said for word in ("namespaces (", "resource limits", "filter", "control group"))
    assert said.count("；") == described.count("; ") == level.count("+") - (base_level(level) == "namespaces+uid")


UID_BASE_REFUSED = ("is not a uid base: give a whole number from 1000 to 2147479647 (sandboxes run as that uid "
                    "and the 3999 after it), or unset it for 61000")
ISOLATION_REFUSED = ("means nothing: its one value is 'weak' (resource limits only, for testing); unset it for "
                     "the strongest isolation")


@pytest.mark.parametrize("variable, value, why", [
    *[("ATTN_JUDGE_UID_BASE", value, UID_BASE_REFUSED) for value in ("abc", "0", "999", "99999999999", "-5")],
    *[("ATTN_JUDGE_ISOLATION", value, ISOLATION_REFUSED) for value in ("Weak", "strong", "none")],
])
def test_a_sandbox_setting_that_means_nothing_gets_one_message(tmp_path, variable, value, why):
    """Never a traceback, never a fallback: with a uid base of 0 a child could have been given root's
    uid, and a typo of ATTN_JUDGE_ISOLATION=weak passed for the default."""
    path = tmp_path / "self_attention.py"
    path.write_text(solution_source(registry.get("self_attention")))
    result = attn("check", str(path), cwd=tmp_path,
                  env={variable: value, "ATTN_JUDGE_HOME": str(tmp_path / "home")}, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.splitlines() == [f"Error: cannot start the sandbox: {variable}={value!r} {why}"], \
        result.stderr


@pytest.mark.parametrize("args, prestarted", [([], "cores"), (["--workers", "3"], 3), (["--workers", "100000"], 0)],
                         ids=["default", "asked", "refused"])
def test_a_class_starts_all_its_sandboxes_at_once(tmp_path, monkeypatch, args, prestarted):
    """Every sandbox of a class starts while the command loads torch (one of them waited for it);
    none starts for a number of workers the command refuses."""
    from grader import capacity, services, zygote_launch

    started: list[bool] = []
    monkeypatch.setattr(zygote_launch, "prestart", lambda *, quick_start: started.append(quick_start))
    monkeypatch.setattr(capacity, "cores", lambda: 2)
    monkeypatch.setattr(capacity, "memory_mb", lambda: 64 * 1024)

    def stop(**_):
        raise services.UserError(services.UE.NO_STUDENT_FOLDERS.format(root="x", passed=""))

    monkeypatch.setattr(services, "open_executor", stop)
    result = CliRunner().invoke(main, ["grade", str(_class_of_one(tmp_path)), "--out", str(tmp_path / "out"), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert started == [False] * (2 if prestarted == "cores" else prestarted)


@pytest.mark.parametrize("memory", ["99999999999", "1048577", "63"])
def test_a_memory_limit_outside_what_a_kernel_takes_is_refused_before_grading(memory):
    """Above a tebibyte a limit limits nothing (and past 2**43 MB overflows the kernel's counter)."""
    source = str(Path(__file__).parents[1] / "solutions" / "self_attention.py")
    refused = CliRunner().invoke(main, ["grade", source, "--memory", memory])
    assert refused.exit_code == 2 and "--memory" in refused.output and "64<=x<=1048576" in refused.output


USAGE_MISTAKES = [
    ["check"], ["check", "--bogus", "x.py"], ["check", "x.py", "y.py"], ["check", "--timeout", "abc", "x.py"],
    ["check", "--timeout", "0.01", "x.py"], ["check", "--timeout", "nan", "x.py"], ["grade", "--workers", "0", "x"],
    ["grade", "--tim", "3", "x"], ["grade", "x", "--out"], ["grade", "--seed", "1.5", "x"], ["no_such_command"],
    ["--bogus"], ["show", "--lang", "fr", "x"], ["export", "gradescope"], ["export", "gradescope", "--bogus"],
    ["site", "build", "--out", "pyproject.toml"], ["grade", "--seed", "-5", "x"],
    ["export", "gradescope", "x", "--out", "a.zip", "--timeout", "nan"],
    ["export", "prairielearn", "x", "--out", "a", "--seed", "99999999999999999999999"],
    ["grade", "x", "--memory", "99999999999"], ["export", "gradescope", "x", "--out", "a.zip", "--memory", "32"],
]
QUOTED = re.compile(r"'[^']*'|\S*[<>=]\S*|nan")  # what the user typed, or a range, echoed as it is


@pytest.mark.parametrize("words, how", [pytest.param(words, how, id=f"{how}: {' '.join(words)}")
                                        for how in ("option", "variable") for words in USAGE_MISTAKES
                                        if how == "variable" or "--lang" not in words])  # one --lang each
def test_usage_mistakes_are_told_in_the_users_language(words, how, monkeypatch):
    """Click's own errors (an unknown option or command, a missing argument, a bad value) are in
    Chinese for a Chinese user, usage line and hint included; an English user reads click's words."""
    monkeypatch.chdir(Path(__file__).parents[1])
    chinese_words = [*words, "--lang", "zh"] if how == "option" else words
    chinese = CliRunner().invoke(main, chinese_words, prog_name="attn-judge",
                                 env={"ATTN_JUDGE_LANG": "en" if how == "option" else "zh"})
    english = CliRunner().invoke(main, words, prog_name="attn-judge", env={"ATTN_JUDGE_LANG": "en"})
    assert chinese.exit_code == english.exit_code == 2, (chinese.output, english.output)
    error = chinese.stderr.strip().splitlines()[-1]
    assert error.startswith("错误：") and CJK.search(error), chinese.stderr
    assert not re.search(r"[A-Za-z]{3,}", QUOTED.sub("", error.removeprefix("错误："))), error  # no English left
    assert "Error" not in chinese.stderr and "Usage" not in chinese.stderr and "Try" not in chinese.stderr
    assert english.stderr.strip().splitlines()[-1].startswith("Error: ")
    if "Usage:" in english.stderr:
        assert chinese.stderr.startswith("用法：attn-judge") and "查看帮助" in chinese.stderr


def test_the_last_lang_given_words_a_usage_error_as_click_takes_the_last():
    result = CliRunner().invoke(main, ["grade", "--lang=en", "--lang=zh", "--bogus"], prog_name="attn-judge",
                                env={"ATTN_JUDGE_LANG": "en"})
    assert result.exit_code == 2 and "错误：没有选项 '--bogus'。" in result.stderr, result.stderr


@pytest.mark.sandbox
def test_token_ids_that_differ_from_a_public_expected_value_are_shown_beside_it(tmp_path):
    """The public tests write their expected token ids out; a failure showed only "2 of 10 entries
    differ". It now shows both sequences, the first difference marked, as float outputs are."""
    source = solution_source(registry.get("text_generation"))
    sticky = "                next_token = next_token.masked_fill(finished.unsqueeze(-1), eos_token_id)\n"
    assert source.count(sticky) == 1
    (tmp_path / "text_generation.py").write_text(source.replace(sticky, ""))  # finished rows go on
    result = attn("check", "text_generation.py", cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(tmp_path / "home")})
    assert result.returncode == 1
    lines = [line.strip() for line in result.stdout.splitlines()]
    start = lines.index("2 of 10 entries differ from the expected values; the first at index (1, 3): got 1, "
                        "expected 0")
    assert lines[start + 1:start + 7] == ["got:", "1  2  3  4  0", "3  4  0 [1] 2", "expected:",
                                          "1  2  3  4  0", "3  4  0 [0] 0"], result.stdout


def _site_refused(tmp_path: Path, out: str, *words: str) -> None:
    result = attn("site", "build", "--out", out, cwd=tmp_path, timeout=300)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_a_site_build_never_replaces_files_it_did_not_write(tmp_path):
    """A folder of one's own pages, or a class run's results (its overview is index.html too), was
    overwritten in silence: refused, every file kept. An earlier site's folder is built again."""
    own = tmp_path / "mine"
    own.mkdir()
    (own / "index.html").write_text("MY OWN PAGE")
    _site_refused(tmp_path, "mine", "mine already holds files that no site build wrote", "choose a new or empty")
    assert (own / "index.html").read_text() == "MY OWN PAGE" and len(list(own.iterdir())) == 1
    results = tmp_path / "results"
    (results / "ana" / "self_attention").mkdir(parents=True)
    (results / "index.html").write_text("Class overview")
    _site_refused(tmp_path, "results", "results already holds files")
    assert (results / "index.html").read_text() == "Class overview"
    for again in range(2):  # a site's own folder is rebuilt, with its mark or (built before it) without
        built = attn("site", "build", "--out", "site", cwd=tmp_path, timeout=300)
        assert built.returncode == 0 and "Study site:" in built.stdout, built.stderr
        (tmp_path / "site" / ".attn-judge-site").unlink()


def test_a_site_build_where_nothing_can_be_written_gets_one_message(tmp_path):
    _site_refused(tmp_path, "/proc/attn-judge-site", "/proc/attn-judge-site")


def _one_error_line(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "Traceback" not in result.stderr, result.stderr
    assert all(word in lines[0] for word in words), lines[0]


def test_a_seed_key_that_cannot_be_used_gets_one_message_and_is_never_replaced(tmp_path):
    """A secret seed's fingerprint needs a key: a data folder that is a file, or a key file of
    another size, ended in a traceback or was taken as the key as it was."""
    path = tmp_path / "self_attention.py"
    path.write_text(solution_source(registry.get("self_attention")))
    home_file = tmp_path / "home-file"
    home_file.write_text("not a folder")
    result = attn("grade", str(path), "--seed", "5", cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(home_file)})
    _one_error_line(result, f"cannot use {home_file}/seed-key as the key", "set ATTN_JUDGE_HOME")
    home = tmp_path / "home"
    home.mkdir()
    (home / "seed-key").write_bytes(b"short")
    result = attn("grade", str(path), "--seed", "5", cwd=tmp_path, env={"ATTN_JUDGE_HOME": str(home)})
    _one_error_line(result, "it is not a key of 32 bytes")
    assert (home / "seed-key").read_bytes() == b"short"


def test_a_class_whose_seed_key_is_a_folder_gets_one_message(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    (klass / "ana").mkdir(parents=True)
    (klass / "ana" / "self_attention.py").write_text(solution_source(registry.get("self_attention")))
    (out / ".attn-judge" / "seed-key").mkdir(parents=True)
    result = attn("grade", str(klass), "--out", str(out), "--seed", "7", cwd=tmp_path,
                  env={"ATTN_JUDGE_HOME": str(tmp_path / "home")})
    _one_error_line(result, f"cannot use {out}/.attn-judge/seed-key as the key of this class's", "--resume")
    assert not (out / "ana").exists()
