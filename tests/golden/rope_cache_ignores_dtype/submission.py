import torch

_CACHE = {}


def apply_rotary_embedding(x, positions, base=10000.0):
    D = x.shape[-1]
    if D % 2:
        raise ValueError("D must be even")
    need = int(positions.max()) + 1
    key = (D, base, x.device)
    if key not in _CACHE or _CACHE[key][0].shape[0] < need:
        inv = base ** (-torch.arange(0, D, 2, dtype=torch.float64, device=x.device) / D)
        ang = torch.arange(need, dtype=torch.float64, device=x.device)[:, None] * inv
        _CACHE[key] = (ang.cos().to(x.dtype), ang.sin().to(x.dtype))
    cos, sin = _CACHE[key]
    cos, sin = cos[positions].to(x.dtype), sin[positions].to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2)
