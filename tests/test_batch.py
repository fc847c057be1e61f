"""Grading a class end to end, as an instructor types it, including faults.

A hostile class (a daemon that outlives its child and tries to overwrite
results, an infinite loop, a formula-injection student name, a misnamed file, a
notebook, a student with nothing gradable, text no UTF-8 file can hold), and an interrupted run resumed:
nothing finished is lost and nothing is graded twice.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader import registry
from grader.hidden import hidden_cases
from grader.references import solution_source
from tests.sandboxing import attack_source, sandbox_processes

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SDPA = "scaled_dot_product_attention"
SELF = "self_attention"


def grade_cmd(*args) -> list[str]:
    return [sys.executable, "-m", "grader.cli", "grade", *args]


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_hostile_class(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    victim = out / "alice" / SDPA / "results.json"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    _write(klass / "alice" / "positional_encoding.py", solution_source(registry.get("positional_encoding")))
    _write(klass / "bob" / f"{SDPA}.py", registry.get(SDPA).stub())
    _write(klass / "=SUM(A1)" / f"{SDPA}.py", attack_source("infinite_loop"))
    _write(klass / "mallory" / f"{SDPA}.py", attack_source("daemon", TARGET=str(victim)))
    _write(klass / "carol" / "multihead_attention.py", "x = 1\n")
    _write(klass / "dave" / "self_attention.ipynb", json.dumps({"cells": []}))
    (klass / "erin").mkdir()
    _write(klass / "trent" / f"{SDPA}.py", attack_source("unpaired_surrogates"))
    _write(klass / "trent" / "self_attention.ipynb", json.dumps({  # JSON escapes a lone surrogate as \\ud800
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [{"cell_type": "code", "id": "a", "metadata": {}, "outputs": [], "execution_count": None,
                   "source": 'def self_attention(x, w_q, w_k, w_v):\n    return "\ud800"\n'}]}))
    result = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--timeout", "2"),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "index.html" in result.stdout
    before = victim.read_bytes()
    time.sleep(3)  # the daemon would strike after 1.5 s
    assert victim.read_bytes() == before
    assert not Path("/tmp/attn-judge-daemon-was-here").exists()
    assert not sandbox_processes()

    def results(student, problem=SDPA):
        return json.loads((out / student / problem / "results.json").read_text())

    assert results("alice")["score"] == results("alice")["max_score"]
    assert results("alice", "positional_encoding")["score"] > 0
    assert results("bob")["score"] == 0
    assert results("=SUM(A1)")["extra_data"]["error"]["kind"] == "timeout"
    assert results("dave", "self_attention")["extra_data"]["error"]["kind"] == "bad_submission"
    surrogates = results("trent")
    assert surrogates["extra_data"]["error"] is None and surrogates["score"] == 0
    assert any("bad input \ufffd and \ufffd" in test["output"] for test in surrogates["tests"])
    unreadable = results("trent", "self_attention")["extra_data"]["error"]
    assert unreadable["kind"] == "bad_submission" and "cell 1 holds code that is not valid Unicode" in unreadable["message"]
    assert not (out / "carol").joinpath("multihead_attention").exists()
    for student in ("alice", "bob", "=SUM(A1)", "mallory", "dave", "trent"):
        assert (out / student).glob("*/report.html")

    with open(out / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    names = [row[0] for row in rows[1:]]
    assert sorted(names) == sorted(["alice", "bob", "'=SUM(A1)", "carol", "dave", "erin", "mallory", "trent"])
    notes = {row[0]: row[-1] for row in rows[1:]}  # a zero says why, beside it
    assert f"{SDPA}: timeout: " in notes["'=SUM(A1)"]
    assert "self_attention: bad_submission: self_attention.ipynb: " in notes["trent"]
    overview = (out / "index.html").read_text(encoding="utf-8")
    assert "multihead_attention.py" in overview  # the misnamed file is reported for carol


def test_a_py_and_a_notebook_for_one_problem_grade_the_py_only_and_say_so(tmp_path):
    """Both in one student's folder: the .py is graded (the export bundles' rule), the notebook is
    named in the notes, and --resume finds nothing to do rather than grading each in turn."""
    from grader.batch import plan_class

    folder = tmp_path / "class" / "jack"
    _write(folder / f"{SDPA}.ipynb", json.dumps({"cells": []}))
    _write(folder / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    for _ in range(2):  # the same plan every time
        plan = plan_class(tmp_path / "class")
        assert [(e.student, e.path.name) for e in plan.entries] == [("jack", f"{SDPA}.py")]
        assert plan.roster["jack"]["graded"] == [SDPA]
        (note,) = plan.roster["jack"]["notes"]
        assert note.en == (f"{SDPA}.ipynb: another file for the same problem; only {SDPA}.py was graded")


def test_file_names_in_the_notes_are_spelled_as_names_are_with_their_controls_escaped(tmp_path):
    """A tab, a line break or a bidirectional override in a file's name shows as an escape in the
    notes (and so in the gradebooks and the overview), never as the character itself."""
    from grader.batch import plan_class

    folder = tmp_path / "class" / "lee"
    for name in ("\tweird.py", "a\nb.py", "x\u202ey.py", f"{SDPA}.py", f"{SDPA}\t.py"):
        _write(folder / name, "x = 1\n")
    notes = sorted(note.en for note in plan_class(tmp_path / "class").roster["lee"]["notes"])
    assert notes == ["\\x09weird.py: not a problem ID; not graded", "a\\x0ab.py: not a problem ID; not graded",
                     f"{SDPA}\\x09.py: not a problem ID (did you mean {SDPA}.py?); not graded",
                     "x\\u202ey.py: not a problem ID; not graded"]


def test_an_empty_student_folder_is_noted_as_nothing_handed_in(tmp_path):
    """Its row of zeros says why, so that nobody takes it for a grading failure."""
    from grader.batch import plan_class

    (tmp_path / "class" / "zoe").mkdir(parents=True)
    _write(tmp_path / "class" / "kim" / f"{SDPA}.py", "x = 1\n")
    plan = plan_class(tmp_path / "class")
    assert [note.en for note in plan.roster["zoe"]["notes"]] == ["an empty folder: nothing handed in"]
    assert plan.roster["kim"]["notes"] == []


def test_a_student_folder_of_checkpoints_or_links_says_what_it_holds(tmp_path):
    """A folder holding only Jupyter's autosave is not called empty, and a link inside a student's
    folder (to a folder of their files, say) is named as a link that is not followed."""
    from grader.batch import plan_class

    klass = tmp_path / "class"
    _write(klass / "zoe" / ".ipynb_checkpoints" / f"{SDPA}-checkpoint.ipynb", "{}")
    _write(tmp_path / "elsewhere" / f"{SDPA}.py", "x = 1\n")
    (klass / "kim").mkdir()
    (klass / "kim" / "work").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    roster = plan_class(klass).roster
    assert [note.en for note in roster["zoe"]["notes"]] == [
        "nothing handed in: the folder holds only .ipynb_checkpoints, which are never graded (hidden files, and "
        "what tools leave, such as Jupyter's autosaves in .ipynb_checkpoints)"]
    assert [note.en for note in roster["kim"]["notes"]] == ["work: a symbolic link; not followed, not graded"]


@pytest.mark.parametrize("left", ["", "\n \r\n", "stub"], ids=["empty", "blank", "starter"])
def test_an_empty_or_untouched_py_beside_the_notebook_leaves_the_notebook_graded(tmp_path, left):
    """`attn-judge start`, then `start --notebook` and the work done in the notebook: the .py left
    empty or as the starter file does not make the student score 0; the notes say why."""
    from grader.batch import plan_class

    problem = registry.get(SDPA)
    folder = tmp_path / "class" / "kim"
    _write(folder / f"{SDPA}.ipynb", json.dumps({"cells": []}))
    _write(folder / f"{SDPA}.py", problem.stub().replace("\n", "\r\n") if left == "stub" else left)
    plan = plan_class(tmp_path / "class")
    assert [e.path.name for e in plan.entries] == [f"{SDPA}.ipynb"]
    (note,) = plan.roster["kim"]["notes"]
    why = "the untouched starter file" if left == "stub" else "empty"
    assert note.en == f"{SDPA}.py: {why}, so the notebook {SDPA}.ipynb was graded instead"
    _write(folder / f"{SDPA}.py", problem.stub() + "# started\n")  # any change is work: the .py is graded
    assert [e.path.name for e in plan_class(tmp_path / "class").entries] == [f"{SDPA}.py"]


def test_every_file_left_ungraded_in_a_student_folder_is_named_in_the_notes(tmp_path):
    """A file the plan does not grade is never dropped without a word: a wrong extension, a backup
    beside the graded file, a folder (named after the problem, or holding its file one level too
    deep), an archive, a file that is not a problem. Tool folders (__MACOSX) and what Windows leaves
    in every folder it shows (Thumbs.db, desktop.ini) are passed over."""
    from grader.batch import plan_class

    folder = tmp_path / "class" / "kim"
    _write(folder / "self_attention.PY", "x = 1\n")
    _write(folder / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    _write(folder / f"{SDPA}.py.bak", "old\n")
    _write(folder / "positional_encoding" / "main.py", "x = 1\n")
    _write(folder / "hw1" / "self_attention.py", "x = 1\n")  # handed in one level too deep
    _write(folder / "kim_attention.zip", "PK")
    _write(folder / "__MACOSX" / f"._{SDPA}.py", "\0\0")
    _write(folder / "notes.txt", "todo\n")
    _write(folder / "Shared_QK_Attention.Py", "x = 1\n")  # the problem's name in other case
    _write(folder / "grouped_query_atention.PY", "x = 1\n")  # misspelt: the name suggested is one graded
    _write(folder / "text_generaton.IPYNB", "{}\n")
    _write(folder / "Multi_Head_Attention.ipynb", "{}\n")  # a notebook's name in other case
    _write(folder / ".hidden.py", "x = 1\n")
    _write(folder / "Thumbs.db", "\0\0")
    _write(folder / "desktop.ini", "[.ShellClassInfo]\n")
    _write(tmp_path / "class" / "__MACOSX" / "kim" / f"._{SDPA}.py", "\0\0")  # a macOS zip's resource forks
    _write(tmp_path / "class" / "thumbs.db", "\0\0")
    plan = plan_class(tmp_path / "class")
    assert list(plan.roster) == ["kim"] and plan.ignored == []
    assert [e.path.name for e in plan.entries] == [f"{SDPA}.py"]
    assert sorted(note.en for note in plan.roster["kim"]["notes"]) == [
        "Multi_Head_Attention.ipynb: not graded; rename it multi_head_attention.ipynb",
        "Shared_QK_Attention.Py: not graded; rename it shared_qk_attention.py (or hand in a .ipynb notebook)",
        "grouped_query_atention.PY: not a problem ID (did you mean grouped_query_attention.py?); not graded",
        "hw1/: a folder holding self_attention.py; not graded: move the files up into the student's folder",
        "kim_attention.zip: a zip archive; not graded: unpack it into the student's folder",
        "notes.txt: not a problem ID; not graded",
        "positional_encoding/: a folder; not graded (a student's files go straight into the student's folder)",
        f"{SDPA}.py.bak: another file for the same problem; only {SDPA}.py was graded",
        "self_attention.PY: not graded; rename it self_attention.py (or hand in a .ipynb notebook)",
        "text_generaton.IPYNB: not a problem ID (did you mean text_generation.ipynb?); not graded",
    ]


def test_a_folder_of_many_stray_files_gets_a_bounded_note(tmp_path):
    """Thousands of files that are not submissions: the first are named, the rest counted, so that
    the gradebook's notes stay a cell a person (and a spreadsheet) can read."""
    from grader.batch import MAX_FILE_NOTES, plan_class

    folder = tmp_path / "class" / "eve"
    _write(folder / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    for i in range(1500):
        _write(folder / f"=cmd{i:04d}.py", "x = 1\n")
    notes = plan_class(tmp_path / "class").roster["eve"]["notes"]
    assert len(notes) == MAX_FILE_NOTES
    assert notes[0].en.startswith("=cmd0000.py: not a problem ID")
    assert notes[-1].en == f"and {1500 - MAX_FILE_NOTES + 1:,} more files not graded"
    assert notes[-1].zh == f"另有 {1500 - MAX_FILE_NOTES + 1:,} 个文件未评测"


def test_grading_one_problem_again_keeps_the_others_in_the_gradebooks(tmp_path):
    """--problem on an OUT that holds a whole class: the gradebooks keep every problem's column and
    the results already there, and the similarity report every other problem's findings, not only
    the problem graded now."""
    from grader import registry as problems, services
    from grader.executors import LocalExecutor

    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben", "cid"):
        for problem_id in (SDPA, "positional_encoding"):
            _write(root / student / f"{problem_id}.py", solution_source(problems.get(problem_id)))
    with LocalExecutor(workers=1, allow_weak=False) as executor:
        services.grade_class(root=root, out=out, executor=executor)
        before = _rows(out / "gradebook.csv")
        similarity = json.loads((out / "similarity.json").read_text())["problems"]
        pages = sorted(p.name for p in (out / "similarity" / SDPA).iterdir())
        _, summary = services.grade_class(root=root, out=out, executor=executor,
                                          only=(problems.get("positional_encoding"),), resume=True)
    assert summary.skipped == 3
    assert _rows(out / "gradebook.csv") == before
    assert before[0][:3] == ["student", SDPA, "positional_encoding"]
    assert set(similarity) == {SDPA, "positional_encoding"} and similarity[SDPA]["flagged"] and pages
    assert json.loads((out / "similarity.json").read_text())["problems"][SDPA] == similarity[SDPA]
    assert sorted(p.name for p in (out / "similarity" / SDPA).iterdir()) == pages
    assert f"similarity/{SDPA}/1.html" in (out / "index.html").read_text()  # the overview still links it


def test_a_first_problem_run_shows_the_problems_graded_and_several_can_be_asked(tmp_path):
    """--problem into a new OUT: the gradebook holds that problem alone, not every other problem
    handed in as 'results missing' for every student; --problem given twice grades both."""
    klass, out = tmp_path / "class", tmp_path / "out"
    for problem_id in (SDPA, "positional_encoding", "self_attention"):
        _write(klass / "ana" / f"{problem_id}.py", solution_source(registry.get(problem_id)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--problem", "positional_encoding"),
                           capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    header, row = _rows(out / "gradebook.csv")
    assert header[1:-3] == ["positional_encoding"] and row[-1] == ""  # no note of results missing
    both = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--problem", SDPA, "--problem", "self_attention"),
                          capture_output=True, text=True, timeout=600)
    assert both.returncode == 0 and "Submissions graded: 2" in both.stderr, both.stderr
    header, row = _rows(out / "gradebook.csv")
    assert header[1:-3] == [SDPA, "self_attention", "positional_encoding"] and row[-1] == ""
    one_file = subprocess.run(grade_cmd(str(klass / "ana" / f"{SDPA}.py"), "--problem", SDPA, "--problem", SDPA),
                              capture_output=True, text=True, timeout=600)
    assert one_file.returncode == 2 and "one file, so one problem: give --problem once" in one_file.stderr


def _rows(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def _slow_class(root: Path, students: int) -> None:
    source = solution_source(registry.get(SDPA))
    for i in range(students):
        _write(root / f"s{i:02d}" / f"{SDPA}.py", "import time\ntime.sleep(0.5)\n" + source)


def _finished(out: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in out.glob(f"*/{SDPA}/results.json")}


def test_kill_9_then_resume_loses_nothing_and_grades_nothing_twice(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    _slow_class(klass, 12)
    first = subprocess.Popen(grade_cmd(str(klass), "--out", str(out), "--workers", "1"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while len(_finished(out)) < 3 and time.monotonic() < deadline:
        time.sleep(0.1)
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(2)  # let the orphaned worker notice and finish
    done_before = _finished(out)
    assert 3 <= len(done_before) < 12
    for path in done_before:
        json.loads(path.read_text())  # every finished file is whole

    second = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--workers", "2", "--resume"),
                            capture_output=True, text=True, timeout=600)
    assert second.returncode == 0, second.stderr
    done_after = _finished(out)
    assert len(done_after) == 12
    assert all(done_after[p] == mtime for p, mtime in done_before.items())  # not graded again
    assert f"Submissions graded: {12 - len(done_before)} ({len(done_before)} already done)" in second.stderr
    for path in done_after:
        data = json.loads(path.read_text())
        assert data["score"] == data["max_score"]
    assert not list(out.glob("*/*/.*.tmp"))
    assert not sandbox_processes()

    # Resuming again grades nothing; a changed submission is graded again.
    _write(klass / "s00" / f"{SDPA}.py", registry.get(SDPA).stub())
    third = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"),
                           capture_output=True, text=True, timeout=600)
    assert "Submissions graded: 1 (11 already done)" in third.stderr
    assert json.loads((out / "s00" / SDPA / "results.json").read_text())["score"] == 0


def test_resume_makes_again_a_report_deleted_since(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben"):
        _write(klass / student / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    kept = out / "ana" / SDPA / "results.json"
    kept_mtime = kept.stat().st_mtime_ns
    (out / "ben" / SDPA / "report.html").unlink()
    again = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"), capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert "Submissions graded: 1 (1 already done)" in again.stderr
    assert (out / "ben" / SDPA / "report.html").is_file() and kept.stat().st_mtime_ns == kept_mtime


def _edit_results(path: Path, edit) -> None:
    results = json.loads(path.read_text())
    edit(results)
    path.write_text(json.dumps(results))


def _over_its_maximum(results: dict) -> None:
    results["score"] = 999


def _not_its_tests_sum(results: dict) -> None:
    results["score"] -= 1


def _a_test_over_its_maximum(results: dict) -> None:
    results["tests"][0]["score"] += 1
    results["score"] += 1
    results["max_score"] += 1


def _not_a_number(results: dict) -> None:
    results["score"] = "13"


def test_resume_grades_again_results_whose_scores_do_not_add_up(tmp_path):
    """--resume once kept a score edited to 999 out of 13, and the gradebook showed a total above
    the maximum: results whose scores are not the grader's own are graded again, like damaged JSON."""
    klass, out = tmp_path / "class", tmp_path / "out"
    edits = {"ana": _over_its_maximum, "ben": _not_its_tests_sum, "cid": _a_test_over_its_maximum,
             "dan": _not_a_number}
    for student in (*edits, "eve"):
        _write(klass / student / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    graded = _rows(out / "gradebook.csv")
    for student, edit in edits.items():
        _edit_results(out / student / SDPA / "results.json", edit)
    again = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"), capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0, again.stderr
    assert "Submissions graded: 4 (1 already done)" in again.stderr
    assert _rows(out / "gradebook.csv") == graded  # every score the grader's own again
    assert json.loads((out / "ana" / SDPA / "results.json").read_text())["score"] == sum(
        c.points for c in hidden_cases(SDPA))


def test_results_of_students_no_longer_in_the_class_are_kept_and_named(tmp_path):
    """A class graded again into the same OUT after a student left (or another class graded there),
    or after a student took one file back: the old results stay (nothing is deleted), are in no
    gradebook, and the terminal and the overview say so, since those folders look like this class's."""
    klass, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben", "index.html"):
        _write(klass / student / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    _write(klass / "ana" / f"{SELF}.py", solution_source(registry.get(SELF)))
    assert subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, timeout=600).returncode == 0
    for student in ("ben", "index.html"):
        shutil.rmtree(klass / student)
    (klass / "ana" / f"{SELF}.py").unlink()
    again = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    named = f"ana/{SELF}, ben, ~index.html"
    said = f"from an earlier run, and in no gradebook (students not in this class, or files no longer handed in): {named}."
    assert said in again.stderr
    assert (out / "ben" / SDPA / "results.json").is_file() and (out / "ana" / SELF / "results.json").is_file()
    assert [row[0] for row in _rows(out / "gradebook.csv")[1:]] == ["ana"]
    assert named in (out / "index.html").read_text(encoding="utf-8")
    only_sdpa = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--problem", SDPA), capture_output=True,
                               text=True, timeout=600)  # a run of one problem: the other's results are not its
    assert only_sdpa.returncode == 0, only_sdpa.stderr
    assert "handed in): ben, ~index.html." in only_sdpa.stderr


def test_resume_grades_again_what_another_installation_graded(tmp_path):
    """The grader upgraded (or its code or problems changed) between a run and its --resume: what
    the other installation graded is graded again, so one class never mixes two graders' feedback;
    results written before the installation was recorded are kept."""
    klass, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben", "cid"):
        _write(klass / student / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    from grader import installation

    assert json.loads((out / "ana" / SDPA / "results.json").read_text())["extra_data"]["installation"] == \
        installation.digest()
    for student, recorded in (("ben", "another installation"), ("cid", None)):
        path = out / student / SDPA / "results.json"
        results = json.loads(path.read_text())
        if recorded is None:
            del results["extra_data"]["installation"]
        else:
            results["extra_data"]["installation"] = recorded
        path.write_text(json.dumps(results))
    again = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"), capture_output=True, text=True,
                           timeout=600)
    assert again.returncode == 0 and "Submissions graded: 1 (2 already done)" in again.stderr, again.stderr
    assert "Graded again as another installation of attention-judge had graded them" in again.stderr
    assert "(its code, problems or torch differed): 1 submission(s)." in again.stderr
    assert json.loads((out / "ben" / SDPA / "results.json").read_text())["extra_data"]["installation"] == \
        installation.digest()


def test_the_installation_digest_leaves_out_the_study_site(tmp_path, monkeypatch):
    """Editing the study site's code or pages changes no grade: --resume must not grade a class again
    for it. The grading code, problems and references do count."""
    from grader import installation

    package = tmp_path / "grader"
    for relative in ("checks.py", "sitegen/build.py", "_data/site/content/quiz.toml",
                     "_data/site/templates/site/index.html", "_data/site/templates/report/submission.html"):
        _write(package / relative, "x = 1\n")
    problems, solutions = tmp_path / "problems", tmp_path / "solutions"
    _write(problems / "p" / "problem.toml", "id = 'p'\n")
    _write(solutions / "p.py", "x = 1\n")
    monkeypatch.setattr(installation, "package_dir", lambda: package)
    monkeypatch.setattr(installation, "problems_dir", lambda: problems)
    monkeypatch.setattr(installation, "solutions_dir", lambda: solutions)

    def digest_after(relative: str, root: Path = package) -> str:
        installation.digest.cache_clear()
        (root / relative).write_text((root / relative).read_text() + "# edited\n")
        return installation.digest()

    installation.digest.cache_clear()
    before = installation.digest()
    try:
        for site_file in ("sitegen/build.py", "_data/site/content/quiz.toml", "_data/site/templates/site/index.html"):
            assert digest_after(site_file) == before, site_file
        for graded, root in (("checks.py", package), ("_data/site/templates/report/submission.html", package),
                             ("p/problem.toml", problems), ("p.py", solutions)):
            changed = digest_after(graded, root)
            assert changed != before, graded
            before = changed
    finally:
        installation.digest.cache_clear()


def test_resume_grades_again_what_was_graded_with_other_limits_or_in_another_language(tmp_path):
    """A gradebook never mixes scores of one --timeout with another's, nor a class's reports two
    languages: --resume with other limits or --lang grades again what was graded with the old."""
    klass, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben"):
        _write(klass / student / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    options = json.loads((out / "ana" / SDPA / "results.json").read_text())["extra_data"]["options"]
    assert options == {"timeout": 10.0, "memory_mb": 1024, "forbidden_enforced": True}
    same = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"), capture_output=True, text=True,
                          timeout=600)
    assert "Submissions graded: 0 (2 already done)" in same.stderr
    other = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume", "--timeout", "20"),
                           capture_output=True, text=True, timeout=600)
    assert other.returncode == 0, other.stderr
    assert "Submissions graded: 2 (0 already done)" in other.stderr
    options = json.loads((out / "ben" / SDPA / "results.json").read_text())["extra_data"]["options"]
    assert options["timeout"] == 20.0
    chinese = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume", "--timeout", "20", "--lang", "zh"),
                             capture_output=True, text=True, timeout=600)
    assert chinese.returncode == 0, chinese.stderr  # results and reports in the language asked for
    for student in ("ana", "ben"):
        assert json.loads((out / student / SDPA / "results.json").read_text())["extra_data"]["lang"] == "zh"
        assert 'lang="zh"' in (out / student / SDPA / "report.html").read_text()


def test_resume_without_the_secret_seed_is_refused_rather_than_grading_everything_again(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "ana" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--seed", "7"), capture_output=True, text=True,
                           timeout=600)
    assert first.returncode == 0, first.stderr
    graded = (out / "ana" / SDPA / "results.json").read_bytes()
    forgotten = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"), capture_output=True, text=True,
                               timeout=600)
    assert forgotten.returncode == 2, forgotten.stderr
    assert f"--resume: the results in {out} were graded with another seed" in forgotten.stderr
    assert "Traceback" not in forgotten.stderr
    assert "Isolation:" not in forgotten.stderr  # refused before any sandbox started
    assert (out / "ana" / SDPA / "results.json").read_bytes() == graded
    same = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume", "--seed", "7"), capture_output=True,
                          text=True, timeout=600)
    assert same.returncode == 0 and "Submissions graded: 0 (1 already done)" in same.stderr, same.stderr
    again = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert again.returncode == 0 and "Submissions graded: 1" in again.stderr  # without --resume: graded again


def test_a_problem_run_with_another_seed_than_the_results_it_keeps_is_refused(tmp_path):
    """--problem keeps the other problems' results in the gradebooks: with another --seed than
    theirs, the gradebooks once mixed two seeds in silence. Refused before any sandbox starts."""
    klass, out = tmp_path / "class", tmp_path / "attn-judge-results"  # the default output folder, from tmp_path
    for problem_id in (SDPA, "positional_encoding"):
        _write(klass / "ana" / f"{problem_id}.py", solution_source(registry.get(problem_id)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--seed", "7"), capture_output=True, text=True,
                           timeout=600)
    assert first.returncode == 0, first.stderr
    graded = (out / "ana" / SDPA / "results.json").read_bytes()
    other = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--problem", SDPA, "--seed", "9"),
                           capture_output=True, text=True, timeout=600)
    assert other.returncode == 2, other.stderr
    assert (f"--out {out} holds results of positional_encoding graded with another seed, which a run of --problem "
            "keeps in its gradebooks") in other.stderr
    assert "give the --seed they were graded with, or grade into another --out, or grade every problem again" \
        in other.stderr
    assert "Isolation:" not in other.stderr and "Traceback" not in other.stderr
    by_default = subprocess.run(grade_cmd(str(klass), "--problem", SDPA, "--seed", "9"), cwd=tmp_path,
                                capture_output=True, text=True, timeout=600)
    assert by_default.returncode == 2, by_default.stderr
    assert (f"the default output folder {out.resolve()} (used without --out; pass --out to put the results "
            "elsewhere) holds results of positional_encoding graded with another seed") in by_default.stderr
    assert (out / "ana" / SDPA / "results.json").read_bytes() == graded
    same = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--problem", SDPA, "--seed", "7"),
                          capture_output=True, text=True, timeout=600)
    assert same.returncode == 0 and "Submissions graded: 1" in same.stderr, same.stderr


def test_resume_when_the_seed_key_is_gone_says_so_not_another_seed(tmp_path):
    """Results copied without their dot-files lose OUT/.attn-judge/seed-key: --resume with the same
    seed once said the results were graded with another seed, which was false."""
    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "ana" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    first = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--seed", "4242"), capture_output=True,
                           text=True, timeout=600)
    assert first.returncode == 0, first.stderr
    shutil.rmtree(out / ".attn-judge")
    graded = (out / "ana" / SDPA / "results.json").read_bytes()
    resumed = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--seed", "4242", "--resume"),
                             capture_output=True, text=True, timeout=600)
    assert resumed.returncode == 2, resumed.stderr
    key = out / ".attn-judge" / "seed-key"
    assert (f"the results in {out} record a secret seed by its fingerprint, but the key of those fingerprints "
            f"({key}) is gone") in resumed.stderr
    assert "restore that file" in resumed.stderr and "another seed" not in resumed.stderr
    assert "Isolation:" not in resumed.stderr and "Traceback" not in resumed.stderr
    assert (out / "ana" / SDPA / "results.json").read_bytes() == graded and not key.exists()
    again = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--seed", "4242"), capture_output=True,
                           text=True, timeout=600)
    assert again.returncode == 0 and "Submissions graded: 1" in again.stderr, again.stderr


@pytest.mark.parametrize("stops", [(signal.SIGINT,), (signal.SIGTERM,), (signal.SIGINT, signal.SIGINT),
                                   (signal.SIGINT, signal.SIGTERM)],
                         ids=["ctrl-c", "sigterm", "ctrl-c-twice", "ctrl-c-then-sigterm"])
def test_an_interrupted_class_run_saves_what_is_finished(tmp_path, stops):
    """Ctrl-C, or a job scheduler's (or timeout's) SIGTERM: everything finished is saved, the class
    outputs are written, and --resume is suggested. A second signal while that is saved (an
    impatient Ctrl-C, timeout's SIGINT then SIGTERM) only says so: never a traceback."""
    klass, out = tmp_path / "class", tmp_path / "out"
    _slow_class(klass, 8)
    run = subprocess.Popen(grade_cmd(str(klass), "--out", str(out), "--workers", "1"),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while len(_finished(out)) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    for stop in stops:
        run.send_signal(stop)
        time.sleep(0.2)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr
    assert "gradebook-canvas.csv leaves the submissions not yet graded blank: do not import it yet" in stderr
    assert (out / "gradebook.csv").is_file() and (out / "index.html").is_file()
    for path in _finished(out):
        json.loads(path.read_text())
    deadline = time.monotonic() + 30
    while sandbox_processes() and time.monotonic() < deadline:  # the sandboxes end on their own
        time.sleep(0.2)
    assert not sandbox_processes()


def _zygotes(pid: int) -> list[str]:
    """The sandbox zygotes ``pid`` has started (children whose command line names the forbidden
    APIs), read from /proc: the sign that the grade command itself has begun. Other children
    come earlier (the interpreter's imports may run ldconfig)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text() if entry.isdigit() else ""
            if stat and stat.rsplit(")", 1)[1].split()[1] == str(pid):
                if b"--forbidden=" in Path(f"/proc/{entry}/cmdline").read_bytes():
                    found.append(entry)
        except OSError:
            continue
    return found


def test_ctrl_c_while_the_command_starts_says_so_in_one_line(tmp_path):
    """Ctrl-C before the class run has begun (torch loading, the sandboxes starting): one line and
    exit code 130, never click's "Aborted!" nor a traceback."""
    klass, out = tmp_path / "class", tmp_path / "out"
    _slow_class(klass, 4)
    run = subprocess.Popen(grade_cmd(str(klass), "--out", str(out)), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not _zygotes(run.pid) and time.monotonic() < deadline:  # the command has begun: it starts a sandbox
        time.sleep(0.01)
    run.send_signal(signal.SIGINT)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 130, stderr
    assert "Interrupted." in stderr and "Aborted!" not in stderr and "Traceback" not in stderr


def test_a_link_to_the_class_folder_is_graded_as_the_class(tmp_path):
    klass, link, out = tmp_path / "fall-2026", tmp_path / "current", tmp_path / "out"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    link.symlink_to(klass, target_is_directory=True)
    result = subprocess.run(grade_cmd(str(link), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert json.loads((out / "alice" / SDPA / "results.json").read_text())["score"] > 0


def test_what_lies_beside_the_student_folders_is_named_once_not_dropped_in_silence(tmp_path):
    """A submission put at the top of the class folder, or a student folder made hidden, is not
    graded and the command says so in one line; what tools leave there (.git, .DS_Store) is not
    named, and a long list is cut."""
    from grader.batch import plan_class

    klass, out = tmp_path / "class", tmp_path / "out"
    reference = solution_source(registry.get(SDPA))
    _write(klass / "alice" / f"{SDPA}.py", reference)
    _write(klass / ".carol" / f"{SDPA}.py", reference)
    _write(klass / f"{SDPA}.py", reference)
    _write(klass / "x\nSubmissions graded: 99", "")  # a name cannot forge a line of the summary
    _write(klass / ".git" / "HEAD", "ref: refs/heads/main\n")
    _write(klass / ".DS_Store", "\0")
    _write(klass / "__MACOSX" / "alice" / f"._{SDPA}.py", "\0")
    assert plan_class(klass).ignored == [".carol", f"{SDPA}.py", "x\\x0aSubmissions graded: 99"]  # as names are
    result = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert f"Not graded (not student folders): .carol, {SDPA}.py, x\\x0aSubmissions graded: 99." in result.stderr
    assert not any(line.startswith("Submissions graded: 99") for line in result.stderr.splitlines())
    assert ".git" not in result.stderr and "DS_Store" not in result.stderr and "MACOSX" not in result.stderr
    for i in range(12):
        _write(klass / f"stray{i:02d}.txt", "x\n")
    ignored = plan_class(klass).ignored
    assert len(ignored) == 15
    from grader.user_errors import listed

    assert listed(ignored).en.endswith("stray07.txt and 5 more")


def test_an_out_folder_that_cannot_be_written_is_said_before_any_grading(tmp_path):
    klass, blocked = tmp_path / "class", tmp_path / "a-file"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    blocked.write_text("not a folder\n")
    for target in (klass, klass / "alice" / f"{SDPA}.py"):  # a class, and one submission
        result = subprocess.run(grade_cmd(str(target), "--out", str(blocked / "out")),
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 2, result.stderr
        assert f"--out {blocked / 'out'}: cannot write there" in result.stderr
        assert "Traceback" not in result.stderr and "Isolation:" not in result.stderr  # no sandbox started


def test_a_results_folder_that_cannot_be_written_stops_the_run_with_one_message(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    _write(klass / "bob" / f"{SDPA}.py", registry.get(SDPA).stub())
    _write(out / "carol" / SDPA / "results.json", "{}")  # an OUT of earlier runs: graded into again
    _write(out / "bob", "a file where bob's folder goes\n")
    # one sandbox: alice (first in the plan) is graded and saved before bob's folder is needed
    result = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--workers", "1"), capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert f"could not write {out / 'bob'}" in result.stderr and "--resume" in result.stderr
    assert "Traceback" not in result.stderr
    assert (out / "alice" / SDPA / "results.json").is_file() and (out / "gradebook.csv").is_file()
    (out / "bob").unlink()
    resumed = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--resume"), capture_output=True, text=True,
                             timeout=600)
    assert resumed.returncode == 0, resumed.stderr
    assert "Submissions graded: 1 (1 already done)" in resumed.stderr
    assert (out / "bob" / SDPA / "results.json").is_file()


def _hold_lock(out: Path) -> subprocess.Popen:
    """Another process that holds the lock of ``out`` (as a run writing there does) until killed."""
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom grader.outlock import lock_output\n"
                               f"lock_output({str(out)!r})\nprint('held', flush=True)\ntime.sleep(600)"],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_run_into_an_out_that_another_process_writes_is_refused_at_once(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    holder = _hold_lock(out)
    try:
        refused = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True,
                                 timeout=600)
    finally:
        holder.kill()
        holder.wait()
    assert refused.returncode == 2, refused.stderr
    assert f"--out {out} is being written by another attn-judge grade (process {holder.pid})" in refused.stderr
    assert "Traceback" not in refused.stderr and "Isolation:" not in refused.stderr
    assert not (out / "alice").exists()
    after = subprocess.run(grade_cmd(str(klass), "--out", str(out)), capture_output=True, text=True, timeout=600)
    assert after.returncode == 0, after.stderr  # the lock went with its holder


def test_a_busy_out_is_refused_before_any_sandbox_starts(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader import services
    from grader.cli import main

    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))

    def no_sandboxes(**_):
        raise AssertionError("the sandboxes started before the busy OUT was refused")

    monkeypatch.setattr(services, "open_executor", no_sandboxes)
    monkeypatch.setattr("grader.zygote_launch.prestart", lambda **_: None)
    holder = _hold_lock(out)
    try:
        refused = CliRunner().invoke(main, ["grade", str(klass), "--out", str(out)])
    finally:
        holder.kill()
        holder.wait()
    assert refused.exit_code == 2, refused.output
    assert f"is being written by another attn-judge grade (process {holder.pid})" in refused.output


def test_a_class_run_holds_its_out_until_it_ends(tmp_path):
    from grader.outlock import OutputInUse, lock_output

    klass, out = tmp_path / "class", tmp_path / "out"
    _slow_class(klass, 12)
    run = subprocess.Popen(grade_cmd(str(klass), "--out", str(out), "--workers", "1"),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 300
        while not _finished(out) and time.monotonic() < deadline:
            time.sleep(0.1)
        with pytest.raises(OutputInUse) as held:  # eleven submissions of half a second each still to go
            lock_output(out)
        assert held.value.pid == str(run.pid)
    finally:
        _, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr
    with lock_output(out):  # free again
        pass


def test_an_out_folder_that_holds_the_class_is_refused(tmp_path):
    """``--out`` a parent of the class would write results among the submissions (a student named
    like the class folder would write into it); nothing is written, nothing deleted."""
    course = tmp_path / "course"
    klass = course / "class"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    leftover_like = klass / "alice" / ".notes.1.0badcafe.tmp"
    _write(leftover_like, "a student's own file\n")
    result = subprocess.run(grade_cmd(str(klass), "--out", str(course)), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 2, result.stderr
    assert f"--out {course} holds the class directory {klass}" in result.stderr
    assert f"such as {course / 'class-results'}" in result.stderr
    assert "Traceback" not in result.stderr and "Isolation:" not in result.stderr
    assert sorted(p.name for p in course.iterdir()) == ["class"] and leftover_like.is_file()


def test_an_out_folder_holding_other_files_is_refused_and_left_alone(tmp_path):
    klass, site = tmp_path / "class", tmp_path / "mysite"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    _write(site / "index.html", "my home page\n")
    _write(site / "static" / "style.css", "body {}\n")
    result = subprocess.run(grade_cmd(str(klass), "--out", str(site)), capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert f"--out {site} already holds files that no class run wrote" in result.stderr
    assert "Traceback" not in result.stderr and "Isolation:" not in result.stderr
    assert (site / "index.html").read_text() == "my home page\n" and sorted(p.name for p in site.iterdir()) == [
        "index.html", "static"]


def test_a_problem_nobody_handed_in_is_said_before_any_grading(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    _write(klass / "alice" / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    result = subprocess.run(grade_cmd(str(klass), "--out", str(out), "--problem", "beam_search"),
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 2, result.stderr
    assert f"--problem beam_search: no student under {klass} handed in beam_search.py" in result.stderr
    assert "Traceback" not in result.stderr and not out.exists()


def test_a_bad_submission_s_message_names_the_file_not_the_instructor_s_folders(tmp_path):
    from grader.submission import BadSubmission, read_submission

    path = tmp_path / "courses" / "fall" / "alice" / f"{SDPA}.py"
    _write(path, "  \n")
    with pytest.raises(BadSubmission) as caught:
        read_submission(path)
    assert caught.value.message.en == f"{SDPA}.py: is empty; start from 'attn-judge start {SDPA}'"
    assert str(tmp_path) not in caught.value.message.en + caught.value.message.zh


@pytest.mark.parametrize("content", ["", " \n"])
def test_an_empty_notebook_file_is_said_to_be_empty_as_a_py_is(tmp_path, content):
    from grader.submission import BadSubmission, read_submission

    path = tmp_path / f"{SDPA}.ipynb"
    _write(path, content)
    with pytest.raises(BadSubmission) as caught:
        read_submission(path)
    assert caught.value.message.en == f"{SDPA}.ipynb: is empty; start from 'attn-judge start {SDPA} --notebook'"


def test_a_bad_submission_keeps_both_languages_and_its_platform_advice_through_pickle(tmp_path):
    import pickle

    from grader.submission import BadSubmission, read_submission

    path = tmp_path / "alice" / f"{SDPA}.py"
    _write(path, "")
    with pytest.raises(BadSubmission) as caught:
        read_submission(path)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(copy, BadSubmission) and str(copy) == str(caught.value)
    assert (copy.message.en, copy.message.zh) == (caught.value.message.en, caught.value.message.zh)
    assert (copy.on_platform.en, copy.on_platform.zh) == (caught.value.on_platform.en, caught.value.on_platform.zh)
    assert copy.on_platform.en != copy.message.en  # an empty file's advice differs on a course platform


def test_only_the_grader_s_own_half_written_files_are_cleared(tmp_path):
    from grader.batch import remove_stale_temporaries
    folder = tmp_path / "out" / "alice" / SDPA
    ours = [folder / ".results.json.4242.0a1b2c3d.tmp", folder / ".report.html.7.ffffffff.tmp"]
    others = [folder / ".results.json.tmp", folder / ".draft.4242.0a1b2c3d.tmp", folder / ".x.py.1.2.tmp"]
    for path in ours + others:
        _write(path, "half\n")
    remove_stale_temporaries(tmp_path / "out")
    assert [p.exists() for p in ours + others] == [False, False, True, True, True]


def test_a_folder_without_student_folders_gets_one_message(tmp_path):
    loose = tmp_path / "loose"  # a common slip: the submissions themselves, not one folder per student
    _write(loose / f"{SDPA}.py", solution_source(registry.get(SDPA)))
    result = subprocess.run(grade_cmd(str(loose), "--out", str(tmp_path / "out")), capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 2, result.stderr
    assert f"{loose} holds no student folder" in result.stderr and "self_attention.py" in result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "out").exists()
    assert "Isolation:" not in result.stderr  # refused before waiting for any sandbox


def test_a_folder_whose_only_folder_is_hidden_says_what_it_passed_over(tmp_path):
    from grader.services import UserError, class_plan

    klass = tmp_path / "class"
    _write(klass / ".ana" / f"{SDPA}.py", "x = 1\n")  # hidden, so never a student
    _write(klass / f"{SDPA}.py", "x = 1\n")
    with pytest.raises(UserError) as caught:
        class_plan(klass, tmp_path / "out")
    assert caught.value.text.en.endswith(f"Passed over: .ana, {SDPA}.py (a name starting with '.' is hidden, "
                                         "never a student; a file is not a student folder)")
    assert f"已跳过：.ana、{SDPA}.py" in caught.value.text.zh


def _results(out: Path) -> dict[str, dict]:
    return {p.parent.parent.name: json.loads(p.read_text(encoding="utf-8"))
            for p in out.glob(f"*/{SDPA}/results.json")}


def test_a_class_whose_sandboxes_all_die_stops_with_one_message_and_resumes(tmp_path, monkeypatch):
    """The sandbox killed (as the OOM killer would) and none can start again: the run stops, keeps
    what is finished, records nothing for the submission it was running, and --resume finishes it."""
    from grader import services
    from grader.executors import LocalExecutor

    root, out = tmp_path / "class", tmp_path / "out"
    _slow_class(root, 4)
    with LocalExecutor(workers=1, allow_weak=False) as executor:
        zygote = executor.pool._all[0]

        def kill_after_first(entry) -> None:
            monkeypatch.setenv("ATTN_JUDGE_UID_BASE", "abc")  # no sandbox can start from now on
            zygote.proc.kill()

        with pytest.raises(services.UserError) as caught:
            services.grade_class(root=root, out=out, executor=executor, reports=False,
                                 on_progress=kill_after_first)
    message = caught.value.text.en
    assert message.startswith("grading stopped: every sandbox process has stopped and none could be started "
                              "again (the sandbox did not start (ATTN_JUDGE_UID_BASE='abc' is not a uid base"), message
    assert message.endswith("run the same command with --resume to continue.")
    finished = _results(out)  # the first, and the one graded meanwhile if it finished before the kill
    assert 1 <= len(finished) < 4
    assert all(r["extra_data"]["error"] is None and r["score"] == r["max_score"] for r in finished.values())
    assert (out / "gradebook.csv").is_file()  # the class outputs of what is finished
    monkeypatch.delenv("ATTN_JUDGE_UID_BASE")
    with LocalExecutor(workers=1, allow_weak=False) as executor:
        _, summary = services.grade_class(root=root, out=out, executor=executor, reports=False, resume=True)
    assert summary.skipped == len(finished) and summary.graded == 4 - len(finished)
    assert all(r["extra_data"]["error"] is None and r["score"] == r["max_score"] for r in _results(out).values())


def test_results_the_trusted_side_fails_to_write_cost_that_submission_only(tmp_path, monkeypatch):
    """Writing one submission's report or results fails on what it produced (a fault of the trusted
    side's): it is saved as the grader's error, and the class goes on."""
    from grader import classrun, services
    from grader.executors import LocalExecutor

    root, out = tmp_path / "class", tmp_path / "out"
    _slow_class(root, 3)
    write_report = classrun.write_report

    def failing_for_s01(path, *, results, **options):
        if "s01" in str(path) and results["extra_data"]["error"] is None:
            raise ValueError("cannot render this")
        return write_report(path, results=results, **options)

    monkeypatch.setattr(classrun, "write_report", failing_for_s01)
    with LocalExecutor(workers=1, allow_weak=False) as executor:
        _, summary = services.grade_class(root=root, out=out, executor=executor, reports=True)
    assert summary.graded == 3 and summary.errors == {"grader_error": 1}
    results = _results(out)
    failed = results.pop("s01")["extra_data"]["error"]
    assert failed["kind"] == "grader_error" and "ValueError: cannot render this" in failed["message"]
    assert (out / "s01" / SDPA / "report.html").is_file()
    assert all(r["extra_data"]["error"] is None and r["score"] == r["max_score"] for r in results.values())


def test_a_sandbox_that_dies_under_a_submission_is_replaced_and_the_submission_runs_again(tmp_path):
    from grader import services
    from grader.executors import LocalExecutor

    root, out = tmp_path / "class", tmp_path / "out"
    _slow_class(root, 3)
    with LocalExecutor(workers=1, allow_weak=False) as executor:
        first = executor.pool._all[0]

        def kill_once(entry) -> None:
            if first.proc.poll() is None:
                first.proc.kill()

        _, summary = services.grade_class(root=root, out=out, executor=executor, reports=False,
                                          on_progress=kill_once)
        assert executor.pool._all and executor.pool._all[0] is not first
    assert summary.graded == 3
    assert all(r["extra_data"]["error"] is None and r["score"] == r["max_score"] for r in _results(out).values())


def test_one_submission_whose_sandbox_dies_for_good_gets_one_message(tmp_path, monkeypatch):
    """``check`` on a sandbox killed (as the OOM killer would) before it ran the submission, and none
    can start again: the message a sandbox that never started gets, not a traceback, nor a crash
    blamed on the code."""
    from grader import services

    open_executor = services.open_executor

    def opened_then_killed(**options):
        executor = open_executor(**options)
        monkeypatch.setenv("ATTN_JUDGE_UID_BASE", "abc")  # no sandbox can start from now on
        zygote = executor.pool._all[0]
        zygote.proc.kill()
        zygote.proc.wait(timeout=60)
        return executor

    monkeypatch.setattr(services, "open_executor", opened_then_killed)
    path = tmp_path / f"{SDPA}.py"
    _write(path, solution_source(registry.get(SDPA)))
    with pytest.raises(services.UserError) as caught:
        services.check_file(path=path, problem_id=None)
    assert caught.value.text.en.startswith("cannot start the sandbox: every sandbox process has stopped and none "
                                           "could be started again (the sandbox did not start (ATTN_JUDGE_UID_BASE=")


def test_student_folders_that_differ_only_in_case_are_told_they_merge_on_macos_and_windows(tmp_path):
    """Alice and alice are two folders here and one on macOS or Windows, where the output may be copied:
    each says so, naming at most three others (a class of case variants makes no quadratic notes)."""
    from grader.batch import plan_class

    klass = tmp_path / "class"
    for student in ("Alice", "alice", "bob", "DAN", "DaN", "Dan", "dAN", "dan"):
        _write(klass / student / f"{SDPA}.py", "x = 1\n")
    notes = {name: [n.en for n in info["notes"]] for name, info in plan_class(klass).roster.items()}
    clash = ("this student folder's name differs from {} only in case: in an output folder copied to macOS or "
             "Windows their results are one folder; rename one of them")
    assert notes["Alice"] == [clash.format("alice")] and notes["alice"] == [clash.format("Alice")]
    assert notes["bob"] == []
    assert notes["Dan"] == [clash.format("DAN, DaN, dAN (+1)")]


def test_two_student_folders_whose_names_look_the_same_are_told_apart(tmp_path):
    """josé typed on macOS (e and a combining accent) and on Windows (é): two folders, two rows
    that read the same; each row's notes say so, with the spelling that tells them apart."""
    from grader.batch import plan_class

    for name in ("jose\u0301", "jos\u00e9", "ana"):
        _write(tmp_path / "class" / name / f"{SDPA}.py", "x = 1\n")
    roster = plan_class(tmp_path / "class").roster
    assert roster["ana"]["notes"] == []
    assert [n.en for n in roster["jose\u0301"]["notes"]] == [
        "this student folder's name looks the same as 1 other(s) but is spelled apart (jose\\u0301): "
        "the same student handed in twice, or two students to tell apart"]
    assert "(jos\\xe9)" in roster["jos\u00e9"]["notes"][0].en


@pytest.mark.parametrize("joined", ["a\u200db", "a\u200cb"])
def test_a_name_that_differs_only_by_a_joiner_the_pages_keep_is_told_apart(tmp_path, joined):
    """A zero-width joiner between two letters is shown as itself (it is part of some writing), so
    ``ab`` and ``a<ZWJ>b`` read the same: each row's notes say so, with the spelling that tells them apart."""
    from grader.batch import plan_class

    for name in ("ab", joined, "ana"):
        _write(tmp_path / "class" / name / f"{SDPA}.py", "x = 1\n")
    roster = plan_class(tmp_path / "class").roster
    assert roster["ana"]["notes"] == []
    spelled = joined.encode("unicode_escape").decode("ascii")
    assert [n.en for n in roster[joined]["notes"]] == [
        f"this student folder's name looks the same as 1 other(s) but is spelled apart ({spelled}): "
        "the same student handed in twice, or two students to tell apart"]
    assert "(ab)" in roster["ab"]["notes"][0].en


@pytest.mark.parametrize("pair", [
    (os.fsdecode(b"bad\xffbyte"), "bad\\xffbyte"),  # an undecodable byte, and its \xNN typed out
    ("x\abell", "x\\x07bell"), ("\u202eRTL", "\\u202eRTL"),  # a control or an override, and its escape typed out
    ("'=quote", "=quote"),  # a quote typed, and the quote that defuses a formula
], ids=["byte", "control", "override", "formula"])
def test_student_folders_whose_gradebook_rows_read_the_same_are_told_apart(tmp_path, pair):
    """Two folders whose names are written the same in the gradebooks get two rows that read the
    same: each row's notes say so, with the spelling that tells them apart."""
    from grader.batch import plan_class
    from grader.reports import write_class_outputs

    for name in (*pair, "ana"):
        _write(tmp_path / "class" / name / f"{SDPA}.py", "x = 1\n")
    roster = plan_class(tmp_path / "class").roster
    write_class_outputs(tmp_path / "out", problems=[registry.get(SDPA)], roster=roster, overview=False)
    for gradebook, column in (("gradebook.csv", 0), ("gradebook-canvas.csv", 3)):
        with open(tmp_path / "out" / gradebook, newline="", encoding="utf-8") as fh:
            names = [row[column] for row in csv.reader(fh)]
        assert len(names) - len(set(names)) == 1, names  # the pair's rows read the same
    with open(tmp_path / "out" / "gradebook.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    shown = [row[0] for row in rows]
    notes = [row[-1] for row in rows if shown.count(row[0]) == 2]
    assert all("looks the same as 1 other(s) but is spelled apart" in note for note in notes)
    assert len(notes) == 2 and notes[0] != notes[1]  # the notes tell the rows apart
    assert "looks the same" not in rows[shown.index("ana")][-1]
