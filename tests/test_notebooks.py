"""Notebooks: graded from their code cells, hostile ones refused alone, feedback by cell, check() in Jupyter.

What a learner writes in Jupyter is candidate data like a ``.py`` file: these
tests hand the reader notebooks that are not JSON, nested too deeply, full of
outputs, with a 1.5 MiB code cell, not UTF-8, and cells with every IPython
construct; they check that feedback names "cell 4, line 3" in both languages
(results, report, class run), that the conversion of a file runs with a time
budget in a helper process (class run, grade and check alike), and, in a real kernel driven by
``nbclient``, that ``from grader import check`` shows the sandbox's verdict and
that ``attn-judge start ID --notebook`` writes a notebook that works.
"""

from __future__ import annotations

import json
import linecache
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import torch
from click.testing import CliRunner
from nbformat import v4

from grader import feedback as F
from grader import notebooks, registry
from grader.bounded import BoundedPool
from grader.cli import main
from grader.grading import grade
from grader.notebooks import CELL_LINE, SourceMap, code_from_cells, convert
from grader.references import solution_source
from grader.sandbox.loader import load_submission
from grader.reports import write_submission_report
from grader.services import grade_class
from grader.submission import BadSubmission, read_submission
from grader.trusted_runner import TrustedRunner
from tests.report_samples import TrustedExecutor

CJK = re.compile(r"[\u4e00-\u9fff]")
SELF_ATTENTION = registry.get("self_attention")
KERNEL = "attn-judge-tests"


def _notebook(*cells) -> str:
    """A valid notebook: a string is a code cell, ("md", text) a markdown cell."""
    built = [v4.new_markdown_cell(c[1]) if isinstance(c, tuple) else v4.new_code_cell(c) for c in cells]
    return nbformat.writes(v4.new_notebook(cells=built))


def _write(path: Path, content) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _line_of(cell_source: str, needle: str) -> int:
    """The 1-based line of a cell holding ``needle``."""
    return next(i for i, line in enumerate(cell_source.split("\n"), start=1) if needle in line)


# --------------------------------------------------------------------------- IPython syntax

IPYTHON_CELL = "\n".join([
    "%time x = 1",
    "!pip install torch",
    "files = !ls",
    "?len",
    "len?",
    "len??",
    "get_ipython().run_line_magic('time', 'x = 1')",
    "ip = get_ipython()",
    "%matplotlib inline",
    "for i in range(2):",
    "    %time i",
    "    !echo {i}",
    "ran_after_magics = True",
])
WRITEFILE_CELL = "%%writefile helper.py\nraise SystemExit('a %%writefile body must never run')\n"
TIME_CELL = "%%time\ntimed = 2\n"
LOOKALIKES_CELL = "\n".join([
    'doc = """',
    "!not a shell line inside a string",
    "%not a magic either",
    "why?",
    '"""',
    "modulo = (7",
    "          % 4)",
    "total = 1 + \\",
    "    2",
    "note = 'is this a question?'  # why?",
])


def test_every_ipython_construct_is_skipped_and_the_rest_runs():
    code = convert(_notebook(("md", "# notes"), IPYTHON_CELL, WRITEFILE_CELL, TIME_CELL, LOOKALIKES_CELL))
    namespace: dict = {}
    exec(compile(code.source, "notebook", "exec"), namespace)  # the test's own code: runs here
    assert namespace["ran_after_magics"] and namespace["timed"] == 2
    assert namespace["doc"] == "\n!not a shell line inside a string\n%not a magic either\nwhy?\n"
    assert namespace["modulo"] == 3 and namespace["total"] == 3 and namespace["note"].endswith("?")
    labels = {code.source_map.label(n).en for n in code.source_map.skipped}
    assert labels == ({f"cell 2, line {n}" for n in range(1, 10)} | {"cell 2, line 11", "cell 2, line 12"}
                      | {"cell 3, line 1", "cell 3, line 2", "cell 4, line 1"})
    assert "ran_after_magics = True" in code.source and "%" not in code.source.split('doc = """')[0]


def test_a_skipped_cell_keeps_none_of_its_lines_and_check_calls_anywhere_do_nothing():
    """A %%writefile or %%html cell with indented lines leaves nothing behind (a 'pass' at their
    indentation was an unexpected indent); check() written in any form (several lines, assigned,
    beside the solution) runs as a no-op, not noted as IPython syntax; display() is Jupyter's built-in."""
    code = convert(_notebook(
        "%%writefile helper.py\ndef f():\n    return 1\n",
        "def solution():\n    return 2\n\nfrom grader import check\nresult = check(\n    solution,\n"
        "    problem='self_attention',\n)\n",
        "%%html\n<div>\n  <b>bold</b>\n</div>\n",
        "display(solution())\nafter = solution()\n"))
    load, failure = load_submission(code.source, "notebook.ipynb", ["solution"])
    assert failure is None, failure
    assert load["solution"]() == 2
    assert "return 1" not in code.source and "<b>" not in code.source
    labels = {code.source_map.label(n).en for n in code.source_map.skipped}
    assert {"cell 1, line 1", "cell 1, line 3", "cell 3, line 3"} <= labels
    assert not {"cell 2, line 1", "cell 2, line 4", "cell 2, line 5"} & labels


@pytest.mark.parametrize("check_cell", [
    "import grader\ngrader.check('self_attention')\n",
    "import grader  # the tests\nresult = grader.check(solution, problem='self_attention')\n",
    "from grader import check as run_tests\nrun_tests('self_attention')\n",
    "from grader.notebook_api import check as c\nc('self_attention', lang='zh')\n",
    "import grader.notebook_api as api\napi.check('self_attention')\n",
    "from grader import *\ncheck('self_attention')\n",
    "if True:\n    import grader\n    grader.check('self_attention')\n",
    "from grader import check\nassert check('self_attention').passed\nprint(check('self_attention'))\n",
    "import grader\nif not grader.check(solution, problem='self_attention').passed:\n    raise SystemExit(1)\n",
])
def test_check_imported_in_any_spelling_does_nothing_where_the_notebook_is_graded(check_cell):
    """However a learner imports the notebook's check (a sandbox holds no grader), the solution
    before it loads and the calls do nothing."""
    code = convert(_notebook("def solution():\n    return 2\n", check_cell, "after = solution()\n"))
    assert not re.search(r"^\s*(import|from)\s+grader", code.source, re.MULTILINE)  # a sandbox has none
    load, failure = load_submission(code.source, "notebook.ipynb", ["solution", "after"])
    assert failure is None, failure
    assert load["after"] == 2


def test_ipython_lines_continued_with_a_backslash_are_left_out_whole():
    """`!pip install \\` then an indented line runs in Jupyter; graded, the continuation is not an
    unexpected indent, nor taken into the code that follows."""
    code = convert(_notebook("!pip install \\\n    torch \\\n    numpy\nbefore = 1\n",
                             "def solution():\n    return 2\n%timeit \\\n    solution()\nafter = solution()\n"))
    load, failure = load_submission(code.source, "notebook.ipynb", ["before", "after"])
    assert failure is None, failure
    assert load["before"] == 1 and load["after"] == 2
    labels = {code.source_map.label(n).en for n in code.source_map.skipped}
    assert labels == {"cell 1, line 1", "cell 1, line 2", "cell 1, line 3", "cell 2, line 3", "cell 2, line 4"}


def test_lines_are_named_by_cell_in_both_languages():
    code = convert(_notebook(("md", "intro"), "a = 1", ("md", "more"), "b = 2\nc = 3\n"))
    lines = code.source.split("\n")
    third = lines.index("c = 3") + 1
    assert code.source_map.label(third) == CELL_LINE.format(cell=4, line=2)
    assert code.source_map.label(third).en == "cell 4, line 2"
    assert code.source_map.label(third).zh == "第 4 个单元格第 2 行"
    note = code.source_map.skipped_note()
    assert note is None


def test_the_note_of_skipped_lines_is_punctuated_in_each_language():
    code = convert(_notebook("a = 1\n%time a\n", "!ls\nb = 2\n"))
    note = code.source_map.skipped_note()
    assert "cell 1, line 2; cell 2, line 1" in note.en
    assert "第 1 个单元格第 2 行；第 2 个单元格第 1 行" in note.zh


def test_the_recorded_map_is_bounded_and_read_back_defensively():
    code = code_from_cells((n, "x = 1") for n in range(1, notebooks.MAX_RECORDED_SPANS + 50))
    record = code.source_map.to_json()
    assert len(record["cells"]) == notebooks.MAX_RECORDED_SPANS
    assert SourceMap.from_json(record).label(3).en == "cell 3, line 1"
    assert SourceMap.from_json(record).label(notebooks.MAX_RECORDED_SPANS + 10).en == (
        f"line {notebooks.MAX_RECORDED_SPANS + 10}")
    for malformed in ({"cells": "x"}, {"cells": [[1, 2]]}, {"cells": [[1, 1, 1, "a"]]},
                      {"cells": [], "skipped_lines": ["1"]}):
        assert SourceMap.from_json(malformed) is None


# --------------------------------------------------------------------------- hostile files

def _deep_json() -> bytes:
    return b'{"cells": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"


def _big_code_cell() -> str:
    return _notebook("x = 1\n" + "# " + "y" * (1536 * 1024) + "\n")


HOSTILE = {
    "not_json": (b"{this is not json", "JSON"),
    "deep_json": (_deep_json(), "nested too deeply"),
    "not_a_notebook": (b"[1, 2, 3]", "no list of cells"),
    "old_format": (json.dumps({"nbformat": 3, "worksheets": []}).encode(), "notebook format 3"),
    "invalid_schema": (json.dumps({"cells": [{"cell_type": "code", "source": "x"}], "nbformat": 4}).encode(),
                       "does not follow the notebook format"),
    "new_format": (json.dumps({"nbformat": 5, "nbformat_minor": 0, "cells": []}).encode(),
                   "notebook format 5, which does not exist"),
    "unknown_cell_type": (_notebook(("md", "intro"), "x = 1").replace('"markdown"', '"python"').encode(),
                          'cell 1 has the cell type "python"'),
    "cell_source_not_text": (_notebook(("md", "intro"), "x = 1").replace('"x = 1"', "5").encode(),
                             "its cell 2 does not follow the notebook format"),
    "python_renamed": (b"import torch\n\ndef self_attention(x):\n    return x\n",
                       "Python source, not a notebook's JSON: save it with the .py extension"),
    "code_cell_of_1_5_mib": (_big_code_cell().encode(), "at most 1 MiB"),
    "not_utf8": (_notebook("s = 'caf\u00e9'").encode("latin-1"), "UTF-8"),
    "binary": (b"PK\x03\x04" + b"\x00" * 64, "binary"),
    "no_code": (_notebook(("md", "only words")).encode(), "empty"),
    "version_not_a_number": (_notebook("x = 1").replace('"nbformat": 4', '"nbformat": NaN').encode(),
                             'its "nbformat" field is NaN, not a format version such as 4'),
    "number_of_20000_digits": (_notebook("x = 1").replace('"nbformat_minor": ', '"extra": ' + "9" * 20_000
                                                          + ', "nbformat_minor": ').encode(),
                               "its JSON holds a number of more than 4300 digits"),
    "lone_surrogate": (_notebook(("md", "intro"), "x = 1", "s = 'LONE'").replace("LONE", "\\ud800").encode(),
                       "cell 3 holds code that is not valid Unicode"),
}


@pytest.fixture(scope="module")
def helpers():
    with BoundedPool(1) as pool:
        yield pool


@pytest.mark.parametrize("bounded", [False, True], ids=["own_helper", "class_helpers"])
@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_hostile_notebook_is_a_bad_submission_with_one_clear_message(tmp_path, helpers, name, bounded):
    data, words = HOSTILE[name]
    path = _write(tmp_path / "self_attention.ipynb", data)
    with pytest.raises(BadSubmission) as caught:
        read_submission(path, helpers=helpers if bounded else None)
    message = caught.value.message
    assert words in message.en and "self_attention.ipynb" in message.en
    assert CJK.search(message.zh) and "self_attention.ipynb" in message.zh


def test_what_other_tools_add_to_a_cell_does_not_refuse_the_notebook(tmp_path):
    """Keys of other tools on a cell and an execution count that is no number: Jupyter opens such a
    notebook, and the grader reads only the cells' types and sources."""
    notebook = json.loads(_notebook("def solution():\n    return 2\n"))
    notebook["cells"][0].update(colab={"base_uri": "https://localhost/"}, execution_count="one")
    path = _write(tmp_path / "self_attention.ipynb", json.dumps(notebook).encode())
    code = read_submission(path).source
    assert "return 2" in code


def test_a_notebook_is_known_by_its_extension_in_any_case(tmp_path):
    """Windows and some downloads write .IPYNB: still a notebook, not a .py file holding JSON."""
    path = _write(tmp_path / "self_attention.IPYNB", _notebook("def solution():\n    return 2\n"))
    assert "return 2" in read_submission(path).source


def test_a_notebook_over_32_mib_is_refused_before_it_is_read(tmp_path):
    path = _write(tmp_path / "self_attention.ipynb", b" " * (notebooks.MAX_NOTEBOOK_BYTES + 1))
    with pytest.raises(BadSubmission) as caught:
        read_submission(path)
    assert "32 MiB" in caught.value.message.en and "32 MiB" in caught.value.message.zh


def test_pathological_lines_convert_within_the_budget(tmp_path, helpers):
    width = 190 * 1024  # five lines: just under the 1 MiB of code
    cell = "\n".join([" " * width, "x =" + " " * width, "a" * width + " ", "(" * width, '"""' + "\\" * width])
    path = _write(tmp_path / "self_attention.ipynb", _notebook(cell))
    assert read_submission(path, helpers=helpers).source == cell + "\n"  # nothing there is IPython syntax


def test_a_notebook_follows_the_file_rules_of_a_python_file(tmp_path):
    target = _write(tmp_path / "elsewhere.ipynb", _notebook("x = 1"))
    link = tmp_path / "self_attention.ipynb"
    link.symlink_to(target)
    with pytest.raises(BadSubmission) as caught:
        read_submission(link)
    assert "symbolic link" in caught.value.message.en
    with_bom = _write(tmp_path / "bom" / "self_attention.ipynb",
                      b"\xef\xbb\xbf" + _notebook("a = 1\r\nb = 2\r\n").encode("utf-8"))
    assert read_submission(with_bom).source == "a = 1\nb = 2\n"


def _huge_outputs_notebook() -> str:
    """A notebook of ~20 MiB, nearly all outputs (150,000 of them), one of them not valid."""
    notebook = json.loads(_notebook(SELF_ATTENTION.stub(), "y = 1"))
    stream = {"output_type": "stream", "name": "stdout", "text": "OUTPUT-TEXT\n"}
    notebook["cells"][0]["outputs"] = [stream] * 150_000 + [{**stream, "text": "z" * (12 * 1024 * 1024)}]
    notebook["cells"][1]["outputs"] = [{"output_type": "not a kind of output", "oops": True}]
    return json.dumps(notebook)


def test_a_notebook_with_huge_outputs_is_judged_by_its_code_alone(tmp_path, helpers):
    text = _huge_outputs_notebook()
    assert 12 * 1024 * 1024 < len(text.encode()) < notebooks.MAX_NOTEBOOK_BYTES
    path = _write(tmp_path / "self_attention.ipynb", text)
    submission = read_submission(path, helpers=helpers)
    assert submission.source == SELF_ATTENTION.stub() + "y = 1\n"
    assert "OUTPUT-TEXT" not in submission.source
    assert submission.source_map.label(submission.source.count("\n")).en == "cell 2, line 1"


METADATA_OF_OTHER_EDITORS = {
    "kernelspec_without_display_name": ({"kernelspec": {"name": "python3", "language": "python"}}, {}),
    "language_info_without_name": ({"language_info": {"version": "3.12"}}, {}),
    "metadata_not_an_object": ([], None),
    "cell_metadata_of_wrong_types": ({}, {"collapsed": "yes", "tags": "a tag", "jupyter": 5}),
}


@pytest.mark.parametrize("bounded", [False, True], ids=["in_process", "helper"])
@pytest.mark.parametrize("name", list(METADATA_OF_OTHER_EDITORS))
def test_a_notebook_is_graded_from_its_cells_whatever_its_metadata(tmp_path, helpers, name, bounded):
    """Metadata (the notebook's, a cell's: missing, of the wrong shape) says nothing of the code: a
    notebook whose cells are readable is read."""
    notebook_metadata, cell_metadata = METADATA_OF_OTHER_EDITORS[name]
    notebook = json.loads(_notebook(("md", "intro"), "x = 1"))
    notebook["metadata"] = notebook_metadata
    for cell in notebook["cells"]:
        if cell_metadata is None:
            del cell["metadata"]
        else:
            cell["metadata"] = cell_metadata
    path = _write(tmp_path / "self_attention.ipynb", json.dumps(notebook))
    assert read_submission(path, helpers=helpers if bounded else None).source == "x = 1\n"


def test_a_conversion_over_its_budget_costs_that_notebook_only(tmp_path, helpers, monkeypatch):
    path = _write(tmp_path / "self_attention.ipynb", _huge_outputs_notebook())
    monkeypatch.setattr(notebooks, "READ_SECONDS", 0.001)
    with pytest.raises(BadSubmission) as caught:
        read_submission(path, helpers=helpers)
    assert "budget" in caught.value.message.en and "预算" in caught.value.message.zh
    monkeypatch.undo()
    assert read_submission(path, helpers=helpers).source.startswith('"""Self-attention')


def _never_in_this_process(text: str):
    raise AssertionError("a notebook file was converted in the grader's own process")


@pytest.mark.sandbox
@pytest.mark.parametrize("command, options, exit_code", [("check", [], 2), ("grade", ["--out", "out"], 0)],
                         ids=["check", "grade"])
def test_one_notebook_file_is_converted_within_the_budget_never_in_the_grader(tmp_path, monkeypatch, command,
                                                                              options, exit_code):
    """``grade FILE.ipynb`` (what the Gradescope and PrairieLearn bundles run on uploads) and ``check
    FILE.ipynb`` once converted the notebook in the grader's own process, without bound: 29 MiB of
    cell metadata took 1.8 GB there. Converted in a helper within its budget, as in a class run;
    over it, that notebook gets one message, and the exit status of any bad submission."""
    path = _write(tmp_path / "work" / "self_attention.ipynb", _huge_outputs_notebook())
    monkeypatch.chdir(tmp_path)  # --out out: beside the notebook's folder
    monkeypatch.setenv("ATTN_JUDGE_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(notebooks, "convert", _never_in_this_process)  # the helper is another interpreter
    monkeypatch.setattr(notebooks, "READ_SECONDS", 0.001)
    result = CliRunner().invoke(main, [command, str(path), *options])
    assert result.exit_code == exit_code, result.output
    assert ("self_attention.ipynb: is a Jupyter notebook that could not be read within the grader's budget "
            "(over its time budget of 0.001 s): its outputs or metadata are too large; copy its code cells into "
            "a new notebook and hand that in, or hand in its code as a .py file") in result.output
    assert "Traceback" not in result.output and "AssertionError" not in result.output
    if command == "grade":
        results = json.loads((tmp_path / "out" / SELF_ATTENTION.id / "results.json").read_text())
        assert results["extra_data"]["error"]["kind"] == "bad_submission" and results["score"] == 0
        assert (tmp_path / "out" / SELF_ATTENTION.id / "report.html").is_file()


# --------------------------------------------------------------------------- feedback by cell

STUB_CELL = SELF_ATTENTION.stub()
RAISE_LINE = _line_of(STUB_CELL, "raise NotImplementedError")


def _graded_notebook(tmp_path, *cells, problem=SELF_ATTENTION, lang="en") -> tuple[dict, str]:
    """Grade a notebook written by the test (trusted code: it runs in this process)."""
    path = _write(tmp_path / f"{problem.id}.ipynb", _notebook(*cells))
    submission = read_submission(path)
    results = grade(problem=problem, source=submission.source, filename=path.name, runner=TrustedRunner(),
                    public=True, lang=lang, source_map=submission.source_map)
    return results, submission.source


@pytest.mark.parametrize("lang, place", [("en", "cell 2, line {n}"), ("zh", "第 2 个单元格第 {n} 行")])
def test_feedback_names_the_cell_and_the_skipped_lines(tmp_path, lang, place):
    results, _ = _graded_notebook(tmp_path, ("md", "# my attempt"), STUB_CELL, "%timeit self_attention", lang=lang)
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert failed and all(place.format(n=RAISE_LINE) in t["output"] for t in failed)
    skipped = "cell 3, line 1" if lang == "en" else "第 3 个单元格第 1 行"
    assert skipped in results["output"]
    extra = results["extra_data"]
    assert extra["cells"] == [[2, 1, STUB_CELL.count("\n"), 1], [3, STUB_CELL.count("\n") + 1, 1, 1]]
    assert extra["skipped_lines"] == [STUB_CELL.count("\n") + 1]


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("public", [True, False])
def test_the_check_cell_start_writes_is_left_out_without_calling_it_ipython_syntax(tmp_path, lang, public):
    """The starter notebook's last cell (``from grader import check``, ``check(...)``) is the grader's
    own: left out, never in the note about IPython syntax, which still names a real shell line."""
    notebook = nbformat.reads(notebooks.starter_notebook(SELF_ATTENTION, lang=lang), as_version=4)
    notebook.cells[1].source = solution_source(SELF_ATTENTION)
    assert notebook.cells[2].source == notebooks.check_cell_source("self_attention", lang=lang)
    notebook.cells.insert(2, v4.new_code_cell("!pip list"))
    path = _write(tmp_path / "self_attention.ipynb", nbformat.writes(notebook))
    submission = read_submission(path)
    results = grade(problem=SELF_ATTENTION, source=submission.source, filename=path.name, runner=TrustedRunner(),
                    public=public, lang=lang, source_map=submission.source_map)
    assert results["score"] == results["max_score"]
    only_the_shell_line = F.SKIPPED_LINES.format(count=1, where=CELL_LINE.format(cell=3, line=1)).get(lang)
    assert results["output"].endswith(only_the_shell_line)


def test_a_python_file_keeps_plain_line_numbers(tmp_path):
    path = _write(tmp_path / "self_attention.py", STUB_CELL)
    results = grade(problem=SELF_ATTENTION, source=read_submission(path).source, filename=path.name,
                    runner=TrustedRunner(), public=True)
    assert f"(line {RAISE_LINE})" in results["tests"][0]["output"]
    assert "cells" not in results["extra_data"] and "Not run" not in results["output"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_syntax_error_is_placed_in_its_cell(tmp_path, lang):
    results, _ = _graded_notebook(tmp_path, STUB_CELL, ("md", "next"), "x = 1\ndef broken(:\n    pass", lang=lang)
    error = results["extra_data"]["error"]
    assert error["kind"] == "syntax_error" and "(line " not in error["message"]
    if lang == "en":
        assert error["message"] == "invalid syntax (cell 3, line 2)"
    else:
        assert error["message"] == "语法错误（第 3 个单元格第 2 行）：invalid syntax"


def test_a_forbidden_api_is_placed_in_its_cell(tmp_path):
    problem = registry.get("scaled_dot_product_attention")
    cell = ("import torch.nn.functional as F\n\n"
            "def scaled_dot_product_attention(q, k, v, mask=None):\n"
            "    return F.scaled_dot_product_attention(q, k, v)\n")
    results, _ = _graded_notebook(tmp_path, ("md", "intro"), cell, problem=problem)
    error = results["extra_data"]["error"]
    assert error["kind"] == "forbidden_api" and error["message"].startswith("cell 2, line 4: ")


def test_the_report_lists_the_code_cell_by_cell(tmp_path):
    results, source = _graded_notebook(tmp_path, ("md", "# my attempt"), STUB_CELL, "%timeit self_attention\n!ls")
    results["extra_data"]["error_lines"] = [RAISE_LINE]
    for highlight in (True, False):
        path = tmp_path / f"report-{highlight}.html"
        write_submission_report(path, results=results, source=source, problem=SELF_ATTENTION,
                                static_href="static/", highlight=highlight)
        html = path.read_text(encoding="utf-8")
        assert "Cell 2" in html and "Cell 3" in html
        assert f'href="#L-c2-{RAISE_LINE}">cell 2, line {RAISE_LINE}</a>' in html
        marked = re.search(rf'<span id="L-c2-{RAISE_LINE}">.*?</span>', html, re.DOTALL) if highlight else \
            re.search(rf'<span id="L-c2-{RAISE_LINE}" class="hll">', html)
        assert marked and (not highlight or 'class="hll"' in marked.group())
        assert 'id="L-c3-1"' in html and 'id="L-c3-2"' in html  # every line of the cell, empty ones too
        assert "Not run: 2 line(s)" in html and "cell 3, lines 1–2" in html


def test_cells_past_the_recorded_map_are_not_called_the_graders(tmp_path, monkeypatch):
    """Results map a notebook's first MAX_RECORDED_SPANS runs of lines only; the report lists the
    learner's later cells as unmapped, not as lines the grader added."""
    from grader.reports import submission as report_module

    monkeypatch.setattr(notebooks, "MAX_RECORDED_SPANS", 3)
    monkeypatch.setattr(report_module, "MAX_RECORDED_SPANS", 3)
    results, source = _graded_notebook(tmp_path, STUB_CELL, "a = 1", "b = 2", "c = 3", "d = 4")
    path = tmp_path / "report.html"
    write_submission_report(path, results=results, source=source, problem=SELF_ATTENTION, static_href="static/")
    html = path.read_text(encoding="utf-8")
    assert "Cell 1" in html and "Cell 3" in html and "Cell 4" not in html
    assert "Later cells, numbered as lines of the graded module" in html and "Added by the grader" not in html


def test_check_results_show_candidate_text_escaped(tmp_path):
    from grader.notebook_api import CheckResult

    results, _ = _graded_notebook(tmp_path, STUB_CELL)
    hostile = "<script>window.__pwned = 1</script>\x1b[31m"
    results["tests"][0]["output"] = hostile
    results["tests"][0]["name"] = hostile
    results["extra_data"]["output"] = hostile
    results["extra_data"]["error"] = {"kind": "crash", "message": hostile}
    shown = CheckResult(results=results, problem=SELF_ATTENTION, lang="en")
    html = shown._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "\x1b" not in html and "\x1b" not in str(shown) and "<script>window.__pwned" in str(shown)
    assert repr(shown) == str(shown) and not shown.passed


def test_a_class_reads_notebooks_in_a_helper_and_labels_their_cells(tmp_path, monkeypatch):
    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "alice" / "self_attention.ipynb", _notebook(("md", "hi"), STUB_CELL, "!pip install x"))
    _write(klass / "bob" / "self_attention.ipynb", _deep_json())
    _write(klass / "carol" / "self_attention.ipynb", _big_code_cell())

    def in_this_process(text):  # grade_class must never convert here
        raise AssertionError("a notebook was converted in the grading process")

    monkeypatch.setattr(notebooks, "convert", in_this_process)
    executor = TrustedExecutor()
    grade_class(root=klass, out=out, executor=executor)

    assert [r.key for r in executor.requests] == ["alice/self_attention"]
    assert "pip" not in executor.requests[0].source
    alice = json.loads((out / "alice" / "self_attention" / "results.json").read_text(encoding="utf-8"))
    assert alice["extra_data"]["cells"][0][:2] == [2, 1] and "cell 3, line 1" in alice["output"]
    report = (out / "alice" / "self_attention" / "report.html").read_text(encoding="utf-8")
    assert "Cell 2" in report and 'id="L-c3-1"' in report
    for student, words in (("bob", "nested too deeply"), ("carol", "at most 1 MiB")):
        results = json.loads((out / student / "self_attention" / "results.json").read_text(encoding="utf-8"))
        assert results["extra_data"]["error"]["kind"] == "bad_submission"
        assert words in results["extra_data"]["error"]["message"]


# --------------------------------------------------------------------------- in Jupyter

def test_import_grader_stays_light_and_check_is_exported_lazily():
    probe = ("import sys, grader; heavy = [m for m in ('torch', 'grader.notebook_api', 'grader.grading') "
             "if m in sys.modules]; print(heavy)\n"
             "from grader import check; import grader.notebook_api as api; print(check is api.check)")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split("\n")[:2] == ["[]", "True"], result.stderr


class _FakeShell:
    """What check() reads of IPython's shell: the namespace, the input history, the cells that raised.

    ``run`` executes a cell as the kernel would (its lines in ``linecache``, so that ``inspect``
    finds them), or, with ``source=False``, as a cell whose definitions have no source to find.
    """

    def __init__(self):
        self.user_ns = {"__name__": "__main__"}
        self.history_manager = SimpleNamespace(input_hist_raw=[""], exceptions={})
        self.execution_count = 1

    def run(self, code: str, source: bool = True) -> None:
        number, filename = self.execution_count, f"<cell-{self.execution_count}>"
        self.history_manager.input_hist_raw.append(code)
        self.execution_count += 1
        if source:
            linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
        try:
            exec(compile(code if source else f"exec({code!r})", filename, "exec"), self.user_ns)
        except Exception as exc:
            self.history_manager.exceptions[number] = {"ename": type(exc).__name__}


@pytest.fixture
def shell(monkeypatch):
    """A notebook's shell for check(), whose sandbox run is replaced by a record of the module it is given."""
    from grader import services

    fake = _FakeShell()
    monkeypatch.setitem(sys.modules, "IPython", SimpleNamespace(get_ipython=lambda: fake))
    fake.checked = []

    def check_source(**arguments):
        fake.checked.append(arguments)
        return {"score": 1, "max_score": 1, "tests": [], "output": "", "extra_data": {"error": None}}

    monkeypatch.setattr(services, "check_source", check_source)
    return fake


def _checked_module(shell) -> dict:
    """The namespace of the module check() handed to the sandbox, run here (test code only)."""
    namespace: dict = {}
    exec(shell.checked[-1]["source"], namespace)
    return namespace


SDPA = "scaled_dot_product_attention"
SDPA_USING = """import torch

def scaled_dot_product_attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, NEG)
    return torch.softmax(scores, dim=CFG["dim"]), sorted(ORDER)[0] + len(DIMS) + len(FROZEN) + len(EMPTY)
"""


def test_check_warns_of_a_cell_that_would_stop_the_graded_notebook_loading(shell):
    """check() runs some definitions; grading runs every cell. A cell that imports what the sandbox
    lacks (IPython.display) at its top level is named, in the text and the HTML; guarded imports,
    imports inside functions and the standard library, torch and numpy are not."""
    from grader.notebook_api import check

    shell.run("from IPython.display import Markdown, display\n")
    shell.run("import json\nimport numpy as np\ntry:\n    import matplotlib\nexcept ImportError:\n    pass\n"
              "def plot():\n    import matplotlib.pyplot as plt\n")
    shell.run(SDPA_USING.replace("NEG", "float('-inf')").replace('CFG["dim"]', "-1")
              .replace(", sorted(ORDER)[0] + len(DIMS) + len(FROZEN) + len(EMPTY)", ""))
    result = check(SDPA)
    assert len(result.notes) == 1 and "In [1] imports IPython" in result.notes[0]
    assert result.notes[0] in str(result) and "In [1] imports IPython" in result._repr_html_()
    assert "In [1] 导入了 IPython" in check(SDPA, lang="zh").notes[0]


def test_check_copies_constants_that_are_not_simple_literals(shell):
    """Infinity and containers of literals reach the checked module as source, so code that works in
    the notebook works there (before: NameError: name 'NEG' is not defined)."""
    from grader.notebook_api import check

    shell.run("import math\nNEG = float('-inf')\nCFG = {'dim': -1}\nDIMS = [1, (2,), None]\n"
              "ORDER = {3, 1}\nFROZEN = frozenset({'a'})\nEMPTY = set()\n")
    shell.run(SDPA_USING)
    assert check(SDPA).passed
    module = _checked_module(shell)
    assert module["NEG"] == float("-inf") and module["CFG"] == {"dim": -1} and module["DIMS"] == [1, (2,), None]
    assert module["ORDER"] == {1, 3} and module["FROZEN"] == frozenset({"a"}) and module["EMPTY"] == set()
    q = torch.zeros(1, 2, 4)
    mask = torch.tensor([[True, False], [True, True]])
    assert module[SDPA](q, q, q, mask=mask)[1] == 1 + 3 + 1 + 0


@pytest.mark.parametrize("lang, words", [("en", "NEG (a Tensor) cannot be copied into the checked module"),
                                         ("zh", "NEG（Tensor 类型）无法复制")])
def test_a_constant_that_cannot_be_copied_is_named_with_its_type(shell, lang, words):
    """A tensor read by the definition is a one-line CheckError naming it; a notebook global that
    only shares its name with a local (``scores``, a device) is none of the module's business."""
    from grader.notebook_api import CheckError, check

    shell.run("import torch\nNEG = torch.tensor(float('-inf'))\nscores = torch.device('cpu')\n"
              "CFG = {'dim': -1}\nORDER = DIMS = FROZEN = EMPTY = ()\nimport math\n")
    shell.run(SDPA_USING)
    with pytest.raises(CheckError, match=re.escape(words)) as raised:
        check(SDPA, lang=lang)
    assert CJK.search(str(raised.value)) if lang == "zh" else "inside the function or class" in str(raised.value)
    shell.run("NEG = float('-inf')\n")
    assert check(SDPA).passed  # the local ``scores`` never asked for the global device


@pytest.mark.parametrize("target, problem, words", [
    ("function", "multi_head_attention", "multi_head_attention asks for a class (a torch.nn.Module); "
                                         "scaled_dot_product_attention is a function"),
    ("class", SDPA, "scaled_dot_product_attention asks for a function; MyAttention is a class"),
    ("class", "text_generation", "text_generation asks for a function; MyAttention is a class"),
])
def test_a_class_for_a_function_problem_or_the_reverse_is_refused(shell, target, problem, words):
    from grader.notebook_api import CheckError, check

    shell.run(SDPA_USING + "\nclass MyAttention(torch.nn.Module):\n    pass\n")
    given = shell.user_ns[SDPA if target == "function" else "MyAttention"]
    with pytest.raises(CheckError, match=re.escape(words)):
        check(given, problem=problem)
    with pytest.raises(CheckError, match=re.escape("一个")):
        check(given, problem=problem, lang="zh")
    assert not shell.checked


def test_a_problem_id_whose_symbol_the_notebook_defines_as_the_wrong_kind_is_refused(shell):
    """check("multi_head_attention") where the notebook's MultiHeadAttention is a function."""
    from grader.notebook_api import CheckError, check

    shell.run("def MultiHeadAttention(x):\n    return x\n")
    with pytest.raises(CheckError, match=re.escape("multi_head_attention asks for a class (a torch.nn.Module); "
                                                   "MultiHeadAttention is a function")):
        check("multi_head_attention")
    assert not shell.checked


@pytest.mark.parametrize("arguments, words", [
    ({"problem": 123}, 'problem must be a problem ID (a string) such as "multi_head_attention", not int'),
    ({"timeout": "5"}, "timeout must be a number of seconds greater than 0, such as 5, not '5'"),
    ({"timeout": -1}, "timeout must be a number of seconds greater than 0, such as 5, not -1"),
    ({"timeout": float("nan")}, "not nan"),
    ({"timeout": True}, "not bool"),
    ({"lang": "fr"}, 'lang must be "en", "zh" or None (the default language), not \'fr\''),
    ({"lang": "x" * 1000}, "not 'xxx"),
])
def test_a_bad_argument_is_one_line_that_says_what_is_expected(shell, arguments, words):
    """Before: AttributeError from the registry, TypeError, a run that blamed the submission, English."""
    from grader.notebook_api import CheckError, check

    shell.run(SDPA_USING)
    with pytest.raises(CheckError, match=re.escape(words)) as raised:
        check(shell.user_ns[SDPA], **arguments)
    assert len(str(raised.value)) < 200 and not shell.checked


def test_a_lambda_is_refused_with_a_reason(shell):
    from grader.notebook_api import CheckError, check

    with pytest.raises(CheckError, match="give a function defined with def, not a lambda"):
        check(lambda q, k, v, mask=None: (v, v), problem=SDPA)


@pytest.mark.parametrize("name", [SDPA, "my_attention"])
def test_an_object_without_source_is_checked_from_the_history_under_the_problems_name(shell, name):
    """A definition whose source inspect cannot find (a ``%%time`` cell) is checked from the input
    history, as ``check("problem_id")`` is; another name is bound to the symbol by a line at the end."""
    from grader.notebook_api import check

    shell.run("import torch\nSCALE = 2\n")
    shell.run(f"def {name}(q, k, v, mask=None):\n    return v * SCALE, v\n", source=False)
    assert check(shell.user_ns[name], problem=SDPA).passed
    module = _checked_module(shell)
    assert module[SDPA](1, 2, 3) == (6, 3)
    lines, source_map = shell.checked[-1]["source"].splitlines(), shell.checked[-1]["source_map"]
    assert source_map.locate(lines.index("SCALE = 2") + 1) == (1, 2)  # feedback still names the cells
    if name != SDPA:
        assert lines[-1] == f"{SDPA} = {name}" and source_map.locate(len(lines)) is None


def test_the_history_leaves_out_cells_that_raised(shell):
    """A scratch cell that raised in the kernel (IPython records it) would raise again on import."""
    from grader.notebook_api import check

    shell.run("1 / 0\n")
    shell.run(f"def {SDPA}(q, k, v, mask=None):\n    return v, v\n", source=False)
    assert check(SDPA).passed
    assert "1 / 0" not in shell.checked[-1]["source"]
    assert _checked_module(shell)[SDPA](1, 2, 3) == (3, 3)


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A Jupyter kernel spec installed in this test's own HOME (never the machine's)."""
    home = tmp_path_factory.mktemp("jupyter-home")
    env = {"HOME": str(home), "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "IPYTHONDIR": str(home / "ipython"),
           "ATTN_JUDGE_HOME": str(home / "attn-judge"), "ATTN_JUDGE_LANG": "en"}
    subprocess.run([sys.executable, "-m", "ipykernel", "install", "--user", "--name", KERNEL],
                   env={**os.environ, **env}, check=True, capture_output=True, timeout=120)
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        yield home


def _execute(notebook: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=300, kernel_name=KERNEL, allow_errors=True,
                   resources={"metadata": {"path": str(cwd)}}).execute()
    return notebook


def _result(cell) -> dict:
    results = [o for o in cell.outputs if o.output_type == "execute_result"]
    assert results, cell.outputs
    return results[0]["data"]


NO_SCALE = """import torch

def self_attention(x, w_q, w_k, w_v, causal=False):
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    scores = q @ k.transpose(-2, -1)
    if causal:
        keep = torch.ones(x.shape[1], x.shape[1], dtype=torch.bool).tril()
        scores = scores.masked_fill(~keep, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
"""
MY_ATTENTION = """import torch

class MyAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        raise NotImplementedError("not yet")

check(MyAttention, problem="multi_head_attention")
"""


@pytest.mark.sandbox
@pytest.mark.slow
def test_check_inside_a_running_notebook(kernel, tmp_path):
    notebook = v4.new_notebook(cells=[
        v4.new_markdown_cell("# Self-attention, my way"),
        v4.new_code_cell("%time 1 + 1\n" + NO_SCALE),                                     # In [1]
        v4.new_code_cell('from grader import check\ncheck("self_attention")'),            # In [2]
        v4.new_code_cell('check(self_attention, problem="self_attention", lang="zh")'),   # In [3]
        v4.new_code_cell(MY_ATTENTION),                                                   # In [4]
        v4.new_code_cell('exec("def sinusoidal_positional_encoding(*a, **k):\\n'
                         '    raise NotImplementedError")'),                              # In [5]
        v4.new_code_cell('check("positional_encoding")'),                                 # In [6]
        v4.new_code_cell('check("self_attenton")'),                                       # In [7]
    ])
    cells = _execute(notebook, tmp_path).cells

    english = _result(cells[2])
    for shown in (english["text/html"], english["text/plain"]):
        assert "worked example: three one-hot tokens" in shown
        assert "self_attention.no_scale" in shown and "Scores not scaled" in shown
    assert 'class="failed"' in english["text/html"] and "<h4>Diagnosis</h4>" in english["text/html"]
    assert "✗ P1" in english["text/plain"] and "1 of 5 tests passed" in english["text/html"]

    chinese = _result(cells[3])
    assert "诊断" in chinese["text/html"] and "未通过" in chinese["text/html"]
    assert "self_attention.no_scale" in chinese["text/plain"] and "公开测试" in chinese["text/plain"]

    by_class = _result(cells[4])["text/plain"]
    assert f"NotImplementedError (cell 4, line {_line_of(MY_ATTENTION, 'raise')})" in by_class

    from_history = _result(cells[6])["text/plain"]
    assert "not implemented yet" in from_history and "import_error" not in from_history

    error = [o for o in cells[7].outputs if o.output_type == "error"]
    assert error and len(error[0]["traceback"]) == 1  # one clear line, no traceback
    assert error[0]["traceback"][0].startswith("check(): there is no problem 'self_attenton'; did you mean "
                                               "self_attention")


@pytest.mark.sandbox
def test_the_notebook_start_writes_is_graded_as_it_is_handed_in(tmp_path):
    """Its last cell runs the public tests from Jupyter (``from grader import check``): the grader's
    own code, which the sandbox does not have; handed in as it is, it is left out, not an import error."""
    assert CliRunner().invoke(main, ["start", "self_attention", "--notebook", "--dir", str(tmp_path)]).exit_code == 0
    path = tmp_path / "self_attention.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells[1].source = solution_source(SELF_ATTENTION)
    nbformat.write(notebook, path)
    env = {**os.environ, "ATTN_JUDGE_HOME": str(tmp_path / "h")}
    graded = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(path), "--json"], capture_output=True,
                            text=True, timeout=300, env=env)
    results = json.loads(graded.stdout)
    assert results["extra_data"]["error"] is None and results["score"] == results["max_score"], graded.stderr
    checked = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(path)], capture_output=True,
                             text=True, timeout=300, env=env)
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.sandbox
def test_check_on_a_notebook_file_names_cells(tmp_path):
    path = _write(tmp_path / "self_attention.ipynb", _notebook(("md", "mine"), STUB_CELL, "!pip install x"))
    result = subprocess.run([sys.executable, "-m", "grader.cli", "check", str(path)], capture_output=True,
                            text=True, timeout=300, env={**os.environ, "ATTN_JUDGE_HOME": str(tmp_path / "h")})
    assert result.returncode == 1, result.stderr
    assert f"(cell 2, line {RAISE_LINE})" in result.stdout and "cell 3, line 1" in result.stdout


@pytest.mark.sandbox
@pytest.mark.slow
@pytest.mark.parametrize("lang, heading, not_implemented", [
    ("en", "# Self-attention", "not implemented yet"), ("zh", "# 自注意力", "尚未实现")])
def test_start_notebook_is_valid_never_overwrites_and_its_stub_is_not_implemented(
        kernel, tmp_path, lang, heading, not_implemented):
    runner = CliRunner()
    first = runner.invoke(main, ["start", "self_attention", "--notebook", "--dir", str(tmp_path), "--lang", lang])
    target = tmp_path / "self_attention.ipynb"
    assert first.exit_code == 0, first.output
    notebook = nbformat.read(target, as_version=4)
    nbformat.validate(notebook)
    statement, stub, last = notebook.cells
    assert statement.cell_type == "markdown" and statement.source.startswith(heading)
    assert SELF_ATTENTION.statement(lang).strip() in statement.source  # math ($…$, $$…$$) untouched
    assert "$$" in statement.source and "\\sqrt" in statement.source
    assert stub.source == STUB_CELL.rstrip("\n")
    assert f'check("self_attention", lang="{lang}")' in last.source

    before = target.read_bytes()
    second = runner.invoke(main, ["start", "self_attention", "--notebook", "--dir", str(tmp_path)])
    assert second.exit_code == 2 and "already exists" in second.output and target.read_bytes() == before

    shown = _result(_execute(notebook, tmp_path).cells[2])
    assert not_implemented in shown["text/plain"] and not_implemented in shown["text/html"]
    assert ("cell 1, line" if lang == "en" else "第 1 个单元格") in shown["text/plain"]
