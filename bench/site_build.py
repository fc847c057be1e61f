"""Study-site benchmark: how long does ``attn-judge site build`` take, and how big is the site?

Measures, for the whole catalogue:

- a cold build in a fresh Python process, as a user runs it (importing torch,
  loading the references, running every example, rendering every page);
- warm builds in this process (median of ``--runs``), which show the cost of the
  site generator itself, without the imports;
- the size of the output: pages, the search index, the total.

The target is a whole-site build under 10 s on a laptop-class CPU.

Usage::

    python bench/site_build.py [--runs 3] [--out DIR]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 10.0


def cold_build(out: Path) -> tuple[float, float, float]:
    """Total wall time of a new process, and inside it: imports (torch…), the build."""
    code = ("import sys, time; t0 = time.perf_counter(); from pathlib import Path; "
            "from grader.sitegen import build_site; t1 = time.perf_counter(); "
            "build_site(out=Path(sys.argv[1])); t2 = time.perf_counter(); print(t1 - t0, t2 - t1)")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", code, str(out)], cwd=ROOT, check=True,
                          capture_output=True, text=True)
    total = time.perf_counter() - start
    imports, build = (float(x) for x in done.stdout.split())
    return total, imports, build


def warm_builds(out: Path, runs: int) -> list[float]:
    sys.path.insert(0, str(ROOT))
    from grader.sitegen import build_site

    build_site(out=out)  # imports, caches
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        build_site(out=out)
        times.append(time.perf_counter() - start)
    return times


def sizes(out: Path) -> dict[str, int]:
    pages = sum(p.stat().st_size for p in out.rglob("*.html"))
    index = (out / "static" / "search-index.js").stat().st_size
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return {"pages": pages, "search index": index, "total": total,
            "files": sum(1 for p in out.rglob("*") if p.is_file())}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or Path(tmp) / "site"
        cold, imports, build = cold_build(out)
        warm = warm_builds(out, args.runs)
        size = sizes(out)
    print(f"cold build (new process, torch import included): {cold:6.2f} s"
          f"   {'OK' if cold < TARGET_SECONDS else 'OVER'} (target < {TARGET_SECONDS:.0f} s)")
    print(f"  of which imports {imports:.2f} s, the build itself {build:.2f} s")
    print(f"warm build (median of {len(warm)}):                 {statistics.median(warm):6.2f} s")
    print(f"output: {size['files']} files, pages {size['pages'] / 1024:.0f} KiB, "
          f"search index {size['search index'] / 1024:.0f} KiB, total {size['total'] / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
