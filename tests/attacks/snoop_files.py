"""Looks for the reference solutions, hidden cases, grader code and other people's files.

Reports everything it could read in its exception message, which the test inspects.
"""
import glob
import os

TARGETS = "@TARGETS@"  # absolute paths filled in by the test


def scaled_dot_product_attention(q, k, v, mask=None):
    found = []
    for pattern in TARGETS.split("|") + ["/proc/1/environ", "/etc/passwd", "/root/*", "/home/*"]:
        for path in glob.glob(pattern) or [pattern]:
            try:
                with open(path, "rb") as fh:
                    fh.read(10)
                found.append(path)
            except OSError:
                pass
            if os.path.isdir(path):
                try:
                    found.append(path + "/:" + ",".join(sorted(os.listdir(path))))
                except OSError:
                    pass
    for name in ("grader.hidden", "grader.references", "grader.grading"):
        try:
            __import__(name)
            found.append("import " + name)
        except Exception:
            pass
    raise RuntimeError("FOUND=" + repr(found))
