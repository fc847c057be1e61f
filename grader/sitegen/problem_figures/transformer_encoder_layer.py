"""Study-site figure for transformer_encoder_layer: the residual stream in both norm orders."""

from __future__ import annotations

from grader.i18n import t
from grader.registry import Problem
from grader.sitegen.problem_figures import ProblemFigure
from grader.sitegen.problem_figures.transformer_stream import ENCODER, stream_figure

CAPTION = t(
    "The length of each token's vector along the residual stream of a random encoder layer "
    "(E = 16, 4 heads, F = 64, 4 tokens), computed by the reference with the same weights in "
    "both orders. Blue: the stream (x, then x₁ after self-attention, then the output y); orange: "
    "what each sub-layer adds to it. Post-norm renormalises every sum, so the stream returns to "
    "√E after each sub-layer; pre-norm normalises only what enters a sub-layer, and the stream "
    "keeps what every sub-layer adds.",
    "随机编码器层（E = 16，4 个头，F = 64，4 个词元）残差流上每个词元向量的长度，由参考答案在两种顺序下用相同的权重算出。"
    "蓝色：残差流（x，自注意力之后的 x₁，最后的输出 y）；橙色：每个子层加到残差流上的量。"
    "post-norm 对每次求和都重新归一化，所以每个子层之后残差流都回到 √E；"
    "pre-norm 只归一化送进子层的输入，残差流保留每个子层加上的量。")


def figure(problem: Problem) -> ProblemFigure:
    title, caption, data = stream_figure(problem.id, "TransformerEncoderLayer", ENCODER, CAPTION)
    return ProblemFigure(title=title, caption=caption, data=data)
