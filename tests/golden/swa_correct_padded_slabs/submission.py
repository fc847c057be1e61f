import math

import torch
import torch.nn.functional as F


def sliding_window_attention(q, k, v, window, causal=True):
    if not window >= 1:
        raise ValueError("window must be >= 1")
    L, D = q.shape[-2], q.shape[-1]
    w = window
    # w - 1 rows of padding on both sides: the slab of a chunk never needs clipping
    kp = F.pad(k, (0, 0, w - 1, w - 1))
    vp = F.pad(v, (0, 0, w - 1, w - 1))
    outs = []
    for start in range(0, L, w):
        qc = q[..., start:start + w, :]
        n = qc.shape[-2]
        slab_k = kp[..., start:start + n + 2 * (w - 1), :]  # keys start-w+1 .. start+n+w-2
        slab_v = vp[..., start:start + n + 2 * (w - 1), :]
        pos_q = torch.arange(start, start + n).unsqueeze(1)
        pos_k = torch.arange(start - (w - 1), start + n + (w - 1)).unsqueeze(0)
        dist = pos_q - pos_k
        visible = (dist < w) & (dist >= 0 if causal else dist > -w)
        visible = visible & (pos_k >= 0) & (pos_k < L)  # padding rows are never keys
        s = (qc @ slab_k.transpose(-1, -2)) / math.sqrt(D)
        s = s.masked_fill(~visible, -math.inf)
        outs.append(torch.softmax(s, dim=-1) @ slab_v)
    return torch.cat(outs, dim=-2)
