"""Allocates 8 GiB: stopped by the memory limit."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    hog = torch.ones(8 * 1024**3 // 4)
    return hog, hog
