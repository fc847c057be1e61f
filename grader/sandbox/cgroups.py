"""One control group per sandbox slot: limits and counters for a submission's whole process tree.

A submission's child, and everything it forks, runs inside its slot's group:
memory is limited (and its peak counted) for the tree together, the number of
processes and threads is capped for the tree, and its CPU time is counted for
the tree, so forking does not multiply any limit. The groups are created by the
zygote (which runs as root), joined by the child before it drops privileges,
and read by the trusted side; the child cannot reach the cgroup file system
(it is not in its root).

Each slot's group also gets an equal share of the processor (v2: the ``cpu``
controller; v1: the ``cpu`` controller where it is mounted): a submission that
starts many busy processes, each in a session of its own, then competes with
another slot's submission as one group, not as one process each (the kernel's
per-session autogroups would otherwise give it one share per session).

Both hierarchies are supported: cgroup v2 (``memory.max``, ``memory.peak``,
``pids.max``, ``cpu.stat``, ``cgroup.kill``) and the v1 controllers
``memory``, ``pids`` and ``cpuacct`` (and ``cpu`` where present) mounted separately. Where neither can be
used (not root, no delegated subtree) :func:`create` returns None and the
sandbox falls back to per-process resource limits (and says so).
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass

ROOT = "/sys/fs/cgroup"
PREFIX = "attn-judge-"


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _keyed(path: str) -> dict[str, int]:
    """A "key value" per line file (memory.stat, memory.events, pids.events, cpu.stat...)."""
    values = {}
    for line in _read(path).splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            values[key] = int(value)
    return values


def _write(path: str, text: str) -> None:
    with open(path, "w") as fh:
        fh.write(text)


def _own_group(controller: str | None) -> str | None:
    """This process's group path in the hierarchy of ``controller`` (None: the v2 hierarchy)."""
    try:
        lines = _read("/proc/self/cgroup").splitlines()
    except OSError:
        return None
    for line in lines:
        number, controllers, path = line.split(":", 2)
        if controller is None and number == "0" and controllers == "":
            return path
        if controller is not None and controller in controllers.split(","):
            return path
    return None


def own_memory_limit() -> int | None:
    """The memory limit (bytes) of the group this process runs in, its ancestors' included; None if none.

    In a container this is the container's limit, which the machine's physical
    memory does not show. v2: the smallest ``memory.max`` from this group up to
    the root of the mount; v1: the memory controller's ``hierarchical_memory_limit``.
    """
    limits = []
    own = _own_group(None)
    if own is not None and os.path.exists(os.path.join(ROOT, "cgroup.controllers")):
        path = own.strip("/")
        while True:
            try:
                value = _read(os.path.join(ROOT, path, "memory.max")).strip()
            except OSError:
                value = ""
            if value.isdigit():
                limits.append(int(value))
            if not path:
                break
            path = os.path.dirname(path)
    own_v1 = _own_group("memory")
    if own_v1 is not None:
        try:
            stat = _keyed(os.path.join(ROOT, "memory", own_v1.lstrip("/"), "memory.stat"))
        except OSError:
            stat = {}
        if stat.get("hierarchical_memory_limit", 0) > 0:
            limits.append(stat["hierarchical_memory_limit"])
    return min(limits) if limits else None


@dataclass(frozen=True)
class Group:
    """The directories of one slot's group (v2: one; v1: one per controller)."""

    version: int
    memory: str
    pids: str
    cpu: str
    share: str | None = None  # v1: the cpu controller's group (v2: the same leaf, with +cpu)

    @property
    def directories(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(d for d in (self.memory, self.pids, self.cpu, self.share) if d))

    def join(self, pid: int = 0) -> None:
        """Move ``pid`` (0: the caller) into the group (in every hierarchy)."""
        for directory in self.directories:
            _write(os.path.join(directory, "cgroup.procs"), str(pid))

    def set_limits(self, *, memory_bytes: int, max_tasks: int) -> None:
        if self.version == 2:
            _write(os.path.join(self.memory, "memory.max"), str(memory_bytes))
            _write_optional(os.path.join(self.memory, "memory.swap.max"), "0")
        else:  # memory+swap may never be below memory: raise it first, lower it last
            memory = os.path.join(self.memory, "memory.limit_in_bytes")
            memsw = os.path.join(self.memory, "memory.memsw.limit_in_bytes")
            try:
                _write(memory, str(memory_bytes))
                _write_optional(memsw, str(memory_bytes))
            except OSError:
                _write_optional(memsw, str(memory_bytes))
                _write(memory, str(memory_bytes))
        _write(os.path.join(self.pids, "pids.max"), str(max_tasks))

    def memory_usage(self) -> int:
        name = "memory.current" if self.version == 2 else "memory.usage_in_bytes"
        return int(_read(os.path.join(self.memory, name)))

    def memory_limit(self) -> int | None:
        """The group's memory limit now (bytes); None where it has none."""
        value = _read(os.path.join(self.memory, "memory.max" if self.version == 2 else "memory.limit_in_bytes"))
        return int(value) if value.strip().isdigit() else None

    def memory_in_use(self) -> int:
        """The usage without what the kernel can take back (:meth:`reclaimable`): what the group's
        processes hold, shmem (a child's tmpfs) and the kernel memory that cannot be freed included.

        A child's limit comes on top of this figure, read as it is forked, when
        the slot holds the zygote alone. Not the usage: it also counts the page
        cache of files earlier children read and the dentries of paths they
        looked up (hundreds of MiB), which the kernel frees when the next child
        needs the room, so a limit on top of them would hand that child the
        same amount again.
        """
        return max(0, self.memory_usage() - self.reclaimable())

    def reclaimable(self) -> int:
        """What the kernel can take back from the group when it needs room: its page cache (not
        shmem) and kernel memory such as the dentries its processes looked up (v2: the reclaimable
        slab; v1: all kernel memory, which the controller does not split).

        A group near its limit pays for new memory with these instead of growing, so a drop in
        them during a measured call is memory the call used (:mod:`grader.supervisor`).
        """
        stat = _keyed(os.path.join(self.memory, "memory.stat"))
        if self.version == 2:
            return max(0, stat.get("file", 0) - stat.get("shmem", 0)) + stat.get("slab_reclaimable", 0)
        try:
            kernel = int(_read(os.path.join(self.memory, "memory.kmem.usage_in_bytes")))
        except (OSError, ValueError):
            kernel = 0
        return max(0, stat.get("cache", 0) - stat.get("shmem", 0)) + kernel

    def peak_meter(self) -> "PeakMeter | None":
        """Restart the peak counter now; None where the kernel cannot (v2 before Linux 6.12)."""
        try:
            if self.version == 1:
                path = os.path.join(self.memory, "memory.max_usage_in_bytes")
                _write(path, "0")
                return PeakMeter(path, None)
            # v2: a write resets the peak *as seen through that open file* (Linux 6.12+).
            fd = os.open(os.path.join(self.memory, "memory.peak"), os.O_RDWR)
            try:
                os.write(fd, b"reset\n")
            except OSError:
                os.close(fd)
                return None
            return PeakMeter(None, fd)
        except OSError:
            return None

    def oom_kills(self) -> int:
        """How many processes of the group the kernel killed for memory, so far."""
        name = "memory.events" if self.version == 2 else "memory.oom_control"
        return _keyed(os.path.join(self.memory, name)).get("oom_kill", 0)

    def memory_limit_hits(self) -> int:
        """How many times the group's memory reached its limit (reclaimed, or a kill), so far."""
        if self.version == 2:
            events = _keyed(os.path.join(self.memory, "memory.events"))
            return events.get("max", 0) + events.get("oom_kill", 0)
        hits = int(_read(os.path.join(self.memory, "memory.failcnt")))
        try:  # memory+swap has the same limit and is charged first: its counter records the hits
            return hits + int(_read(os.path.join(self.memory, "memory.memsw.failcnt")))
        except OSError:  # no swap accounting
            return hits

    def tasks_refused(self) -> int:
        """How many forks the process cap refused, so far."""
        try:
            return _keyed(os.path.join(self.pids, "pids.events")).get("max", 0)
        except OSError:
            return 0

    def cpu_seconds(self) -> float:
        """CPU time (user + system) of every process that ran in the group."""
        if self.version == 2:
            return _keyed(os.path.join(self.cpu, "cpu.stat")).get("usage_usec", 0) / 1e6
        return int(_read(os.path.join(self.cpu, "cpuacct.usage"))) / 1e9

    def members(self) -> list[int]:
        found = set()
        for directory in self.directories:
            try:
                found.update(int(p) for p in _read(os.path.join(directory, "cgroup.procs")).split())
            except OSError:
                pass
        return sorted(found)

    def kill_all(self, *, exclude: set[int] = frozenset(), timeout: float = 5.0) -> bool:
        """Kill every process of the group but ``exclude`` and wait until they are gone; False on timeout."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = [p for p in self.members() if p not in exclude]
            if not pids:
                return True
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    pass
            time.sleep(0.002)
        return not [p for p in self.members() if p not in exclude]

    def remove(self) -> None:
        """Kill what is left, leave the group (when the caller is in it), give back what the
        kernel still charges to it, and delete it."""
        self.kill_all(exclude={os.getpid()}, timeout=2.0)
        for directory in self.directories:  # back to the parent group, so that it can be removed
            parent = os.path.dirname(directory.rstrip("/"))
            if self.version == 2:
                parent = os.path.dirname(parent)
            _write_optional(os.path.join(parent, "cgroup.procs"), "0")
        self._reclaim()
        for directory in self.directories:
            try:
                os.rmdir(directory)
            except OSError:  # a process of it is still alive: the next pool removes it (remove_stale)
                pass

    def _reclaim(self) -> None:
        """Free the page cache and kernel memory (dentries a submission looked up by the hundred
        thousand) still charged to the group, best effort: deleting it would hand them to the
        parent group, the grader's own, for as long as the kernel keeps them."""
        if self.version == 1:
            _write_optional(os.path.join(self.memory, "memory.force_empty"), "0")
            return
        try:
            _write(os.path.join(self.memory, "memory.reclaim"), str(self.memory_usage()))
        except (OSError, ValueError):  # before Linux 5.19, or not everything could be freed
            pass


class PeakMeter:
    """The peak memory of a group since the meter was made."""

    def __init__(self, path: str | None, fd: int | None):
        self._path, self._fd = path, fd

    def read(self) -> int:
        if self._fd is not None:
            return int(os.pread(self._fd, 64, 0))
        return int(_read(self._path))

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _write_optional(path: str, text: str) -> None:
    try:
        _write(path, text)
    except OSError:
        pass


def _v2_base() -> str | None:
    """A v2 directory we may create groups in, with the memory and pids controllers."""
    own = _own_group(None)
    for mount in (ROOT, os.path.join(ROOT, "unified")):
        if own is None or not os.path.exists(os.path.join(mount, "cgroup.controllers")):
            continue
        base = os.path.join(mount, own.lstrip("/"))
        try:
            available = set(_read(os.path.join(base, "cgroup.controllers")).split())
        except OSError:
            continue
        if {"memory", "pids"} <= available and os.access(base, os.W_OK):
            return base
    return None


def _v1_base(controller: str) -> str | None:
    """This process's group in v1's ``controller`` (mounted at its own name), if writable."""
    own = _own_group(controller)
    if own is None:
        return None
    base = os.path.join(ROOT, controller, own.lstrip("/"))
    return base if os.path.isdir(base) and os.access(base, os.W_OK) else None


def _v1_share(group_name: str) -> str | None:
    """The slot's group in v1's ``cpu`` controller, where it is mounted apart and writable; its
    default weight equals every other slot's. None otherwise (CPU time is still counted and capped)."""
    base = _v1_base("cpu")
    if base is None:
        return None
    directory = os.path.join(base, group_name)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError:
        return None
    return directory


def create(name: str) -> Group | None:
    """Create the group ``attn-judge-<name>``; None where this process cannot.

    On v2 the group is a leaf under a group of its own (``…/attn-judge-<name>/run``),
    so that enabling controllers never conflicts with "no internal processes".
    """
    group_name = PREFIX + name
    try:
        base = _v2_base()
        if base is not None:
            parent = os.path.join(base, group_name)
            os.makedirs(parent, exist_ok=True)
            _write(os.path.join(parent, "cgroup.subtree_control"), "+memory +pids +cpu")
            leaf = os.path.join(parent, "run")
            os.makedirs(leaf, exist_ok=True)
            return Group(2, leaf, leaf, leaf)
        bases = {c: _v1_base(c) for c in ("memory", "pids", "cpuacct")}
        if all(bases.values()):
            dirs = {c: os.path.join(b, group_name) for c, b in bases.items()}
            for directory in dirs.values():
                os.makedirs(directory, exist_ok=True)
            _write_optional(os.path.join(dirs["memory"], "memory.use_hierarchy"), "1")
            return Group(1, dirs["memory"], dirs["pids"], dirs["cpuacct"], share=_v1_share(group_name))
    except OSError:
        return None
    return None


def remove_stale() -> int:
    """Remove groups of sandboxes whose zygote is gone (left by a grader that was killed)."""
    removed = 0
    bases = [b for b in (_v2_base(), *(_v1_base(c) for c in ("memory", "pids", "cpuacct", "cpu"))) if b]
    for base in bases:
        try:
            names = [n for n in os.listdir(base) if n.startswith(PREFIX)]
        except OSError:
            continue
        for name in names:
            owner = name[len(PREFIX):].split("-")[0]
            if owner.isdigit() and os.path.exists(f"/proc/{owner}"):
                continue
            path = os.path.join(base, name)
            for leaf in (os.path.join(path, "run"), path):
                try:
                    os.rmdir(leaf)
                    removed += leaf == path
                except OSError:
                    pass
    return removed
