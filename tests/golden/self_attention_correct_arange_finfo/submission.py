import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    """Single-head self-attention, written out step by step."""
    q = x.matmul(w_q)
    k = x.matmul(w_k)
    v = x.matmul(w_v)
    d_k = w_k.shape[1]
    q = q * (1.0 / d_k ** 0.5)

    scores = q.matmul(k.transpose(1, 2))  # (B, L, L)
    if causal:
        pos = torch.arange(x.shape[1], device=x.device)
        allowed = pos[None, :] <= pos[:, None]  # key j <= query i
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)

    scores = scores - scores.amax(dim=-1, keepdim=True)
    weights = scores.exp()
    weights = weights / weights.sum(dim=-1, keepdim=True)
    return weights.matmul(v)
