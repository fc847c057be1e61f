"""``attn-judge export``: bundles that grade on course platforms (a thin layer over grader.exports).

``gradescope`` and ``prairielearn`` write the bundles; ``gradescope-run`` and
``prairielearn-run`` are what the bundles' own scripts call inside the
platform's container. Errors a user can cause are one line on stderr and exit
code 2. The seed is printed once, only when the export drew it at random. Every
line is in the user's language (the ``--lang`` of an export, else
``ATTN_JUDGE_LANG``, else the locale), worded in :mod:`grader.cli_wording`.
"""

from __future__ import annotations

from pathlib import Path

import click

from grader import cli_wording as W
from grader import user_errors as UE
from grader.cli_types import MEMORY_MB, SEED, TIMEOUT
from grader.i18n import LANGS, Text, join, resolve_lang
from grader.sandbox.limits import Limits
from grader.seedkey import INPUTS, PER_FILE, SHARED
from grader.terminal import one_line


def _usage_problem(message: Text, lang: str) -> click.ClickException:
    """The error that stops a command with ``message`` (a UserError's ``text``) in ``lang``."""
    from grader.cli import UsageProblem  # cli imports this module: resolved at call time

    return UsageProblem(message, lang)


def _bundle_options(command):
    """The options every export shares (how the bundle grades)."""
    options = [
        click.option("--seed", type=SEED, default=None,
                     help="Seed of the hidden tests' random inputs (default: a random secret one)."),
        click.option("--timeout", type=TIMEOUT, default=Limits.timeout, show_default=True,
                     help="Seconds allowed per test."),
        click.option("--memory", "memory_mb", type=MEMORY_MB, default=Limits.memory_mb,
                     show_default=True, help="Memory limit per submission, in MB."),
        click.option("--lang", type=click.Choice(LANGS), default=None,
                     help="Language of statements and feedback (default: ATTN_JUDGE_LANG, else the locale)."),
        click.option("--inputs", type=click.Choice(INPUTS), default=PER_FILE, show_default=True,
                     help="Hidden inputs drawn for each file handed in (what a file prints of its inputs is "
                          "no use to another file), or shared by every submission."),
        click.option("--allow-weak-isolation", "allow_weak", is_flag=True,
                     help="Grade even where the platform's container allows only the weak sandbox "
                          "(submissions could then read the bundle; the results say so)."),
        click.option("--wheel", type=click.Path(dir_okay=False, path_type=Path), default=None,
                     help="This package's wheel to ship (default: built from the source checkout)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _report(exported, written: Text, lang: str) -> None:
    """Where the bundle is (``written`` fills in its path and problems) and, if drawn here, its seed."""
    problems = join(UE.LIST_SEPARATOR, exported.problems)
    click.echo(written.format(path=one_line(Path(exported.path).resolve()), problems=problems).get(lang))
    if exported.seed_chosen:
        again = f"attn-judge grade FILE --seed {exported.seed}"
        if exported.inputs != SHARED:
            again += f" --inputs {exported.inputs}"
        click.echo(W.SEED_DRAWN.format(seed=exported.seed, command=again).get(lang), err=True)


@click.group()
def export() -> None:
    """Write an autograder bundle for a course platform."""


@export.command("gradescope")
@click.argument("problem_ids", nargs=-1, required=True, metavar="PROBLEM...")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="The autograder zip to write.")
@_bundle_options
def gradescope(problem_ids, out, seed, timeout, memory_mb, lang, inputs, allow_weak, wheel) -> None:
    """Write a Gradescope autograder zip that grades PROBLEM... together (see docs/gradescope.md)."""
    from grader.exports import export_gradescope
    from grader.services import UserError

    lang = resolve_lang(lang)
    try:
        exported = export_gradescope(problem_ids=problem_ids, out=out, seed=seed, timeout=timeout,
                                     memory_mb=memory_mb, lang=lang, allow_weak=allow_weak, wheel=wheel,
                                     inputs=inputs)
    except UserError as exc:
        raise _usage_problem(exc.text, lang) from None
    _report(exported, W.GRADESCOPE_WRITTEN, lang)


@export.command("prairielearn")
@click.argument("problem_ids", nargs=-1, required=True, metavar="PROBLEM...")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="A new folder for the questions and the grader image.")
@click.option("--image", default=None, metavar="NAME",
              help="The grader image's name in info.json (default: attn-judge-grader:VERSION).")
@_bundle_options
def prairielearn(problem_ids, out, image, seed, timeout, memory_mb, lang, inputs, allow_weak, wheel) -> None:
    """Write a PrairieLearn question per PROBLEM and the external grader image (see docs/prairielearn.md)."""
    from grader.exports import export_prairielearn
    from grader.exports.prairielearn import DEFAULT_IMAGE
    from grader.services import UserError

    lang = resolve_lang(lang)
    try:
        exported = export_prairielearn(problem_ids=problem_ids, out=out, seed=seed, timeout=timeout,
                                       memory_mb=memory_mb, lang=lang, allow_weak=allow_weak, wheel=wheel,
                                       inputs=inputs,
                                       image=DEFAULT_IMAGE if image is None else image)
    except UserError as exc:
        raise _usage_problem(exc.text, lang) from None
    _report(exported, W.PRAIRIELEARN_WRITTEN, lang)


@export.command("gradescope-run")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/autograder"),
              show_default=True, help="Gradescope's autograder folder.")
def gradescope_run(root: Path) -> None:
    """Grade a Gradescope submission (run by the bundle's run_autograder)."""
    from grader.exports import run_gradescope
    from grader.services import UserError

    lang = resolve_lang(None)
    try:
        results = run_gradescope(root=root)
    except UserError as exc:
        raise _usage_problem(exc.text, lang) from None
    done = W.GRADESCOPE_GRADED.format(score=f"{results['score']:g}",
                                      max_score=f"{results['extra_data']['max_score']:g}",
                                      tests=len(results["tests"]), path=one_line(root / "results" / "results.json"))
    click.echo(done.get(lang))


@export.command("prairielearn-run")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=Path("/grade"),
              show_default=True, help="PrairieLearn's grading folder.")
def prairielearn_run(root: Path) -> None:
    """Grade a PrairieLearn submission (run by the grader image's entrypoint)."""
    from grader.exports import run_prairielearn
    from grader.services import UserError

    lang = resolve_lang(None)
    try:
        results = run_prairielearn(root=root)
    except UserError as exc:
        raise _usage_problem(exc.text, lang) from None
    done = W.PRAIRIELEARN_GRADED.format(score=f"{results['score']:g}",
                                        gradable=str(results["gradable"]).lower(),
                                        path=one_line(root / "results" / "results.json"))
    click.echo(done.get(lang))
