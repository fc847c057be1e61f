"""The run-time forbidden-API guard keeps nothing it replaced within a submission's reach.

It runs in the submission's own process, so anything it holds a submission can ask it for; each
check runs in a fresh interpreter, since the guard changes torch for good.
"""

from __future__ import annotations

import subprocess
import sys

GUARDED = """
import torch
from torch import nn
from torch.nn import functional
from grader.sandbox import guard

original_function = functional.scaled_dot_product_attention
original_class = nn.MultiheadAttention
guard.install(["torch.nn.functional.scaled_dot_product_attention", "torch.nn.MultiheadAttention"])
print("class base", any(base is original_class for base in nn.MultiheadAttention.__mro__))
originals = (original_function, original_class)
held = [name for name, value in vars(guard).items() if isinstance(value, (list, dict))
        and any(any(kept is original for kept in item for original in originals)
                for item in (value if isinstance(value, list) else value.values()) if isinstance(item, tuple))]
print("held", held)
"""


def test_the_blocked_originals_are_not_reachable_from_the_guard():
    done = subprocess.run([sys.executable, "-c", GUARDED], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "class base False" in done.stdout, done.stdout
    assert "held []" in done.stdout, done.stdout
