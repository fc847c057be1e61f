import torch


def softmax_lastdim(x):
    """Numerically stable softmax over the last axis."""
    x = x - x.max(dim=-1, keepdim=True).values  # largest entry becomes 0, exp() <= 1
    e = torch.exp(x)
    return e / e.sum(dim=-1, keepdim=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    d_k = q.shape[-1]
    q = q * d_k ** -0.5  # scale the queries once instead of every score
    scores = torch.matmul(q, k.transpose(-1, -2))
    if mask is not None:
        scores = torch.where(mask, scores, torch.full_like(scores, -1e9))
    attn = softmax_lastdim(scores)
    return torch.matmul(attn, v), attn
