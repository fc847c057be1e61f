"""Misconception references for kv_cache (problem 11).

One configurable module, :class:`_ConfigurableCache`, makes every catalogued
mistake; each variant is a subclass that switches one of them on. The attention
itself is the shared core of :mod:`grader.misconceptions._attention`, and the
constructor (the four ``torch.nn.Linear`` of the contract) is the reference's,
so the grader's strict ``load_state_dict`` works and only the forward pass differs.
"""

import math

import torch

from grader.misconceptions._attention import attention
from grader.references import solution_module

SYMBOL = "CachedSelfAttention"
_REFERENCE = getattr(solution_module("kv_cache"), SYMBOL)


class _ConfigurableCache(_REFERENCE):
    """Cached causal self-attention with switchable mistakes (all defaults: correct).

    Class attributes:
        causal: the mask of a chunk of T_new tokens after T_past cached ones:
            "offset" (correct: key j allowed for new token t when j <= T_past + t),
            "top_left" (j <= t: the triangle aligned at position 0),
            "none" (no mask at all),
            "without_cache_only" (the correct mask when no cache is given, none otherwise).
        scale: "head_dim" (correct: √head_dim) or "embed_dim" (√E).
        returned: the cache returned: "grown" (correct: old followed by new),
            "given" (the cache passed in, None when there was none),
            "given_or_empty" (the cache passed in, empty tensors when there was none).
    """

    causal = "offset"
    scale = "head_dim"
    returned = "grown"

    def _mask(self, T, T_past, cache, device):
        if self.causal == "none" or (self.causal == "without_cache_only" and cache is not None):
            return None
        diagonal = 0 if self.causal == "top_left" else T_past
        return torch.ones(T, T_past + T, dtype=torch.bool, device=device).tril(diagonal=diagonal)

    def _returned(self, cache, k, v):
        if self.returned == "grown":
            return k, v
        if cache is None and self.returned == "given_or_empty":
            return k[:, :, :0], v[:, :, :0]  # (B, H, 0, hd) each
        return cache

    def forward(self, x, cache=None):
        B, T, E = x.shape
        H, hd = self.num_heads, self.head_dim
        q = self.q_proj(x).view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        k = self.k_proj(x).view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        v = self.v_proj(x).view(B, T, H, hd).transpose(1, 2)  # (B, H, T, hd)
        if cache is not None:
            k = torch.cat([cache[0], k], dim=2)  # (B, H, T_past + T, hd)
            v = torch.cat([cache[1], v], dim=2)
        T_past = k.size(2) - T
        divisor = math.sqrt(hd if self.scale == "head_dim" else E)
        heads, _ = attention(q, k, v, self._mask(T, T_past, cache, x.device), scale=divisor)
        output = self.out_proj(heads.transpose(1, 2).reshape(B, T, E))  # (B, T, E)
        return output, self._returned(cache, k, v)


def _variant(**mistake):
    return {SYMBOL: type(SYMBOL, (_ConfigurableCache,), dict(mistake))}


VARIANTS = {
    "kv_cache.chunk_not_causal": [
        _variant(causal="none"),  # never masks
        _variant(causal="without_cache_only"),  # masks the prompt, not the chunks after it
    ],
    "kv_cache.mask_not_offset": [_variant(causal="top_left")],
    "kv_cache.cache_not_updated": [
        _variant(returned="given"),
        _variant(returned="given_or_empty"),
    ],
    "kv_cache.scale_by_embed_dim": [_variant(scale="embed_dim")],
}
