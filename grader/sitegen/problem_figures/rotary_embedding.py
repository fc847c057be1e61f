"""Figure for rotary_embedding: position is an angle.

The reference rotates the vector (1, 0, 1, 0, …) at positions 0 … N; one panel
per feature pair draws where that pair lands on the unit circle at each
position, for a fast pair (one radian per position) and a slower one. The
points are the reference's own outputs, computed at build time.
"""

from __future__ import annotations

import math

import torch

from grader.i18n import t
from grader.references import solution_namespace
from grader.sitegen.problem_figures import ProblemFigure

D = 8  # pairs turn at 10000^(-2i/8): 1, 0.1, 0.01, 0.001 radians per position
PAIRS = (0, 1)  # the fast pair and the next, ten times slower
POSITIONS = 9  # positions 0 … 8
PANEL = 290  # width and height of one panel, px
RADIUS = 100
LABEL_GAP = 17  # labels sit this far outside the circle


def _panel(index: int, rotated: torch.Tensor, left: float) -> dict:
    """Points of pair ``index`` of every position, in SVG coordinates of a panel at ``left``."""
    cx, cy = left + PANEL / 2, 40 + RADIUS + 20
    theta = 10000.0 ** (-2 * index / D)
    points = []
    for p in range(POSITIONS):
        x, y = float(rotated[p, 2 * index]), float(rotated[p, 2 * index + 1])
        angle = math.atan2(y, x)
        points.append({
            "position": p,
            "x": round(cx + RADIUS * x, 2), "y": round(cy - RADIUS * y, 2),  # SVG y points down
            "lx": round(cx + (RADIUS + LABEL_GAP) * math.cos(angle), 2),
            "ly": round(cy - (RADIUS + LABEL_GAP) * math.sin(angle), 2),
            # later positions are drawn darker
            "opacity": round(0.35 + 0.65 * p / (POSITIONS - 1), 2),
        })
    return {"pair": index, "first": 2 * index, "second": 2 * index + 1,
            "theta": f"{theta:g}", "cx": cx, "cy": cy, "radius": RADIUS,
            "title_x": cx, "points": points}


def figure(problem) -> ProblemFigure:
    rope = solution_namespace(problem)["apply_rotary_embedding"]
    x = torch.tensor([1.0, 0.0] * (D // 2), dtype=torch.float64).repeat(POSITIONS, 1)  # (N, D)
    rotated = rope(x, torch.arange(POSITIONS))  # (N, D): pair i of row p is (cos pθ_i, sin pθ_i)
    panels = [_panel(i, rotated, left=k * (PANEL + 20)) for k, i in enumerate(PAIRS)]
    return ProblemFigure(
        title=t("Position is an angle.", "位置就是角度。"),
        caption=t(
            f"The reference rotates the vector (1, 0, 1, 0, …) of width D = {D} at positions "
            f"0 … {POSITIONS - 1}: a wider vector at more positions than the statement's example "
            f"(D = 4 at positions 0, 1, 2), so that a second pair turns visibly. Each circle follows one feature pair: the fast pair turns one "
            "radian per position and wraps around the circle, the next pair turns ten times "
            "slower. Every point stays on the circle (a rotation keeps the norm), and two "
            "positions the same distance apart are always the same angle apart — which is why "
            "a query-key score only sees the offset.",
            f"参考答案在位置 0 … {POSITIONS - 1} 上旋转宽度 D = {D} 的向量 (1, 0, 1, 0, …)："
            "向量比题面的示例（D = 4，位置 0、1、2）更宽、位置更多，这样第二对的转动也看得出来。"
            "每个圆跟踪一对特征：快的一对每个位置转一弧度，绕圆一周后继续；下一对慢十倍。"
            "每个点都留在圆上（旋转保持范数），相隔同样距离的两个位置总是相隔同样的角度——"
            "所以查询与键的得分只看到位置差。"),
        data={"width": len(PAIRS) * PANEL + (len(PAIRS) - 1) * 20, "height": 40 + 2 * RADIUS + 70,
              "panels": panels},
    )
