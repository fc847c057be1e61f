import math
import torch
import torch.nn as nn

class GroupedQueryAttention(nn.Module):
    def __init__(self, embed_dim, num_heads, num_kv_heads, bias=False):
        super().__init__()
        if embed_dim % num_heads or num_heads % num_kv_heads:
            raise ValueError("bad heads")
        self.H, self.KV = num_heads, num_kv_heads
        self.hd = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = nn.Linear(embed_dim, num_kv_heads * self.hd, bias=bias)
        self.v_proj = nn.Linear(embed_dim, num_kv_heads * self.hd, bias=bias)
        self.out_proj = nn.Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, x, mask=None, causal=False):
        B, L, E = x.shape
        g = self.H // self.KV
        # grouped einsum: no repeat
        q = self.q_proj(x).view(B, L, self.KV, g, self.hd)
        k = self.k_proj(x).view(B, L, self.KV, self.hd)
        v = self.v_proj(x).view(B, L, self.KV, self.hd)
        s = torch.einsum("blngd,bmnd->bngLm".replace("L", "l"), q, k) / math.sqrt(self.hd)
        s = s.reshape(B, self.H, L, L)
        allowed = None
        if mask is not None:
            allowed = mask
        if causal:
            i = torch.arange(L, device=x.device)
            c = i[None, :] <= i[:, None]
            allowed = c if allowed is None else (allowed & c)
        if mask is not None:
            s = s.masked_fill(~mask, float("-inf"))
        if causal:
            s = s.masked_fill(~c, -1e4)
        w = torch.softmax(s, -1).view(B, self.KV, g, L, L)
        o = torch.einsum("bnglm,bmnd->blngd", w, v).reshape(B, L, E)
        return self.out_proj(o)
