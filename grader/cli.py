"""The ``attn-judge`` command line: parse, call a service function, print.

Errors a user can cause are one line on stderr and exit code 2; ``check`` exits
1 when a test fails; everything else exits 0 once grading ran, and 130 after
Ctrl-C or SIGTERM (in a class run, with everything finished saved). Anything from a submission
that reaches the terminal goes through :func:`grader.terminal.safe`. Every
line is printed in the user's language: the errors' wording is in
:mod:`grader.user_errors`, the rest in :mod:`grader.feedback` and
:mod:`grader.cli_wording`.
"""

from __future__ import annotations

import json
import os
import shutil
import shlex
import signal
import sys
from pathlib import Path
from typing import IO, NoReturn

import click

from grader import __version__, capacity, interrupts, registry, zygote_launch
from grader import cli_wording as W
from grader import feedback as F
from grader import user_errors as UE
from grader.cli_export import export
from grader.cli_types import MEMORY_MB, SEED, TIMEOUT
from grader.cli_usage import localised
from grader.i18n import LANGS, Text, join, resolve_lang
from grader.outpaths import DEFAULT_CLASS_OUT
from grader.sandbox.limits import Limits
from grader.seedkey import DEFAULT_SEED, INPUTS, SHARED
from grader.terminal import one_line, safe

TIMEOUT_OPTION = click.option("--timeout", type=TIMEOUT, default=Limits.timeout, show_default=True,
                              help="Seconds allowed per test.")
LANG_OPTION = click.option("--lang", type=click.Choice(LANGS), default=None,
                           help="Language of every message (default: ATTN_JUDGE_LANG, else the locale).")


class UsageProblem(click.ClickException):
    """A mistake the user can fix: one line on stderr in their language, exit code 2."""

    exit_code = 2

    def __init__(self, message: Text, lang: str) -> None:
        super().__init__(one_line(message.get(lang)))
        self.lang = lang

    def show(self, file: IO | None = None) -> None:
        line = W.ERROR_LINE.format(message=self.format_message()).get(self.lang)
        click.echo(line, file=file, err=file is None, color=self.show_color)


def _fail(message: Text, lang: str) -> NoReturn:
    """Stop the command with ``message`` (a :class:`services.UserError`'s ``text``) in ``lang``."""
    raise UsageProblem(message, lang)


def _terminated(signum, frame) -> NoReturn:
    raise KeyboardInterrupt


def _stop_once(lang: str) -> None:
    """From now on, the first Ctrl-C (or SIGTERM) stops the command, and any later one only says
    that what is finished is being saved: a second Ctrl-C, or ``timeout``'s pair of signals, never
    cuts the saving short (and never shows a traceback)."""
    def still_saving(signum, frame) -> None:
        click.echo("\n" + W.STILL_SAVING.get(lang), err=True)

    def first(signum, frame) -> NoReturn:
        for stop in interrupts.STOP_SIGNALS:
            signal.signal(stop, still_saving)
        interrupts.request()  # the class run checks it too: the exception below can be lost
        raise KeyboardInterrupt

    interrupts.reset()
    for stop in interrupts.STOP_SIGNALS:
        signal.signal(stop, first)


class _Commands(click.Group):
    """The command group: Ctrl-C before a command has its own say ends it with one line, in the
    user's language, and exit code 130 (click alone prints "Aborted!" and exits 1). SIGTERM (a
    job scheduler's, ``timeout``'s, a closed session's) is taken as Ctrl-C: a class run saves
    what is finished and writes its class outputs rather than vanishing. A usage error (an unknown
    option, a missing argument) is worded in the language the command line asks for."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            raise localised(error, args) from None

    def invoke(self, ctx: click.Context):
        signal.signal(signal.SIGTERM, _terminated)
        # the command and its words, before click takes them (click 8.1 names the first list without "_")
        first = ctx._protected_args if hasattr(ctx, "_protected_args") else ctx.protected_args
        words = [*first, *ctx.args]
        try:
            return super().invoke(ctx)
        except click.UsageError as error:
            raise localised(error, words) from None
        except KeyboardInterrupt:
            click.echo("\n" + W.INTERRUPTED.get(resolve_lang(None)), err=True)
            ctx.exit(130)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attn-judge")
def main() -> None:
    """Practise, grade and study Transformer-attention coding problems."""


def _services():
    """The service layer, imported on first use: it imports torch (about 1.5 s), which a
    command that grades does only after it has started its sandbox process."""
    with interrupts.deferred():  # a Ctrl-C inside torch's import could be lost there
        import torch

        from grader import services

    # The trusted side computes on tiny tensors from several threads; extra intra-op
    # threads only fight the sandboxed children for the cores.
    torch.set_num_threads(1)
    return services


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def list_command(as_json: bool) -> None:
    """List the problems."""
    services = _services()
    problems = services.list_problems()
    if as_json:
        click.echo(json.dumps(problems, ensure_ascii=False, indent=1))
        return
    width = max(len(p["id"]) for p in problems)
    for p in problems:
        click.echo(f"{p['id']:<{width}}  {p['difficulty']:<6}  {p['title']} · {p['title_zh']}")


@main.command()
@click.argument("problem_id")
@LANG_OPTION
def show(problem_id: str, lang: str | None) -> None:
    """Print a problem's statement."""
    services = _services()
    lang = resolve_lang(lang)
    try:
        problem = services.find_problem(problem_id)
    except services.UserError as exc:
        _fail(exc.text, lang)
    title = problem.title_zh if lang == "zh" else problem.title
    click.echo(_styled(f"{title}  [{W.DIFFICULTY[problem.difficulty].get(lang)}]", bold=True))
    tags = join(UE.LIST_SEPARATOR, problem.tags)
    click.echo(W.PROBLEM_TAGS.format(id=problem.id, tags=tags).get(lang) + "\n")
    from grader import statement_text  # rich and pylatexenc: only for this command

    width = shutil.get_terminal_size().columns
    click.echo(statement_text.render(problem.statement(lang), width=width, color=_colour_wanted()), nl=False)
    click.echo(f"\n{F.START_WITH.get(lang)} attn-judge start {problem.id}")


def _colour_wanted() -> bool:
    """Colours and emphasis on a terminal, unless NO_COLOR is set (no-color.org); never in a file or pipe."""
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _styled(text: str, **style) -> str:
    """``text`` with click's ``style``, unless NO_COLOR is set; click.echo drops the styles itself
    where the output is a file or a pipe."""
    return text if os.environ.get("NO_COLOR") else click.style(text, **style)


@main.command()
@click.argument("problem_id")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write PROBLEM_ID.py (or .ipynb).")
@click.option("--notebook", is_flag=True,
              help="Write a Jupyter notebook instead: the statement, the stub and a cell that checks it.")
@LANG_OPTION
def start(problem_id: str, directory: Path, notebook: bool, lang: str | None) -> None:
    """Write the problem's stub as PROBLEM_ID.py in --dir (default: here), or a notebook with --notebook (never overwrites)."""
    services = _services()
    lang = resolve_lang(lang)
    try:
        if notebook:
            from grader.notebooks import start_notebook

            target = start_notebook(problem_id=problem_id, directory=directory, lang=lang)
        else:
            target = services.start_problem(problem_id=problem_id, directory=directory)
    except services.UserError as exc:
        _fail(exc.text, lang)
    done = F.WROTE_NOTEBOOK if notebook else F.WROTE_STUB
    click.echo(done.format(path=safe(str(target)), command_path=shlex.quote(safe(str(target)))).get(lang))


def _print_results(results: dict, *, title: Text, lang: str) -> None:
    extra = results["extra_data"]
    click.echo(_styled(safe(title.get(lang)), bold=True) + "  ("
               + F.ISOLATION_LABEL.format(level=extra["isolation"]).get(lang) + ")")
    if extra.get("isolation_warning"):
        click.echo(_styled(F.WARNING.format(message=safe(extra["isolation_warning"])).get(lang),
                               fg="yellow"), err=True)
    ordered = sorted(results["tests"], key=lambda t: t["status"] == "passed")
    hint_start = F.HINT.format(hint="").get(lang)
    previous_message = previous_hints = None
    for test in ordered:
        ok = test["status"] == "passed"
        mark = _styled("✓" if ok else "✗", fg="green" if ok else "red")
        click.echo(f"  {mark} {safe(test['number']):<5} {safe(test['name'])}  "
                   f"({test['score']:g}/{test['max_score']:g})")
        if not ok:
            lines = safe(test["output"]).splitlines() or [""]
            hints = next((i for i, line in enumerate(lines) if line.startswith(hint_start)), len(lines))
            message, lines = lines[:hints], lines[hints:]  # a test's own hint is shown, unless repeated
            if message == previous_message:  # the whole message, not only its first line (tables differ)
                message = [F.SAME_AS_ABOVE.get(lang)]
                if lines == previous_hints:
                    lines = []
                else:
                    previous_hints = lines
            else:
                previous_message, previous_hints = message, lines
            for line in message + lines:
                click.echo(f"        {line}")
    if extra.get("error"):
        click.echo(_styled(F.ERROR_LABEL.format(kind=safe(extra["error"]["kind"])).get(lang), fg="red")
                   + safe(extra["error"]["message"]))
    if extra.get("output"):
        shown = safe(extra["output"][:2000])
        truncated = extra.get("output_truncated") or len(extra["output"]) > 2000
        more = F.TRUNCATED if truncated else Text("", "")
        click.echo(_styled(F.CAPTURED_OUTPUT.format(more=more).get(lang), dim=True))
        click.echo(shown.rstrip())
    click.echo(safe(results["output"]))


def _problem_title(problem_id: str) -> Text:
    problem = registry.get(problem_id)
    return Text(problem.title, problem.title_zh)


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--problem", "problem_id", help="Problem ID (default: from the file name).")
@TIMEOUT_OPTION
@LANG_OPTION
def check(file: Path, problem_id: str | None, timeout: float, lang: str | None) -> None:
    """Run the public tests on FILE; exit 1 if any fails."""
    zygote_launch.prestart(quick_start=True)  # its start-up (torch) overlaps with ours
    services = _services()
    lang = resolve_lang(lang)
    try:
        results = services.check_file(path=file, problem_id=problem_id, timeout=timeout, lang=lang)
    except services.UserError as exc:
        _fail(exc.text, lang)
    title = F.PUBLIC_TESTS_TITLE.format(title=_problem_title(results["extra_data"]["problem"]))
    _print_results(results, title=title, lang=lang)
    if results["score"] < results["max_score"]:
        sys.exit(1)


def _sandboxes_to_prestart(path: Path, workers: int | None) -> int:
    """One for a file; for a class, as many as its pool will have (none when ``--workers`` is refused)."""
    if not path.is_dir():
        return 1
    try:
        return capacity.pool_workers(workers)
    except capacity.TooManyWorkers:
        return 0


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--problem", "problem_ids", multiple=True, metavar="PROBLEM_ID",
              help="Grade only this problem (repeatable for a class; default: from file names).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help=f"Output directory (default for a class: ./{DEFAULT_CLASS_OUT}).")
@click.option("--json", "as_json", is_flag=True, help="Single file: print results.json only.")
@click.option("--seed", type=SEED, default=DEFAULT_SEED, show_default=True,
              help="Seed of the hidden tests' random inputs (keep yours secret).")
@click.option("--inputs", type=click.Choice(INPUTS), default=SHARED, show_default=True,
              help="per-file: draw a file's hidden inputs from the seed and its digest, as Gradescope "
                   "and PrairieLearn bundles do (one file only).")
@click.option("--workers", type=click.IntRange(min=1), default=None, show_default="number of cores",
              help=f"Submissions graded in parallel (at most {capacity.WORKERS_PER_CORE} per core and "
                   f"1 per {capacity.MB_PER_WORKER} MB of memory).")
@TIMEOUT_OPTION
@click.option("--memory", type=MEMORY_MB, default=Limits.memory_mb, show_default=True,
              help="Memory limit per submission (its whole process tree), in MB.")
@click.option("--resume", is_flag=True, help="Skip submissions already graded in OUT.")
@click.option("--allow-weak-isolation", is_flag=True,
              help="Grade even if only weak isolation is available (results say so).")
@click.option("--allow-forbidden", multiple=True, metavar="PROBLEM_ID",
              help="Switch off the forbidden-API rule for this problem (repeatable).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Grade on a Dask cluster: tcp://HOST:8786, or local:N for N local workers.")
@LANG_OPTION
def grade(path: Path, problem_ids, out, as_json, seed, inputs, workers, timeout, memory, resume,
          allow_weak_isolation, allow_forbidden, scheduler, lang) -> None:
    """Grade one submission (FILE) or a class (DIR/<student>/<problem>.py) on the hidden tests."""
    if scheduler is None:  # the sandboxes' start-up (torch) overlaps with ours
        for _ in range(_sandboxes_to_prestart(path, workers)):
            zygote_launch.prestart(quick_start=not path.is_dir())
    services = _services()
    lang = resolve_lang(lang)
    limits = Limits.for_timeout(timeout, memory)
    try:
        allowed = frozenset(services.find_problem(p).id for p in allow_forbidden)
        if path.is_dir() and path.suffix != ".py":  # a link to the class folder is followed
            if inputs != SHARED:
                raise services.UserError(UE.INPUTS_FOR_ONE_FILE.format(inputs=inputs))
            if as_json:
                raise services.UserError(UE.JSON_FOR_ONE_FILE)
            if workers is not None and scheduler is not None:
                raise services.UserError(UE.WORKERS_WITH_SCHEDULER)
            _grade_class(path, problem_ids=problem_ids, out=out, seed=seed,
                         workers=workers, limits=limits, resume=resume, allow_weak=allow_weak_isolation,
                         allowed=allowed, scheduler=scheduler, lang=lang)
            return
        if not path.exists() and not path.is_symlink():
            raise services.UserError(UE.NO_SUCH_PATH.format(path=one_line(path)))
        if scheduler is not None:
            raise services.UserError(UE.SCHEDULER_FOR_A_CLASS)
        if out:
            services.check_report_folder(out, path)
        if len(problem_ids) > 1:
            raise services.UserError(UE.ONE_PROBLEM_FOR_A_FILE.format(path=one_line(path)))
        problem_id = problem_ids[0] if problem_ids else None
        results = services.grade_file(path=path, problem_id=problem_id, seed=seed, limits=limits,
                                      allow_weak=allow_weak_isolation, allow_forbidden=allowed, lang=lang,
                                      inputs=inputs)
    except services.UserError as exc:
        _fail(exc.text, lang)
    if out:
        try:
            _write_single_report(out, path, results)
        except OSError as exc:  # the folder was checked before grading; the disk may have filled since
            _fail(UE.OUT_NOT_WRITABLE.format(out=services.named(out), why=services.os_reason(exc)), lang)
    if as_json:
        click.echo(services.results_json(results))
        return
    title = F.HIDDEN_TESTS_TITLE.format(title=_problem_title(results["extra_data"]["problem"]))
    _print_results(results, title=title, lang=lang)
    if out:
        report = (out / results["extra_data"]["problem"] / "report.html").resolve()
        click.echo(W.REPORT_AT.format(path=one_line(report)).get(lang), err=True)


def _write_single_report(out: Path, path: Path, results: dict) -> None:
    services = _services()
    from grader.bounded import BoundedPool
    from grader.fsutil import write_atomic
    from grader.reports import copy_static
    from grader.reports.submission import write_report
    from grader.submission import BadSubmission, read_submission

    target = out / results["extra_data"]["problem"]
    with BoundedPool(1) as helpers:  # a notebook is read, the page rendered, each within its budget
        try:
            source = read_submission(path, helpers=helpers).source
        except BadSubmission:
            source = ""
        write_report(target / "report.html", results=results, source=source,
                     problem=registry.get(results["extra_data"]["problem"]), static_href="static/",
                     helpers=helpers)
    copy_static(target / "static")
    write_atomic(target / "results.json", services.results_json(results))


def _grade_class(root: Path, *, problem_ids, out, seed, workers, limits, resume, allow_weak, allowed,
                 scheduler, lang) -> None:
    _stop_once(lang)
    services = _services()
    only = tuple(dict.fromkeys(services.find_problem(p) for p in problem_ids))
    by_default = out is None  # then the messages about OUT say it is the default one
    out = DEFAULT_CLASS_OUT if by_default else out
    # before the sandboxes start: said at once
    root, out, plan = services.class_plan(root, out, only=only, by_default=by_default)
    services.check_seeds(root, out, plan, seed, resume=resume, only=only, by_default=by_default)
    services.refuse_output_in_use(out, by_default=by_default)  # another run writes there
    executor = services.open_executor(workers=workers, allow_weak=allow_weak, scheduler=scheduler)
    bar = None
    try:
        # held until the command ends, taken once the options are known to be good (it makes OUT)
        services.claim_output(out, by_default=by_default)
        for said in (executor.warning, executor.notice):
            if said:
                click.echo(_styled(safe(F.WARNING.format(message=said).get(lang)), fg="yellow"), err=True)
        isolation_line = W.ISOLATION_OF_RUN.format(level=executor.isolation, description=executor.description)
        click.echo(isolation_line.get(lang), err=True)
        if executor.dashboard:
            click.echo(W.DASHBOARD_AT.format(link=safe(executor.dashboard)).get(lang), err=True)
        if plan.ignored:
            click.echo(one_line(W.NOT_STUDENT_FOLDERS.format(names=UE.listed(plan.ignored)).get(lang)), err=True)
        others = services.results_of_others(out, plan.roster, only=only)
        if others:
            click.echo(one_line(W.RESULTS_OF_OTHERS.format(names=UE.listed(others)).get(lang)), err=True)

        def on_plan(planned) -> None:
            nonlocal bar
            bar = click.progressbar(length=len(planned.entries), label=W.GRADING.get(lang), file=sys.stderr,
                                    show_pos=True, show_eta=True)
            bar.__enter__()

        plan, summary = services.grade_class(
            root=root, out=out, executor=executor, seed=seed, limits=limits, resume=resume, only=only,
            allow_forbidden=allowed, lang=lang, on_plan=on_plan, on_progress=lambda entry: bar.update(1),
            plan=plan)
    except KeyboardInterrupt:  # before the class run started (nothing was graded), or as it returned
        said = W.INTERRUPTED if bar is None else W.INTERRUPTED_SAVED
        click.echo("\n" + said.get(lang), err=True)
        sys.exit(130)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        executor.close(wait=False)
    if summary.interrupted:
        click.echo("\n" + W.INTERRUPTED_SAVED.get(lang), err=True)
        sys.exit(130)
    counts = [W.ERROR_COUNT.format(kind=kind, count=count) for kind, count in sorted(summary.errors.items())]
    errors = join(UE.LIST_SEPARATOR, counts) if counts else W.NO_ERRORS
    done = W.CLASS_SUMMARY.format(graded=summary.graded, skipped=summary.skipped, students=summary.students,
                                  seconds=f"{summary.seconds:.1f}", errors=errors)
    click.echo(done.get(lang), err=True)
    if summary.retried:
        click.echo(W.GRADED_AGAIN.format(count=len(summary.retried)).get(lang), err=True)
    if summary.other_installation:
        click.echo(W.OTHER_INSTALLATION.format(count=summary.other_installation).get(lang), err=True)
    if summary.retired:
        click.echo(one_line(W.WORKERS_RETIRED_DURING.format(detail=UE.listed(summary.retired, shown=3)).get(lang)),
                   err=True)
    click.echo(W.CLASS_OVERVIEW_AT.format(path=one_line((out / "index.html").resolve())).get(lang))


@main.command()
@click.option("--describe", is_flag=True, help="Also say what each layer of isolation means.")
def isolation(describe: bool) -> None:
    """Print the strongest isolation this machine gives submissions (starts one sandbox)."""
    from grader.pool import SandboxPool, SandboxUnavailable

    lang = resolve_lang(None)
    try:
        with SandboxPool(1) as pool:
            click.echo(pool.level)
            if describe:
                click.echo(pool.description.get(lang))
            if pool.fallback_reason:
                click.echo(W.NOT_STRONGER.format(reason=safe(pool.fallback_reason)).get(lang), err=True)
    except SandboxUnavailable as exc:
        _fail(UE.SANDBOX_UNAVAILABLE.format(detail=str(exc)), lang)


@main.group()
def site() -> None:
    """The static study site."""


@site.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("attn-judge-site"),
              show_default=True)
def site_build(out: Path) -> None:
    """Build the study site into OUT (works offline, from file://)."""
    from grader.sitegen.build import build_site, site_output_or_new

    services = _services()
    lang = resolve_lang(None)
    try:
        services.check_writable_folder(out)
        if not site_output_or_new(out):  # an instructor's results, a page of one's own: never replaced
            raise services.UserError(UE.SITE_OUT_HOLDS_OTHER_FILES.format(out=one_line(out)))
        try:
            index = build_site(out=out)
        except OSError as exc:  # the disk full, a folder that cannot be written (/proc, /sys)
            raise services.UserError(UE.SITE_WRITE_FAILED.format(out=one_line(out),
                                                                 why=services.os_reason(exc))) from None
    except services.UserError as exc:
        _fail(exc.text, lang)
    click.echo(W.STUDY_SITE_AT.format(path=one_line(Path(index).resolve())).get(lang))


main.add_command(export)

if __name__ == "__main__":  # python -m grader.cli: as the installed command
    from grader.console import run

    run(main)
