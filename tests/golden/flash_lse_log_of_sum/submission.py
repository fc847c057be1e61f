import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be >= 1")
    *batch, Lq, D = q.shape
    Lk, Dv = k.shape[-2], v.shape[-1]
    m = q.new_full((*batch, Lq), float("-inf"))
    l = q.new_zeros((*batch, Lq))
    acc = q.new_zeros((*batch, Lq, Dv))
    for b in range(math.ceil(Lk / block_size)):
        sl = slice(b * block_size, min((b + 1) * block_size, Lk))
        s = q @ k[..., sl, :].mT / math.sqrt(D)
        if causal:
            mask = torch.arange(sl.start, sl.stop)[None] <= torch.arange(Lq)[:, None]
            s = s.masked_fill(~mask, float("-inf"))
        m_new = torch.maximum(m, s.amax(-1))
        scale = torch.exp(m - m_new)
        p = torch.exp(s - m_new[..., None])
        l = scale * l + p.sum(-1)
        acc = scale[..., None] * acc + p @ v[..., sl, :]
        m = m_new
    return acc / l[..., None], torch.log(l)
