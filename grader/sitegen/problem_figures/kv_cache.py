"""Figure for kv_cache: the cache growing call by call.

The reference is fed a sequence of seven tokens in chunks of 3, 1, 1 and 2, each
call given the cache the previous one returned. One row per new query shows
which keys it attends to: keys read from the cache passed in, keys of the new
tokens of the same call, later new tokens of the same call (blocked), and
tokens not seen yet. Everything drawn comes from running the reference at build
time: the cache sizes are the shapes it returns, and "attends to" is read from
autograd. With zero query and key projections every allowed key gets the same
weight, so the output of position p depends on the token at position j exactly
when p attends to j.
"""

from __future__ import annotations

import torch

from grader.i18n import t
from grader.references import solution_namespace
from grader.sitegen.problem_figures import ProblemFigure

CHUNKS = (3, 1, 1, 2)
EMBED_DIM, HEADS = 4, 2
CELL = 38  # px, one key per column
ROW = 30  # px, one new query per row
LEFT = 232  # room for the call and query labels
TOP = 46  # room for the key positions
RIGHT = 92  # room for the cache size after each call
CALL_GAP = 12  # px between the rows of two calls


def _run_in_chunks(cls):
    """Feed the reference in CHUNKS; return the cache sizes and who attends to whom."""
    torch.manual_seed(0)
    module = cls(EMBED_DIM, HEADS).double()
    with torch.no_grad():
        for projection in (module.q_proj, module.k_proj):  # uniform weights over allowed keys
            projection.weight.zero_()
            projection.bias.zero_()
    length = sum(CHUNKS)
    x = torch.randn(1, length, EMBED_DIM, dtype=torch.float64, requires_grad=True)
    outputs, sizes, cache, start = [], [], None, 0
    for size in CHUNKS:
        past = 0 if cache is None else cache[0].shape[2]
        output, cache = module(x[:, start:start + size], cache)
        sizes.append((past, size, cache[0].shape[2]))
        outputs.append(output)
        start += size
    output = torch.cat(outputs, dim=1)  # (1, length, E)
    attends = []
    for p in range(length):
        (grad,) = torch.autograd.grad(output[0, p].sum(), x, retain_graph=True)
        attends.append([bool(grad[0, j].abs().max() > 0) for j in range(length)])
    return sizes, attends


def figure(problem) -> ProblemFigure:
    sizes, attends = _run_in_chunks(solution_namespace(problem)["CachedSelfAttention"])
    length = sum(CHUNKS)
    calls, y = [], TOP
    for number, (past, size, after) in enumerate(sizes, start=1):
        rows = []
        for t_new in range(size):
            p = past + t_new
            cells = []
            for j in range(length):
                if attends[p][j]:
                    state = "cached" if j < past else "new"
                elif j < past + size:
                    state = "blocked"  # a later token of the same call
                else:
                    state = "unseen"  # not fed yet
                cells.append({"x": LEFT + j * CELL, "state": state})
            rows.append({"y": y, "position": p, "cells": cells})
            y += ROW
        calls.append({"number": number, "past": past, "new": size, "after": after, "rows": rows,
                      "top": rows[0]["y"], "bottom": y, "middle": (rows[0]["y"] + y) / 2})
        y += CALL_GAP
    return ProblemFigure(
        title=t("The cache grows call by call.", "缓存一次调用一次调用地增长。"),
        caption=t(
            "The reference is fed seven tokens in chunks of 3, 1, 1 and 2, each call given the "
            "cache the previous call returned. Each row is one new query; each column a key "
            "position. A query attends to every key in the cache it was given (blue) and to the "
            "new keys up to its own position (orange); later tokens of its own call are blocked. "
            "The number on the right is the size of the cache the call returns.",
            "把七个词元按 3、1、1、2 的块输入参考答案，每次调用都传入上一次调用返回的缓存。"
            "每一行是一个新的查询，每一列是一个键的位置。查询会关注传入的缓存中的每个键（蓝色），"
            "以及到它自己位置为止的新键（橙色）；同一次调用中更靠后的词元被屏蔽。"
            "右边的数字是这次调用返回的缓存的大小。"),
        data={"width": LEFT + length * CELL + RIGHT, "height": y + 4, "cell": CELL, "row": ROW,
              "left": LEFT, "top": TOP, "length": length, "calls": calls,
              "key_ticks": [{"x": LEFT + j * CELL + CELL / 2, "label": j} for j in range(length)],
              "right": LEFT + length * CELL + 12},
    )
