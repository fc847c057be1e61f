import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    h = x @ w_qk  # (B, L, Dk), used as queries and as keys
    v = x @ w_v
    d_k = h.shape[-1]
    scores = (h / d_k ** 0.5) @ h.transpose(-1, -2)  # scaling one side is enough

    B, L, _ = x.shape
    if mask is None:
        ok = torch.ones(B, L, L, dtype=torch.bool, device=x.device)
    else:
        ok = mask.expand(B, L, L).clone()  # my own copy: the caller's mask stays untouched
    if exclude_self:
        diag = torch.eye(L, dtype=torch.bool, device=x.device).expand(B, L, L)
        others = ok & ~diag
        count = others.sum(dim=-1, keepdim=True)  # other keys left per query
        ok = torch.where(count > 0, others, diag)

    low = torch.finfo(scores.dtype).min
    scores = scores.masked_fill(~ok, low)
    scores = scores - scores.max(dim=-1, keepdim=True).values
    p = scores.exp() * ok  # blocked keys exactly 0
    p = p / p.sum(dim=-1, keepdim=True)
    return p @ v
