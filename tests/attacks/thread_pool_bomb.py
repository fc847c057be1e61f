"""Asks torch for 64 threads: the OpenMP runtime stops the process when the thread limit refuses one."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    torch.set_num_threads(64)
    return torch.ones(8, 256, 256) @ torch.ones(8, 256, 256), None
