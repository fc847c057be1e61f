"""Misconception references for multi_head_attention.

One configurable module, :class:`_ConfigurableMHA`, makes every catalogued
mistake; each variant is a subclass that switches one of them on. The attention
itself is the shared core of :mod:`grader.misconceptions._attention`. All
variants keep the four ``torch.nn.Linear`` submodules of the contract, so the
grader's strict ``load_state_dict`` works and only the forward pass differs.
"""

import math

import torch

from grader.misconceptions._attention import attention
from grader.references import solution_module

SYMBOL = "MultiHeadAttention"
# The contract's constructor and submodules come from the reference; variants
# differ only in the forward pass.
_REFERENCE = getattr(solution_module("multi_head_attention"), SYMBOL)


class _ConfigurableMHA(_REFERENCE):
    """Multi-head attention with switchable mistakes (all defaults: correct).

    Class attributes:
        split: how heads are formed from a projection (B, L, E):
            "features" (correct: view(B, L, H, hd).transpose(1, 2)),
            "raw_view" (view(B, H, L, hd) with no transpose: tokens and heads mixed),
            "sequence" (head h gets the h-th contiguous chunk of L/H tokens, all E features),
            "none" (one head over all E features).
        merge: "transpose" (correct) or "raw" (reshape (B, H, L, d) to (B, L, E) directly).
        scale: divisor of the scores: "head_dim" (correct), "embed_dim" (√E) or
            "cancelled" (Q multiplied by √E and the scores divided by √E: no scaling).
        use_out_proj: False returns the concatenated heads without ``out_proj``.
        mask_mode: passed to the attention core ("before" is correct, "inverted",
            "added").
        masked_value: what blocked scores are set to (or shifted by, with "added");
            -inf is correct, -1e4 is the finite fill of BERT-era code.
    """

    split = "features"
    merge = "transpose"
    scale = "head_dim"
    use_out_proj = True
    mask_mode = "before"
    masked_value = float("-inf")

    def _heads(self, x):
        B, L, E = x.shape
        H, hd = self.num_heads, self.head_dim
        if self.split == "features":
            return x.view(B, L, H, hd).transpose(1, 2)  # (B, H, L, hd)
        if self.split == "raw_view":
            return x.reshape(B, H, L, hd)  # (B, H, L, hd), but rows mix tokens and heads
        if self.split == "sequence":
            return x.reshape(B, H, L // H, E)  # (B, H, L/H, E): chunks of tokens
        return x.unsqueeze(1)  # (B, 1, L, E): a single head

    def _merge(self, heads, B, Lq):
        if self.merge == "transpose" and self.split in ("features", "raw_view"):
            return heads.transpose(1, 2).reshape(B, Lq, self.embed_dim)  # (B, Lq, E)
        return heads.reshape(B, Lq, self.embed_dim)  # (B, Lq, E), no transpose back

    def _mask(self, mask, B, Lq, Lk):
        if mask is None or self.split != "sequence":
            return mask
        # Each sequence chunk only sees the diagonal block of the mask.
        H = self.num_heads
        a, b = Lq // H, Lk // H
        full = mask.expand(B, H, Lq, Lk)
        return torch.stack([full[:, h, h * a:(h + 1) * a, h * b:(h + 1) * b] for h in range(H)], 1)

    def forward(self, query, key, value, mask=None, return_weights=False):
        B, Lq, E = query.shape
        Lk = key.shape[1]
        q = self.q_proj(query)
        if self.scale == "cancelled":
            q = q * math.sqrt(E)
        q, k, v = self._heads(q), self._heads(self.k_proj(key)), self._heads(self.v_proj(value))
        divisor = math.sqrt(self.head_dim if self.scale == "head_dim" else E)
        heads, weights = attention(q, k, v, self._mask(mask, B, Lq, Lk), scale=divisor,
                                   mask_mode=self.mask_mode, masked_value=self.masked_value)
        output = self._merge(heads, B, Lq)
        if self.use_out_proj:
            output = self.out_proj(output)
        return (output, weights) if return_weights else output


def _variant(**mistake):
    return {SYMBOL: type(SYMBOL, (_ConfigurableMHA,), dict(mistake))}


VARIANTS = {
    "mha.scale_by_embed_dim": [_variant(scale="embed_dim")],
    "mha.scale_cancelled": [_variant(scale="cancelled")],
    "mha.split_sequence": [
        _variant(split="sequence"),  # scaled by √head_dim
        _variant(split="sequence", scale="embed_dim"),  # each chunk has all E features
    ],
    "mha.no_head_split": [
        _variant(split="none", scale="embed_dim"),  # one head of width E, scaled by √E
        _variant(split="none"),  # still divides by √head_dim
        _variant(split="none", scale="cancelled"),  # 003's class: no split, scale cancelled
    ],
    "mha.bad_head_reshape": [
        _variant(split="raw_view"),  # merged back with the (correct-looking) transpose
        _variant(split="raw_view", merge="raw"),  # merged back with the mirror-image view
    ],
    "mha.bad_head_merge": [_variant(merge="raw")],
    "mha.no_out_proj": [_variant(use_out_proj=False)],
    "mha.mask_inverted": [_variant(mask_mode="inverted")],
    "mha.finite_mask_fill": [
        _variant(masked_value=-1e4),  # masked_fill(~mask, -10000.0)
        _variant(mask_mode="added", masked_value=-1e4),  # BERT: scores + (1 - mask) * -10000.0
    ],
}
