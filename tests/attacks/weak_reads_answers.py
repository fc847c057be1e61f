"""Under weak isolation, tries to read the installed package's answers: a reference solution, a
hidden test and a misconception reference (paths filled in by the test)."""
import os

ANSWERS = "@ANSWERS@".split("|")


def scaled_dot_product_attention(q, k, v, mask=None):
    for path in ANSWERS:
        try:
            with open(path) as fh:
                print(f"read {os.path.basename(path)}: {len(fh.read())} characters")
        except OSError as exc:
            print(f"refused {os.path.basename(path)}: {type(exc).__name__}")
    raise RuntimeError("done")
