import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    n = x.shape[-1]
    if n % 2:
        raise ValueError("the last dimension must be even")
    theta = base ** (-torch.arange(0, n, 2, dtype=torch.float64) / n)
    angles = positions.double()[:, None] * theta
    rotation = torch.exp(-1j * angles)
    z = torch.view_as_complex(x.double().unflatten(-1, (n // 2, 2)).contiguous())
    return torch.view_as_real(z * rotation).flatten(-2).to(x.dtype)
