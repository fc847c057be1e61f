"""Figures of the study site, computed at build time from the reference solutions.

This module turns numbers into drawing instructions (cells, colours, ticks, rows
of a table); the templates turn those into SVG and HTML. What is drawn depends
only on the value that a problem's ``example_figure`` returns:

- float rows that are probability distributions: attention weights,
  ``(Lq, Lk)`` or ``(heads, Lq, Lk)``, one heatmap panel per head;
- any other float table: an encoding table, a diverging heatmap;
- for a problem of kind ``generation``: the reference ``generate`` decodes with
  the project's tiny character model (:mod:`grader.sitegen.charmodel`) and every
  step's top candidates are tabulated.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import torch

from grader.references import solution_namespace
from grader.registry import Problem

log = logging.getLogger(__name__)

VIRIDIS = [(0.0, (68, 1, 84)), (0.25, (59, 82, 139)), (0.5, (33, 145, 140)),
           (0.75, (94, 201, 98)), (1.0, (253, 231, 37))]
DIVERGING = [(0.0, (33, 102, 172)), (0.25, (103, 169, 207)), (0.5, (247, 247, 247)),
             (0.75, (239, 138, 98)), (1.0, (178, 24, 43))]

MAX_PANEL_WIDTH = 560
MAX_PANEL_HEIGHT = 420
MARGIN_LEFT = 46  # room for the row ticks and the rotated axis title
MARGIN_TOP = 38  # room for the column ticks and the axis title
MAX_CELL = 60


def _interpolate(stops, t: float) -> tuple[int, int, int]:
    t = min(1.0, max(0.0, t))
    for (t0, c0), (t1, c1) in zip(stops, stops[1:]):
        if t <= t1:
            f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
            return tuple(round(a + (b - a) * f) for a, b in zip(c0, c1))
    return stops[-1][1]


def _hex(rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _ink(rgb) -> str:
    """Black or white, whichever reads better on ``rgb``."""
    r, g, b = (c / 255 for c in rgb)
    return "#111111" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 else "#ffffff"


@dataclass(frozen=True)
class Cell:
    x: float
    y: float
    w: float
    h: float
    fill: str
    ink: str
    text: str  # value printed in the cell, or ""
    tip: str  # hover label
    tip_zh: str  # the same in Chinese
    blocked: bool = False


@dataclass(frozen=True)
class Tick:
    pos: float
    label: str


@dataclass(frozen=True)
class Panel:
    index: int | None  # head number, or None for a single panel
    width: float
    height: float
    cells: tuple[Cell, ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    plot_width: float
    plot_height: float
    left: float = MARGIN_LEFT  # where the plot starts: room for the row ticks
    top: float = MARGIN_TOP  # and for the column ticks


@dataclass(frozen=True)
class Heatmap:
    kind: str  # "attention" or "table"
    panels: tuple[Panel, ...]
    vmin: float
    vmax: float
    legend: tuple[tuple[float, str], ...]  # gradient stops (offset 0..1, colour)
    shape: tuple[int, ...]
    has_blocked: bool = False


@dataclass(frozen=True)
class Candidate:
    char: str
    prob: float
    chosen: bool


@dataclass(frozen=True)
class GenerationStep:
    number: int
    context: str
    candidates: tuple[Candidate, ...]
    chosen: str


@dataclass(frozen=True)
class Generation:
    prompt: str
    text: str  # the prompt and everything generated
    temperature: float
    top_k: int
    seed: int
    block_size: int
    steps: tuple[GenerationStep, ...] = field(default=())
    parameters: int = 0


def is_distribution(t: torch.Tensor) -> bool:
    """Every last-axis row is non-negative and sums to one."""
    if t.numel() == 0:
        return False
    sums = t.sum(dim=-1)
    return bool((t >= -1e-6).all()) and bool(torch.allclose(sums, torch.ones_like(sums), atol=1e-4))


def _ticks(n: int, size: float, offset: float) -> tuple[Tick, ...]:
    step = 1
    while n / step > 12:
        step = {1: 2, 2: 4, 4: 8, 8: 16}.get(step, step * 2)
    return tuple(Tick(offset + (i + 0.5) * size, str(i)) for i in range(0, n, step))


def heatmap(value: torch.Tensor) -> Heatmap | None:
    """Drawing instructions for a 2-D or 3-D float tensor (3-D: one panel per leading index)."""
    if not isinstance(value, torch.Tensor) or not value.is_floating_point() or value.dim() not in (2, 3):
        return None
    value = value.detach().to(torch.float64).cpu()
    kind = "attention" if is_distribution(value) else "table"
    stacked = value if value.dim() == 3 else value.unsqueeze(0)
    if kind == "attention":
        vmin, vmax, stops = 0.0, 1.0, VIRIDIS
    else:
        bound = float(stacked.abs().max()) or 1.0
        vmin, vmax, stops = -bound, bound, DIVERGING
    H, rows, cols = stacked.shape
    width_budget = MAX_PANEL_WIDTH / (min(H, 2) if H > 1 else 1)  # two heads fit side by side
    cell_w = max(3.0, min(MAX_CELL, width_budget / cols))
    cell_h = max(3.0, min(cell_w, MAX_PANEL_HEIGHT / rows))
    show_numbers = cell_w >= 36 and cell_h >= 24
    panels = []
    any_blocked = False
    for h in range(H):
        cells = []
        for i in range(rows):
            for j in range(cols):
                v = float(stacked[h, i, j])
                rgb = _interpolate(stops, (v - vmin) / (vmax - vmin))
                blocked = kind == "attention" and v == 0.0
                any_blocked |= blocked
                if kind == "attention":
                    tip, tip_zh = f"query {i} → key {j}: {v:.4f}", f"查询 {i} → 键 {j}：{v:.4f}"
                else:
                    tip, tip_zh = f"position {i}, dimension {j}: {v:.4f}", f"位置 {i}，维度 {j}：{v:.4f}"
                cells.append(Cell(
                    x=round(MARGIN_LEFT + j * cell_w, 2), y=round(MARGIN_TOP + i * cell_h, 2),
                    w=round(cell_w, 2), h=round(cell_h, 2),
                    fill=_hex(rgb), ink=_ink(rgb), blocked=blocked, tip=tip, tip_zh=tip_zh,
                    text=(f"{v:.2f}" if show_numbers and not blocked else ""),
                ))
        plot_w, plot_h = cols * cell_w, rows * cell_h
        panels.append(Panel(
            index=h if value.dim() == 3 else None,
            width=round(MARGIN_LEFT + plot_w + 6, 2), height=round(MARGIN_TOP + plot_h + 6, 2),
            cells=tuple(cells), plot_width=round(plot_w, 2), plot_height=round(plot_h, 2),
            x_ticks=_ticks(cols, cell_w, MARGIN_LEFT), y_ticks=_ticks(rows, cell_h, MARGIN_TOP),
        ))
    legend = tuple((t, _hex(c)) for t, c in stops)
    return Heatmap(kind=kind, panels=tuple(panels), vmin=vmin, vmax=vmax, legend=legend,
                   shape=tuple(value.shape), has_blocked=any_blocked)


# --- text generation ---------------------------------------------------------

PROMPT = "the query "
NEW_TOKENS = 16
TEMPERATURE = 0.8
TOP_K = 5
SEED = 0


def _shown(ch: str) -> str:
    return {" ": "␣", "\n": "↵", "\t": "⇥"}.get(ch, ch)


class _Recorder(torch.nn.Module):
    """Wraps the character model and keeps the last-position logits of every call."""

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.block_size = model.block_size
        self.calls: list[torch.Tensor] = []

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        logits = self.model(ids)
        self.calls.append(logits[:, -1].detach().clone())  # (B, V)
        return logits


def generation(problem: Problem) -> Generation | None:
    """Decode with the reference ``generate`` and the character model; tabulate each step."""
    from grader.sitegen import charmodel

    try:
        generate = solution_namespace(problem)[problem.symbols[0]]
        model = charmodel.load()
    except Exception as exc:
        log.warning("%s: no generation figure: %s", problem.id, exc)
        return None
    recorder = _Recorder(model)
    prompt = model.encode(PROMPT)
    try:
        with torch.no_grad():
            out = generate(recorder, prompt, NEW_TOKENS, temperature=TEMPERATURE, top_k=TOP_K,
                           generator=torch.Generator().manual_seed(SEED))
    except Exception as exc:
        log.warning("%s: the reference generate failed on the character model: %s", problem.id, exc)
        return None
    ids = out[0].tolist()
    start = prompt.shape[1]
    steps = []
    for s, logits in enumerate(recorder.calls[: len(ids) - start]):
        probs = torch.softmax(logits[0].double() / TEMPERATURE, dim=-1)
        top = torch.topk(probs, TOP_K)
        kept = top.values / top.values.sum()  # what top-k sampling draws from
        chosen = ids[start + s]
        context = model.decode(ids[max(0, start + s - 16):start + s])
        steps.append(GenerationStep(
            number=s + 1,
            context="".join(_shown(c) for c in context),
            candidates=tuple(Candidate(_shown(model.vocab[int(i)]), float(p), int(i) == chosen)
                             for p, i in zip(kept, top.indices)),
            chosen=_shown(model.vocab[chosen]),
        ))
    return Generation(prompt=PROMPT, text=model.decode(ids), temperature=TEMPERATURE, top_k=TOP_K,
                      seed=SEED, block_size=model.block_size, steps=tuple(steps),
                      parameters=sum(p.numel() for p in model.parameters()))
