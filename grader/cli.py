"""The ``attn-judge`` command line: parse, call a service function, print.

Errors a user can cause are one line on stderr and exit code 2; ``check`` exits
1 when a test fails; everything else exits 0 once grading ran.
"""

from __future__ import annotations

import json
import os
import re
import sys
import threading
from pathlib import Path

import click

from grader import __version__, registry, services
from grader.grading import DEFAULT_SEED, Limits

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class UsageProblem(click.ClickException):
    exit_code = 2


def _safe_terminal_text(text: str) -> str:
    """Candidate-controlled text without terminal control sequences."""
    return _CONTROL.sub("?", text)


def _fail(exc: Exception) -> None:
    raise UsageProblem(str(exc))


def _limits(timeout: float, memory: int) -> Limits:
    return Limits(timeout=timeout, memory_mb=memory,
                  submission_timeout=max(60.0, timeout * 6))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="attn-judge")
def main() -> None:
    """Practise, grade and study Transformer-attention coding problems."""
    # The trusted side computes on tiny tensors from several threads; extra intra-op
    # threads only fight the sandboxed children for the cores.
    import torch

    torch.set_num_threads(1)


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
def list_command(as_json: bool) -> None:
    """List the problems."""
    problems = services.list_problems()
    if as_json:
        click.echo(json.dumps(problems, ensure_ascii=False, indent=1))
        return
    width = max(len(p["id"]) for p in problems)
    for p in problems:
        click.echo(f"{p['id']:<{width}}  {p['difficulty']:<6}  {p['title']} · {p['title_zh']}")


@main.command()
@click.argument("problem_id")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True)
def show(problem_id: str, lang: str) -> None:
    """Print a problem's statement."""
    try:
        problem = services.find_problem(problem_id)
    except services.UserError as exc:
        _fail(exc)
    title = problem.title_zh if lang == "zh" else problem.title
    click.echo(click.style(f"{title}  [{problem.difficulty}]", bold=True))
    click.echo(f"{problem.id} · tags: {', '.join(problem.tags)}\n")
    click.echo(problem.statement(lang))
    start_hint = "开始：" if lang == "zh" else "Start with:"
    click.echo(f"\n{start_hint} attn-judge start {problem.id}")


@main.command()
@click.argument("problem_id")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."),
              show_default=True, help="Where to write PROBLEM_ID.py.")
def start(problem_id: str, directory: Path) -> None:
    """Write the problem's stub to DIR/PROBLEM_ID.py (never overwrites)."""
    try:
        target = services.start_problem(problem_id=problem_id, directory=directory)
    except services.UserError as exc:
        _fail(exc)
    click.echo(f"Wrote {target}. Fill it in, then run: attn-judge check {target}")


def _print_results(results: dict, *, title: str) -> None:
    extra = results["extra_data"]
    click.echo(click.style(title, bold=True) + f"  (isolation: {extra['isolation']})")
    if extra.get("isolation_warning"):
        click.echo(click.style(f"warning: {extra['isolation_warning']}", fg="yellow"), err=True)
    ordered = sorted(results["tests"], key=lambda t: t["status"] == "passed")
    previous_first_line = None
    for test in ordered:
        ok = test["status"] == "passed"
        mark = click.style("✓" if ok else "✗", fg="green" if ok else "red")
        click.echo(f"  {mark} {test['number']:<5} {test['name']}  ({test['score']:g}/{test['max_score']:g})")
        if not ok:
            lines = _safe_terminal_text(test["output"]).splitlines() or [""]
            if lines[0] == previous_first_line:
                lines[0] = "(same as above)"
            else:
                previous_first_line = lines[0]
            for line in lines:
                click.echo(f"        {line}")
    if extra.get("error"):
        click.echo(click.style(f"error ({extra['error']['kind']}): ", fg="red")
                   + _safe_terminal_text(extra["error"]["message"]))
    if extra.get("output"):
        shown = _safe_terminal_text(extra["output"][:2000])
        more = " (truncated)" if extra.get("output_truncated") or len(extra["output"]) > 2000 else ""
        click.echo(click.style(f"captured output{more}:", dim=True))
        click.echo(shown.rstrip())
    click.echo(_safe_terminal_text(results["output"]))


@main.command()
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--problem", "problem_id", help="Problem ID (default: from the file name).")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds allowed per test.")
def check(file: Path, problem_id: str | None, timeout: float) -> None:
    """Run the public tests on FILE; exit 1 if any fails."""
    try:
        results = services.check_file(path=file, problem_id=problem_id, timeout=timeout)
    except services.UserError as exc:
        _fail(exc)
    problem = registry.get(results["extra_data"]["problem"])
    _print_results(results, title=f"{problem.title} — public tests")
    if results["score"] < results["max_score"]:
        sys.exit(1)


@main.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--problem", "problem_id", help="Grade only this problem (default: from file names).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory (default for a class: ./attn-judge-results).")
@click.option("--json", "as_json", is_flag=True, help="Single file: print results.json only.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Seed of the hidden tests' random inputs (keep yours secret).")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1,
              show_default="number of cores", help="Submissions graded in parallel.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True,
              help="Seconds allowed per test.")
@click.option("--memory", type=click.IntRange(min=64), default=1024, show_default=True,
              help="Memory limit per submission, in MB.")
@click.option("--resume", is_flag=True, help="Skip submissions already graded in OUT.")
@click.option("--allow-weak-isolation", is_flag=True,
              help="Grade even if only weak isolation is available (results say so).")
@click.option("--allow-forbidden", multiple=True, metavar="PROBLEM_ID",
              help="Switch off the forbidden-API rule for this problem (repeatable).")
def grade(path: Path, problem_id, out, as_json, seed, workers, timeout, memory, resume,
          allow_weak_isolation, allow_forbidden) -> None:
    """Grade one submission (FILE) or a class (DIR/<student>/<problem>.py) on the hidden tests."""
    limits = _limits(timeout, memory)
    try:
        allowed = frozenset(services.find_problem(p).id for p in allow_forbidden)
        if path.is_dir() and not path.is_symlink() and path.suffix != ".py":
            _grade_class(path, problem_id, out, seed, workers, limits, resume,
                         allow_weak_isolation, allowed)
            return
        if not path.exists() and not path.is_symlink():
            raise services.UserError(f"{path}: no such file or directory")
        results = services.grade_file(path=path, problem_id=problem_id, seed=seed, limits=limits,
                                      allow_weak=allow_weak_isolation, allow_forbidden=allowed)
    except services.UserError as exc:
        _fail(exc)
    if out:
        _write_single_report(out, path, results)
    if as_json:
        click.echo(services.results_json(results))
        return
    _print_results(results, title=f"{registry.get(results['extra_data']['problem']).title} — hidden tests")
    if out:
        click.echo(f"Report: {(out / results['extra_data']['problem'] / 'report.html').resolve()}", err=True)


def _write_single_report(out: Path, path: Path, results: dict) -> None:
    from grader.fsutil import write_atomic
    from grader.reports import copy_static, write_submission_report

    target = out / results["extra_data"]["problem"]
    try:
        source = path.read_text(encoding="utf-8", errors="replace") if path.is_file() and not path.is_symlink() else ""
    except OSError:
        source = ""
    write_submission_report(target / "report.html", results=results, source=source,
                            problem=registry.get(results["extra_data"]["problem"]),
                            static_href="static/")
    copy_static(target / "static")
    write_atomic(target / "results.json", services.results_json(results))


def _grade_class(root: Path, problem_id, out, seed, workers, limits, resume, allow_weak, allowed):
    from grader.batch import grade_class
    from grader.reports import write_class_outputs, write_submission_report

    only = services.find_problem(problem_id) if problem_id else None
    out = out or Path("attn-judge-results")
    if out.resolve() == root.resolve() or root.resolve() in out.resolve().parents:
        raise services.UserError(f"--out {out} is inside the class directory {root}; choose "
                                 "another place so that results are never taken for submissions")
    sandbox = services.open_sandbox(workers=workers, allow_weak=allow_weak, hidden=[root.resolve(), out.resolve()])
    if sandbox.warning:
        click.echo(click.style(f"warning: {sandbox.warning}", fg="yellow"), err=True)
    click.echo(f"Isolation: {sandbox.pool.level} — {sandbox.pool.description}", err=True)
    static_href = "../../static/"

    def report(path, *, results, source, problem):
        write_submission_report(path, results=results, source=source, problem=problem,
                                static_href=static_href)

    from grader.batch import plan_class
    total = len(plan_class(root, only=only).jobs)
    stop = threading.Event()
    try:
        with click.progressbar(length=total, label="Grading", file=sys.stderr,
                               show_pos=True, show_eta=True) as bar:
            plan, summary = grade_class(
                root=root, out=out, runner=sandbox.pool, seed=seed, limits=limits, workers=workers,
                resume=resume, only=only, allow_forbidden=allowed, write_report=report, stop=stop,
                on_progress=lambda job: bar.update(1))
    except KeyboardInterrupt:
        sandbox.pool.close()
        plan = plan_class(root, only=only)
        write_class_outputs(out, problems=list(registry.all_problems()), roster=plan.roster)
        click.echo("\nInterrupted. Everything finished so far is saved; run the same command "
                   "with --resume to continue.", err=True)
        sys.exit(130)
    finally:
        sandbox.pool.close()
    write_class_outputs(out, problems=list(registry.all_problems()), roster=plan.roster)
    errors = ", ".join(f"{k}: {v}" for k, v in sorted(summary.errors.items())) or "none"
    click.echo(f"Graded {summary.graded} submissions ({summary.skipped} already done) of "
               f"{summary.students} students in {summary.seconds:.1f} s. Errors: {errors}.", err=True)
    click.echo(f"Class overview: {(out / 'index.html').resolve()}")


@main.group()
def site() -> None:
    """The static study site."""


@site.command("build")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("attn-judge-site"),
              show_default=True)
def site_build(out: Path) -> None:
    """Build the study site into OUT (works offline, from file://)."""
    from grader.sitegen import build_site

    index = build_site(out=out)
    click.echo(f"Study site: {Path(index).resolve()}")


if __name__ == "__main__":
    main()
