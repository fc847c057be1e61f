"""A forked child imports nothing new while running any problem's tests.

Every module a child has to import costs that child (and so every submission)
the import time again: the first backward pass with explicit grad_outputs, for
instance, pulls in torch.fx and sympy (~0.3-1.5 s). The zygote preloads
them; this test fails if a problem starts needing a module it does not preload.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

SCRIPT = r"""
import json, os, sys
import torch
torch.set_num_threads(1)
import grader.sandbox.zygote  # the zygote's preloads
from grader import registry
from grader.grading import Suite
from grader.hidden import example
from grader.references import solution_namespace
from grader.sandbox.execute import execute

jobs = []
for problem in registry.all_problems():
    suite = Suite(problem)
    invocations = suite.invocations + [example(problem).invocation]
    jobs.append((solution_namespace(problem), invocations))
before = set(sys.modules)
read_end, write_end = os.pipe()
pid = os.fork()
if pid == 0:
    for namespace, invocations in jobs:
        for invocation in invocations:
            execute(namespace, invocation)
    os.write(write_end, json.dumps(sorted(set(sys.modules) - before)).encode())
    os._exit(0)
os.close(write_end)
data = b""
while chunk := os.read(read_end, 65536):
    data += chunk
os.waitpid(pid, 0)
print(data.decode())
"""


def test_children_import_nothing_new():
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True,
                         timeout=600, env=env).stdout
    assert json.loads(out.strip().splitlines()[-1]) == []
