"""Grading benchmark: warm sandbox workers against a process per submission and the bare math.

Generates a class (``--students`` students x every problem, a deterministic mix
of reference solutions, untouched stubs and wrong variants made by small textual
mutations of the references) in a temporary folder and measures, in one run:

(a) ``fresh``  a new ``python`` process per submission that imports torch, loads
    the submission and runs the same hidden cases (what a home-made test script
    or an Otter-style runner pays). Measured on a sample (``--fresh-sample``)
    with the same parallelism as (b) and extrapolated to the class.
(b) ``warm``   the real grader: a :class:`grader.pool.SandboxPool` of
    ``--workers`` warm workers driven by :func:`grader.batch.grade_class`, the
    whole class end to end, with the HTML reports and class outputs when
    :mod:`grader.reports` is available (``--no-reports`` to leave them out).
(c) ``floor``  the reference solutions computing the same hidden cases in this
    process, one after the other: the cost of the math alone.

"cost per submission" is wall-clock time x parallelism / submissions (core-ms
per submission; for (b) without starting the pool and writing the class
outputs, which the class wall time includes; for (c) simply the time per
submission). "overhead" is that cost minus the floor. Everything is printed as
a table; ``--json PATH`` also writes the figures. ``--repeat N`` runs the three
measurements N times and reports medians.

Usage::

    python bench/grading.py [--students 100] [--workers N] [--fresh-sample 20]
                            [--repeat 1] [--quick] [--no-reports] [--json PATH]
                            [--keep DIR] [--seed 0] [--torch-threads N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from grader import batch, registry  # noqa: E402
from grader.batch import grade_class, plan_class  # noqa: E402
from grader.grading import RunReport, Suite, grade  # noqa: E402
from grader.pool import SandboxPool, _validate_outcome  # noqa: E402
from grader.references import solution_namespace, solution_source  # noqa: E402
from grader.sandbox.execute import execute  # noqa: E402
from grader.sandbox.protocol import ProtocolError, decode, encode  # noqa: E402

try:
    from grader.reports import write_class_outputs, write_submission_report
except ImportError:  # the reports package is optional for this benchmark
    write_class_outputs = write_submission_report = None

TARGET_RATIO = 30.0  # (a) overhead / (b) overhead at least this
TARGET_CLASS_SECONDS = 60.0  # for TARGET_CLASS_SIZE submissions on 2 cores
TARGET_CLASS_SIZE = 700  # 100 students x 7 problems

# --------------------------------------------------------------------------- class

# Textual mutations of a reference: (name, pattern, replacement). A mutation is
# used for a problem only when it changes that problem's reference source.
MUTATIONS: list[tuple[str, str, str]] = [
    ("no_scale", r"\s*/\s*math\.sqrt\((?:[^()]|\([^()]*\))*\)", ""),
    ("scale_by_d", r"math\.sqrt\(((?:[^()]|\([^()]*\))*)\)", r"(\1)"),
    ("softmax_dim_-2", r"(softmax\([^()]*dim=)-1\)", r"\1-2)"),
    ("mask_inverted", r"masked_fill\(~", "masked_fill("),
    ("no_key_transpose", r"(\w+)\.transpose\(-2, -1\)", r"\1"),
    ("heads_not_transposed_back", r"\.transpose\(1, 2\)\.reshape\(", ".reshape("),
    ("kv_heads_interleaved", r"repeat_interleave\(group, dim=1\)", "repeat(1, group, 1, 1)"),
    ("causal_upper", r"\.tril\(\)", ".triu()"),
    ("sin_cos_swapped", r"torch\.sin\(angle\)(.*\n.*)torch\.cos\(angle\)", r"torch.cos(angle)\1torch.sin(angle)"),
    ("frequency_sign", r"base \*\* \(-two_i", "base ** (two_i"),
    ("argmin", r"\.argmax\(", ".argmin("),
    ("temperature_times", r"logits / temperature", "logits * temperature"),
    ("no_context_crop", r"ids\[:, -model\.block_size:\]", "ids"),
    ("top_k_strict", r"logits < kth", "logits <= kth"),
]
SYNTAX_ERROR = (r"\bdef ", "def (")  # the first definition loses its name
KIND_WEIGHTS = {"reference": 0.5, "stub": 0.1, "syntax_error": 0.04, "mutant": 0.36}


def mutants(source: str) -> dict[str, str]:
    """Name -> mutated source, for every mutation that changes ``source``."""
    out = {}
    for name, pattern, replacement in MUTATIONS:
        changed = re.sub(pattern, replacement, source)
        if changed != source:
            out[name] = changed
    return out


def generate_class(root: Path, *, students: int, seed: int) -> dict[str, str]:
    """Write ``root/<student>/<problem>.py`` for every student and problem.

    Returns ``"<student>/<problem>"`` -> kind (``reference``, ``stub``,
    ``syntax_error`` or ``mutant:<name>``).
    """
    rng = random.Random(seed)
    catalogue = []
    for problem in registry.all_problems():
        reference = solution_source(problem)
        catalogue.append((problem, reference, problem.stub(), sorted(mutants(reference).items())))
    kinds: dict[str, str] = {}
    for number in range(students):
        student = f"student-{number:04d}"
        folder = root / student
        folder.mkdir(parents=True)
        for problem, reference, stub, variants in catalogue:
            kind = rng.choices(list(KIND_WEIGHTS), weights=list(KIND_WEIGHTS.values()))[0]
            if kind == "reference":
                source = reference
            elif kind == "stub":
                source = stub
            elif kind == "syntax_error":
                source = re.sub(*SYNTAX_ERROR, reference, count=1)
            else:
                name, source = rng.choice(variants)
                kind = f"mutant:{name}"
            kinds[f"{student}/{problem.id}"] = kind
            header = f"# {student}, {problem.id}\n"  # every file is distinct, as in a real class
            (folder / f"{problem.id}.py").write_text(header + source, encoding="utf-8")
    return kinds


def unexpected_verdicts(out: Path, kinds: dict[str, str]) -> list[str]:
    """Submissions whose results contradict what was generated (a reference not at full marks...)."""
    wrong = []
    for key, kind in sorted(kinds.items()):
        try:
            results = json.loads((out / key / "results.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            wrong.append(f"{key} ({kind}): no results.json")
            continue
        error = (results["extra_data"].get("error") or {}).get("kind")
        full = results["score"] == results["max_score"]
        if kind == "reference":
            ok = full and error is None
        elif kind == "syntax_error":
            ok = error == "syntax_error"
        else:
            ok = not full and error in (None, "forbidden_api")
        if not ok:
            wrong.append(f"{key} ({kind}): score {results['score']}/{results['max_score']}, error {error}")
    return wrong


# --------------------------------------------------------------------------- timing helpers


class Timers:
    """Thread-safe sums of named durations."""

    def __init__(self):
        self.lock = threading.Lock()
        self.totals: dict[str, float] = {}
        self.counts: dict[str, int] = {}

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.totals[name] = self.totals.get(name, 0.0) + seconds
            self.counts[name] = self.counts.get(name, 0) + 1

    def timed(self, name: str, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - start)
        return wrapper


def load() -> float:
    return os.getloadavg()[0]


def cpu_seconds() -> float:
    """CPU time of this process and of every finished descendant (workers, their children)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


# --------------------------------------------------------------------------- (c) floor


def measure_floor(jobs, *, repeats: int) -> dict:
    """Median time of the references on each problem's hidden cases, averaged over the class."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny tensors: one thread is the fastest, and the fairest floor
    try:
        per_problem = {}
        for problem in {job.problem for job in jobs}:
            namespace = solution_namespace(problem)
            invocations = Suite(problem).invocations
            for invocation in invocations:  # warm up (first calls of each operator)
                execute(namespace, invocation, filename="<reference>")
            samples = []
            for _ in range(repeats):
                start = time.perf_counter()
                for invocation in invocations:
                    execute(namespace, invocation, filename="<reference>")
                samples.append(time.perf_counter() - start)
            per_problem[problem.id] = statistics.median(samples)
    finally:
        torch.set_num_threads(threads)
    per_submission = statistics.fmean(per_problem[job.problem.id] for job in jobs)
    return {"per_problem_ms": {k: 1000 * v for k, v in sorted(per_problem.items())},
            "cost_ms": 1000 * per_submission, "cpu_ms": 1000 * per_submission}


# --------------------------------------------------------------------------- (a) fresh process

FRESH_SCRIPT = """
import sys
import torch
from grader.sandbox.execute import execute
from grader.sandbox.loader import load_submission
from grader.sandbox.protocol import encode, decode
job = decode(sys.stdin.buffer.read())
namespace, error = load_submission(job["source"], job["filename"], job["symbols"])
outcomes = [] if error else [execute(namespace, i, filename=job["filename"]) for i in job["invocations"]]
sys.stdout.buffer.write(encode({"error": error, "outcomes": outcomes}))
"""


class FreshProcessRunner:
    """A new interpreter per submission: import torch, load, run every case, exit normally.

    No isolation at all, and the references stay in this process (computed once
    per problem by the shared Suite), so this is cheaper than a real home-made
    runner that also imports the tests and the reference in every process.
    """

    isolation = "none (a fresh process per submission)"

    def __init__(self):
        self.env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[1])
        self.env["PYTHONPATH"] = os.pathsep.join(p for p in (root, self.env.get("PYTHONPATH")) if p)
        self.env["OMP_NUM_THREADS"] = "1"  # same as the warm workers

    def run(self, *, source, filename, symbols, forbidden, invocations, limits) -> RunReport:
        job = {"source": source, "filename": filename, "symbols": symbols, "invocations": invocations}
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", FRESH_SCRIPT], input=encode(job),
                                  capture_output=True, env=self.env,
                                  timeout=limits.submission_timeout + 30)
            reply = decode(done.stdout)
        except (subprocess.TimeoutExpired, ProtocolError) as exc:
            return RunReport(outcomes=[None] * len(invocations), isolation=self.isolation,
                             error={"kind": "crash", "message": f"fresh process failed ({exc})"})
        outcomes = [_validate_outcome(o) for o in reply["outcomes"]] or [None] * len(invocations)
        return RunReport(outcomes=outcomes, error=reply["error"], isolation=self.isolation,
                         seconds=time.perf_counter() - start)


def measure_fresh(jobs, *, sample: int, workers: int, total: int, seed: int) -> dict:
    """Grade a sample (every problem in turn) with a process each, ``workers`` at a time; extrapolate."""
    by_problem: dict[str, list] = {}
    for job in jobs:
        by_problem.setdefault(job.problem.id, []).append(job)
    rng = random.Random(seed)
    queues = [rng.sample(group, len(group)) for group in by_problem.values()]
    chosen = [queues[i % len(queues)][i // len(queues)] for i in range(sample)]
    suites = {p.id: Suite(p).prepare() for p in {job.problem for job in chosen}}
    runner = FreshProcessRunner()

    def one(job):
        source = job.path.read_text(encoding="utf-8")
        return grade(problem=job.problem, source=source, filename=job.path.name, runner=runner,
                     suite=suites[job.problem.id], figure=True)

    cpu = cpu_seconds()
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as executor:
        results = list(executor.map(one, chosen))
    wall = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    per_second = sample / wall
    return {"sample": sample, "sample_wall_s": wall, "cost_ms": 1000 * wall * workers / sample,
            "cpu_ms": 1000 * cpu / sample,
            "per_second": per_second, "class_wall_s": total / per_second, "extrapolated": True,
            "sample_kinds": dict(Counter(job.problem.id for job in chosen)),
            "sample_score": sum(r["score"] for r in results)}


# --------------------------------------------------------------------------- (b) warm workers


def measure_warm(root: Path, out: Path, kinds: dict[str, str], *, workers: int, reports: bool) -> dict:
    """The real grader on the whole class, with a breakdown of where the time went."""
    timers = Timers()
    cpu = cpu_seconds()
    wall_start = time.perf_counter()
    pool = SandboxPool(workers, hidden=[str(root.resolve()), str(out.resolve())])
    startup = time.perf_counter() - wall_start
    worker_seconds = []
    pool_run = pool.run

    def run(**kwargs):
        start = time.perf_counter()
        report = pool_run(**kwargs)
        timers.add("sandbox", time.perf_counter() - start)
        worker_seconds.append(report.seconds)
        return report

    pool.run = run

    def report_html(path, *, results, source, problem):
        write_submission_report(path, results=results, source=source, problem=problem,
                                static_href="../../static/")

    write_report = None
    if reports and write_submission_report is not None:
        write_report = timers.timed("report_html", report_html)
    # Instrument the batch module (this process only) to split the trusted side's time.
    patched = {"grade": batch.grade, "write_atomic": batch.write_atomic, "json": batch.json}
    batch.grade = timers.timed("grade", batch.grade)
    batch.write_atomic = timers.timed("results_write", batch.write_atomic)
    batch.json = type("JsonShim", (), {"dumps": staticmethod(timers.timed("results_dumps", json.dumps)),
                                       "loads": staticmethod(json.loads)})
    try:
        grading_start = time.perf_counter()
        plan, summary = grade_class(root=root, out=out, runner=pool, workers=workers,
                                    write_report=write_report)
        grading = time.perf_counter() - grading_start
    finally:
        for name, value in patched.items():
            setattr(batch, name, value)
        pool.close()
    class_outputs = 0.0
    if write_report is not None:
        start = time.perf_counter()
        write_class_outputs(out, problems=list(registry.all_problems()), roster=plan.roster)
        class_outputs = time.perf_counter() - start
    wall = time.perf_counter() - wall_start
    cpu = cpu_seconds() - cpu  # the workers were reaped by pool.close(), so their CPU is in
    wrong = unexpected_verdicts(out, kinds)  # not timed
    n = summary.graded
    per_sub = {name: 1000 * seconds / n for name, seconds in timers.totals.items()}
    breakdown = {
        "sandbox_round_trip_ms": per_sub.get("sandbox", 0.0),
        "worker_reported_ms": 1000 * sum(worker_seconds) / n,
        "trusted_grading_ms": per_sub.get("grade", 0.0) - per_sub.get("sandbox", 0.0),
        "report_html_ms": per_sub.get("report_html", 0.0),
        "results_json_ms": per_sub.get("results_dumps", 0.0) + per_sub.get("results_write", 0.0),
    }
    return {"isolation": pool.level, "submissions": n, "errors": summary.errors,
            "unexpected_verdicts": len(wrong), "unexpected_examples": wrong[:10],
            "pool_startup_s": startup, "grading_s": grading, "class_outputs_s": class_outputs,
            "class_wall_s": wall, "cost_ms": 1000 * grading * workers / n, "cpu_ms": 1000 * cpu / n,
            "per_second": n / grading, "breakdown_ms_per_submission": breakdown,
            "reports": write_report is not None}


# --------------------------------------------------------------------------- driver


def one_run(root: Path, jobs, kinds, args, index: int) -> dict:
    out = Path(tempfile.mkdtemp(prefix="attn-judge-bench-out-"))
    try:
        figures = {"load_before": load()}
        figures["floor"] = measure_floor(jobs, repeats=args.floor_repeats)
        figures["warm"] = measure_warm(root, out, kinds, workers=args.workers, reports=not args.no_reports)
        figures["fresh"] = measure_fresh(jobs, sample=min(args.fresh_sample, len(jobs)),
                                         workers=args.workers, total=len(jobs), seed=args.seed)
        figures["load_after"] = load()
    finally:
        if args.keep and index == 0:
            shutil.copytree(out, args.keep / "results", dirs_exist_ok=True)
        shutil.rmtree(out, ignore_errors=True)
    floor = figures["floor"]["cost_ms"]
    for key in ("fresh", "warm"):
        figures[key]["overhead_ms"] = figures[key]["cost_ms"] - floor
    figures["ratio_fresh_over_warm"] = figures["fresh"]["overhead_ms"] / figures["warm"]["overhead_ms"]
    figures["ratio_warm_over_floor"] = figures["warm"]["cost_ms"] / floor
    return figures


def median_of(runs: list[dict], *path: str) -> float:
    values = []
    for run in runs:
        value = run
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def print_table(runs: list[dict], *, students: int, problems: int, workers: int) -> None:
    m = lambda *path: median_of(runs, *path)  # noqa: E731
    n = runs[0]["warm"]["submissions"]
    label = "median of %d runs" % len(runs) if len(runs) > 1 else "1 run"
    print(f"\n{students} students x {problems} problems = {n} submissions, {workers} worker(s), "
          f"isolation {runs[0]['warm']['isolation']}, {label}; "
          f"load average {min(r['load_before'] for r in runs):.1f}-{max(r['load_after'] for r in runs):.1f}")
    rows = [
        ("(a) fresh process", m("fresh", "cost_ms"), m("fresh", "overhead_ms"), m("fresh", "cpu_ms"),
         m("fresh", "per_second"), m("fresh", "class_wall_s"),
         f"sample of {runs[0]['fresh']['sample']}, extrapolated"),
        ("(b) warm workers", m("warm", "cost_ms"), m("warm", "overhead_ms"), m("warm", "cpu_ms"),
         m("warm", "per_second"), m("warm", "class_wall_s"),
         "whole class" + (", with reports" if runs[0]["warm"]["reports"] else "")),
        ("(c) floor", m("floor", "cost_ms"), 0.0, m("floor", "cpu_ms"), 1000 / m("floor", "cost_ms"),
         n * m("floor", "cost_ms") / 1000, "references in process, 1 thread"),
    ]
    print(f"{'':18} {'cost ms/sub':>11} {'overhead ms':>11} {'CPU ms/sub':>10} {'subs/s':>7} "
          f"{'class s':>8}  note")
    for name, cost, overhead, cpu, rate, wall, note in rows:
        print(f"{name:18} {cost:11.1f} {overhead:11.1f} {cpu:10.1f} {rate:7.1f} {wall:8.1f}  {note}")
    ratio = m("ratio_fresh_over_warm")
    wall = m("warm", "class_wall_s")
    print(f"\nratio a/b (overhead): {ratio:.1f}x   target >= {TARGET_RATIO:g}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    print(f"ratio b/c (cost):     {m('ratio_warm_over_floor'):.1f}x")
    target = TARGET_CLASS_SECONDS * n / TARGET_CLASS_SIZE
    scaled = "" if n == TARGET_CLASS_SIZE else f" (scaled from {TARGET_CLASS_SECONDS:g} s for {TARGET_CLASS_SIZE})"
    print(f"class wall time (b), pool start to class outputs: {wall:.1f} s   "
          f"target < {target:.3g} s{scaled}: {'met' if wall < target else 'NOT met'}")
    print(f"  pool startup {m('warm', 'pool_startup_s'):.1f} s, grading {m('warm', 'grading_s'):.1f} s, "
          f"class outputs {m('warm', 'class_outputs_s'):.1f} s")
    print("(b) per submission, summed over grading threads (ms):")
    for key in runs[0]["warm"]["breakdown_ms_per_submission"]:
        print(f"  {key[:-3]:24} {m('warm', 'breakdown_ms_per_submission', key):8.1f}")
    for index, run in enumerate(runs):
        warm = run["warm"]
        errors = ", ".join(f"{k} {v}" for k, v in sorted(warm["errors"].items())) or "none"
        print(f"run {index + 1}: submission errors reported: {errors}; "
              f"verdicts contradicting the generated kind: {warm['unexpected_verdicts']}")
        for example in warm["unexpected_examples"]:
            print(f"    {example}")
    if len(runs) > 1:
        print("each run: " + "; ".join(
            f"a {r['fresh']['cost_ms']:.0f} ms, b {r['warm']['cost_ms']:.1f} ms, c {r['floor']['cost_ms']:.2f} ms, "
            f"class {r['warm']['class_wall_s']:.1f} s" for r in runs))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", type=int, help="default 100 (10 with --quick)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="sandbox workers and grading threads (default: cores)")
    parser.add_argument("--fresh-sample", type=int,
                        help="submissions graded with a process each, then extrapolated (default 20, "
                             "4 with --quick)")
    parser.add_argument("--floor-repeats", type=int, help="default 20 (5 with --quick)")
    parser.add_argument("--repeat", type=int, default=1, help="run everything N times, report medians")
    parser.add_argument("--quick", action="store_true", help="a small class for a smoke test")
    parser.add_argument("--no-reports", action="store_true", help="results.json only, no HTML")
    parser.add_argument("--seed", type=int, default=0, help="of the class mix")
    parser.add_argument("--torch-threads", type=int,
                        help="torch.set_num_threads in this (trusted) process; default: torch's own")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="copy the generated class and results here")
    args = parser.parse_args(argv)
    for name, full, quick in (("students", 100, 10), ("fresh_sample", 20, 4), ("floor_repeats", 20, 5)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    if args.torch_threads:
        torch.set_num_threads(args.torch_threads)

    root = Path(tempfile.mkdtemp(prefix="attn-judge-bench-class-"))
    try:
        kinds = generate_class(root, students=args.students, seed=args.seed)
        mix = dict(sorted(Counter(kinds.values()).items()))
        jobs = plan_class(root).jobs
        problems = len(registry.all_problems())
        print(f"class: {args.students} students, {len(jobs)} submissions: "
              + ", ".join(f"{k} {v}" for k, v in sorted(mix.items())), file=sys.stderr)
        runs = []
        for index in range(args.repeat):
            print(f"run {index + 1}/{args.repeat} (load average {load():.1f})...", file=sys.stderr)
            runs.append(one_run(root, jobs, kinds, args, index))
        if args.keep:
            shutil.copytree(root, args.keep / "class", dirs_exist_ok=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print_table(runs, students=args.students, problems=problems, workers=args.workers)
    if args.json:
        medians = {
            "fresh_cost_ms": median_of(runs, "fresh", "cost_ms"),
            "fresh_overhead_ms": median_of(runs, "fresh", "overhead_ms"),
            "warm_cost_ms": median_of(runs, "warm", "cost_ms"),
            "warm_overhead_ms": median_of(runs, "warm", "overhead_ms"),
            "fresh_cpu_ms": median_of(runs, "fresh", "cpu_ms"),
            "warm_cpu_ms": median_of(runs, "warm", "cpu_ms"),
            "floor_cost_ms": median_of(runs, "floor", "cost_ms"),
            "ratio_fresh_over_warm": median_of(runs, "ratio_fresh_over_warm"),
            "ratio_warm_over_floor": median_of(runs, "ratio_warm_over_floor"),
            "warm_class_wall_s": median_of(runs, "warm", "class_wall_s"),
            "fresh_class_wall_s_extrapolated": median_of(runs, "fresh", "class_wall_s"),
        }
        document = {"students": args.students, "problems": problems, "submissions": len(jobs),
                    "workers": args.workers, "cpu_count": os.cpu_count(), "mix": mix,
                    "torch": torch.__version__, "python": sys.version.split()[0],
                    "targets": {"ratio_fresh_over_warm": TARGET_RATIO,
                                "class_wall_s": TARGET_CLASS_SECONDS},
                    "median": medians, "runs": runs}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
