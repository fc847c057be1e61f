"""The residual stream of a Transformer layer, measured on the reference (problems 8 and 9).

Shared by the figures of ``transformer_encoder_layer`` and
``transformer_decoder_layer``: one small random layer (fixed seed, public), run
by the reference solution in post-norm and in pre-norm order with the same
weights and inputs. Forward hooks record, for each token, the norm of the
residual stream before and after every sub-layer and the norm of what each
sub-layer adds to it; the reference itself is never re-implemented here. The
result is drawing instructions (bars, ticks, labels) for
``site/templates/site/figures/transformer_stream.html``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from grader.i18n import Text, t
from grader.references import solution_module

D_MODEL, HEADS, FEEDFORWARD = 16, 4, 64
TOKENS, MEMORY_TOKENS = 4, 5
SEED = 8
INPUT_SCALE = 1.5  # token vectors larger than a LayerNorm's output, so a norm shows

WIDTH, PLOT_HEIGHT = 600, 170
LEFT, RIGHT, TOP, BOTTOM = 36, 48, 30, 46  # RIGHT leaves room for the √E label
MAX_BAR, BAR_GAP, GROUP_GAP = 22, 2, 18
STREAM_FILL, UPDATE_FILL = "#4c78a8", "#d9730d"  # both at least 3:1 on either theme
SUBSCRIPTS = "₀₁₂₃₄₅₆₇₈₉"


@dataclass(frozen=True)
class Sublayer:
    """One residual sub-layer: its symbol in the statement and where its output comes from."""

    symbol: str  # "SA", "CA" or "FF", as the statement writes it
    module: str  # the submodule whose output is what the sub-layer adds ("self_attn", "linear2"…)
    norm: str  # the sub-layer's LayerNorm


ENCODER = (Sublayer("SA", "self_attn", "norm1"), Sublayer("FF", "linear2", "norm2"))
DECODER = (Sublayer("SA", "self_attn", "norm1"), Sublayer("CA", "cross_attn", "norm2"),
           Sublayer("FF", "linear2", "norm3"))
PANEL_TITLES = {
    False: t("post-norm (norm_first=False): x = norm(x + f(x))",
             "post-norm（norm_first=False）：x = norm(x + f(x))"),
    True: t("pre-norm (norm_first=True): x = x + f(norm(x))",
            "pre-norm（norm_first=True）：x = x + f(norm(x))"),
}


def _random_layer(layer_class, gen: torch.Generator, norm_first: bool) -> torch.nn.Module:
    """A float64 layer with unit-scale weights (LayerNorms at their defaults: weight 1, bias 0)."""
    layer = layer_class(D_MODEL, HEADS, FEEDFORWARD, norm_first=norm_first).double()
    with torch.no_grad():
        for name, param in layer.named_parameters():
            if name.startswith("norm"):
                continue
            noise = torch.randn(param.shape, generator=gen, dtype=torch.float64)
            param.copy_(noise * (0.1 if name.endswith("bias") else param.shape[-1] ** -0.5))
    return layer


def _token_norms(tensor: torch.Tensor) -> list[float]:
    return [round(float(v), 4) for v in tensor[0].norm(dim=-1)]  # first sequence: (L,)


def measure(layer: torch.nn.Module, sublayers: tuple[Sublayer, ...], *inputs) -> list[dict]:
    """Per-token norms along the residual stream of one call.

    Returns one dict per stage, in order: the input stream, then for each
    sub-layer its output (``kind="update"``) and the stream after it
    (``kind="stream"``). Post-norm's stream after a sub-layer is its norm's
    output; pre-norm's is what enters the next norm (the layer's output for the
    last sub-layer).
    """
    updates, norm_in, norm_out, hooks = {}, {}, {}, []
    for s in sublayers:
        module, norm = layer.get_submodule(s.module), layer.get_submodule(s.norm)
        hooks.append(module.register_forward_hook(
            lambda m, a, out, key=s.symbol: updates.setdefault(key, out)))
        hooks.append(norm.register_forward_pre_hook(
            lambda m, a, key=s.norm: norm_in.setdefault(key, a[0])))
        hooks.append(norm.register_forward_hook(
            lambda m, a, out, key=s.norm: norm_out.setdefault(key, out)))
    try:
        with torch.no_grad():
            output = layer(*inputs)
    finally:
        for hook in hooks:
            hook.remove()
    stages = [{"kind": "stream", "symbol": "x", "norms": _token_norms(inputs[0])}]
    for index, s in enumerate(sublayers):
        if layer.norm_first:
            last = index + 1 == len(sublayers)
            after = output if last else norm_in[sublayers[index + 1].norm]
        else:
            after = norm_out[s.norm]
        stream_symbol = "y" if index + 1 == len(sublayers) else f"x{SUBSCRIPTS[index + 1]}"
        stages.append({"kind": "update", "symbol": s.symbol,
                       "norms": _token_norms(updates[s.symbol])})
        stages.append({"kind": "stream", "symbol": stream_symbol, "norms": _token_norms(after)})
    return stages


def _nice_top(value: float) -> float:
    """The axis maximum: ``value`` rounded up to a multiple of 2."""
    return 2.0 * math.ceil(value / 2.0)


def _panel(stages: list[dict], norm_first: bool, top: float) -> dict:
    """Bars, ticks and labels of one norm order, in SVG user units."""
    def y(value):
        return TOP + PLOT_HEIGHT * (1.0 - value / top)

    pitch = (WIDTH - LEFT - RIGHT) / len(stages)  # one group of bars per stage
    tokens = len(stages[0]["norms"])
    bar = min(MAX_BAR, (pitch - GROUP_GAP - (tokens - 1) * BAR_GAP) / tokens)
    group_width = tokens * bar + (tokens - 1) * BAR_GAP
    bars, token_labels, groups = [], [], []
    for index, stage in enumerate(stages):
        start = LEFT + index * pitch + (pitch - group_width) / 2
        fill = STREAM_FILL if stage["kind"] == "stream" else UPDATE_FILL
        for token, value in enumerate(stage["norms"]):
            x = start + token * (bar + BAR_GAP)
            bars.append({"x": round(x, 1), "y": round(y(value), 1), "w": round(bar, 1),
                         "h": round(TOP + PLOT_HEIGHT - y(value), 1), "fill": fill,
                         "tip": f"‖{stage['symbol']}[{token}]‖ = {value:.3f}"})
            token_labels.append({"x": round(x + bar / 2, 1), "label": str(token)})
        groups.append({"x": round(start + group_width / 2, 1), "symbol": stage["symbol"],
                       "kind": stage["kind"]})
    step = 2.0 if top <= 12 else 4.0
    ticks = [{"y": round(y(v), 1), "label": f"{v:g}"} for v in _frange(0.0, top, step)]
    sqrt_e = math.sqrt(D_MODEL)
    title = PANEL_TITLES[norm_first]
    return {"title": {"en": title.en, "zh": title.zh}, "bars": bars, "groups": groups,
            "token_labels": token_labels, "ticks": ticks, "right": WIDTH - RIGHT,
            "reference": {"y": round(y(sqrt_e), 1), "label": f"√E = {sqrt_e:g}"}}


def _frange(start: float, stop: float, step: float) -> list[float]:
    count = int(round((stop - start) / step))
    return [start + i * step for i in range(count + 1)]


def stream_figure(problem_id: str, class_name: str, sublayers: tuple[Sublayer, ...],
                  caption: Text) -> tuple[Text, Text, dict]:
    """(title, caption, data) of the residual-stream figure for one layer class."""
    layer_class = getattr(solution_module(problem_id), class_name)
    measured = {}
    for norm_first in (False, True):
        gen = torch.Generator().manual_seed(SEED)  # the same weights and inputs in both orders
        layer = _random_layer(layer_class, gen, norm_first)
        x = INPUT_SCALE * torch.randn(1, TOKENS, D_MODEL, generator=gen, dtype=torch.float64)
        inputs = (x,)
        if any(s.symbol == "CA" for s in sublayers):
            inputs += (INPUT_SCALE * torch.randn(1, MEMORY_TOKENS, D_MODEL, generator=gen,
                                                 dtype=torch.float64),)
        measured[norm_first] = measure(layer, sublayers, *inputs)
    highest = max(v for stages in measured.values() for s in stages for v in s["norms"])
    top = _nice_top(highest)
    panels = [_panel(measured[norm_first], norm_first, top) for norm_first in (False, True)]
    height = TOP + PLOT_HEIGHT + BOTTOM
    title = t("The residual stream through one layer", "一层之中的残差流")
    data = {"template": "site/figures/" + problem_id + ".html", "panels": panels,
            "width": WIDTH, "height": height, "left": LEFT, "plot_top": TOP,
            "plot_bottom": TOP + PLOT_HEIGHT, "stream_fill": STREAM_FILL,
            "update_fill": UPDATE_FILL, "tokens": TOKENS}
    return title, caption, data
