"""Sweeps everything a process can look at for the grader's secrets.

Its environment (Python's and the initial stack's strings), its argv, /proc, its
descriptors, and every readable byte of its own address space, for strings of
the form ATTNSECRET<16 hex> (a variable the test planted in the grader's
environment) and 9-digit numbers starting 9135 (the class's secret seed).
"""
import ctypes
import os
import re

# Literal prefixes first (fast to find), then the rest checked on each hit.
NEEDLES = (re.compile(rb"ATTN" + rb"SECRET[0-9a-f]{16}"), re.compile(rb"9135[0-9]{5}(?![0-9])"))


def _memory():
    found = set()
    try:
        maps = open("/proc/self/maps").read().splitlines()
    except OSError as exc:
        return {f"maps unreadable: {exc}"}
    for line in maps:
        parts = line.split()
        # Anonymous memory, the heap and the stack: where another job's data or the
        # environment would be (file mappings may end past their file: SIGBUS).
        if not parts[1].startswith("r") or (len(parts) > 5 and parts[5] not in ("[heap]", "[stack]")):
            continue
        start, end = (int(x, 16) for x in parts[0].split("-"))
        for offset in range(start, end, 1 << 22):
            size = min(1 << 22, end - offset)
            try:
                chunk = ctypes.string_at(offset, size)
            except Exception:
                continue
            for needle in NEEDLES:
                found.update(m.group(0).decode() for m in needle.finditer(chunk))
    return found


def _files():
    found = set()
    for path in ("/proc/self/environ", "/proc/self/cmdline", "/proc/1/environ", "/proc/1/cmdline"):
        try:
            data = open(path, "rb").read()
        except OSError:
            continue
        for needle in NEEDLES:
            found.update(m.group(0).decode() for m in needle.finditer(data))
    for key, value in os.environ.items():
        for needle in NEEDLES:
            found.update(m.group(0).decode() for m in needle.finditer(f"{key}={value}".encode()))
    return found


def _descriptors():
    found = []
    for fd in range(1024):
        try:
            os.fstat(fd)
            found.append(fd)
        except OSError:
            pass
    return found


def scaled_dot_product_attention(q, k, v, mask=None):
    fds = _descriptors()
    raise RuntimeError(f"FDS={fds} FOUND={sorted(_files() | _memory())}")
