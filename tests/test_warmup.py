"""The zygote's warm-up: it exercises the children's paths and leaves nothing a submission could see."""

from __future__ import annotations

import os
import random
import sys

import numpy as np
import torch

from grader import warmup
from grader.sandbox.execute import execute


def _task_count() -> int:
    return len(os.listdir("/proc/self/task"))


def test_every_warm_up_test_runs_without_error():
    namespace = {"attention": warmup._attention, "Layer": warmup._Layer, "generate": warmup._generate}
    invocations = warmup._invocations(torch.Generator().manual_seed(0))
    assert {invocation.kind for invocation in invocations} == {"call", "module", "generate"}
    for invocation in invocations:
        outcome = execute(namespace, invocation, filename="<warm-up>")
        assert outcome.error is None, (invocation.kind, invocation.symbol, outcome.error)
        if invocation.grad is not None:
            assert outcome.grads and all(g is not None for g in outcome.grads.values())


def test_warm_up_restores_every_random_generator():
    torch.manual_seed(1234)
    random.seed(1234)
    np.random.seed(1234)
    expected = (torch.rand(3), random.random(), np.random.rand())
    torch.manual_seed(1234)
    random.seed(1234)
    np.random.seed(1234)
    warmup.warm_up()
    assert torch.equal(torch.rand(3), expected[0])
    assert random.random() == expected[1]
    assert np.random.rand() == expected[2]


def test_warm_up_starts_no_thread_and_imports_nothing_of_the_trusted_side():
    threads = _task_count()
    before = set(sys.modules)
    warmup.warm_up()
    assert _task_count() == threads  # a zygote must not fork with pool threads running
    new = set(sys.modules) - before
    assert "submission" not in new
    assert not [name for name in new if name.startswith("grader.") and not name.startswith("grader.sandbox")]
