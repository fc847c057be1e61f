"""Sleeps forever: the wall-clock deadline applies, not only the CPU limit."""
import time


def scaled_dot_product_attention(q, k, v, mask=None):
    time.sleep(10_000)
