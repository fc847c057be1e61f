import torch
import torch.nn.functional as F


def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    qk = x @ w_qk
    v = x @ w_v
    seq_len, dim = qk.shape[-2], qk.shape[-1]
    # shared QK: the keys are the queries, normalised to unit length
    keys = F.normalize(qk, p=2, dim=-1)
    dots = torch.einsum("bie,bje->bij", qk, keys) * (dim ** -0.5)
    allowed = torch.ones(seq_len, seq_len, dtype=torch.bool, device=x.device)
    if mask is not None:
        allowed = allowed & mask
    if exclude_self:
        self_mask = torch.eye(seq_len, dtype=torch.bool, device=x.device)
        without_self = allowed & ~self_mask
        nothing_left = ~without_self.any(dim=-1, keepdim=True)
        allowed = without_self | (self_mask & nothing_left)
    dots = dots.masked_fill(~allowed, float("-inf"))
    return dots.softmax(dim=-1) @ v
