"""Warm the zygote once: run the child's own code paths on made-up data before any fork.

A forked child that calls an operator, or a path of the wire protocol, for the
first time in the process pays its one-time set-up (dispatcher caches, autograd
and module machinery, lazily built tables) in every child again. Running those
paths once in the zygote, on synthetic inputs, leaves the set-up in the memory
every child inherits: measured 1-4 ms less per child on the first seven
problems.

What runs here is the sandbox's own code and a generic attention written in
this module — never a reference solution, a hidden case or an expected value
(the zygote must hold nothing of any job). It lies outside ``grader/sandbox``, so
a child's file system does not hold it, and the zygote drops it once it has run:
a submission could otherwise call its attention instead of writing its own.
Nothing it leaves behind is visible to a submission: the random generators' states are restored, the module
registry is untouched, and it runs with one intra-op thread so that no OpenMP
pool exists when the zygote forks (a fork after the pool started can deadlock
the child).
"""

from __future__ import annotations

import math
import random

import numpy as np
import torch
import torch.nn.functional as F

from grader.sandbox import protocol, toy_models
from grader.sandbox.channel import encode_invocations
from grader.sandbox.execute import execute
from grader.sandbox.messages import GradRequest, Invocation, Outcome, outcome_to_wire


def _attention(q, k, v, mask=None):
    scores = q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])
    if mask is not None:
        scores = scores.masked_fill(~mask, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v


class _Layer(torch.nn.Module):
    """A small pre-norm attention block: linear maps, norms, dropout, an embedding table."""

    def __init__(self, d_model: int, n_heads: int):
        super().__init__()
        self.n_heads = n_heads
        self.embed = torch.nn.Embedding(16, d_model)
        self.qkv = torch.nn.Linear(d_model, 3 * d_model)
        self.out = torch.nn.Linear(d_model, d_model, bias=False)
        self.norm = torch.nn.LayerNorm(d_model)
        self.drop = torch.nn.Dropout(0.0)
        self.register_buffer("positions", torch.arange(32).float())

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.norm(x)).chunk(3, dim=-1)
        split = lambda t: t.view(B, T, self.n_heads, D // self.n_heads).transpose(1, 2)  # noqa: E731
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        y = _attention(split(q), split(k), split(v), mask).transpose(1, 2).contiguous().view(B, T, D)
        angles = self.positions[:T, None] * torch.exp(torch.arange(0, D, 2) * (-math.log(1e4) / D))
        y = y + torch.cat([torch.sin(angles), torch.cos(angles)], dim=-1)
        return x + self.drop(F.gelu(self.out(y))) + self.embed(torch.zeros(B, T, dtype=torch.long))


def _generate(model, ids, steps: int, generator=None):
    for _ in range(steps):
        logits = model(ids)[:, -1, :]
        probs = torch.softmax(logits / 0.8, dim=-1)
        top = torch.topk(probs, k=2, dim=-1)
        chosen = torch.multinomial(top.values, 1, generator=generator)
        ids = torch.cat([ids, top.indices.gather(-1, chosen), torch.argmax(logits, -1, keepdim=True)], 1)
    return ids


def _invocations(generator: torch.Generator) -> list[Invocation]:
    rand = lambda *shape, dtype=torch.float32: torch.randn(*shape, generator=generator, dtype=dtype)  # noqa: E731
    layer = _Layer(8, 2)
    weights = {name: rand(*tensor.shape) if tensor.is_floating_point() else tensor
               for name, tensor in layer.state_dict().items()}
    model = toy_models.table_model(rand(8, 6, dtype=torch.float64), block_size=8)
    mask = torch.rand(2, 4, 4, generator=generator) > 0.3
    calls = [Invocation(kind="call", symbol="attention", args=(rand(2, 4, 8, dtype=dtype), rand(2, 4, 8, dtype=dtype),
                                                                rand(2, 4, 8, dtype=dtype)),
                        kwargs={"mask": mask}, grad=GradRequest(wrt=("0", "1", "2"), seed=1))
             for dtype in (torch.float32, torch.float64)]
    return calls + [
        Invocation(kind="module", symbol="Layer", args=(rand(2, 5, 8),), init_args=(8, 2),
                   state_dict=weights, grad=GradRequest(wrt=("0",), params=True, seed=2)),
        Invocation(kind="module", symbol="Layer", init_args=(8, 2), construct_only=True),
        Invocation(kind="generate", symbol="generate", model=model,
                   args=(torch.zeros(2, 1, dtype=torch.long), 3),
                   kwargs={"generator": protocol.GeneratorSeed(3)}),
    ]


def warm_up() -> None:
    """Run every child path once on synthetic data; leave no trace a submission could see."""
    torch_state, python_state, numpy_state = torch.get_rng_state(), random.getstate(), np.random.get_state()
    try:
        generator = torch.Generator().manual_seed(0)
        namespace = {"attention": _attention, "Layer": _Layer, "generate": _generate}
        invocations = _invocations(generator)
        wire = protocol.decode(encode_invocations(invocations))  # as the trusted side sends them
        for index, invocation in enumerate(Invocation.from_wire(item) for item in wire):
            outcome = execute(namespace, invocation, filename="<warm-up>")
            protocol.decode(protocol.encode(outcome_to_wire(outcome, f"{index:016x}")))
        execute(namespace, Invocation(kind="call", symbol="missing"), filename="<warm-up>")
        protocol.encode(outcome_to_wire(Outcome(), "0" * 16))
    finally:
        torch.set_rng_state(torch_state)
        random.setstate(python_state)
        np.random.set_state(numpy_state)
