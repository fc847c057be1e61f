"""Isolation of a forked candidate child (runs in the child, before candidate code).

Levels, strongest first (``probe_level`` tells which one this machine allows):

``namespaces+uid``  root: new mount, network, IPC and UTS namespaces; a fresh
    root file system that holds only the Python installation (read-only, with
    the grader package and its data hidden) and an empty size-capped working
    directory; ``chroot`` into it; then a drop to an unprivileged uid of this
    worker's own, ``no_new_privs``, and resource limits.
``namespaces``  not root but user namespaces allowed: the same namespaces and
    file system, inside a user namespace (the child keeps the user's real uid
    outside it).
``weak``  neither: resource limits, a new session and an empty temporary
    working directory only; the child can read what the user running the
    grader can read. ``grade`` refuses this level unless told otherwise.

Limits in every level: CPU seconds, address space, processes/threads (per uid),
file size, open files, no core dumps. Steps that fail raise
:class:`IsolationError`, so a child never runs candidate code half-isolated.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import resource
import sys
import tempfile
from dataclasses import dataclass

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV = 1, 2, 4
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38

STRONG, USERNS, WEAK = "namespaces+uid", "namespaces", "weak"
LEVEL_DESCRIPTIONS = {
    STRONG: "Linux namespaces (mount, network, IPC, UTS), private read-only root, "
            "unprivileged uid, resource limits",
    USERNS: "Linux user namespace with mount, network, IPC and UTS namespaces, private "
            "read-only root, resource limits (same uid as the grader outside)",
    WEAK: "resource limits and a temporary directory only (no namespaces): the submission "
          "can read files the grader's user can read",
}

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


class IsolationError(OSError):
    """An isolation step failed; the child must not run candidate code."""


@dataclass(frozen=True)
class ChildLimits:
    cpu_seconds: int
    memory_bytes: int
    max_processes: int
    max_file_bytes: int
    max_open_files: int = 256


def _check(result: int, what: str) -> None:
    if result != 0:
        errno = ctypes.get_errno()
        raise IsolationError(errno, f"{what}: {os.strerror(errno)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    enc = lambda s: None if s is None else s.encode()
    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags), enc(data)),
           f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


def _virtual_memory_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _mkdirs(path: str, mode: int = 0o755) -> None:
    os.makedirs(path, mode=mode, exist_ok=True)


def _is_under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def visible_paths(hidden: list[str]) -> list[str]:
    """Directories the child needs: the Python installation and system libraries."""
    candidates = {sys.prefix, sys.base_prefix, sys.exec_prefix, "/usr/lib", "/lib", "/lib64",
                  "/usr/lib64", "/usr/local/lib"}
    candidates |= {p for p in sys.path if p and os.path.isdir(p)}
    temp = os.path.realpath(tempfile.gettempdir())
    resolved = set()
    for path in candidates:
        real = os.path.realpath(path)
        if not os.path.isdir(real):
            continue
        if any(_is_under(real, h) for h in hidden) or _is_under(real, temp):
            continue  # the project checkout, the output directory, scratch space...
        resolved.add(real)
    # Keep only outermost directories.
    return sorted(p for p in resolved if not any(p != q and _is_under(p, q) for q in resolved))


def _build_root(root: str, *, hidden: list[str], work_bytes: int, uid: int | None) -> None:
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=755")
    for path in visible_paths(hidden):
        target = root + path
        _mkdirs(target)
        mount(path, target, None, MS_BIND | MS_REC)
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)
    for path in hidden:
        target = root + os.path.realpath(path)
        if os.path.isdir(target):  # a hidden folder inside a visible one
            mount("tmpfs", target, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
    _mkdirs(root + "/dev")
    for device in ("null", "zero", "urandom", "random"):
        target = f"{root}/dev/{device}"
        open(target, "w").close()
        mount(f"/dev/{device}", target, None, MS_BIND)
    work = root + "/work"
    _mkdirs(work)
    mount("tmpfs", work, "tmpfs", MS_NOSUID | MS_NODEV, f"size={max(work_bytes, 4096)},mode=700")
    if uid is not None:
        os.chown(work, uid, uid)
    if not os.path.lexists(root + "/tmp"):
        os.symlink("/work", root + "/tmp")
    os.chdir(root)
    os.chroot(".")
    os.chdir("/work")


def _apply_limits(limits: ChildLimits, *, base_memory: int, extra_processes: int = 0) -> None:
    memory = base_memory + limits.memory_bytes
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.max_open_files, limits.max_open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    nproc = limits.max_processes + extra_processes
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _user_process_count(uid: int) -> int:
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += 1
            except OSError:
                pass
    return count


def enter(level: str, *, root: str, hidden: list[str], uid: int, limits: ChildLimits,
          weak_workdir: str | None = None) -> None:
    """Isolate the calling (freshly forked) process at ``level``; raise on any failure."""
    prctl(PR_SET_PDEATHSIG, 9)  # die with the worker
    base_memory = _virtual_memory_bytes()  # before /proc disappears
    if level == STRONG:
        unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
        _build_root(root, hidden=hidden, work_bytes=limits.max_file_bytes, uid=uid)
        _apply_limits(limits, base_memory=base_memory)
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    elif level == USERNS:
        real_uid, real_gid = os.getuid(), os.getgid()
        extra = _user_process_count(real_uid)
        unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"0 {real_uid} 1")
        _write("/proc/self/gid_map", f"0 {real_gid} 1")
        _build_root(root, hidden=hidden, work_bytes=limits.max_file_bytes, uid=None)
        _apply_limits(limits, base_memory=base_memory, extra_processes=extra)
    elif level == WEAK:
        extra = _user_process_count(os.getuid()) if os.getuid() != 0 else 0
        if weak_workdir:
            os.chdir(weak_workdir)
        _apply_limits(limits, base_memory=base_memory, extra_processes=extra)
    else:
        raise IsolationError(0, f"unknown isolation level {level!r}")
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_DUMPABLE, 0)


def probe_level(root: str, uid: int) -> tuple[str, str]:
    """Fork throw-away children that try each level; return (strongest that works, why not stronger)."""
    levels = [STRONG, USERNS] if os.getuid() == 0 else [USERNS]
    reasons = []
    for level in levels:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - runs in the probe child
            os.close(read_end)
            try:
                enter(level, root=root, hidden=[], uid=uid,
                      limits=ChildLimits(cpu_seconds=5, memory_bytes=1 << 28, max_processes=4,
                                         max_file_bytes=1 << 16))
                os._exit(0)
            except BaseException as exc:
                os.write(write_end, f"{level}: {exc}".encode()[:500])
                os._exit(1)
        os.close(write_end)
        message = os.read(read_end, 500).decode(errors="replace")
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
            return level, "; ".join(reasons)
        reasons.append(message or f"{level}: failed")
    return WEAK, "; ".join(reasons) or "not root and no user namespaces"
