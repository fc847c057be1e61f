"""How long the trusted side takes to judge one run, per problem, before and after a change.

    python bench/judging.py                          # the first seven problems, 3 rounds
    git worktree add /tmp/before 5137074 && python bench/judging.py --baseline /tmp/before
    python bench/judging.py --problems 14 --repeat 20

Judging is what the trusted process does with a run's outcomes: compare them
with the reference's, diagnose a wrong answer against the known mistakes, and
build the ``results.json`` content (:func:`grader.grading.results_from_report`).
Each judging starts with an empty judgement memo, so the figure is that of
outcomes met for the first time (a class recalls the verdicts of outcomes it
has judged before: :mod:`grader.judgement_memo`).
For each problem it takes the reference solution and every mutant that
``bench/grading.py`` makes of it, runs each once in this process (trusted code
only: the sources are ours), then times judging that run ``--repeat`` times
and keeps the median. Running and judging are separate, so the figure is the
judging alone, without the sandbox.

With ``--baseline DIR`` each round also judges the same runs with the grader
of another checkout (an earlier commit), in a process of its own, one after
the other, so that both see the same load; it prints both and their ratio.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _measure(grader_root: Path, problem_count: int, repeat: int) -> dict[str, list[float]]:
    """Per problem: the median judging time of the reference's run, then of each mutant's, ms."""
    sys.path.insert(0, str(grader_root))
    sys.path.insert(1, str(ROOT / "bench"))
    import torch

    from grader import registry
    from grader.grading import Suite, results_from_report
    from grader.references import solution_source
    from grader.trusted_runner import TrustedRunner
    from grading import mutants  # bench/grading.py of this checkout: the same sources on both sides

    torch.set_num_threads(1)
    runner, figures = TrustedRunner(), {}
    for problem in registry.all_problems()[:problem_count]:
        suite = Suite(problem).prepare(misconceptions=True)  # every outcome a diagnosis reads, before timing
        suite.remember = True  # as a class's suites do (an older checkout ignores it)
        reference = solution_source(problem)
        times = []
        for source in [reference, *mutants(reference).values()]:
            report = runner.run(source=source, filename="submission.py", symbols=list(problem.symbols),
                                forbidden=[], invocations=suite.invocations, limits=None)
            samples = []
            for _ in range(repeat):
                if hasattr(suite, "memo"):  # an outcome met for the first time, not recalled from the memo
                    suite.memo = type(suite.memo)()
                run = copy.copy(report)
                start = time.perf_counter()
                results_from_report(problem=problem, suite=suite, report=run, seed=suite.seed,
                                    source_sha256="0" * 64)
                samples.append(time.perf_counter() - start)
            times.append(statistics.median(samples) * 1000)
        figures[problem.id] = times
    return figures


def _measure_in_process(grader_root: Path, args) -> dict[str, list[float]]:
    with tempfile.NamedTemporaryFile("r", suffix=".json") as out:
        subprocess.run([sys.executable, __file__, "--problems", str(args.problems),
                        "--repeat", str(args.repeat), "--grader", str(grader_root), "--json-out", out.name],
                       check=True)
        return json.loads(Path(out.name).read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--problems", type=int, default=7, help="the first N problems of the registry")
    parser.add_argument("--repeat", type=int, default=10, help="judgings of each run (the median is kept)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", type=Path, default=None, help="another checkout, judged side by side")
    parser.add_argument("--grader", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json-out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.grader is not None:  # one measurement, in a process of its own
        args.json_out.write_text(json.dumps(_measure(args.grader, args.problems, args.repeat)))
        return
    sides = {"this checkout": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    rounds: dict[str, list[dict[str, list[float]]]] = {name: [] for name in sides}
    for number in range(args.rounds):
        print(f"round {number + 1}/{args.rounds}...", flush=True)
        for name, root in sides.items():
            rounds[name].append(_measure_in_process(root, args))
    problems = list(rounds["this checkout"][0])
    kinds = {"right": lambda times: times[0], "wrong": lambda times: statistics.fmean(times[1:])}
    table = {(name, kind): {p: statistics.median(pick(r[p]) for r in rounds[name]) for p in problems}
             for name in sides for kind, pick in kinds.items()}
    print(f"\njudging one run, ms: the reference's (right) and the mean of its mutants' (wrong); "
          f"median of {args.rounds} rounds")
    print(f"{'problem':32s}" + "".join(f"{f'{name}: {kind}':>24s}" for name, kind in table))
    for problem in problems + ["mean"]:
        cells = [statistics.fmean(column.values()) if problem == "mean" else column[problem]
                 for column in table.values()]
        print(f"{problem:32s}" + "".join(f"{cell:24.2f}" for cell in cells))
    if args.baseline:
        for kind in kinds:
            before = statistics.fmean(table["baseline", kind].values())
            after = statistics.fmean(table["this checkout", kind].values())
            print(f"{kind}: baseline / this checkout {before / after:.2f}x")

if __name__ == "__main__":
    main()
