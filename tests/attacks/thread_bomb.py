"""Starts a thousand threads: stopped by the process/thread limit."""
import threading
import time


def scaled_dot_product_attention(q, k, v, mask=None):
    started = 0
    try:
        for _ in range(1000):
            threading.Thread(target=time.sleep, args=(30,), daemon=True).start()
            started += 1
    except RuntimeError:
        pass
    raise RuntimeError(f"THREADS={started}")
