"""The zygote: a pristine process with torch imported that forks one isolated child per run.

Started by the trusted process (:mod:`grader.pool`) as a fresh interpreter
with a minimal environment (an allow-list set at exec, so nothing of the
grader's environment exists anywhere in its memory) and one control socket as
its standard input. It imports torch, numpy and the sandbox's own modules —
never a reference solution, the hidden tests' code or an expected value — prepares the
isolation once (:func:`prepare`: the allow-listed root in a private mount
namespace, the seccomp filter, the slot's control group), runs the children's
code paths once on made-up data (:mod:`grader.warmup`, dropped afterwards: it is
not a module of the sandbox's), and then only
forks, from a thread of its own (:func:`serve_from_forker_thread`).

It never handles a job: the trusted side sends the child its submission and
tests through a pipe *after* the fork and reads the child's results directly,
so the process that forks children never holds another submission's source,
outputs or results, and no child can inherit them. Each fork request carries
exactly the child's three descriptors (its job input, its result channel, its
captured output), which are the only ones the child keeps.

It holds no test's inputs either: each child reads its own tests from its
pipe, so a child of one problem never finds another problem's hidden inputs in
the memory it inherits.

Control messages are small JSON packets on a ``SOCK_SEQPACKET`` socket:

- request ``{"op": "fork", "req": n, "limits": {...}}`` with three descriptors;
- reply ``{"op": "forked", "req": n, "pid": p}`` with a pidfd of the child;
- reply ``{"op": "exited", "req": n, "status": s, "oom_kills": k, "tasks_refused": t}``
  once the child (process 1 of its PID namespace: its whole tree with it) is gone.

At the end of its input it kills its child, removes its control group and its
root's mount point, and exits. A zygote killed outright leaves at most an empty
directory and an empty control group, which the next pool removes.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import selectors
import shutil
import socket
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

from grader.sandbox.execute import LAZY_AUTOGRAD_MODULES

# Modules a submission may reasonably import, loaded once before any fork so that
# each child gets them for free (and never has to read them inside its sandbox),
# and what the first backward pass would import in every child otherwise.
PRELOADED = ("collections", "dataclasses", "functools", "itertools", "math", "random", "typing",
             "numpy", "torch", "torch.nn", "torch.nn.functional", *LAZY_AUTOGRAD_MODULES)
for _name in PRELOADED:
    importlib.import_module(_name)

import torch  # noqa: E402

from grader.sandbox import cgroups, child, filesystem, guard, isolation, seccomp  # noqa: E402
from grader.sandbox.hugepages import advise_huge_pages  # noqa: E402
from grader.sandbox.isolation import (DEFAULT_UID_BASE, STRONG, USERNS, WEAK, ChildLimits, Setup,  # noqa: E402
                                      sandbox_uid)
from grader.sandbox.memory import fixed_mmap_threshold  # noqa: E402
from grader.sandbox.reaper import kill_uid  # noqa: E402
from grader.sandbox.syscalls import (CLONE_NEWNS, CLONE_NEWPID, CLONE_NEWUSER, MS_PRIVATE,  # noqa: E402
                                     MS_REC, PR_SET_CHILD_SUBREAPER, mount, prctl, setns,
                                     umount_lazily, unshare)

# Query (not compute) once before any fork: torch reads /proc/cpuinfo lazily, and the
# child's root has no such file. One intra-op thread keeps OpenMP from starting a pool
# (a fork after the pool started can deadlock the child).
torch.set_num_threads(1)
torch.backends.cpu.get_cpu_capability()

MAX_PACKET = 64 * 1024


def _probe(setup: Setup) -> str | None:
    """Fork a throw-away child that isolates itself exactly as a real one; None if it worked."""
    read_end, write_end = os.pipe()
    pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY) if setup.pid_namespaces else None
    try:
        if pid_ns is not None:
            isolation.new_pid_namespace_for_next_child(pid_ns)
        pid = os.fork()
    except OSError as exc:
        os.close(read_end)
        os.close(write_end)
        return f"{exc}"
    finally:
        if pid_ns is not None:
            os.close(pid_ns)
    if pid == 0:  # pragma: no cover - the probe child
        os.close(read_end)
        try:
            workdir = tempfile.mkdtemp(dir=setup.weak_workdirs) if setup.level == WEAK else None
            isolation.enter(setup, ChildLimits(cpu_seconds=5, memory_bytes=1 << 28, max_processes=4,
                                               max_file_bytes=1 << 16), weak_workdir=workdir)
            os._exit(0)
        except BaseException as exc:
            os.write(write_end, f"{type(exc).__name__}: {exc}".encode()[:500])
            os._exit(1)
    os.close(write_end)
    message = os.read(read_end, 500).decode(errors="replace")
    os.close(read_end)
    _, status = os.waitpid(pid, 0)
    if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return None
    return message or f"the probe child ended with status {status}"


def _private_root(*, user_namespace: bool, package_root: str) -> tuple[str, str]:
    """Enter a private mount namespace (and user namespace) and build the allow-listed root; return
    it and the folder in it where children work."""
    if user_namespace:
        uid, gid = os.getuid(), os.getgid()
        unshare(CLONE_NEWUSER | CLONE_NEWNS)
        for name, text in (("setgroups", "deny"), ("uid_map", f"0 {uid} 1"), ("gid_map", f"0 {gid} 1")):
            with open(f"/proc/self/{name}", "w") as fh:
                fh.write(text)
    else:
        unshare(CLONE_NEWNS)
    mount("none", "/", None, MS_REC | MS_PRIVATE)
    root = tempfile.mkdtemp(prefix=f"attn-judge-root-{os.getpid()}-")
    mount_plan = filesystem.plan(package_root=package_root)
    filesystem.build_root(root, mount_plan)
    return root, mount_plan.work


def prepare(*, uid: int, package_root: str, force_weak: bool) -> tuple[Setup, str]:
    """The strongest isolation this machine allows, proved by a probe child; and why not stronger."""
    reasons = []
    group = None if force_weak else cgroups.create(str(os.getpid()))
    if group is not None:
        try:
            # Children are born in the group (moving a process into a cgroup costs 5-20 ms per
            # child); each child makes itself the OOM killer's first choice there.
            group.join()
        except OSError as exc:
            reasons.append(f"cgroup: {exc}")
            group.remove()
            group = None
    syscall_filter = seccomp.compile_program()
    confined_filter = seccomp.compile_program(confine_signals=True)  # for children that see every process
    if syscall_filter is None:
        reasons.append("seccomp: pyseccomp or libseccomp is not available")
    if group is None and not force_weak:
        reasons.append("cgroup: no control group can be created here")
    candidates = [] if force_weak else ([STRONG] if os.getuid() == 0 else [USERNS])
    for level in candidates:
        try:
            root, work = _private_root(user_namespace=level == USERNS, package_root=package_root)
        except (OSError, ValueError) as exc:
            reasons.append(f"{level}: {exc}")
            continue
        for pid_namespaces in (True, False):
            setup = Setup(level=level, uid=uid, root=root, work=work, group=group,
                          seccomp_filter=syscall_filter if pid_namespaces else confined_filter,
                          pid_namespaces=pid_namespaces, private_uid=level == STRONG)
            failure = _probe(setup)
            if failure is None:
                return setup, "; ".join(reasons)
            reasons.append(f"{setup.name}: {failure}")
        break  # the mount namespace is changed now; fall back to weak
    if force_weak:
        reasons.append("weak isolation was requested")
    workdirs = tempfile.mkdtemp(prefix=f"attn-judge-work-{os.getpid()}-")
    as_root = os.getuid() == 0
    if as_root:  # a child under the private uid reaches its own directory in there, and no other
        os.chmod(workdirs, 0o711)
    for private_uid in ((True, False) if as_root else (False,)):  # root's powers given up first
        for syscall_filter_or_none in (confined_filter, None):
            setup = Setup(level=WEAK, uid=uid if private_uid else os.getuid(), group=group,
                          seccomp_filter=syscall_filter_or_none, weak_workdirs=workdirs, private_uid=private_uid)
            failure = _probe(setup)
            if failure is None:
                return setup, "; ".join(reasons)
            reasons.append(f"{setup.name}: {failure}")
    return Setup(level=WEAK, uid=os.getuid(), weak_workdirs=workdirs), "; ".join(reasons)


def _close_all(fds: list[int]) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _end_untracked(pid: int) -> None:
    """Kill and reap a child this zygote could not keep track of (it would run unbounded)."""
    try:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
    except OSError:
        pass


class Zygote:
    """The fork loop (one child at a time)."""

    def __init__(self, control: socket.socket, setup: Setup):
        self.control = control
        self.setup = setup
        self.pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY) if setup.pid_namespaces else None
        self.child: tuple[int, int, int, int, int] | None = None  # pid, pidfd, req, oom, refused
        self.workdir: str | None = None  # a weak child's directory
        self.selector = selectors.DefaultSelector()
        self.selector.register(control, selectors.EVENT_READ, "control")

    def send(self, message: dict, fds: list[int] = ()) -> None:
        data = json.dumps(message).encode()
        if fds:
            socket.send_fds(self.control, [data], list(fds))
        else:
            self.control.send(data)

    def serve(self) -> None:
        while True:
            for key, _ in self.selector.select():
                if key.data == "child":
                    self.reap()
                    continue
                data, fds, _, _ = socket.recv_fds(self.control, MAX_PACKET, 8)
                if not data:
                    for fd in fds:
                        os.close(fd)
                    return
                try:
                    request = json.loads(data)
                except ValueError:
                    request = {}
                self._answer(request, fds)

    def _answer(self, request: dict, fds: list[int]) -> None:
        """Do what ``request`` asks; a request that fails is said to have failed, and the zygote
        serves on."""
        op = request.get("op")
        try:
            if op == "fork" and len(fds) == 3:
                self.fork(request, fds)
            else:
                _close_all(fds)
        except Exception as exc:
            _close_all(fds)
            self.send({"op": "failed", "req": request.get("req"), "error": f"{exc}"[:300]})

    def _counters(self) -> tuple[int, int]:
        group = self.setup.group
        if group is None:
            return 0, 0
        try:
            return group.oom_kills(), group.tasks_refused()
        except OSError:
            return 0, 0

    def reap(self, *, kill: bool = False) -> None:
        """Wait for the current child (killing it first if asked) and report its end."""
        if self.child is None:
            return
        pid, pidfd, req, oom_before, refused_before = self.child
        if kill:
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        if not self.setup.pid_namespaces:  # no namespace ends its tree for us: session, group, uid
            try:
                os.killpg(pid, 9)
            except OSError:
                pass
            if self.setup.group is not None:
                self.setup.group.kill_all(exclude={os.getpid()})
            if self.setup.private_uid and self.setup.uid != 0:
                kill_uid(self.setup.uid)
        _, status = os.waitpid(pid, 0)
        reap_orphans()
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None
        oom, refused = self._counters()
        self.selector.unregister(pidfd)
        os.close(pidfd)
        self.child = None
        self.send({"op": "exited", "req": req, "status": status, "oom_kills": oom - oom_before,
                   "tasks_refused": refused - refused_before})

    def fork(self, request: dict, fds: list[int]) -> None:
        self.reap(kill=True)  # never two children of one slot at a time
        limits = ChildLimits(**request["limits"])
        group = self.setup.group
        if group is not None:  # the zygote is a member too: its own memory and threads come on top
            group.set_limits(memory_bytes=limits.memory_bytes + group.memory_in_use(),
                             max_tasks=limits.max_processes + len(os.listdir("/proc/self/task")))
        counters = self._counters()
        workdir = tempfile.mkdtemp(dir=self.setup.weak_workdirs) if self.setup.level == WEAK else None
        self.workdir = workdir
        if self.pid_ns is not None:
            isolation.new_pid_namespace_for_next_child(self.pid_ns)
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child never returns
            child.main(job_fd=fds[0], result_fd=fds[1], output_fd=fds[2], setup=self.setup,
                       limits=limits, weak_workdir=workdir,
                       max_result_bytes=int(request.get("max_result_bytes", 1 << 25)))
        _close_all(fds)
        fds.clear()  # the child's now: a failure below must not close these numbers again
        try:
            pidfd = os.pidfd_open(pid)
            self.selector.register(pidfd, selectors.EVENT_READ, "child")
        except BaseException:
            _end_untracked(pid)
            raise
        self.child = (pid, pidfd, request.get("req"), *counters)
        self.send({"op": "forked", "req": request.get("req"), "pid": pid, "workdir": workdir}, [pidfd])

    def close(self) -> None:
        self.reap(kill=True)
        if self.setup.group is not None:
            self.setup.group.remove()


def _warm_up_and_forget() -> None:
    """Run :mod:`grader.warmup`, then drop it and everything it made: its generic attention must not
    be reachable from a child, which could call it instead of writing its own. Its file lies outside
    the sandbox's own modules, so a child cannot import it again either."""
    import grader
    from grader import warmup

    warmup.warm_up()
    sys.modules.pop(warmup.__name__, None)
    vars(grader).pop("warmup", None)
    del warmup
    gc.collect()  # its classes and functions sit in reference cycles


def main() -> None:
    """``zygote <package root> <uid base> [--weak] [--quick-start] [--forbidden=name,name,...]``."""
    uid_base = int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_UID_BASE
    options = sys.argv[3:]
    force_weak = "--weak" in options
    quick_start = "--quick-start" in options  # one submission: skip what pays off over many forks
    forbidden = [name for option in options if option.startswith("--forbidden=")
                 for name in option.split("=", 1)[1].split(",") if name]
    guard.prepare(forbidden)  # the forbidden APIs' kernels, resolved once for every child
    package_root = sys.argv[1]
    control = socket.socket(fileno=0)  # the trusted side's SOCK_SEQPACKET end
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # anything printed by accident goes nowhere
    fixed_mmap_threshold()
    prctl(PR_SET_CHILD_SUBREAPER, 1)  # orphans of a weak child come back to us to be reaped
    setup, reason = prepare(uid=sandbox_uid(os.getpid(), uid_base), package_root=package_root,
                            force_weak=force_weak)
    if not quick_start:  # both pay off over many forks, not for one child
        _warm_up_and_forget()  # the children's code paths once, on made-up data
        advise_huge_pages()  # after every import: makes each fork and exit several times cheaper
    group = setup.group
    zygote = Zygote(control, setup)
    try:
        zygote.send({"op": "hello", "pid": os.getpid(), "level": setup.name, "fallback_reason": reason,
                     "private_uid": setup.uid if setup.private_uid else None,
                     "cgroup": None if group is None else {"version": group.version, "memory": group.memory,
                                                           "pids": group.pids, "cpu": group.cpu}})
        serve_from_forker_thread(zygote)
    except (BrokenPipeError, ConnectionResetError):
        pass  # nobody wants this zygote any more (a prestarted one that was not taken)
    finally:
        zygote.close()
        remove_scratch(setup)


def serve_from_forker_thread(zygote: Zygote) -> None:
    """Serve, and so fork every child, from a thread of the zygote's own; raise what it raises.

    A child's allocations go to the malloc arena of the thread that forked it.
    The main thread's arena is the zygote's heap, its free chunks scattered
    over pages every child would copy on first write; a new thread's arena is
    nearly empty, and a child fills its fresh pages one after the other.
    Measured: about a quarter fewer page faults per child and 5 ms less per
    submission. The forking thread becomes the child's only and main thread
    (Python's view too: ``signal.signal`` works there), and the child's
    parent-death signal fires when that thread ends, which is when the zygote
    ends.
    """
    if zygote.pid_ns is not None:  # a thread can only be started in the zygote's own PID namespace
        setns(zygote.pid_ns, CLONE_NEWPID)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="forker") as forker:
        forker.submit(zygote.serve).result()


def remove_scratch(setup: Setup) -> None:
    """Remove the root's mount point and the weak children's folder (nothing stays on disk)."""
    if setup.root:
        try:
            umount_lazily(setup.root)
            os.rmdir(setup.root)
        except OSError:
            pass  # the next pool removes it
    if setup.weak_workdirs:
        shutil.rmtree(setup.weak_workdirs, ignore_errors=True)


def reap_orphans() -> None:
    """Collect every exited descendant that was handed to us (we are a subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


if __name__ == "__main__":
    main()
