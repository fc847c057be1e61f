"""Class-report benchmark: how heavy and how fast is the overview of a large class?

Builds a synthetic class (1,000 students by default) out of real graded results
(the reference, the stub, every misconception reference, a forbidden-API and a
syntax-error submission of each problem, plus timeouts and crashes copied from
those), writes every report and the class outputs with :mod:`grader.reports`,
and prints:

- the time to write the submission reports and the class outputs;
- the size of ``index.html`` (raw and gzip-compressed);
- with Chromium available, the page's load time from ``file://`` and the time to
  sort and to filter the student table (median of several runs).

When the catalogue has fewer problems than ``--problems``, problems are
repeated under new IDs so that the table has as many columns as a full course.

Usage::

    python bench/class_report.py [--students 1000] [--problems 7] [--out DIR]
                                 [--no-reports] [--no-browser] [--runs 5]
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import gzip
import inspect
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader import registry  # noqa: E402
from grader.grading import grade  # noqa: E402
from grader.references import misconception_variants, solution_source  # noqa: E402
from grader.reports import write_class_outputs, write_submission_report  # noqa: E402
from grader.trusted_runner import NamespaceRunner, TrustedRunner  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
NAMES = ["Zoë Ångström", "李雷", "=HYPERLINK(\"x\")", "\"><img src=x onerror=alert(1)>", "O'Brien & Sons"]


def _failed_copy(results: dict, kind: str, message: str) -> dict:
    failed = copy.deepcopy(results)
    failed["score"] = 0.0
    for test in failed["tests"]:
        test.update(score=0.0, status="failed", output=f"not run: {message}")
        test["extra_data"] = {"diagnosis": [], "max_error": None}
    failed["extra_data"].update(error={"kind": kind, "message": message}, diagnosis=[])
    return failed


def samples(problem) -> list[tuple[float, dict, str]]:
    """(weight, results, source) of the kinds of submission a class hands in."""
    def run(source, runner):
        extra = {"figure": True} if "figure" in inspect.signature(grade).parameters else {}
        return grade(problem=problem, source=source, filename=f"{problem.id}.py", runner=runner, **extra)

    reference = solution_source(problem)
    out = [(35.0, run(reference, TrustedRunner()), reference)]
    stub = problem.stub()
    out.append((8.0, run(stub, TrustedRunner()), stub))
    variants = misconception_variants(problem.id)
    for mid, namespaces in variants.items():
        out.append((40.0 / len(variants), run(reference, NamespaceRunner(namespaces[0])), reference))
    if problem.forbidden:
        cheat = f"import torch\n{problem.symbols[0]} = {problem.forbidden[0]}\n"
        out.append((3.0, run(cheat, TrustedRunner()), cheat))
    broken = reference.replace("def ", "def (", 1)
    out.append((4.0, run(broken, TrustedRunner()), broken))
    stuck = "while True:\n    pass\n"
    out.append((3.0, _failed_copy(out[1][1], "timeout", "took longer than 10 s"), stuck))
    out.append((3.0, _failed_copy(out[1][1], "crash", "the process died (SIGSEGV)"), reference))
    for _, results, _ in out:
        results["extra_data"]["output"] = "step 1\n" * 20
    return out


def _complete(problem) -> bool:
    """Whether a problem has everything the samples need (the catalogue may be growing)."""
    try:
        problem.stub()
        solution_source(problem)
        misconception_variants(problem.id)
    except Exception:
        return False
    return True


def course(count: int) -> list[tuple]:
    """(problem, the real problem whose results it reuses), ``count`` of them."""
    real = [p for p in registry.all_problems() if _complete(p)]
    problems = [(p, p) for p in real]
    k = 0
    while len(problems) < count:
        base = real[k % len(real)]
        k += 1
        problems.append((dataclasses.replace(base, id=f"{base.id}_{k}", title=f"{base.title} ({k + 1})"), base))
    return problems[:count]


def build_class(out: Path, *, students: int, problems: list[tuple], reports: bool, seed: int = 0):
    rng = random.Random(seed)
    graded = {base.id: samples(base) for _, base in problems}
    pools = {p.id: graded[base.id] for p, base in problems}
    names = [f"student-{i:04d}" for i in range(students - len(NAMES))] + NAMES
    roster = {}
    report_seconds = 0.0
    written = 0
    for name in names:
        entry = {"graded": [], "notes": []}
        if rng.random() < 0.02:
            entry["notes"].append("mha.py: unknown problem (did you mean multi_head_attention?)")
        safe = "/" not in name
        for p, _ in problems:
            if not safe or rng.random() > 0.85:
                continue
            weight_list = pools[p.id]
            _, results, source = rng.choices(weight_list, weights=[w for w, _, _ in weight_list])[0]
            results = dict(results, extra_data=dict(results["extra_data"], problem=p.id))
            folder = out / name / p.id
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
            if reports:
                start = time.perf_counter()
                write_submission_report(folder / "report.html", results=results, source=source,
                                        problem=p, static_href="../../static/")
                report_seconds += time.perf_counter() - start
                written += 1
            entry["graded"].append(p.id)
        roster[name] = entry
    return roster, report_seconds, written


def measure_browser(index: Path, runs: int) -> dict | None:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if not Path(CHROMIUM).exists():
        return None
    figures = {"dom_content_loaded_ms": [], "load_ms": [], "sort_ms": [], "filter_ms": []}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for _ in range(runs):
            page = browser.new_page()
            page.goto(index.as_uri())
            nav = page.evaluate("JSON.stringify(performance.getEntriesByType('navigation')[0])")
            nav = json.loads(nav)
            figures["dom_content_loaded_ms"].append(nav["domContentLoadedEventEnd"])
            figures["load_ms"].append(nav["loadEventEnd"])
            figures["sort_ms"].append(page.evaluate("""() => {
                const button = document.querySelectorAll('#student-table th button')[1];
                const t = performance.now(); button.click(); document.body.offsetHeight;
                return performance.now() - t; }"""))
            figures["filter_ms"].append(page.evaluate("""() => {
                const input = document.getElementById('student-search');
                const t = performance.now(); input.value = '12';
                input.dispatchEvent(new Event('input')); document.body.offsetHeight;
                return performance.now() - t; }"""))
            page.close()
        browser.close()
    return {k: statistics.median(v) for k, v in figures.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--problems", type=int, default=7)
    parser.add_argument("--out", type=Path, help="keep the class here (default: a temporary folder)")
    parser.add_argument("--no-reports", action="store_true", help="write results.json only")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    out = args.out or Path(tempfile.mkdtemp(prefix="class-report-"))
    try:
        pairs = course(args.problems)
        problems = [p for p, _ in pairs]
        roster, report_seconds, written = build_class(out, students=args.students, problems=pairs,
                                                      reports=not args.no_reports)
        start = time.perf_counter()
        write_class_outputs(out, problems=problems, roster=roster)
        class_seconds = time.perf_counter() - start
        html = (out / "index.html").read_bytes()
        print(f"class: {args.students} students x {len(problems)} problems, "
              f"{sum(len(e['graded']) for e in roster.values())} submissions")
        if written:
            print(f"submission reports: {written} in {report_seconds:.1f} s "
                  f"({1000 * report_seconds / written:.1f} ms each)")
        print(f"class outputs (index, gradebooks, static): {class_seconds:.2f} s")
        print(f"index.html: {len(html) / 1024:.0f} KiB raw, {len(gzip.compress(html)) / 1024:.0f} KiB gzip")
        browser = None if args.no_browser else measure_browser(out / "index.html", args.runs)
        if browser:
            print("index.html in Chromium from file:// (median of %d runs): " % args.runs
                  + ", ".join(f"{k} {v:.0f}" for k, v in browser.items()))
        elif not args.no_browser:
            print("Chromium or Playwright not available: no load-time figures")
        if args.out:
            print(f"kept in {out}")
    finally:
        if not args.out:
            shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
