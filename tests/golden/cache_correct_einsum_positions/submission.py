import torch
from torch import nn


class CachedSelfAttention(nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError("embed_dim must be a multiple of num_heads")
        self.h = num_heads
        self.d = embed_dim // num_heads
        self.q_proj = nn.Linear(embed_dim, embed_dim)
        self.k_proj = nn.Linear(embed_dim, embed_dim)
        self.v_proj = nn.Linear(embed_dim, embed_dim)
        self.out_proj = nn.Linear(embed_dim, embed_dim)

    def forward(self, x, cache=None):
        q = self.q_proj(x).unflatten(-1, (self.h, self.d))  # b t h d
        k = self.k_proj(x).unflatten(-1, (self.h, self.d)).transpose(1, 2)  # b h t d
        v = self.v_proj(x).unflatten(-1, (self.h, self.d)).transpose(1, 2)
        if cache is not None:
            past_k, past_v = cache
            k = torch.cat((past_k, k), dim=2)
            v = torch.cat((past_v, v), dim=2)
        total, new = k.shape[2], x.shape[1]

        query_pos = torch.arange(total - new, total, device=x.device)
        key_pos = torch.arange(total, device=x.device)
        allowed = key_pos[None, :] <= query_pos[:, None]

        scores = torch.einsum("bthd,bhsd->bhts", q, k) / self.d ** 0.5
        scores = scores.masked_fill(~allowed, torch.finfo(scores.dtype).min)
        attn = scores.softmax(-1)
        out = torch.einsum("bhts,bhsd->bthd", attn, v).flatten(-2)
        return self.out_proj(out), (k, v)
