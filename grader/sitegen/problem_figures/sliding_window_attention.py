"""Study-site figure of sliding_window_attention: the band of allowed keys, causal and not.

For a short sequence the reference runs with equal queries and keys (so every
allowed key gets the same weight) and the identity as values, so its output is
the weight matrix itself: a key is drawn as allowed exactly when the reference
gives it weight. One chunk of queries and the slab of keys it is scored
against are outlined, which is how the computation avoids the L × L matrix.
"""

from __future__ import annotations

import torch

from grader.i18n import t
from grader.references import solution_namespace
from grader.sitegen.problem_figures import ProblemFigure

LENGTH, WINDOW, D = 10, 3, 4
CHUNK = 1  # the chunk of queries outlined: queries [CHUNK * WINDOW, (CHUNK + 1) * WINDOW)
CELL = 22
LEFT, TOP = 30, 30  # room for the row and column indices


def _allowed(reference, causal: bool) -> list[list[bool]]:
    x = torch.zeros(LENGTH, D, dtype=torch.float64)
    weights = reference(x, x, torch.eye(LENGTH, dtype=torch.float64), WINDOW, causal=causal)
    return [[bool(w > 0) for w in row] for row in weights.tolist()]


def _panel(allowed: list[list[bool]], causal: bool) -> dict:
    cells = [{"x": LEFT + j * CELL, "y": TOP + i * CELL, "allowed": allowed[i][j], "own": i == j,
              "title": f"query {i}, key {j}: {'allowed' if allowed[i][j] else 'blocked'}",
              "title_zh": f"查询 {i}，键 {j}：{'可见' if allowed[i][j] else '已屏蔽'}"}
             for i in range(LENGTH) for j in range(LENGTH)]
    first, last = CHUNK * WINDOW, min((CHUNK + 1) * WINDOW, LENGTH) - 1  # queries of the chunk
    lo = max(0, first - WINDOW + 1)
    hi = last if causal else min(LENGTH - 1, last + WINDOW - 1)  # keys of its slab
    return {
        "causal": causal,
        "cells": cells,
        "ticks": [{"index": n, "pos": LEFT + (n + 0.5) * CELL, "row_pos": TOP + (n + 0.5) * CELL}
                  for n in range(LENGTH)],
        "slab": {"x": LEFT + lo * CELL, "y": TOP + first * CELL,
                 "w": (hi - lo + 1) * CELL, "h": (last - first + 1) * CELL},
        "slab_text": f"q {first}–{last} × k {lo}–{hi}",
        "keys_per_row": [sum(row) for row in allowed],
    }


def figure(problem) -> ProblemFigure:
    reference = solution_namespace(problem)["sliding_window_attention"]
    side = LEFT + LENGTH * CELL + 8
    return ProblemFigure(
        title=t(f"Which keys each query sees (L = {LENGTH}, window = {WINDOW})",
                f"每个查询能看到哪些键（L = {LENGTH}，window = {WINDOW}）"),
        caption=t(
            "Row i is query i, column j is key j; coloured cells are allowed, the darker diagonal "
            "is the query itself. The dashed box is one chunk of queries and the slab of keys it "
            "is scored against: the computation only ever holds such boxes, never the whole grid.",
            "第 i 行是查询 i，第 j 列是键 j；着色的格子是允许的，颜色更深的对角线是查询自己。"
            "虚线框是一块查询以及与它计算得分的那段键：计算过程中只保存这样的框，从不保存整个网格。"),
        data={"panels": [_panel(_allowed(reference, causal), causal) for causal in (True, False)],
              "cell": CELL, "left": LEFT, "top": TOP, "size": side, "length": LENGTH,
              "window": WINDOW},
    )
