"""sys.exit(0) inside the function: each test fails, nothing else is affected."""
import sys


def scaled_dot_product_attention(q, k, v, mask=None):
    sys.exit(0)
