"""Searches the whole visible file system for the grader's secrets and planted copies of them.

Walks every directory it can see (not /proc or /dev) and reports every path that
looks like grader data: a problem solution or its bytecode, a hidden case, the
package data folder, or a canary file the test planted in a place that must be
invisible (site-packages of the base interpreter, the user site, the class and
output folders...). Reads every small text file whose name is suspicious.
"""
import os

SUSPICIOUS_NAMES = ("_data", "solutions", "hidden", "misconceptions", "references.py", "problems",
                    "grading.py", "trusted_runner.py")  # whole path components
SUSPICIOUS_PARTS = ("attn_canary", "attn-judge", "attention_judge")
PROBLEM_FILES = ("scaled_dot_product_attention", "self_attention", "multi_head_attention",
                 "grouped_query_attention", "shared_qk_attention", "text_generation",
                 "positional_encoding")


def _search():
    found = []
    for top, dirs, files in os.walk("/", followlinks=False):
        if top in ("/proc", "/dev", "/sys"):
            dirs[:] = []
            continue
        for name in dirs + files:
            stem = name.split(".")[0]
            path = os.path.join(top, name)
            if name in SUSPICIOUS_NAMES or any(s in name for s in SUSPICIOUS_PARTS) or stem in PROBLEM_FILES:
                found.append(path)
                if name in files and os.path.getsize(path) < 100_000:
                    try:
                        with open(path, "rb") as fh:
                            if b"ATTN-CANARY" in fh.read():
                                found.append("CANARY-TEXT:" + path)
                    except OSError:
                        pass
        if len(found) > 200:
            break
    return found


def scaled_dot_product_attention(q, k, v, mask=None):
    raise RuntimeError("FOUND=" + repr(_search()))
