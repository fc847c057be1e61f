"""Farah Haddad — self-attention (prints a lot while it works)."""

import math

import torch

print('<script>alert("hello from the submission")</script>')


def self_attention(x, w_q, w_k, w_v, causal=False):
    print("<b>shapes</b>", tuple(x.shape), "<img src=x onerror=alert(1)>")
    if causal:
        raise NotImplementedError('causal masking: <script>document.title="pwned"</script>')
    q, k, v = x @ w_q, x @ w_k, x @ w_v
    weights = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1]), dim=-1)
    return weights @ v
