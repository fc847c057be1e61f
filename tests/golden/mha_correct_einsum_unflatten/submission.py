import torch


class MultiHeadAttention(torch.nn.Module):
    def __init__(self, embed_dim, num_heads, bias=True):
        super().__init__()
        head_dim, rest = divmod(embed_dim, num_heads)
        if rest:
            raise ValueError("embed_dim % num_heads != 0")
        self.num_heads, self.head_dim = num_heads, head_dim
        Linear = torch.nn.Linear
        self.q_proj = Linear(embed_dim, embed_dim, bias=bias)
        self.k_proj = Linear(embed_dim, embed_dim, bias=bias)
        self.v_proj = Linear(embed_dim, embed_dim, bias=bias)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias)

    def forward(self, query, key, value, mask=None, return_weights=False):
        H, d = self.num_heads, self.head_dim
        q = self.q_proj(query).unflatten(-1, (H, d)) * d ** -0.5  # b q h d
        k = self.k_proj(key).unflatten(-1, (H, d))  # b k h d
        v = self.v_proj(value).unflatten(-1, (H, d))  # b k h d

        scores = torch.einsum("bqhd,bkhd->bhqk", q, k)
        if mask is not None:
            scores = scores.masked_fill(~mask, -1e9)
        weights = scores.softmax(dim=-1)
        heads = torch.einsum("bhqk,bkhd->bqhd", weights, v)
        out = self.out_proj(heads.flatten(-2))
        return (out, weights) if return_weights else out
