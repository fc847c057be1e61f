"""Misconception references for transformer_decoder_layer (problem 9).

Each variant subclasses the reference (so its constructor, submodules and
strict state-dict loading are the contract's) and rewires the forward pass with
:mod:`grader.misconceptions._transformer`. Where an ID covers several programs
(which sub-layer lacks its residual, where the target-side keys come from)
there is one variant per reading.
"""

import torch

from grader.misconceptions._transformer import feed_forward, norm_order, sublayer
from grader.references import solution_module

SYMBOL = "TransformerDecoderLayer"
_REFERENCE = getattr(solution_module("transformer_decoder_layer"), SYMBOL)


class _ConfigurableDecoderLayer(_REFERENCE):
    """A decoder layer with switchable mistakes (all defaults: correct).

    Class attributes:
        placement: the norm order computed, see :func:`norm_order`.
        residuals: the residual of (self-attention, cross-attention, feed-forward),
            see :func:`sublayer`.
        honours_causal: False never masks the future in self-attention.
        cross: where cross-attention takes its inputs: "memory" (correct: queries
            from the target, keys and values from memory), "target" (keys and values
            from the queries' own input), "raw_target" (keys and values from the
            stream before its pre-norm) or "swapped" (queries from memory, keys and
            values from the target).
        memory_norm: in pre-norm, what memory passes through as well: None (correct),
            the name of one of the layer's norms, or "plain" (a LayerNorm without
            weight and bias).
    """

    placement = "asked"
    residuals = ("add", "add", "add")
    honours_causal = True
    cross = "memory"
    memory_norm = None

    def _cross(self, h, stream, memory, memory_mask, norm_first):
        """Cross-attention for the sub-layer input ``h`` (``stream`` is x before its norm)."""
        if self.cross == "swapped":
            return self.cross_attn(memory, h, h, memory_mask)
        if self.cross == "target":
            kv = h
        elif self.cross == "raw_target":
            kv = stream
        elif self.memory_norm == "plain" and norm_first:
            kv = torch.nn.functional.layer_norm(memory, memory.shape[-1:], eps=self.norm2.eps)
        elif self.memory_norm and norm_first:
            kv = getattr(self, self.memory_norm)(memory)
        else:
            kv = memory
        return self.cross_attn(h, kv, kv, memory_mask)

    def forward(self, x, memory, causal=True, memory_mask=None):
        norm_first = norm_order(self.norm_first, self.placement)
        T = x.size(1)
        self_mask = None
        if causal and self.honours_causal:
            self_mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()  # (T, T)
        sa, ca, ff = self.residuals
        x = sublayer(x, lambda h: self.self_attn(h, h, h, self_mask), self.norm1,
                     norm_first=norm_first, residual=sa)
        x = sublayer(x, lambda h, stream=x: self._cross(h, stream, memory, memory_mask, norm_first),
                     self.norm2, norm_first=norm_first, residual=ca)
        return sublayer(x, lambda h: feed_forward(self, h), self.norm3,
                        norm_first=norm_first, residual=ff)


def _variant(**mistake):
    return {SYMBOL: type(SYMBOL, (_ConfigurableDecoderLayer,), dict(mistake))}


VARIANTS = {
    "decoder.self_attn_not_causal": [
        _variant(honours_causal=False),
    ],
    "decoder.cross_kv_from_target": [
        _variant(cross="target"),  # in pre-norm: the normalised x the queries use
        _variant(cross="raw_target"),  # in pre-norm: x before norm2 (post-norm: the same)
    ],
    "decoder.cross_q_from_memory": [
        _variant(cross="swapped"),  # runs only when S == T
    ],
    "decoder.no_residual": [
        _variant(residuals=("none", "add", "add")),  # self-attention
        _variant(residuals=("add", "none", "add")),  # cross-attention
        _variant(residuals=("add", "add", "none")),  # feed-forward
        _variant(residuals=("none", "none", "none")),  # all three
    ],
    "decoder.norm_placement": [
        _variant(placement="post"),  # norm_first ignored: always post-norm
        _variant(placement="pre"),  # norm_first ignored: always pre-norm
        _variant(placement="flipped"),  # norm_first read the wrong way round
    ],
    "decoder.memory_normalised": [  # each differs from the reference only in pre-norm
        _variant(memory_norm="norm2"),  # the cross-attention's own norm, as for the queries
        _variant(memory_norm="norm1"),  # normalised once at the top, like x
        _variant(memory_norm="plain"),  # F.layer_norm without the norm's weight and bias
    ],
}
