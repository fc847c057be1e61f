import torch

_TABLES = {}


def _tables(D, base, n, dtype, device):
    key = (D, float(base), dtype, device)
    cached = _TABLES.get(key)
    if cached is None or cached[0].shape[0] < n:
        size = max(n, 2 * cached[0].shape[0] if cached is not None else 64)
        inv = base ** (-torch.arange(0, D, 2, dtype=torch.float64, device=device) / D)
        ang = torch.arange(size, dtype=torch.float64, device=device)[:, None] * inv
        cached = _TABLES[key] = (ang.cos().to(dtype), ang.sin().to(dtype))
    return cached


def apply_rotary_embedding(x, positions, base=10000.0):
    D = x.shape[-1]
    if D % 2:
        raise ValueError(f"D must be even, got {D}")
    cos, sin = _tables(D, base, int(positions.max()) + 1, x.dtype, x.device)
    cos, sin = cos[positions], sin[positions]
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2)
