"""Study-site figure for transformer_decoder_layer: the residual stream in both norm orders."""

from __future__ import annotations

from grader.i18n import t
from grader.registry import Problem
from grader.sitegen.problem_figures import ProblemFigure
from grader.sitegen.problem_figures.transformer_stream import DECODER, stream_figure

CAPTION = t(
    "The length of each target token's vector along the residual stream of a random decoder "
    "layer (E = 16, 4 heads, F = 64, 4 target tokens reading 5 memory tokens, causal), computed "
    "by the reference with the same weights in both orders. Blue: the stream (x, x₁ after "
    "self-attention, x₂ after cross-attention, the output y); orange: what each sub-layer adds "
    "to it. Post-norm brings the stream back to √E after every sub-layer; in pre-norm it keeps "
    "what each one adds. Memory is never normalised by the layer.",
    "随机解码器层（E = 16，4 个头，F = 64，4 个目标词元读取 5 个 memory 词元，因果）残差流上每个目标词元向量的长度，"
    "由参考答案在两种顺序下用相同的权重算出。蓝色：残差流（x，自注意力之后的 x₁，交叉注意力之后的 x₂，最后的输出 y）；"
    "橙色：每个子层加到残差流上的量。post-norm 在每个子层之后都把残差流拉回 √E；pre-norm 则保留每个子层加上的量。"
    "这一层从不对 memory 做归一化。")


def figure(problem: Problem) -> ProblemFigure:
    title, caption, data = stream_figure(problem.id, "TransformerDecoderLayer", DECODER, CAPTION)
    return ProblemFigure(title=title, caption=caption, data=data)
