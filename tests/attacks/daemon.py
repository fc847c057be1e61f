"""Double-forks a daemon that waits, then tries to overwrite the grader's results."""
import os
import time

TARGET = "@TARGET@"  # a results.json of the class run, filled in by the test


def _daemon():
    os.setsid()
    if os.fork():
        os._exit(0)
    time.sleep(1.5)
    for path in (TARGET, "/tmp/attn-judge-daemon-was-here"):
        try:
            with open(path, "w") as fh:
                fh.write('{"score": 100}')
        except OSError:
            pass
    os._exit(0)


def scaled_dot_product_attention(q, k, v, mask=None):
    if os.fork() == 0:
        _daemon()
    raise RuntimeError("spawned a daemon")
