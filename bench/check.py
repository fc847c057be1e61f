"""How long `attn-judge check` makes a learner wait, and where the time goes.

    python bench/check.py                 # 5 rounds, a wrong self_attention
    git worktree add /tmp/before b6c8f2c && python bench/check.py --baseline /tmp/before
    python bench/check.py --rounds 10 --submission tests/golden/mha_no_split/submission.py \
        --problem multi_head_attention

Each round runs, one after the other (so that all of them see the same load):

- ``floor``: a fresh interpreter that imports torch and exits: no command that
  computes references on the trusted side can answer faster;
- ``cli import``: a fresh interpreter that imports the command line only;
- ``sandbox``: starting one zygote the way ``check`` does (``--quick-start``)
  until it says hello;
- ``check``: the whole command, as a learner types it, on a submission that
  fails some public tests (by default a golden submission that masks the
  future instead of the past).

- ``baseline`` (with ``--baseline DIR``): the same command from another
  checkout of the project (an earlier commit), for a before/after measured
  side by side.

It prints the median and the spread of each, and ``check / floor``: the
command's cost in units of one torch import, which is what the start-up
overlap is meant to keep near 1 where two cores really run in parallel (the
benchmark also times two torch imports at once, to show whether they do).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grader import registry  # noqa: E402

WRONG = ROOT / "tests" / "golden" / "self_attention_causal_future" / "submission.py"


def _timed(args: list[str], **kwargs) -> float:
    start = time.perf_counter()
    subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, **kwargs)
    return time.perf_counter() - start


def _two_at_once(args: list[str]) -> float:
    """Wall time of two copies of a command started together."""
    start = time.perf_counter()
    running = [subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    for process in running:
        process.wait()
    return time.perf_counter() - start


def _check_from(checkout: Path, submission: Path) -> float:
    """``check`` run from the sources of ``checkout`` (its own zygote included)."""
    env = dict(os.environ, PYTHONPATH=str(checkout))
    return _timed([sys.executable, "-m", "grader.cli", "check", str(submission)], cwd=submission.parent,
                  env=env)


def _sandbox_start() -> float:
    code = ("import time, sys; start = time.perf_counter()\n"
            "from grader.pool import ZygoteProcess\n"
            "z = ZygoteProcess(quick_start=True)\n"
            "print(time.perf_counter() - start)\n"
            "z.close(wait=False)\n")
    # the pool module imports torch in this interpreter: time only the zygote's start
    prelude = "import torch, grader.pool\n"
    out = subprocess.run([sys.executable, "-c", prelude + code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--problem", default="self_attention")
    parser.add_argument("--submission", type=Path, default=WRONG, help="the file to check")
    parser.add_argument("--baseline", type=Path, default=None,
                        help="another checkout of the project to time side by side")
    args = parser.parse_args()
    problem = registry.get(args.problem)
    times: dict[str, list[float]] = {"floor": [], "two floors": [], "cli import": [], "sandbox": [],
                                     "check": []}
    if args.baseline:
        times["baseline"] = []
    with tempfile.TemporaryDirectory() as folder:
        submission = Path(folder) / f"{problem.id}.py"
        submission.write_text(args.submission.read_text(encoding="utf-8"), encoding="utf-8")
        for _ in range(args.rounds):
            times["floor"].append(_timed([sys.executable, "-c", "import torch"]))
            times["two floors"].append(_two_at_once([sys.executable, "-c", "import torch"]))
            times["cli import"].append(_timed([sys.executable, "-c", "import grader.cli"], cwd=ROOT))
            times["sandbox"].append(_sandbox_start())
            times["check"].append(_check_from(ROOT, submission))
            if args.baseline:
                times["baseline"].append(_check_from(args.baseline.resolve(), submission))
    print(f"attn-judge check {problem.id} ({args.submission.name} of {args.submission.parent.name}), "
          f"{args.rounds} rounds")
    for name, values in times.items():
        print(f"  {name:<11} median {statistics.median(values):5.2f} s   "
              f"range {min(values):.2f}–{max(values):.2f} s")
    ratio = statistics.median(c / f for c, f in zip(times["check"], times["floor"]))
    print(f"  check / floor (median of the rounds' ratios): {ratio:.2f}")
    parallel = statistics.median(t / f for t, f in zip(times["two floors"], times["floor"]))
    print(f"  two torch imports at once / one: {parallel:.2f} (1.0: two cores in parallel; 2.0: one)")
    if args.baseline:
        before = statistics.median(b / c for b, c in zip(times["baseline"], times["check"]))
        print(f"  baseline / check (median of the rounds' ratios): {before:.2f}")


if __name__ == "__main__":
    main()
