"""Grading benchmark: warm sandboxes against a process per submission, the bare math and Dask.

Generates a class (``--students`` students x the problems, a deterministic mix
of reference solutions, untouched stubs and wrong variants made by small
textual mutations of the references) in a temporary folder and measures, in
one run:

(a) ``fresh``  a new ``python`` process per submission that imports torch, loads
    the submission and runs the same hidden cases (what a home-made test script
    or an Otter-style runner pays). Measured on a sample (``--fresh-sample``)
    with the same parallelism as (b) and extrapolated to the class.
(b) ``warm``   the real grader: :func:`grader.services.grade_class` with the local
    executor (``--workers`` sandbox slots), the whole class end to end, every
    report written (``--no-reports`` to leave them out).
(c) ``floor``  the reference solutions computing the same hidden cases in this
    process, one after the other: the cost of the math alone.
(d) ``dask``   (``--dask``) the same service on a local Dask cluster of
    ``--workers`` worker processes: the cost of the scheduler per submission.

"cost per submission" is wall-clock time x parallelism / submissions (core-ms
per submission); "overhead" is that cost minus the floor. ``--json PATH`` also
writes the figures; ``--repeat N`` runs everything N times and reports medians.

Usage::

    python bench/grading.py [--students 100] [--problems seven|all] [--workers N]
                            [--fresh-sample 20] [--repeat 1] [--quick] [--no-reports]
                            [--dask] [--json PATH] [--keep DIR] [--seed 0]
"""

from __future__ import annotations

import argparse
import functools
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
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from grader import registry, services  # noqa: E402
from grader.batch import plan_class  # noqa: E402
from grader.executors import LocalExecutor  # noqa: E402
from grader.grading import Suite, grade, load_failure_error  # noqa: E402
from grader.references import solution_namespace, solution_source  # noqa: E402
from grader.runs import RunReport, SubmissionError  # noqa: E402
from grader.sandbox.channel import encode_job  # noqa: E402
from grader.sandbox.execute import execute  # noqa: E402
from grader.sandbox.messages import (ErrorKind, Job, loaded_from_wire,  # noqa: E402
                                     outcome_from_wire)
from grader.sandbox.protocol import HEADER_PREFIX, ProtocolError, decode, frame_length  # noqa: E402
from grader.i18n import same  # noqa: E402

TARGET_RATIO = 45.0  # (a) overhead / (b) overhead at least this
TARGET_PER_SECOND = 28.0  # (b) submissions per second with every report written, on 2 cores
GOAL_OVERHEAD_MS = 10.0  # (b) isolation overhead per submission
FIRST_SEVEN = 7  # the problems of the first release: the class the targets were set on

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


def generate_class(root: Path, *, students: int, seed: int, problems) -> dict[str, str]:
    """Write ``root/<student>/<problem>.py`` for every student and problem.

    Returns ``"<student>/<problem>"`` -> kind (``reference``, ``stub``,
    ``syntax_error`` or ``mutant:<name>``).
    """
    rng = random.Random(seed)
    catalogue = []
    for problem in problems:
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


def load() -> float:
    return os.getloadavg()[0]


def cpu_split() -> tuple[float, float]:
    """CPU seconds of this process (every thread) and of its finished descendants (workers, their
    children, helper processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime, children.ru_utime + children.ru_stime


def cpu_seconds() -> float:
    return sum(cpu_split())


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
import os, sys
import torch
from grader.sandbox.channel import read_job
from grader.sandbox.execute import execute
from grader.sandbox.loader import load_submission
from grader.sandbox.messages import Loaded, loaded_to_wire, outcome_to_wire
from grader.sandbox.protocol import encode
job = read_job(0)
namespace, failure = load_submission(job.source, job.filename, list(job.symbols))
out = sys.stdout.buffer
out.write(encode(loaded_to_wire(Loaded(job.job_id, failure))))
if namespace is not None:
    for invocation in job.invocations:
        out.write(encode(outcome_to_wire(execute(namespace, invocation, filename=job.filename), job.job_id)))
"""


def _messages(data: bytes):
    """The protocol messages written one after the other in ``data``."""
    offset = 0
    while offset < len(data):
        end = offset + frame_length(data[offset:offset + HEADER_PREFIX])
        yield data[offset:end]
        offset = end


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
        self.env["OMP_NUM_THREADS"] = "1"  # the same as the sandbox's children

    def run(self, *, source, filename, symbols, forbidden, invocations, limits) -> RunReport:
        job = Job(job_id="0" * 16, source=source, filename=filename, symbols=tuple(symbols),
                  forbidden=tuple(forbidden), invocations=tuple(invocations))
        start = time.perf_counter()
        try:
            done = subprocess.run([sys.executable, "-c", FRESH_SCRIPT], input=encode_job(job),
                                  capture_output=True, env=self.env,
                                  timeout=limits.submission_timeout + 30)
            messages = _messages(done.stdout)
            loaded = loaded_from_wire(decode(next(messages)), job_id=job.job_id)
            outcomes = [None] * len(invocations)
            if loaded.failure is None:
                outcomes = [outcome_from_wire(decode(next(messages)), job_id=job.job_id,
                                              forbidden=job.forbidden) for _ in invocations]
        except (subprocess.TimeoutExpired, ProtocolError, StopIteration) as exc:
            return RunReport(outcomes=[None] * len(invocations), isolation=self.isolation,
                             error=SubmissionError(ErrorKind.CRASH, same(f"fresh process failed ({exc})")))
        error = load_failure_error(loaded.failure) if loaded.failure else None
        return RunReport(outcomes=outcomes, error=error, isolation=self.isolation,
                         seconds=time.perf_counter() - start)


def measure_fresh(jobs, *, sample: int, workers: int, total: int, seed: int) -> dict:
    """Grade a sample (every problem in turn) with a process each, ``workers`` at a time; extrapolate."""
    by_problem: dict[str, list] = {}
    for job in jobs:
        by_problem.setdefault(job.problem.id, []).append(job)  # jobs: the plan's entries
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


def measure_executor(root: Path, out: Path, kinds: dict[str, str], *, executor_factory,
                     reports: bool) -> dict:
    """The real grading service on the whole class with one executor, from its start to the outputs."""
    own_cpu, children_cpu = cpu_split()
    wall_start = time.perf_counter()
    executor = executor_factory()
    startup = time.perf_counter() - wall_start
    last_saved = [0.0]  # when the last submission's results were written

    def saved(entry) -> None:
        last_saved[0] = time.perf_counter()

    try:
        grading_start = time.perf_counter()
        plan, summary = services.grade_class(root=root, out=out, executor=executor, reports=reports,
                                             on_progress=saved)
        grading = time.perf_counter() - grading_start
        class_outputs = max(0.0, grading_start + grading - last_saved[0]) if last_saved[0] else 0.0
        memos = [suite.memo for suite in executor.suites.prepared()] if hasattr(executor, "suites") else []
    finally:
        executor.close()
    wall = time.perf_counter() - wall_start
    own_after, children_after = cpu_split()
    own_cpu, children_cpu = own_after - own_cpu, children_after - children_cpu
    cpu = own_cpu + children_cpu  # the pools' processes were reaped on close, so their CPU is in
    wrong = unexpected_verdicts(out, kinds)  # not timed
    n = summary.graded
    return {"isolation": executor.isolation, "submissions": n, "errors": summary.errors,
            "unexpected_verdicts": len(wrong), "unexpected_examples": wrong[:10],
            "startup_s": startup, "grading_s": grading, "class_outputs_s": class_outputs,
            "class_wall_s": wall,
            "cost_ms": 1000 * grading * WORKERS[0] / n, "cpu_ms": 1000 * cpu / n,
            "trusted_cpu_ms": 1000 * own_cpu / n, "sandbox_cpu_ms": 1000 * children_cpu / n,
            "per_second": n / grading, "reports": reports,
            "verdicts_remembered": sum(m.hits for m in memos), "verdicts_worked_out": sum(m.misses for m in memos)}


WORKERS = [1]  # set by main(): the parallelism of (a), (b) and (d)


# --------------------------------------------------------------------------- driver


def one_run(root: Path, jobs, kinds, args, index: int) -> dict:
    figures = {"load_before": load()}
    figures["floor"] = measure_floor(jobs, repeats=args.floor_repeats)
    local_pool = functools.partial(LocalExecutor, workers=args.workers, allow_weak=True)
    reports = not args.no_reports
    measured = [("warm", local_pool, reports)]
    if args.like_for_like and reports:
        measured.append(("plain", local_pool, False))
    if args.dask:
        from grader.dask_backend import open_dask_executor

        measured.append(("dask", lambda: open_dask_executor(f"local:{args.workers}", allow_weak=True), reports))
    for name, factory, writes_reports in measured:
        out = Path(tempfile.mkdtemp(prefix="attn-judge-bench-out-"))
        try:
            figures[name] = measure_executor(root, out, kinds, executor_factory=factory, reports=writes_reports)
        finally:
            if args.keep and index == 0 and name == "warm":
                shutil.copytree(out, args.keep / "results", dirs_exist_ok=True)
            shutil.rmtree(out, ignore_errors=True)
    figures["fresh"] = measure_fresh(jobs, sample=min(args.fresh_sample, len(jobs)),
                                     workers=args.workers, total=len(jobs), seed=args.seed)
    figures["load_after"] = load()
    floor = figures["floor"]["cost_ms"]
    for key in ("fresh", "warm", "plain", "dask"):
        if key in figures:
            figures[key]["overhead_ms"] = figures[key]["cost_ms"] - floor
    figures["ratio_fresh_over_warm"] = figures["fresh"]["overhead_ms"] / figures["warm"]["overhead_ms"]
    if "plain" in figures:  # like for like: neither (a) nor this run writes HTML
        figures["ratio_fresh_over_plain"] = figures["fresh"]["overhead_ms"] / figures["plain"]["overhead_ms"]
    warm = figures["warm"]  # the same, without the class outputs, which (a) does not make either
    submissions_s = warm["grading_s"] - warm["class_outputs_s"]
    warm["per_submission_cost_ms"] = 1000 * submissions_s * WORKERS[0] / warm["submissions"]
    figures["ratio_per_submission"] = (figures["fresh"]["overhead_ms"]
                                       / (warm["per_submission_cost_ms"] - floor))
    figures["ratio_warm_over_floor"] = figures["warm"]["cost_ms"] / floor
    if "dask" in figures:
        figures["dask_scheduler_ms"] = figures["dask"]["cost_ms"] - figures["warm"]["cost_ms"]
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
    reports = ", every report written" if runs[0]["warm"]["reports"] else ", results.json only"
    rows = [("(a) fresh process", "fresh", f"sample of {runs[0]['fresh']['sample']}, extrapolated"),
            ("(b) warm sandboxes", "warm", "whole class" + reports)]
    if "plain" in runs[0]:
        rows.append(("(b) without HTML", "plain", "whole class, results.json only (like for like)"))
    if "dask" in runs[0]:
        rows.append(("(d) dask, local", "dask", f"LocalCluster of {workers}" + reports))
    print(f"{'':20} {'cost ms/sub':>11} {'overhead ms':>11} {'CPU ms/sub':>10} {'subs/s':>7} "
          f"{'class s':>8}  note")
    for name, key, note in rows:
        print(f"{name:20} {m(key, 'cost_ms'):11.1f} {m(key, 'overhead_ms'):11.1f} {m(key, 'cpu_ms'):10.1f} "
              f"{m(key, 'per_second'):7.1f} {m(key, 'class_wall_s'):8.1f}  {note}")
    floor = m("floor", "cost_ms")
    print(f"{'(c) floor':20} {floor:11.1f} {0.0:11.1f} {m('floor', 'cpu_ms'):10.1f} {1000 / floor:7.1f} "
          f"{n * floor / 1000:8.1f}  references in process, 1 thread")
    ratio, rate, overhead = m("ratio_fresh_over_warm"), m("warm", "per_second"), m("warm", "overhead_ms")
    print(f"\nratio a/b (overhead): {ratio:.1f}x   target >= {TARGET_RATIO:g}x: "
          f"{'met' if ratio >= TARGET_RATIO else 'NOT met'}")
    if "plain" in runs[0]:
        like = m("ratio_fresh_over_plain")
        print(f"ratio a/b like for like (neither side writes HTML): {like:.1f}x   >= {TARGET_RATIO:g}x: "
              f"{'yes' if like >= TARGET_RATIO else 'no'}")
    print(f"ratio b/c (cost):     {m('ratio_warm_over_floor'):.1f}x")
    print(f"(b) throughput: {rate:.1f} submissions/s   floor >= {TARGET_PER_SECOND:g}/s on 2 cores: "
          f"{'met' if rate >= TARGET_PER_SECOND else 'NOT met'}")
    print(f"(b) overhead per submission: {overhead:.1f} ms (cost {m('warm', 'cost_ms'):.1f} ms on "
          f"{workers} workers, floor {floor:.1f} ms)   goal <= {GOAL_OVERHEAD_MS:g} ms: "
          f"{'met' if overhead <= GOAL_OVERHEAD_MS else 'not met'}")
    if runs[0]["warm"]["reports"]:
        each = m("warm", "per_submission_cost_ms")
        print(f"(b) without the class outputs (similarity report, overview, gradebooks): cost {each:.1f} ms, "
              f"overhead {each - floor:.1f} ms, ratio a/b {m('ratio_per_submission'):.1f}x")
    print(f"(b) CPU per submission: {m('warm', 'trusted_cpu_ms'):.1f} ms in this (trusted) process, "
          f"{m('warm', 'sandbox_cpu_ms'):.1f} ms in sandbox workers, their children and report helpers "
          f"(starting them included)")
    if "dask" in runs[0]:
        print(f"(d) the Dask scheduler costs {m('dask_scheduler_ms'):.1f} ms per submission "
              f"over the local pool (cost {m('dask', 'cost_ms'):.1f} vs {m('warm', 'cost_ms'):.1f} ms)")
    for index, run in enumerate(runs):
        for key in ("warm", "plain", "dask"):
            if key not in run:
                continue
            figures = run[key]
            errors = ", ".join(f"{k} {v}" for k, v in sorted(figures["errors"].items())) or "none"
            print(f"run {index + 1} ({key}): start {figures['startup_s']:.1f} s, grading "
                  f"{figures['grading_s']:.1f} s, of which {figures['class_outputs_s']:.1f} s after the last "
                  f"submission's results (similarity report, overview, gradebooks); submission errors: "
                  f"{errors}; verdicts contradicting the generated kind: {figures['unexpected_verdicts']}")
            judged = figures["verdicts_remembered"] + figures["verdicts_worked_out"]
            if judged:
                print(f"    verdicts and diagnoses recalled for an outcome judged before: "
                      f"{figures['verdicts_remembered']} of {judged} "
                      f"({100 * figures['verdicts_remembered'] / judged:.0f}%; this class repeats outcomes "
                      f"more than most: half of it is the reference)")
            for example in figures["unexpected_examples"]:
                print(f"    {example}")


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
    parser.add_argument("--like-for-like", action="store_true",
                        help="also grade the class writing results.json only, in the same run, for the "
                             "ratio with neither side writing HTML")
    parser.add_argument("--problems", choices=("seven", "all"), default="seven",
                        help="the first release's seven problems (the targets' class) or all of them")
    parser.add_argument("--dask", action="store_true", help="also grade on a local Dask cluster")
    parser.add_argument("--seed", type=int, default=0, help="of the class mix")
    parser.add_argument("--torch-threads", type=int,
                        help="torch.set_num_threads in this (trusted) process; default: torch's own")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--keep", type=Path, help="copy the generated class and results here")
    args = parser.parse_args(argv)
    for name, full, quick in (("students", 100, 10), ("fresh_sample", 20, 4), ("floor_repeats", 20, 5)):
        if getattr(args, name) is None:
            setattr(args, name, quick if args.quick else full)
    torch.set_num_threads(args.torch_threads or 1)  # as the CLI does
    WORKERS[0] = args.workers
    problems = registry.all_problems()[:FIRST_SEVEN] if args.problems == "seven" else registry.all_problems()

    root = Path(tempfile.mkdtemp(prefix="attn-judge-bench-class-"))
    try:
        kinds = generate_class(root, students=args.students, seed=args.seed, problems=problems)
        mix = dict(sorted(Counter(kinds.values()).items()))
        jobs = plan_class(root).entries
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
    print_table(runs, students=args.students, problems=len(problems), workers=args.workers)
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
            "warm_per_second": median_of(runs, "warm", "per_second"),
        }
        if "plain" in runs[0]:
            medians["plain_cost_ms"] = median_of(runs, "plain", "cost_ms")
            medians["ratio_fresh_over_plain"] = median_of(runs, "ratio_fresh_over_plain")
        if args.dask:
            medians["dask_cost_ms"] = median_of(runs, "dask", "cost_ms")
            medians["dask_scheduler_ms"] = median_of(runs, "dask_scheduler_ms")
        document = {"students": args.students, "problems": [p.id for p in problems],
                    "submissions": len(jobs),
                    "workers": args.workers, "cpu_count": os.cpu_count(), "mix": mix,
                    "torch": torch.__version__, "python": sys.version.split()[0],
                    "targets": {"ratio_fresh_over_warm": TARGET_RATIO, "per_second": TARGET_PER_SECOND,
                                "overhead_ms_goal": GOAL_OVERHEAD_MS},
                    "median": medians, "runs": runs}
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(document, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
