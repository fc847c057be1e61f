import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    """softmax(q k^T / sqrt(d_k)) v, returned with the weights."""
    scale = torch.tensor(q.shape[-1], dtype=q.dtype, device=q.device).rsqrt()
    logits = (q @ k.mT) * scale
    if mask is not None:
        logits = logits.masked_fill(~mask, -torch.inf)
    # log-softmax is stable; exp() of it gives the weights (exp(-inf) = 0 for blocked keys)
    weights = torch.log_softmax(logits, dim=-1).exp()
    return weights @ v, weights
