import math

import torch


class CachedSelfAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads):
        super().__init__()
        if embed_dim % num_heads != 0:
            raise ValueError(f"{embed_dim} is not divisible by {num_heads}")
        self.num_heads = num_heads
        self.head_dim = embed_dim // num_heads
        self.q_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.k_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.v_proj = torch.nn.Linear(embed_dim, embed_dim)
        self.out_proj = torch.nn.Linear(embed_dim, embed_dim)

    def _heads(self, y):
        B, T, E = y.shape
        return y.reshape(B, T, self.num_heads, self.head_dim).permute(0, 2, 1, 3)

    def forward(self, x, cache=None):
        B, T, E = x.shape
        q, k_new, v_new = self._heads(self.q_proj(x)), self._heads(self.k_proj(x)), self._heads(self.v_proj(x))
        if cache is None:
            k = x.new_zeros(B, self.num_heads, 0, self.head_dim)
            v = x.new_zeros(B, self.num_heads, 0, self.head_dim)
        else:
            k, v = cache[0], cache[1]
        outputs = []
        for t in range(T):
            # token t sees the cache and the new tokens up to itself
            k = torch.cat([k, k_new[:, :, t:t + 1]], dim=2)
            v = torch.cat([v, v_new[:, :, t:t + 1]], dim=2)
            scores = q[:, :, t:t + 1] @ k.transpose(2, 3) / math.sqrt(self.head_dim)
            outputs.append(torch.softmax(scores, dim=-1) @ v)
        heads = torch.cat(outputs, dim=2)  # B, H, T, hd
        merged = heads.permute(0, 2, 1, 3).reshape(B, T, E)
        return self.out_proj(merged), (k, v)
