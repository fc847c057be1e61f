"""Returns 100 MB of output: refused at the result-size cap, never decoded."""
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    big = torch.zeros(25 * 1024 * 1024)
    return big, big
