import math
import torch
import torch.nn as nn


class _MHA(nn.Module):
    def __init__(self, E, H):
        super().__init__()
        self.H = H
        self.q_proj = nn.Linear(E, E)
        self.k_proj = nn.Linear(E, E)
        self.v_proj = nn.Linear(E, E)
        self.out_proj = nn.Linear(E, E)

    def forward(self, x, mask=None):
        B, L, E = x.shape
        H = self.H
        hd = E // H
        q = self.q_proj(x).view(B, L, H, hd)
        k = self.k_proj(x).view(B, L, H, hd)
        v = self.v_proj(x).view(B, L, H, hd)
        s = torch.einsum("blhd,bmhd->bhlm", q, k) / math.sqrt(hd)
        if mask is not None:
            s = torch.where(mask, s, torch.tensor(float("-inf"), dtype=s.dtype, device=s.device))
        m = s.amax(-1, keepdim=True).detach()
        e = torch.exp(s - m)
        w = e / e.sum(-1, keepdim=True)
        o = torch.einsum("bhlm,bmhd->blhd", w, v).reshape(B, L, E)
        return self.out_proj(o)


class TransformerEncoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads:
            raise ValueError("bad heads")
        self.self_attn = _MHA(d_model, num_heads)
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm_first = norm_first

    def _ff(self, x):
        return self.linear2(torch.relu(self.linear1(x)))

    def forward(self, x, mask=None):
        if self.norm_first:
            x = x + self.self_attn(self.norm1(x), mask)
            x = x + self._ff(self.norm2(x))
        else:
            x = self.norm1(x + self.self_attn(x, mask if mask is None or mask.dim() == 4 else None))
            x = self.norm2(x + self._ff(x))
        return x
