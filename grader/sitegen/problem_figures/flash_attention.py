"""Study-site figure of flash_attention: the online softmax of one query, block by block.

Drawn from the statement's worked example (public inputs), query 0. The
reference's ``lse`` on the keys up to the end of each block gives the running
denominator after that block, ``l = exp(lse - m)`` with ``m`` the largest score
so far, so the picture shows what the reference computes: the scores, the
running maximum stepping up, and the denominator shrinking by
``alpha = exp(m_old - m_new)`` before each new block is added.
"""

from __future__ import annotations

import math

from grader.hidden import example
from grader.i18n import t
from grader.references import solution_namespace
from grader.sitegen.problem_figures import ProblemFigure

QUERY = 0  # the row of the worked example that is drawn
BLOCK_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#b279a2", "#e45756", "#72b7b2")

WIDTH = 600
LEFT, RIGHT = 56, 16  # plot margins inside each panel
SCORES_TOP, SCORES_PLOT = 30, 120  # top margin and plot height of the score panel
DENOM_TOP, DENOM_PLOT = 40, 130  # top margin (room for the lse line) and plot height of the denominator panel
BOTTOM = 30  # room for the key indices / the step labels


def _running_statistics(q, k, v, block_size, lse_of):
    """Per block: its keys and scores, m, alpha, the rescaled old l, the block's sum and l."""
    scale = 1.0 / math.sqrt(q.shape[-1])
    scores = [float(q[QUERY] @ k[j]) * scale for j in range(k.shape[0])]
    steps, m_old, l_old = [], -math.inf, 0.0
    for start in range(0, len(scores), block_size):
        end = min(start + block_size, len(scores))
        m_new = max(scores[:end])
        l_new = math.exp(lse_of(end) - m_new)
        alpha = math.exp(m_old - m_new) if m_old > -math.inf else 0.0
        steps.append({"keys": list(range(start, end)), "scores": scores[start:end],
                      "m_old": m_old, "m": m_new, "alpha": alpha, "l_old": l_old,
                      "rescaled": alpha * l_old, "added": l_new - alpha * l_old, "l": l_new})
        m_old, l_old = m_new, l_new
    return scores, steps


def _layout(scores, steps):
    """Pixel positions for the two panels (the template only draws them)."""
    plot_w = WIDTH - LEFT - RIGHT
    key_w = plot_w / len(scores)
    low, high = min(0.0, min(scores)), max(scores)

    def score_y(value):
        return SCORES_TOP + SCORES_PLOT * (high - value) / ((high - low) or 1.0)

    l_top = max(max(s["l"], s["l_old"]) for s in steps)

    def denom_h(value):
        return DENOM_PLOT * value / l_top

    blocks, bars, maxima, denominators = [], [], [], []
    for b, step in enumerate(steps):
        colour = BLOCK_COLOURS[b % len(BLOCK_COLOURS)]
        x0 = LEFT + step["keys"][0] * key_w
        width = len(step["keys"]) * key_w
        blocks.append({"x": round(x0, 1), "w": round(width, 1), "shade": b % 2 == 0,
                       "label": f"{step['keys'][0]}–{step['keys'][-1]}" if len(step["keys"]) > 1
                       else str(step["keys"][0])})
        for j, s in zip(step["keys"], step["scores"]):
            top, zero = score_y(max(s, 0.0)), score_y(min(s, 0.0))
            inside = zero - top >= 18  # the value fits inside its bar, clear of the m line
            bars.append({"x": round(LEFT + (j + 0.25) * key_w, 1), "w": round(key_w / 2, 1),
                         "y": round(top, 1), "h": round(max(zero - top, 1.0), 1), "colour": colour,
                         "centre": round(LEFT + (j + 0.5) * key_w, 1), "key": j,
                         "value": f"{s:g}", "inside": inside,
                         "label_y": round(top + 14 if inside else top - 5, 1)})
        maxima.append({"x1": round(x0, 1), "x2": round(x0 + width, 1), "y": round(score_y(step["m"]), 1),
                       "text": f"m = {step['m']:g}",
                       "previous_y": round(score_y(step["m_old"]), 1) if b else None})
        # Two bars per block: the denominator before this block (dashed) and after it:
        # the old part multiplied by alpha (grey) with the block's own terms on top.
        old_x, new_x, bar_w = x0 + width * 0.14, x0 + width * 0.52, width * 0.32
        base = DENOM_TOP + DENOM_PLOT
        old_h, rescaled_h, added_h = (denom_h(step[key]) for key in ("l_old", "rescaled", "added"))
        denominators.append({
            "old_x": round(old_x, 1), "x": round(new_x, 1), "w": round(bar_w, 1),
            "old_centre": round(old_x + bar_w / 2, 1), "centre": round(new_x + bar_w / 2, 1),
            "old_y": round(base - old_h, 1), "old_h": round(old_h, 1),
            "rescaled_y": round(base - rescaled_h, 1), "rescaled_h": round(rescaled_h, 1),
            "added_y": round(base - rescaled_h - added_h, 1), "added_h": round(added_h, 1),
            "colour": colour, "l_text": f"{step['l']:.4f}", "old_text": f"{step['l_old']:.4f}",
            "alpha_text": f"× α = {step['alpha']:.4f}",
            "label_y": round(base - rescaled_h - added_h - 6, 1), "old_label_y": round(base - old_h - 6, 1),
        })
    return {
        "width": WIDTH, "left": LEFT, "plot_width": round(plot_w, 1),
        "scores_height": SCORES_TOP + SCORES_PLOT + BOTTOM, "scores_zero": round(score_y(0.0), 1),
        "scores_top": SCORES_TOP, "scores_bottom": SCORES_TOP + SCORES_PLOT,
        "denom_height": DENOM_TOP + DENOM_PLOT + BOTTOM, "denom_base": DENOM_TOP + DENOM_PLOT,
        "blocks": blocks, "bars": bars, "maxima": maxima, "denominators": denominators,
    }


def figure(problem) -> ProblemFigure:
    shown = example(problem)
    q, k, v = shown.invocation.args
    block_size = shown.invocation.kwargs["block_size"]
    reference = solution_namespace(problem)["flash_attention"]

    def lse_of(end):
        """The reference's log-sum-exp of query QUERY over keys 0 .. end-1."""
        return float(reference(q, k[:end], v[:end], block_size=block_size)[1][QUERY])

    scores, steps = _running_statistics(q, k, v, block_size, lse_of)
    final = steps[-1]
    data = _layout(scores, steps)
    data |= {"query": QUERY, "block_size": block_size,
             "lse_text": f"lse = {final['m']:g} + log {final['l']:.4f} = "
                         f"{final['m'] + math.log(final['l']):.4f}"}
    return ProblemFigure(
        title=t("The online softmax of one query", "一个查询的在线 softmax"),
        caption=t(
            f"Query {QUERY} of the worked example, keys in blocks of {block_size}. Top: its scaled "
            "scores and the running maximum m after each block. Bottom: the running denominator ℓ. "
            "When a block raises m, the ℓ summed so far (dashed) is multiplied by "
            "α = exp(m_old − m_new) (grey) before the new block's exp(s − m) terms are added on top.",
            f"算例中的查询 {QUERY}，键按每块 {block_size} 个分组。上图：它的缩放得分，以及每个块之后的"
            "运行最大值 m。下图：运行分母 ℓ。当某个块提高了 m，之前累加的 ℓ（虚线）先乘以 "
            "α = exp(m_old − m_new)（灰色），再在上面加上新块的 exp(s − m) 项。"),
        data=data,
    )
