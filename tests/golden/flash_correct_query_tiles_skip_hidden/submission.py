import math

import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if block_size < 1:
        raise ValueError("block_size must be >= 1")
    n_q, n_k = q.shape[-2], k.shape[-2]
    scale = 1 / math.sqrt(q.shape[-1])
    pieces_out, pieces_lse = [], []
    # query tiles of the same size as the key blocks
    for i0 in range(0, n_q, block_size):
        qi = q[..., i0:i0 + block_size, :]
        n = qi.shape[-2]
        m = torch.full(qi.shape[:-1], -math.inf, dtype=q.dtype, device=q.device)
        l = torch.zeros(qi.shape[:-1], dtype=q.dtype, device=q.device)
        o = torch.zeros(qi.shape[:-1] + (v.shape[-1],), dtype=q.dtype, device=q.device)
        for j0 in range(0, n_k, block_size):
            if causal and j0 > i0 + n - 1:
                break  # no query of this tile can see these keys (or any later ones)
            s = torch.einsum("...id,...jd->...ij", qi, k[..., j0:j0 + block_size, :]) * scale
            if causal:
                ii = torch.arange(i0, i0 + n, device=q.device)[:, None]
                jj = torch.arange(j0, j0 + s.shape[-1], device=q.device)[None, :]
                s = s.masked_fill(jj > ii, -math.inf)
            # the max only shifts the exponent; the result does not depend on it
            m_new = torch.maximum(m, s.max(dim=-1).values).detach()
            p = torch.exp(s - m_new[..., None])
            corr = torch.exp(m - m_new)
            l = l * corr + p.sum(-1)
            o = o * corr[..., None] + torch.einsum("...ij,...jd->...id", p, v[..., j0:j0 + block_size, :])
            m = m_new
        pieces_out.append(o / l[..., None])
        pieces_lse.append(m + torch.log(l))
    return torch.cat(pieces_out, dim=-2), torch.cat(pieces_lse, dim=-1)
