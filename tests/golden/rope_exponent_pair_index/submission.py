import math

import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    D = x.shape[-1]
    if D % 2 != 0:
        raise ValueError("D must be even")
    half = D // 2
    freqs = torch.exp(-math.log(base) * torch.arange(half, dtype=torch.float64) / D)
    angle = positions.double().unsqueeze(1) * freqs
    cos, sin = torch.cos(angle).to(x.dtype), torch.sin(angle).to(x.dtype)
    x1 = x[..., 0::2]
    x2 = x[..., 1::2]
    y1 = x1 * cos - x2 * sin
    y2 = x1 * sin + x2 * cos
    return torch.stack((y1, y2), dim=-1).reshape(x.shape)
