"""``attn-judge export prairielearn``: the questions, the grader image's files, and its real entrypoint.

Docker cannot build images here, so the entrypoint script of the export runs
outside Docker, as the image would run it, on a fake ``/grade`` (the question's
``tests/`` as PrairieLearn copies it, the student's file in ``student/``) with
the root moved by ``ATTN_JUDGE_GRADE_ROOT``. Every ``results.json`` is validated
against PrairieLearn's published results format and its 1 MB limit.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import stat
import uuid
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from grader import registry
from grader.cli import main
from grader.exports import export_prairielearn
from grader.exports.common import CONFIG_FILE, SEED_FILE, Graded, Settings, fitted
from grader.exports.prairielearn import (ENTRYPOINT, IMAGE_DIR, MAX_GRADING_SECONDS, QUESTIONS,
                                         grading_timeout, prairielearn_results)
from grader.grading import Suite, not_graded
from grader.i18n import t
from grader.jsonio import dumps
from grader.references import solution_source
from grader.runs import SubmissionError
from grader.sandbox.messages import ErrorKind
from tests.sandboxing import attack_source
from tests.test_export_gradescope import (ATTN_JUDGE, SDPA, SEED, WRONG_SDPA, found_paths, run_script,
                                          write_files)

MHA = "multi_head_attention"
LIMIT_BYTES = 1_000_000

# PrairieLearn's results format, written down from "External grading → Grading results"
# (prairielearn.readthedocs.io/en/latest/externalGrading/): score in [0, 1] (required when
# gradable), gradable, message, output, format_errors, images, and tests with name,
# description, points, max_points, message, output, images. Other top-level keys are allowed.
_IMAGES = {"type": "array", "items": {"anyOf": [{"type": "string"}, {
    "type": "object", "properties": {"url": {"type": "string"}, "label": {"type": "string"}},
    "required": ["url"]}]}}
PRAIRIELEARN_RESULTS = {
    "type": "object",
    "properties": {
        "gradable": {"type": "boolean"},
        "score": {"type": "number", "minimum": 0, "maximum": 1},
        "message": {"type": "string"},
        "output": {"type": "string"},
        "format_errors": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "images": _IMAGES,
        "tests": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "name": {"type": "string"},
                    "description": {"type": "string"},
                    "points": {"type": "number"},
                    "max_points": {"type": "number"},
                    "message": {"type": "string"},
                    "output": {"type": "string"},
                    "images": _IMAGES,
                },
                "required": ["name", "points", "max_points"],
                "additionalProperties": False,
            },
        },
    },
    "if": {"properties": {"gradable": {"const": False}}, "required": ["gradable"]},
    "else": {"required": ["score"]},
}

pytestmark = [pytest.mark.slow]


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    """Problems 1 and 3, the wheel built by the export itself (pip wheel --no-deps)."""
    out = tmp_path_factory.mktemp("prairielearn") / "course-export"
    export_prairielearn(problem_ids=[SDPA, MHA], out=out, seed=SEED, lang="en")
    return out


def grade(exported: Path, tmp: Path, files: dict[str, str | bytes], *, problem: str = SDPA,
          env: dict | None = None) -> tuple[Path, dict]:
    """Run the image's entrypoint on a fake /grade, attn-judge on PATH, and return the validated results."""
    root = tmp / "grade"
    shutil.copytree(exported / QUESTIONS / problem / "tests", root / "tests")
    write_files(root / "student", files)
    entrypoint = exported / IMAGE_DIR / Path(ENTRYPOINT).name
    done = run_script(entrypoint, cwd=tmp, env={"ATTN_JUDGE_GRADE_ROOT": str(root),
                                                "PATH": f"{ATTN_JUDGE.parent}:{os.environ['PATH']}",
                                                **(env or {})})
    assert done.returncode == 0, done.stderr
    raw = (root / "results" / "results.json").read_bytes()
    assert len(raw) < LIMIT_BYTES
    results = json.loads(raw)
    jsonschema.validate(results, PRAIRIELEARN_RESULTS)
    return root, results


# ----------------------------------------------------------------------------- the export

def test_each_question_is_an_externally_graded_v3_question(exported):
    for problem_id in (SDPA, MHA):
        problem = registry.get(problem_id)
        folder = exported / QUESTIONS / problem_id
        info = json.loads((folder / "info.json").read_text())
        assert uuid.UUID(info["uuid"]).version == 5
        assert info["title"] == problem.title and info["topic"] and problem.tags[0] in info["tags"]
        assert info["type"] == "v3" and info["gradingMethod"] == "External"
        options = info["externalGradingOptions"]
        assert options["enabled"] is True and options["image"] == "attn-judge-grader:0.1.0"
        assert options["entrypoint"] == ENTRYPOINT and 0 < options["timeout"] <= MAX_GRADING_SECONDS
        assert "serverFilesCourse" not in options
        entrypoint = exported / IMAGE_DIR / Path(options["entrypoint"]).name
        assert entrypoint.is_file() and entrypoint.stat().st_mode & stat.S_IXUSR
        html = (folder / "question.html").read_text()
        editor = re.search(r'<pl-file-editor file-name="([^"]+)" ace-mode="ace/mode/python" '
                           r'source-file-name="([^"]+)"></pl-file-editor>', html)
        assert editor and editor.group(1) == f"{problem_id}.py"
        assert (folder / editor.group(2)).read_text() == problem.stub()
        assert "<pl-external-grader-results>" in html and "<math" in html and "{{" not in html
        assert "<h2>" in html and "$" not in html.split("<details>")[0].replace("$$", "")
        tests = folder / "tests"
        assert (tests / SEED_FILE).read_text().strip() == str(SEED)
        assert stat.S_IMODE((tests / SEED_FILE).stat().st_mode) == 0o600
        assert str(SEED) not in (tests / CONFIG_FILE).read_text() and str(SEED) not in html


def test_question_uuids_stay_the_same_from_one_export_to_the_next(exported, tmp_path):
    wheel = next((exported / IMAGE_DIR).glob("attention_judge-*.whl"))
    again = tmp_path / "again"
    export_prairielearn(problem_ids=[MHA], out=again, seed=1, wheel=wheel, image="me/grader:1")
    first = json.loads((exported / QUESTIONS / MHA / "info.json").read_text())
    second = json.loads((again / QUESTIONS / MHA / "info.json").read_text())
    assert first["uuid"] == second["uuid"] and second["externalGradingOptions"]["image"] == "me/grader:1"
    assert first["uuid"] != json.loads((exported / QUESTIONS / SDPA / "info.json").read_text())["uuid"]


def test_the_dockerfile_installs_cpu_torch_the_wheel_and_the_entrypoint(exported):
    dockerfile = (exported / IMAGE_DIR / "Dockerfile").read_text()
    wheel = next((exported / IMAGE_DIR).glob("attention_judge-*-py3-none-any.whl")).name
    lines = [line for line in dockerfile.splitlines() if line and not line.startswith("#")]
    assert lines[0].startswith("FROM python:3.")
    assert "RUN pip install --index-url https://download.pytorch.org/whl/cpu torch==2.13.0" in lines
    assert lines.index(f"COPY {wheel} /tmp/{wheel}") > 1  # after torch: nothing pulls a CUDA build
    assert f"RUN pip install /tmp/{wheel} && rm /tmp/{wheel}" in lines
    assert f"COPY {Path(ENTRYPOINT).name} {ENTRYPOINT}" in lines


def test_the_command_refuses_a_folder_that_holds_files(exported, tmp_path):
    (tmp_path / "old.txt").write_text("mine")
    result = CliRunner().invoke(main, ["export", "prairielearn", SDPA, "--out", str(tmp_path)])
    assert result.exit_code == 2 and "not an empty folder" in result.output and "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


@pytest.mark.parametrize("image", ["", "  ", "my grader"])
def test_an_image_name_that_names_no_image_is_refused(image, tmp_path):
    """An empty --image became the default name in silence; info.json would name an image never pushed."""
    result = CliRunner().invoke(main, ["export", "prairielearn", SDPA, "--out", str(tmp_path / "course"),
                                       "--image", image])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert f"--image {image!r}: not a Docker image name" in result.output and "leave out --image" in result.output
    assert list(tmp_path.iterdir()) == []


def test_questions_that_cannot_be_written_are_one_message_and_leave_nothing(exported, tmp_path, monkeypatch):
    """A disk that fills up while the questions are written: neither a traceback nor the folder
    they were staged in, and no folder the export made for them."""
    import grader.exports.prairielearn

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(grader.exports.prairielearn, "copy_template", no_space)
    wheel = next((exported / IMAGE_DIR).glob("attention_judge-*.whl"))
    out = tmp_path / "new" / "course"
    result = CliRunner().invoke(main, ["export", "prairielearn", SDPA, "--out", str(out), "--wheel", str(wheel)])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    assert f"--out {out}: writing it failed (No space left on device), so nothing was written" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_timeout_whose_job_prairielearn_would_cut_short_is_refused(tmp_path):
    """Six tests' worth of 91 s and a minute's start-up outlast the 600 s PrairieLearn allows a
    job: clamped, the job of a submission that used up its time would end without a result."""
    assert grading_timeout(Settings(problems=(SDPA,), timeout=90)) == MAX_GRADING_SECONDS
    out = tmp_path / "course"
    refused = CliRunner().invoke(main, ["export", "prairielearn", SDPA, "--out", str(out), "--timeout", "91"])
    assert refused.exit_code == 2 and "Traceback" not in refused.output
    assert "--timeout 91: too long for PrairieLearn" in refused.output and "--timeout 90 or less" in refused.output
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- the entrypoint

@pytest.mark.sandbox
def test_a_correct_submission_scores_one(exported, tmp_path):
    root, results = grade(exported, tmp_path, {f"{SDPA}.py": solution_source(registry.get(SDPA))})
    assert results["gradable"] is True and results["score"] == 1.0
    assert all(t["points"] == t["max_points"] for t in results["tests"])
    assert "Everything checked is correct" in results["message"]
    assert str(SEED) not in json.dumps(results)
    assert stat.S_IMODE((root / "tests").stat().st_mode) == 0o700
    assert results["attn_judge"]["problems"][SDPA]["inputs"] == "per-file"  # drawn for this file


@pytest.mark.sandbox
def test_a_wrong_submission_gets_a_partial_score_and_the_diagnosis_in_message(exported, tmp_path):
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": WRONG_SDPA})
    assert results["gradable"] is True and 0 < results["score"] < 1
    assert "Likely mistake — Mask read the wrong way round" in results["message"]
    failed = [t for t in results["tests"] if t["points"] < t["max_points"]]
    assert failed and any("Mask read the wrong way round" in t["message"] for t in failed)


@pytest.mark.sandbox
def test_a_submission_searching_the_file_system_never_sees_the_question(exported, tmp_path):
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": attack_source("fs_search")})
    found = found_paths(results["tests"][0]["output"])
    leaked = [p for p in found if any(s in p for s in ("grade", "tests", "_data", "solutions", "/hidden",
                                                       "attention_judge"))]
    assert not leaked, leaked
    assert results["score"] == 0


@pytest.mark.sandbox
def test_results_stay_under_one_megabyte_when_the_submission_prints_a_lot(exported, tmp_path):
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": attack_source("flood_stdout")})
    assert results["output"].startswith("captured output (truncated):")
    assert "more characters cut]" in results["output"]
    assert "<script>alert('x')</script>" in results["output"]  # shown as text: PrairieLearn escapes it


@pytest.mark.sandbox
def test_a_syntax_error_is_not_gradable_and_costs_no_attempt(exported, tmp_path):
    missing_colon = "def scaled_dot_product_attention(q, k, v, mask=None)\n"
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": missing_colon})
    assert results["gradable"] is False and results["format_errors"] == ["expected ':' (line 1)"]
    assert results["attn_judge"]["problems"][SDPA]["error"]["kind"] == "syntax_error"


@pytest.mark.sandbox
def test_an_empty_file_is_told_to_start_from_the_course_s_stub_not_from_attn_judge(exported, tmp_path):
    """PrairieLearn's learners have no attn-judge command: the advice is the stub the course gave."""
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": "\n"})
    assert results["gradable"] is False
    assert results["format_errors"] == [f"{SDPA}.py: is empty; start from the stub your course gave you for "
                                        "this problem, keep its names, and submit again"]
    assert "attn-judge start" not in json.dumps(results, ensure_ascii=False)


@pytest.mark.sandbox
def test_a_question_exported_in_chinese_grades_in_chinese(exported, tmp_path):
    wheel = next((exported / IMAGE_DIR).glob("attention_judge-*.whl"))
    chinese = tmp_path / "zh"
    export_prairielearn(problem_ids=[MHA], out=chinese, seed=SEED, lang="zh", wheel=wheel)
    assert "多头注意力" in (chinese / QUESTIONS / MHA / "question.html").read_text()
    _, results = grade(chinese, tmp_path, {"answer.py": solution_source(registry.get(MHA))}, problem=MHA)
    assert results["gradable"] is True and results["score"] == 1.0
    assert f"answer.py：已按 {MHA}.py 评测" in results["message"]
    assert "多头注意力：通过" in results["message"] and "所有检查都正确" in results["message"]


@pytest.mark.sandbox
def test_a_container_without_namespaces_makes_the_submission_not_gradable(exported, tmp_path):
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": WRONG_SDPA}, env={"ATTN_JUDGE_ISOLATION": "weak"})
    assert results["gradable"] is False
    assert "could not isolate your code" in results["format_errors"][0]
    assert "--allow-weak-isolation" not in results["format_errors"][0]


def test_without_attn_judge_the_student_gets_the_not_graded_message(exported, tmp_path):
    _, results = grade(exported, tmp_path, {f"{SDPA}.py": "x = 1\n"},
                       env={"ATTN_JUDGE_BIN": str(tmp_path / "missing"), "PATH": "/usr/bin:/bin"})
    assert results["gradable"] is False and "未能评测" in results["message"]


def test_results_are_cut_to_fit_one_megabyte_however_much_text_a_submission_produces():
    problem = registry.get(SDPA)
    results = not_graded(problem=problem, suite=Suite(problem), seed=0, isolation="weak",
                         error=SubmissionError(ErrorKind.CRASH, t("crashed", "崩溃了")), source_sha256="0" * 64)
    for test in results["tests"]:
        test["output"] = "界" * 200_000  # three bytes each in UTF-8
    results["extra_data"]["output"] = "y" * 1_000_000
    graded = [Graded(problem, results, ran=True)]
    settings = Settings(problems=(SDPA,))
    def build(budget: int) -> dict:
        return prairielearn_results(graded, notes=[], settings=settings, budget=budget)

    fitted_results = fitted(build, max_bytes=LIMIT_BYTES)
    assert len(dumps(fitted_results).encode("utf-8")) <= LIMIT_BYTES
    jsonschema.validate(fitted_results, PRAIRIELEARN_RESULTS)
    assert len(fitted_results["tests"]) == len(results["tests"])
    assert all(t["output"].endswith("more characters cut]") for t in fitted_results["tests"])
