import math
import torch

def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    B, L, D = x.shape
    qk = x @ w_qk
    v = x @ w_v
    s = qk @ qk.transpose(-1, -2) / math.sqrt(w_qk.shape[-1])
    allowed = torch.ones(B, L, L, dtype=torch.bool, device=x.device)
    if mask is not None:
        allowed = allowed & mask
    if exclude_self:
        eye = torch.eye(L, dtype=torch.bool, device=x.device)
        no_self = allowed & ~eye
        has_other = no_self.any(-1, keepdim=True)
        allowed = torch.where(has_other, no_self, eye.expand(B, L, L))
    base = torch.ones(B, L, L, dtype=torch.bool, device=x.device)
    if mask is not None:
        base = base & mask
    s = s.masked_fill(~base, -1e4)
    s = s.masked_fill(base & ~allowed, float('-inf'))
    return torch.softmax(s, -1) @ v
