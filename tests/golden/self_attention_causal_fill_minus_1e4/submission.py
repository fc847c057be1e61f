import torch
import torch.nn.functional as F

def self_attention(x, w_q, w_k, w_v, causal=False):
    Q, K, V = x @ w_q, x @ w_k, x @ w_v
    s = Q @ K.transpose(1, 2) * (w_q.shape[1] ** -0.5)
    if causal:
        L = x.shape[1]
        s = s + torch.full((L, L), -1e4, dtype=s.dtype, device=s.device).triu(1)
    return F.softmax(s, dim=-1) @ V
