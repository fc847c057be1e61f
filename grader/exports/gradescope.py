"""Gradescope: the autograder zip (``attn-judge export gradescope``) and the grading run inside it.

The zip holds, at its root, ``setup.sh`` (installs PyTorch's CPU build and this
package from the wheel beside it) and an executable ``run_autograder``, which
Gradescope runs for every submission; it calls ``attn-judge export
gradescope-run``, i.e. :func:`run_gradescope`, which grades every problem of the
assignment found in ``/autograder/submission`` and writes ONE
``/autograder/results/results.json`` (Gradescope's results format: the tests of
every problem, numbered ``<problem order>.<test>``, a combined score, our data
under ``extra_data``).

Never: put the seed in ``config.json``, a script, a command line, an environment
variable or the results (the zip carries it in ``seed``, mode 0600, and the
scripts make the whole source folder root-only); write HTML or Markdown into
the results (every text is declared ``text``, so Gradescope shows it verbatim).
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
import zipfile
from pathlib import Path
from typing import BinaryIO

from grader import __version__, services
from grader import user_errors as UE
from grader.exports.common import (HOME_DIR, NOT_GRADED_FILE, SEED_FILE, TORCH_INDEX, TORCH_SPEC, Exported,
                                   Graded, Settings, captured_output, choose_seed, clip, copy_template,
                                   find_submission_files, fitted, grade_submission, kept_extra, make_parents,
                                   out_problem, problem_title, provide_wheel, read_seed, remove_made, render,
                                   resolve_problems, write_problem, write_secrets)
from grader.seedkey import PER_FILE
from grader.fsutil import write_atomic
from grader.i18n import DEFAULT_LANG, Text, t
from grader.jsonio import dumps, readable
from grader.sandbox.messages import Limits

VENV = "/opt/attn-judge"  # where setup.sh installs; run_autograder looks there first
EXECUTABLES = ("setup.sh", "run_autograder")
PRIVATE = (SEED_FILE, f"{HOME_DIR}/")  # root-only inside the zip too, as far as the unzip keeps modes
MAX_RESULTS_BYTES = 1_000_000  # Gradescope states no limit; a page of feedback never needs more
TEXT = "text"  # Gradescope shows "text" outputs verbatim in a <pre>: nothing a submission prints is markup

HEADER = t("Graded by attention-judge {version}. Isolation of your code: {isolation}.",
           "由 attention-judge {version} 评测。你的代码的隔离级别：{isolation}。")
NOT_RUN = t("not run", "未运行")


def export_gradescope(*, problem_ids, out: Path, seed: int | None = None, timeout: float = Limits.timeout,
                      memory_mb: int = Limits.memory_mb, lang: str = DEFAULT_LANG, allow_weak: bool = False,
                      wheel: Path | None = None, inputs: str = PER_FILE) -> Exported:
    """Write a Gradescope autograder zip that grades ``problem_ids`` together.

    Args:
        out: the zip to write: a new file (an existing one is never replaced), written atomically.
        seed: the hidden tests' seed; a random one when None (the result says which).
        allow_weak: grade even where the container allows only the weak sandbox.
        wheel: this package's wheel; built from the source checkout when None.
        inputs: how the seed draws each submission's hidden inputs (:data:`grader.seedkey.INPUTS`).

    Raises:
        services.UserError: an unknown problem, an unusable ``out`` or wheel.
    """
    problems = resolve_problems(problem_ids)
    out = Path(out).resolve()
    if out.is_dir():
        raise services.UserError(UE.OUT_IS_FOLDER.format(out=readable(str(out))))
    if out.exists():
        raise services.UserError(UE.OUT_FILE_EXISTS.format(out=readable(str(out))))
    if out.suffix.lower() != ".zip":  # Gradescope's upload takes a zip by its name
        raise services.UserError(UE.OUT_NOT_ZIP.format(out=readable(str(out)),
                                                       suggested=readable(str(out.with_name(out.name + ".zip")))))
    settings = Settings(problems=tuple(p.id for p in problems), lang=lang, timeout=timeout,
                        memory_mb=memory_mb, allow_weak=allow_weak, inputs=inputs)
    chosen = choose_seed(seed)
    made = make_parents(out)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    zipped, written = None, False
    try:
        zipped = _reserve(tmp, out)  # before the wheel is built: an out that cannot be written is said at once
        with tempfile.TemporaryDirectory(prefix="attn-judge-gradescope-") as staging:
            stage = Path(staging)
            context = {"wheel": provide_wheel(dest=stage, wheel=wheel), "venv": VENV, "torch_spec": TORCH_SPEC,
                       "torch_index": TORCH_INDEX, "version": __version__, "problems": settings.problems}
            for name in EXECUTABLES:
                (stage / name).write_text(render(f"gradescope/{name}", **context), encoding="utf-8")
            copy_template(f"gradescope/{NOT_GRADED_FILE}", stage / NOT_GRADED_FILE)
            settings.write(stage)
            write_secrets(stage, chosen)
            try:
                _write_zip(stage, zipped)
                zipped.close()
                os.replace(tmp, out)
            except OSError as exc:
                raise write_problem(out, exc) from None
        written = True
    finally:
        if zipped is not None:
            with contextlib.suppress(OSError):  # after a failed write its buffer cannot be written either
                zipped.close()
        tmp.unlink(missing_ok=True)
        if not written:
            remove_made(made)
    return Exported(path=out, seed=chosen, seed_chosen=seed is None, problems=settings.problems, inputs=inputs)


def _mode(name: str, is_dir: bool) -> int:
    if name in EXECUTABLES:
        return 0o755
    if any(name == p.rstrip("/") or name.startswith(p) for p in PRIVATE):
        return 0o700 if is_dir else 0o600
    return 0o755 if is_dir else 0o644


def _reserve(tmp: Path, out: Path) -> BinaryIO:
    """A new file at ``tmp`` for the zip, readable by its owner only: the zip holds the seed.

    Raises:
        services.UserError: it cannot be created, said of ``out`` (the path the user gave).
    """
    try:
        tmp.unlink(missing_ok=True)  # a leftover of a killed export, whatever its mode
        return open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb")
    except OSError as exc:
        raise out_problem(out, exc) from None


def _write_zip(stage: Path, fh: BinaryIO) -> None:
    """Zip ``stage``'s files into ``fh`` at the archive's root, with their Unix modes."""
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(stage.rglob("*")):
            name = path.relative_to(stage).as_posix()
            info = zipfile.ZipInfo(name + ("/" if path.is_dir() else ""), time.localtime()[:6])
            kind = stat.S_IFDIR if path.is_dir() else stat.S_IFREG
            info.external_attr = (kind | _mode(name, path.is_dir())) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, b"" if path.is_dir() else path.read_bytes())


# ----------------------------------------------------------------------------- inside Gradescope

def run_gradescope(*, root: Path = Path("/autograder")) -> dict:
    """Grade the submission in ``root/submission`` with the bundle in ``root/source``.

    Writes ``root/results/results.json`` and returns its content.

    Raises:
        services.UserError: ``root/source`` is not an attn-judge bundle.
    """
    started = time.perf_counter()
    root = Path(root)
    source = root / "source"
    settings = Settings.read(source)
    seed = read_seed(source)
    found = find_submission_files(root / "submission", settings.problem_objects())
    graded, notes = grade_submission(found=found, settings=settings, seed=seed)
    notes = found.notes + notes
    seconds = time.perf_counter() - started
    results = fitted(lambda budget: gradescope_results(graded, notes=notes, settings=settings, budget=budget,
                                                       seconds=seconds), max_bytes=MAX_RESULTS_BYTES)
    write_atomic(root / "results" / "results.json", dumps(results))
    return results


def _number(graded: Graded, number: str) -> str:
    """A test's number, prefixed by its problem's order unless it already is (it stays unique)."""
    order = str(graded.problem.order)
    return number if number.split(".")[0] == order else f"{order}.{number}"


def gradescope_results(graded: list[Graded], *, notes: list[Text], settings: Settings, budget: int,
                       seconds: float) -> dict:
    """One Gradescope ``results.json`` for every problem of the assignment."""
    lang = settings.lang
    several = len(graded) > 1
    tests = []
    for item in graded:
        title = problem_title(item.problem, lang)
        for test in item.results["tests"]:
            tests.append({
                **test,
                "name": f"{title}: {test['name']}" if several else test["name"],
                "number": _number(item, test["number"]),
                "output": clip(test["output"], budget, lang),
            })
    levels = sorted({item.results["extra_data"]["isolation"] for item in graded if item.ran})
    parts = [HEADER.format(version=__version__, isolation=", ".join(levels) or NOT_RUN.get(lang)).get(lang)]
    parts += [clip(note.get(lang), budget, lang) for note in notes]
    for item in graded:
        parts.append(clip(item.results["output"], budget, lang))
        captured = captured_output(item.results, budget=budget, lang=lang)
        if captured:
            parts.append(captured)
    return {
        "score": round(sum(item.results["score"] for item in graded), 6),
        "execution_time": round(seconds, 3),
        "output": "\n\n".join(parts),
        "output_format": TEXT,
        "test_output_format": TEXT,
        "test_name_format": TEXT,
        "stdout_visibility": "hidden",  # the run's log is for the instructor
        "tests": tests,
        "extra_data": {
            "grader_version": __version__,
            "bundle_version": settings.grader_version,
            "max_score": round(sum(item.results["max_score"] for item in graded), 6),
            "problems": {item.problem.id: kept_extra(item.results) for item in graded},
        },
    }
