import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    L, D = x.shape[-2], x.shape[-1]
    if D % 2 != 0:
        raise ValueError("D must be even")
    exponents = torch.arange(0, D, 2, dtype=x.dtype, device=x.device) / D
    theta = torch.pow(torch.tensor(base, dtype=x.dtype), -exponents)
    a = positions.to(x.dtype)[:, None] * theta[None, :]  # (L, D/2)
    c, s = torch.cos(a), torch.sin(a)
    rot = torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)  # (L, D/2, 2, 2)
    pairs = x.reshape(*x.shape[:-1], D // 2, 2)
    out = torch.einsum("lpij,...lpj->...lpi", rot, pairs)
    return out.reshape(x.shape)
