"""Overwrites every tensor it can reach in its memory (the tests' inputs its zygote keeps among
them, for every suite the zygote holds) and prints how many it spoiled."""
import gc

import torch


def _spoil() -> int:
    spoiled = 0
    for obj in gc.get_objects():
        if isinstance(obj, torch.Tensor) and obj.is_floating_point() and obj.numel():
            try:
                with torch.no_grad():
                    obj.fill_(float("nan"))
                spoiled += 1
            except RuntimeError:  # a view of read-only memory, a tensor autograd holds
                pass
    return spoiled


print(f"SPOILED={_spoil()}", flush=True)


def scaled_dot_product_attention(q, k, v, mask=None):
    print(f"SPOILED={_spoil()}", flush=True)
    return torch.zeros(q.shape[:-1] + v.shape[-1:], dtype=q.dtype)
