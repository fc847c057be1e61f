import math
import torch


def flash_attention(q, k, v, causal=False, block_size=64):
    if not isinstance(block_size, int) or isinstance(block_size, bool) or block_size < 1:
        raise ValueError("block_size")
    Lq, D = q.shape[-2], q.shape[-1]
    Lk = k.shape[-2]
    scale = 1.0 / (torch.tensor(float(D)).sqrt() if causal else math.sqrt(D))
    batch = q.shape[:-2]
    m = torch.full((*batch, Lq), float("-inf"), dtype=q.dtype, device=q.device)
    l = torch.zeros((*batch, Lq), dtype=q.dtype, device=q.device)
    acc = torch.zeros((*batch, Lq, v.shape[-1]), dtype=q.dtype, device=q.device)
    qi = torch.arange(Lq, device=q.device)
    for start in range(0, Lk, block_size):
        end = min(start + block_size, Lk)
        if causal and start > Lq - 1:
            break
        kb = k[..., start:end, :]
        vb = v[..., start:end, :]
        s = (q @ kb.transpose(-1, -2)) * scale
        if causal:
            kj = torch.arange(start, end, device=q.device)
            allowed = kj[None, :] <= qi[:, None]
            s = s.masked_fill(~allowed, float("-inf"))
        bm = s.amax(-1)
        m_new = torch.maximum(m, bm)
        # rows where m_new is -inf: nothing allowed yet
        safe = torch.where(torch.isinf(m_new), torch.zeros_like(m_new), m_new)
        p = torch.exp(s - safe[..., None])
        alpha = torch.exp(m - safe)
        l = l * alpha + p.sum(-1)
        acc = acc * alpha[..., None] + p @ vb
        m = m_new
    out = acc / l[..., None]
    lse = m + torch.log(l)
    return out, lse
