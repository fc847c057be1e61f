import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    d = x.shape[-1]
    if d % 2:
        raise ValueError(f"need an even number of features, got {d}")
    freqs = 1.0 / base ** (torch.arange(0, d, 2, dtype=torch.float64) / d)
    angles = torch.outer(positions.double(), freqs)
    phasor = torch.polar(torch.ones_like(angles), angles)  # e^{i a}, complex128

    pairs = torch.view_as_complex(x.double().reshape(*x.shape[:-1], d // 2, 2))
    rotated = torch.view_as_real(pairs * phasor)
    return rotated.reshape(x.shape).to(x.dtype)
