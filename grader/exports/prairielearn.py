"""PrairieLearn: externally graded questions (``attn-judge export prairielearn``) and their grading run.

The export writes one question per problem under ``questions/attn_judge/<id>/``
(``info.json``, ``question.html`` with the statement and a file editor holding
the stub, ``initial_code.py``, and ``tests/`` with the settings, the seed and
the not-graded message) and, under ``grader-image/``, the external grader
image: a ``Dockerfile``, this package's wheel and the entrypoint script named in
every ``info.json``. In the container the entrypoint calls ``attn-judge export
prairielearn-run``, i.e. :func:`run_prairielearn`, which grades
``/grade/student/<id>.py`` and writes ``/grade/results/results.json`` in
PrairieLearn's format, under its 1 MB limit.

Never: put the seed anywhere but the question's ``tests/seed`` (PrairieLearn
never sends ``tests/`` to a browser); let candidate text become markup (the
results element escapes it; the statement's HTML is ours, rendered at export).
"""

from __future__ import annotations

import math
import os
import shutil
import uuid
from pathlib import Path

from grader import __version__, services
from grader import feedback as F
from grader import user_errors as UE
from grader.exports.common import (NOT_GRADED_FILE, TORCH_INDEX, TORCH_SPEC, Exported, Graded, Settings,
                                   captured_output, choose_seed, clip, copy_template, find_submission_files,
                                   fitted, grade_submission, kept_extra, make_parents, out_problem,
                                   problem_title, provide_wheel, read_seed, remove_made, render,
                                   resolve_problems, write_problem, write_secrets)
from grader.fsutil import write_atomic
from grader.seedkey import PER_FILE
from grader.i18n import DEFAULT_LANG, Text, t
from grader.jsonio import dumps, readable
from grader.registry import Problem
from grader.sandbox.messages import Limits
from grader.sitegen.markup import markdown

QUESTIONS = Path("questions") / "attn_judge"
IMAGE_DIR = "grader-image"
ENTRYPOINT = "/usr/local/bin/attn-judge-prairielearn"
BASE_IMAGE = "python:3.11-slim"
DEFAULT_IMAGE = f"attn-judge-grader:{__version__}"
TOPIC = "Transformer attention"
# Stable question UUIDs: exporting a problem again keeps its PrairieLearn identity (and its students' data).
UUID_NAMESPACE = uuid.UUID("6f1d3c52-2a8e-4a59-9c1e-5d0b7a4e8f21")
MAX_GRADING_SECONDS = 600  # PrairieLearn's ceiling for externalGradingOptions.timeout
STARTUP_SECONDS = 60  # torch imports, the sandbox's start and the reference outputs, on a slow grader
MAX_RESULTS_BYTES = 1_000_000  # PrairieLearn drops a results.json over 1 MB
# Errors after which the submission is "invalid, not gradable": no attempt is used up.
NOT_GRADABLE = ("bad_submission", "syntax_error", "grader_error")

INSTRUCTIONS = t("Write your solution in the editor below; it is saved as {filename} and graded on hidden "
                 "tests with random inputs. Start from the stub: keep its names and signature.",
                 "在下面的编辑器中编写解答；它会保存为 {filename}，并在随机输入的隐藏测试上评测。"
                 "请从模板开始：保留其中的名字和函数签名。")
# The label of the statement in the other language (each side names the other language).
OTHER_STATEMENT = t("The statement in Chinese (中文题面)", "英文题面（The statement in English）")


def question_uuid(problem: Problem) -> str:
    return str(uuid.uuid5(UUID_NAMESPACE, problem.id))


def grading_timeout(settings: Settings) -> int:
    """Seconds PrairieLearn allows a grading job: the submission's budget plus start-up.

    Never more than :data:`MAX_GRADING_SECONDS` for an export (:func:`check_timeout` refuses the
    rest): PrairieLearn would cut a longer job short, and the student would get no result at all."""
    return math.ceil(settings.limits.submission_timeout + STARTUP_SECONDS)


def check_timeout(settings: Settings) -> None:
    """:class:`services.UserError` when a submission that runs out its time would outlast the grading
    job PrairieLearn allows (clamping the job would lose that submission's result in silence)."""
    if grading_timeout(settings) > MAX_GRADING_SECONDS:
        most = Limits.longest_timeout(MAX_GRADING_SECONDS - STARTUP_SECONDS)
        raise services.UserError(UE.TIMEOUT_TOO_LONG_FOR_PRAIRIELEARN.format(
            timeout=f"{settings.timeout:g}", limit=MAX_GRADING_SECONDS, most=f"{most:g}"))


def _statement_html(problem: Problem, lang: str):
    try:
        return markdown(problem.statement(lang))
    except OSError:  # a problem still being written: its summary stands in
        return markdown(Text(problem.summary, problem.summary_zh).get(lang))


def _prepare_out(out: Path) -> None:
    try:
        taken = out.exists() and (not out.is_dir() or any(out.iterdir()))
    except OSError as exc:  # a folder this process may not look into
        raise out_problem(out, exc) from None
    if taken:
        raise services.UserError(UE.OUT_NOT_EMPTY.format(out=readable(str(out))))


def export_prairielearn(*, problem_ids, out: Path, seed: int | None = None, timeout: float = Limits.timeout,
                        memory_mb: int = Limits.memory_mb, lang: str = DEFAULT_LANG, allow_weak: bool = False,
                        wheel: Path | None = None, image: str = DEFAULT_IMAGE, inputs: str = PER_FILE) -> Exported:
    """Write a PrairieLearn question for each problem and the external grader image's files.

    Args:
        out: a new (or empty) folder.
        seed: the hidden tests' seed, shared by every question; random when None.
        allow_weak: grade even where the container allows only the weak sandbox.
        wheel: this package's wheel; built from the source checkout when None.
        image: the image name every ``info.json`` names (push the built image under it).
        inputs: how the seed draws each submission's hidden inputs (:data:`grader.seedkey.INPUTS`).

    Raises:
        services.UserError: an unknown problem, an unusable ``out``, image name or wheel.
    """
    problems = resolve_problems(problem_ids)
    out = Path(out).resolve()
    _prepare_out(out)
    if not image or any(c.isspace() for c in image):
        raise services.UserError(UE.NOT_AN_IMAGE_NAME.format(image=repr(image), example=DEFAULT_IMAGE))
    check_timeout(Settings(problems=tuple(p.id for p in problems), timeout=timeout, memory_mb=memory_mb))
    chosen = choose_seed(seed)
    made = make_parents(out)
    stage = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    written = False
    try:
        try:  # before the wheel is built: an out that cannot be written is said at once
            shutil.rmtree(stage, ignore_errors=True)
            stage.mkdir()
        except OSError as exc:
            raise out_problem(out, exc) from None
        try:
            for problem in problems:
                settings = Settings(problems=(problem.id,), lang=lang, timeout=timeout, memory_mb=memory_mb,
                                    allow_weak=allow_weak, inputs=inputs)
                _write_question(stage / QUESTIONS / problem.id, problem, settings, seed=chosen, image=image)
            _write_image(stage / IMAGE_DIR, wheel=wheel)
            if out.exists():
                out.rmdir()  # empty, checked above
            os.replace(stage, out)
        except OSError as exc:
            raise write_problem(out, exc) from None
        written = True
    finally:
        shutil.rmtree(stage, ignore_errors=True)
        if not written:
            remove_made(made)
    return Exported(path=out, seed=chosen, seed_chosen=seed is None, problems=tuple(p.id for p in problems),
                    inputs=inputs)


def _write_question(folder: Path, problem: Problem, settings: Settings, *, seed: int, image: str) -> None:
    lang = settings.lang
    other = "zh" if lang == "en" else "en"
    filename = f"{problem.id}.py"
    tests = folder / "tests"
    tests.mkdir(parents=True)
    (folder / "info.json").write_text(render(
        "prairielearn/info.json", uuid=question_uuid(problem), title=problem_title(problem, lang), topic=TOPIC,
        tags=["attn-judge", problem.difficulty, *problem.tags], image=image, entrypoint=ENTRYPOINT,
        timeout=grading_timeout(settings)), encoding="utf-8")
    (folder / "question.html").write_text(render(
        "prairielearn/question.html", statement=_statement_html(problem, lang),
        other_statement=_statement_html(problem, other), other_label=OTHER_STATEMENT.get(lang),
        instructions=INSTRUCTIONS.format(filename=filename).get(lang), filename=filename,
        source_file="initial_code.py"), encoding="utf-8")
    (folder / "initial_code.py").write_text(problem.stub(), encoding="utf-8")
    settings.write(tests)
    write_secrets(tests, seed)
    copy_template(f"prairielearn/{NOT_GRADED_FILE}", tests / NOT_GRADED_FILE)


def _write_image(folder: Path, *, wheel: Path | None) -> None:
    folder.mkdir(parents=True)
    entrypoint = folder / Path(ENTRYPOINT).name
    context = {"wheel": provide_wheel(dest=folder, wheel=wheel), "entrypoint": ENTRYPOINT,
               "entrypoint_name": entrypoint.name, "base_image": BASE_IMAGE, "torch_spec": TORCH_SPEC,
               "torch_index": TORCH_INDEX, "version": __version__}
    (folder / "Dockerfile").write_text(render("prairielearn/Dockerfile", **context), encoding="utf-8")
    entrypoint.write_text(render(f"prairielearn/{entrypoint.name}", **context), encoding="utf-8")
    entrypoint.chmod(0o755)


# ----------------------------------------------------------------------------- inside the grader image

def run_prairielearn(*, root: Path = Path("/grade")) -> dict:
    """Grade ``root/student`` with the question's ``root/tests``; write ``root/results/results.json``.

    Returns:
        The results written.

    Raises:
        services.UserError: ``root/tests`` is not an exported question's.
    """
    root = Path(root)
    settings = Settings.read(root / "tests")
    seed = read_seed(root / "tests")
    found = find_submission_files(root / "student", settings.problem_objects())
    graded, notes = grade_submission(found=found, settings=settings, seed=seed)
    notes = found.notes + notes
    results = fitted(lambda budget: prairielearn_results(graded, notes=notes, settings=settings, budget=budget),
                     max_bytes=MAX_RESULTS_BYTES)
    write_atomic(root / "results" / "results.json", dumps(results))
    return results


def _mistakes(problem: Problem, ids: list[str], lang: str) -> str:
    lines = []
    for mid in ids:
        item = problem.misconception(mid)
        mistake = F.SUMMARY_MISTAKE.format(title=Text(item.title, item.title_zh),
                                           explanation=Text(item.explanation, item.explanation_zh))
        lines.append(mistake.get(lang))
    return "\n".join(lines)


def prairielearn_results(graded: list[Graded], *, notes: list[Text], settings: Settings, budget: int) -> dict:
    """PrairieLearn's ``results.json``: score in [0, 1], the diagnosis in ``message``, one entry per test."""
    lang = settings.lang
    score = sum(item.results["score"] for item in graded)
    max_score = sum(item.results["max_score"] for item in graded)
    errors = [item.results["extra_data"]["error"] for item in graded if item.results["extra_data"]["error"]]
    format_errors = [clip(e["message"], budget, lang) for e in errors if e["kind"] in NOT_GRADABLE]
    tests = []
    for item in graded:
        for test in item.results["tests"]:
            tests.append({
                "name": f"{test['number']} {test['name']}",
                "points": test["score"],
                "max_points": test["max_score"],
                "output": clip(test["output"], budget, lang),
                "message": clip(_mistakes(item.problem, test["extra_data"]["diagnosis"], lang), budget, lang),
            })
    message = [clip(note.get(lang), budget, lang) for note in notes]
    message += [clip(item.results["output"], budget, lang) for item in graded]
    output = [captured for item in graded
              if (captured := captured_output(item.results, budget=budget, lang=lang))]
    results = {
        "gradable": not format_errors,
        "score": round(min(1.0, max(0.0, score / max_score)), 6) if max_score else 0.0,
        "message": "\n\n".join(message),
        "output": "\n\n".join(output),
        "tests": tests,
        "attn_judge": {"grader_version": __version__, "bundle_version": settings.grader_version,
                       "problems": {item.problem.id: kept_extra(item.results) for item in graded}},
    }
    if format_errors:
        results["format_errors"] = format_errors
    return results
