"""Isolation of sandboxed children: prepared once per zygote, entered by each child.

Base levels, strongest first:

``namespaces+uid``  root: each child gets new mount, network, IPC and UTS
    namespaces, the zygote's allow-listed read-only root (:mod:`filesystem`) with
    an empty size-capped ``/work`` of its own, ``chroot`` into it, a private
    unprivileged uid, ``no_new_privs`` and resource limits.
``namespaces``  not root but user namespaces allowed: the same inside a user
    namespace (the child keeps the user's real uid outside it).
``weak``  neither: resource limits and an empty temporary working directory
    only; the child can read what the grader's user can read (as root: it runs
    under the slot's private unprivileged uid, ``weak+uid``, and reads what any
    user can). ``grade`` refuses this level unless told otherwise.

Features added where the machine allows, each named in the level string
(e.g. ``namespaces+uid+pidns+seccomp+cgroup``):

``pidns``  each child is process 1 of a new PID namespace: it sees only its own
    tree in its own read-only ``/proc``, and when it exits the kernel kills
    everything it started.
``seccomp``  the filter of :mod:`seccomp` (ptrace, mount, namespaces, bpf,
    io_uring, sockets of any family… fail; socketpair stays).
``cgroup``  the slot's control group (:mod:`cgroups`): memory and processes are
    limited, and CPU time counted, for the child's whole process tree. Without
    it the fallback is per-process: an address-space limit and a cap on the
    processes of the uid, so a tree can hold at most (processes × limit) and the
    wall-clock deadlines bound its CPU time.

Every step raises on failure (:class:`IsolationError`), so a child never runs
candidate code half-isolated.
"""

from __future__ import annotations

import os
import resource
import socket
from dataclasses import dataclass

from grader.sandbox import cgroups
from grader.sandbox.filesystem import WORK_DIRS
from grader.sandbox.syscalls import (CLONE_NEWIPC, CLONE_NEWNET, CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUTS,
                                     MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_RDONLY, PR_SET_DUMPABLE,
                                     PR_SET_NO_NEW_PRIVS, PR_SET_PDEATHSIG, mount, prctl, setns, unshare)

STRONG, USERNS, WEAK = "namespaces+uid", "namespaces", "weak"
PIDNS, SECCOMP, CGROUP, UID = "pidns", "seccomp", "cgroup", "uid"
FEATURES = (UID, PIDNS, SECCOMP, CGROUP)  # UID: a weak level's private uid (the strong level's is in its name)

UID_SPAN = 4000
DEFAULT_UID_BASE = 61000
SANDBOX_HOSTNAME = "sandbox"  # what a child of the strong level reads as the host name


def sandbox_uid(zygote_pid: int, base: int = DEFAULT_UID_BASE) -> int:
    """The private uid of a zygote's children (graders sharing a machine set distinct bases)."""
    return base + zygote_pid % UID_SPAN


class IsolationError(OSError):
    """An isolation step failed; the child must not run candidate code."""


@dataclass(frozen=True)
class ChildLimits:
    cpu_seconds: int
    memory_bytes: int
    max_processes: int
    max_file_bytes: int
    max_open_files: int = 256


@dataclass
class Setup:
    """How a zygote's children are isolated (prepared once, before any child)."""

    level: str
    uid: int
    root: str | None = None  # the allow-listed root (namespaces levels)
    work: str = WORK_DIRS[0]  # the child's own folder in that root (filesystem.MountPlan.work)
    group: cgroups.Group | None = None
    seccomp_filter: object | None = None
    pid_namespaces: bool = False
    weak_workdirs: str | None = None  # where weak children get their directories
    private_uid: bool = False  # children run as ``uid``, the slot's own (every process of it is theirs)

    @property
    def features(self) -> list[str]:
        return [name for name, on in ((UID, self.level == WEAK and self.private_uid),
                                      (PIDNS, self.pid_namespaces),
                                      (SECCOMP, self.seccomp_filter is not None),
                                      (CGROUP, self.group is not None)) if on]

    @property
    def name(self) -> str:
        """The isolation level as results record it: the base level and its features."""
        return "+".join([self.level, *self.features])


def base_level(name: str) -> str:
    """``namespaces+uid+pidns+seccomp`` -> ``namespaces+uid``."""
    for level in (STRONG, USERNS, WEAK):
        if name == level or name.startswith(level + "+"):
            rest = name[len(level):].lstrip("+").split("+") if name != level else []
            if all(part in FEATURES for part in rest if part):
                return level
    return name


def _become(uid: int) -> None:
    """Drop root for good: no supplementary groups, ``uid`` as every user and group id."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def new_pid_namespace_for_next_child(own_namespace_fd: int) -> None:
    """Make the next fork the first process of a fresh PID namespace (called by the zygote).

    ``unshare(CLONE_NEWPID)`` can only be done once while the namespace for
    children differs from one's own, so the zygote first returns to its own.
    """
    setns(own_namespace_fd, CLONE_NEWPID)
    unshare(CLONE_NEWPID)


def _virtual_memory_bytes() -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def _user_task_count(uid: int) -> int:
    """Processes and threads of ``uid``: what ``RLIMIT_NPROC`` counts."""
    count = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid == uid:
                    count += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return count


def _apply_limits(setup: Setup, limits: ChildLimits, *, base_memory: int, extra_processes: int) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits.max_file_bytes, limits.max_file_bytes))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.max_open_files, limits.max_open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if setup.group is None:  # the per-process fallback (see the module docstring)
        memory = base_memory + limits.memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    nproc = limits.max_processes + extra_processes
    resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))


def _enter_root(setup: Setup, limits: ChildLimits, *, owner: int | None) -> None:
    root = setup.root
    unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    socket.sethostname(SANDBOX_HOSTNAME)  # its own UTS namespace: the machine's name is not its business
    mount("tmpfs", root + setup.work, "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={max(limits.max_file_bytes, 4096)},mode=700")
    if owner is not None:
        os.chown(root + setup.work, owner, owner)
    if setup.pid_namespaces:
        mount("proc", root + "/proc", "proc", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(root)
    os.chroot(".")
    os.chdir(setup.work)


def enter(setup: Setup, limits: ChildLimits, *, weak_workdir: str | None = None) -> None:
    """Isolate the calling (freshly forked) child; raise :class:`IsolationError` on any failure."""
    try:
        prctl(PR_SET_PDEATHSIG, 9)  # die with the zygote
        if setup.group is not None:  # born in the slot's group; the first the OOM killer picks there
            with open("/proc/self/oom_score_adj", "w") as fh:
                fh.write("1000")
        base_memory = _virtual_memory_bytes()  # before /proc is replaced
        if setup.level == STRONG:
            _enter_root(setup, limits, owner=setup.uid)
            _apply_limits(setup, limits, base_memory=base_memory, extra_processes=0)
            _become(setup.uid)
        elif setup.level == WEAK and setup.private_uid:
            if weak_workdir:
                os.chdir(weak_workdir)
                os.chown(weak_workdir, setup.uid, setup.uid)
            _apply_limits(setup, limits, base_memory=base_memory, extra_processes=0)
            _become(setup.uid)
        elif setup.level == USERNS:
            extra = 0 if setup.pid_namespaces else _user_task_count(os.getuid())
            _enter_root(setup, limits, owner=None)
            _apply_limits(setup, limits, base_memory=base_memory, extra_processes=extra)
        elif setup.level == WEAK:
            extra = _user_task_count(os.getuid()) if os.getuid() != 0 else 0
            if weak_workdir:
                os.chdir(weak_workdir)
            _apply_limits(setup, limits, base_memory=base_memory, extra_processes=extra)
        else:
            raise IsolationError(0, f"unknown isolation level {setup.level!r}")
        prctl(PR_SET_NO_NEW_PRIVS, 1)
        prctl(PR_SET_DUMPABLE, 0)
        if setup.seccomp_filter is not None:
            setup.seccomp_filter.load()
    except IsolationError:
        raise
    except Exception as exc:  # OSError from a step, or the seccomp binding's own errors
        raise IsolationError(getattr(exc, "errno", 0) or 0, f"{type(exc).__name__}: {exc}") from None
