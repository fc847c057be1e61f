"""Misconception references for grouped_query_attention.

One configurable module, :class:`_ConfigurableGQA`, makes every catalogued
mistake; each variant is a subclass that switches one of them on. The attention
itself is the shared core of :mod:`grader.misconceptions._attention`. All
variants keep the submodules of the contract, so the grader's strict
``load_state_dict`` works and only the forward pass differs.
"""

import math

import torch

from grader.misconceptions._attention import attention
from grader.references import solution_module

SYMBOL = "GroupedQueryAttention"
# The contract's constructor and submodules come from the reference; variants
# differ only in the forward pass.
_REFERENCE = getattr(solution_module("grouped_query_attention"), SYMBOL)


class _ConfigurableGQA(_REFERENCE):
    """Grouped-query attention with switchable mistakes (all defaults: correct).

    Class attributes:
        groups: "consecutive" (correct: query head h reads key/value head
            h // (H / Hkv), repeat_interleave) or "interleaved" (h % Hkv, repeat).
        scale: "head_dim" (correct) or "embed_dim" (scores divided by √E).
        causal_keeps: "past" (correct: key j <= query i) or "future" (j >= i).
    """

    groups = "consecutive"
    scale = "head_dim"
    causal_keeps = "past"

    def _share(self, kv):
        group = self.num_heads // self.num_kv_heads
        if self.groups == "consecutive":
            return kv.repeat_interleave(group, dim=1)  # (B, H, L, hd): kv heads 0,0,1,1,...
        return kv.repeat(1, group, 1, 1)  # (B, H, L, hd): kv heads 0,1,0,1,...

    def forward(self, x, mask=None, causal=False):
        B, L, E = x.shape
        H, Hkv, hd = self.num_heads, self.num_kv_heads, self.head_dim
        q = self.q_proj(x).view(B, L, H, hd).transpose(1, 2)  # (B, H, L, hd)
        k = self._share(self.k_proj(x).view(B, L, Hkv, hd).transpose(1, 2))  # (B, H, L, hd)
        v = self._share(self.v_proj(x).view(B, L, Hkv, hd).transpose(1, 2))  # (B, H, L, hd)
        if causal:
            ones = torch.ones(L, L, dtype=torch.bool, device=x.device)
            allowed = ones.tril() if self.causal_keeps == "past" else ones.triu()
            mask = allowed if mask is None else mask & allowed
        divisor = math.sqrt(hd if self.scale == "head_dim" else E)
        heads, _ = attention(q, k, v, mask, scale=divisor)  # (B, H, L, hd)
        return self.out_proj(heads.transpose(1, 2).reshape(B, L, E))  # (B, L, E)


def _variant(**mistake):
    return {SYMBOL: type(SYMBOL, (_ConfigurableGQA,), dict(mistake))}


VARIANTS = {
    "gqa.interleaved_groups": [_variant(groups="interleaved")],
    "gqa.scale_by_embed_dim": [_variant(scale="embed_dim")],
    "gqa.causal_flipped": [_variant(causal_keeps="future")],
}
