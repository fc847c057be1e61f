import torch


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    B, L, D = x.shape
    qk = x @ w_qk
    v = x @ w_v
    scores = qk @ qk.transpose(-2, -1)  # shared QK: a symmetric score matrix
    allowed = torch.ones(L, L, dtype=torch.bool, device=x.device)
    if mask is not None:
        allowed = allowed & mask
    if exclude_self:
        eye = torch.eye(L, dtype=torch.bool, device=x.device)
        others = allowed & ~eye
        allowed = torch.where(others.any(dim=-1, keepdim=True), others, eye)
    weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
    return weights @ v
