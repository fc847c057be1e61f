"""Under weak isolation, tries what root could do: writes outside its folder, starts more processes
than its allowance, and leaves a daemon behind (started with setsid, so that its group dies
without it); says which uid it runs as."""
import os
import time

OUTSIDE = "@OUTSIDE@"  # a file in a folder of the grader's, filled in by the test


def _daemon():
    os.setsid()
    if os.fork():
        os._exit(0)
    time.sleep(1.5)
    with open(OUTSIDE + ".daemon", "w") as fh:
        fh.write("outlived the submission")
    os._exit(0)


def scaled_dot_product_attention(q, k, v, mask=None):
    print(f"uid={os.getuid()}")
    try:
        with open(OUTSIDE, "w") as fh:
            fh.write("written outside")
    except OSError as exc:
        print(f"outside: {type(exc).__name__}")
    started = 0
    try:
        for _ in range(40):
            if os.fork() == 0:
                time.sleep(1)
                os._exit(0)
            started += 1
    except OSError:
        pass
    print(f"started {started} of 40")
    if os.fork() == 0:
        _daemon()
    raise RuntimeError("done")
