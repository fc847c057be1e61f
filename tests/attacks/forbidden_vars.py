"""Reaches the forbidden kernel through vars() of torch._C._nn, a literal name."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    kernel = vars(torch._C._nn)["scaled_dot_product_attention"]
    output = kernel(q, k, v, attn_mask=mask)
    weights = torch.softmax(q @ k.transpose(-2, -1) / q.shape[-1] ** 0.5, dim=-1)
    return output, weights
