"""Reference solution: attention over blocks of keys with an online softmax.

For query i and scaled scores s_j = q_i · k_j / √D, attention is
    output_i = Σ_j exp(s_j) v_j / Σ_j exp(s_j)        lse_i = log Σ_j exp(s_j)
Visit the keys in blocks and keep, for every query,
    m   the largest score seen so far
    l   Σ exp(s_j − m)      over the keys seen so far  (the denominator)
    acc Σ exp(s_j − m) v_j  over the keys seen so far  (the unnormalised output)
When a block with scores s_b arrives:
    m_new = max(m, max_j s_b)
    α     = exp(m − m_new)          everything summed so far was relative to m
    p     = exp(s_b − m_new)
    l     = α l + Σ_j p
    acc   = α acc + p v_b
    m     = m_new
At the end output = acc / l and lse = m + log l. Only an (Lq, block_size)
block of scores exists at any time, never the (Lq, Lk) matrix.
"""

import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    """Return (output, lse) for q (*B, Lq, D), k (*B, Lk, D), v (*B, Lk, Dv)."""
    if block_size < 1:
        raise ValueError(f"block_size must be at least 1, got {block_size}")
    Lq, Lk = q.shape[-2], k.shape[-2]
    scale = 1.0 / math.sqrt(q.shape[-1])

    m = q.new_full(q.shape[:-1], float("-inf"))  # (*B, Lq) running maximum
    l = q.new_zeros(q.shape[:-1])  # (*B, Lq) running denominator
    acc = q.new_zeros(q.shape[:-1] + v.shape[-1:])  # (*B, Lq, Dv) running output
    query_pos = torch.arange(Lq, device=q.device).unsqueeze(-1)  # (Lq, 1)

    for start in range(0, Lk, block_size):
        end = min(start + block_size, Lk)  # the last block may be shorter
        s = q @ k[..., start:end, :].transpose(-2, -1) * scale  # (*B, Lq, bs)
        if causal:
            key_pos = torch.arange(start, end, device=q.device)  # (bs,)
            # Top-left aligned: query i sees key j when j <= i. Block 0 holds key 0,
            # which every query sees, so m is finite from the first block on and a
            # block a query cannot see at all only adds exp(-inf) = 0.
            s = s.masked_fill(key_pos > query_pos, float("-inf"))
        m_new = torch.maximum(m, s.amax(dim=-1))  # (*B, Lq)
        alpha = torch.exp(m - m_new)  # (*B, Lq); 0 on the first block
        p = torch.exp(s - m_new.unsqueeze(-1))  # (*B, Lq, bs)
        l = alpha * l + p.sum(dim=-1)
        acc = alpha.unsqueeze(-1) * acc + p @ v[..., start:end, :]  # (*B, Lq, Dv)
        m = m_new

    output = acc / l.unsqueeze(-1)  # (*B, Lq, Dv)
    lse = m + torch.log(l)  # (*B, Lq)
    return output, lse
