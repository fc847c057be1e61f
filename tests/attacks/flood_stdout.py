"""Prints 50 MB: stopped by the output cap; what is kept is truncated."""
import sys


def scaled_dot_product_attention(q, k, v, mask=None):
    line = "<script>alert('x')</script>" * 40 + "\n"
    for _ in range(50 * 1024 * 1024 // len(line)):
        sys.stdout.write(line)
    raise RuntimeError("printed 50 MB")
