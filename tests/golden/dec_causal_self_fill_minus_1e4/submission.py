import math
import torch
import torch.nn as nn
import torch.nn.functional as F


class MHA(nn.Module):
    def __init__(self, E, H):
        super().__init__()
        self.H = H
        self.is_self = False
        self.q_proj = nn.Linear(E, E)
        self.k_proj = nn.Linear(E, E)
        self.v_proj = nn.Linear(E, E)
        self.out_proj = nn.Linear(E, E)

    def forward(self, xq, xkv, mask=None):
        B, T, E = xq.shape
        S = xkv.shape[1]
        hd = E // self.H
        Q, K, V = self.q_proj(xq), self.k_proj(xkv), self.v_proj(xkv)
        outs = []
        for h in range(self.H):
            sl = slice(h * hd, (h + 1) * hd)
            s = torch.matmul(Q[..., sl], K[..., sl].transpose(-1, -2)) * (1.0 / math.sqrt(hd))
            if mask is not None:
                mh = mask.expand(B, self.H, T, S)[:, h]
                s = s.masked_fill(~mh, -1e4 if self.is_self else -1e9)
            w = F.softmax(s, dim=-1)
            outs.append(w @ V[..., sl])
        return self.out_proj(torch.cat(outs, dim=-1))


class TransformerDecoderLayer(nn.Module):
    def __init__(self, d_model, num_heads, dim_feedforward, norm_first=False, eps=1e-5):
        super().__init__()
        if d_model % num_heads != 0:
            raise ValueError("d_model % num_heads")
        self.self_attn = MHA(d_model, num_heads)
        self.cross_attn = MHA(d_model, num_heads)
        self.self_attn.is_self = True
        self.linear1 = nn.Linear(d_model, dim_feedforward)
        self.linear2 = nn.Linear(dim_feedforward, d_model)
        self.norm1 = nn.LayerNorm(d_model, eps=eps)
        self.norm2 = nn.LayerNorm(d_model, eps=eps)
        self.norm3 = nn.LayerNorm(d_model, eps=eps)
        self.norm_first = norm_first

    def forward(self, x, memory, causal=True, memory_mask=None):
        T = x.shape[1]
        sm = None
        if causal:
            sm = ~torch.triu(torch.ones(T, T, dtype=torch.bool, device=x.device), diagonal=1)
        ff = lambda z: self.linear2(F.relu(self.linear1(z)))
        if self.norm_first:
            x = x + self.self_attn(self.norm1(x), self.norm1(x), sm)
            x = x + self.cross_attn(self.norm2(x), memory, memory_mask)
            x = x + ff(self.norm3(x))
        else:
            x = self.norm1(x + self.self_attn(x, x, sm))
            x = self.norm2(x + self.cross_attn(x, memory, memory_mask))
            x = self.norm3(x + ff(x))
        return x
