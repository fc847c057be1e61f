"""The static forbidden-API check on sources built to make it slow, big or racy (trusted side).

It runs in the grading process on candidate-controlled text, so its work must stay
linear in the source, and two grading threads must be able to run it at once.
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
import threading
import time

from grader.forbidden import find_forbidden
from grader.references import solution_source
from grader import registry

SDPA = "torch.nn.functional.scaled_dot_product_attention"


def test_an_alias_chain_costs_linear_time_and_memory():
    # x = x.aaa repeated: each name one part longer than the last, quadratic if every one is kept
    script = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
        from grader.forbidden import find_forbidden
        source = "import os\\ndef _never():\\n    x = os\\n" + "    x = x.aaa\\n" * 40_000
        print(find_forbidden(source, [{SDPA!r}]))
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr[-500:]


def test_a_forbidden_call_behind_a_long_honest_chain_is_still_found():
    source = "import torch\nx = torch\nx = x.nn\nx = x.functional\nx.scaled_dot_product_attention(1, 2, 3)\n"
    assert [use.line for use in find_forbidden(source, [SDPA])] == [5]


def test_two_threads_can_check_sources_at_once():
    """CPython 3.11's AST conversion keeps its recursion count per interpreter: two parses at once,
    with a thread switch inside (a garbage collection callback makes one), corrupt each other's."""
    big = "x = [" + "a," * 200_000 + "]\n"
    small = solution_source(registry.get("multi_head_attention"))
    failures: list[str] = []
    stop = threading.Event()

    def keep_checking(source: str) -> None:
        while not stop.is_set():
            try:
                find_forbidden(source, [SDPA])
            except Exception as exc:  # noqa: BLE001 - what the race raises is what is tested
                failures.append(f"{type(exc).__name__}: {exc}")

    gc.callbacks.append(lambda *_: None)
    try:
        threads = [threading.Thread(target=keep_checking, args=(text,)) for text in (big, small)]
        for thread in threads:
            thread.start()
        time.sleep(5)
        stop.set()
        for thread in threads:
            thread.join()
    finally:
        gc.callbacks.pop()
    assert not failures, failures[:3]
