import torch


def apply_rotary_embedding(x, positions, base=10000.0):
    seq_len, dim = x.shape[-2:]
    if dim % 2:
        raise ValueError("dim must be even")
    t = torch.arange(seq_len, dtype=torch.float64)
    inv_freq = base ** (-torch.arange(0, dim, 2, dtype=torch.float64) / dim)
    freqs = t[:, None] * inv_freq[None, :]
    cos, sin = freqs.cos().to(x.dtype), freqs.sin().to(x.dtype)
    x_even, x_odd = x[..., ::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., ::2] = x_even * cos - x_odd * sin
    out[..., 1::2] = x_even * sin + x_odd * cos
    return out
