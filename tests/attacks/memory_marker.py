"""Reads its whole address space for another student's submission (a marker in its source)."""
import ctypes
import re

NEEDLE = re.compile(rb"ATTN" + rb"MARK[0-9a-f]{16}")


def _scan():
    found = set()
    for line in open("/proc/self/maps").read().splitlines():
        parts = line.split()
        # Anonymous memory, the heap and the stack: where another job's data or the
        # environment would be (file mappings may end past their file: SIGBUS).
        if not parts[1].startswith("r") or (len(parts) > 5 and parts[5] not in ("[heap]", "[stack]")):
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        for offset in range(start, end, 1 << 22):
            try:
                chunk = ctypes.string_at(offset, min(1 << 22, end - offset))
            except Exception:
                continue
            found.update(m.group(0).decode() for m in NEEDLE.finditer(chunk))
    return sorted(found)


def scaled_dot_product_attention(q, k, v, mask=None):
    raise RuntimeError("FOUND=" + repr(_scan()))
