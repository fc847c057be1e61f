"""A busy loop that ignores SIGTERM and SIGINT: stopped at the deadline anyway."""
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)


def scaled_dot_product_attention(q, k, v, mask=None):
    while True:
        pass
