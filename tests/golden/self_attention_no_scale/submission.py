import torch


def self_attention(x, w_q, w_k, w_v, causal=False):
    # Q = X·W_Q, K = X·W_K, V = X·W_V
    Q = torch.matmul(x, w_q)
    K = torch.matmul(x, w_k)
    V = torch.matmul(x, w_v)
    scores = torch.matmul(Q, K.transpose(-1, -2))
    if causal:
        n = x.shape[-2]
        lower = torch.tril(torch.ones(n, n, device=x.device, dtype=torch.bool))
        scores = scores.masked_fill(lower.logical_not(), float("-inf"))
    return torch.matmul(torch.softmax(scores, dim=-1), V)
