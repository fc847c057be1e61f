"""The seccomp filter of a sandboxed child: system calls a submission has no use for fail.

Built once in the zygote with ``pyseccomp`` (a maintained ctypes binding, API
compatible with libseccomp's own Python module, over the system's
``libseccomp.so.2``; no compiler needed at install time), loaded by each child
after ``no_new_privs`` and before any candidate code. Everything not listed is
allowed; the listed calls fail with ``EPERM`` (``ENOSYS`` for ``clone3``, so that
glibc falls back to ``clone``, whose flags the filter can inspect):

- other processes: ``ptrace``, ``process_vm_readv/writev``, ``pidfd_getfd``,
  ``kcmp``, ``process_madvise``, ``move_pages``, ``migrate_pages``;
- the scheduler's grouping: ``setsid`` (each new session is an autogroup of its
  own, which the scheduler shares the processor between as if it were another
  user: 14 busy processes in 14 sessions took nearly all of it from the other
  slot's submission, which then timed out);
- the file system tree and namespaces: ``mount``, ``umount2``, ``pivot_root``,
  ``chroot``, ``unshare``, ``setns``, ``clone`` with any ``CLONE_NEW*`` flag,
  ``open_by_handle_at``, ``name_to_handle_at``, ``fanotify_init``;
- the kernel: ``bpf``, ``perf_event_open``, ``io_uring_*``, ``keyctl``,
  ``add_key``, ``request_key``, ``userfaultfd``, module loading, ``kexec``,
  ``reboot``, ``swapon``/``swapoff``, ``acct``, ``syslog``, clock setting,
  ``iopl``/``ioperm``, ``quotactl``, ``lookup_dcookie``, ``vhangup``;
- ``socket`` of any family (the network namespace has no network anyway, and
  at the weak level a local socket could reach the machine's own services by
  their abstract or file names); ``socketpair`` stays, two sockets connected to
  each other alone, which is all Python's own machinery needs (``asyncio``,
  ``multiprocessing.Pipe``).

A child without a PID namespace of its own (where the machine gives none, and
at the weak level) sees every process of the machine, and its uid's signals
reach every process of that uid, the grader's included (``kill(-1, SIGKILL)``
would end them all). Its filter (``confine_signals``) also refuses sending a
signal anywhere but to its own process group: ``kill`` with any pid but 0,
``tkill``, ``tgkill``, ``rt_sigqueueinfo``, ``rt_tgsigqueueinfo`` and
``pidfd_send_signal``.
"""

from __future__ import annotations

import ctypes
import errno
import tempfile

try:
    import pyseccomp
except (ImportError, OSError):  # not installed, or no libseccomp on this system
    pyseccomp = None

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise",
    "move_pages", "migrate_pages", "setsid",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_by_handle_at",
    "name_to_handle_at", "fanotify_init",
    "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl",
    "add_key", "request_key", "userfaultfd", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "syslog",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "quotactl",
    "lookup_dcookie", "vhangup",
)
SIGNAL_SENDERS = ("tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal")
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
CLONE_NEW_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000, 0x00000080)


def available() -> bool:
    return pyseccomp is not None


class Program:
    """A compiled filter, loaded by a child with one system call (compiling it takes ~1.3 ms)."""

    PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 22, 2

    def __init__(self, bpf: bytes):
        self._code = ctypes.create_string_buffer(bpf, len(bpf))

        class SockFprog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

        self._prog = SockFprog(len(bpf) // 8, ctypes.addressof(self._code))  # 8 bytes an instruction
        self._libc = ctypes.CDLL(None, use_errno=True)

    def load(self) -> None:
        """Install the filter in the calling thread's process (needs no_new_privs)."""
        if self._libc.prctl(self.PR_SET_SECCOMP, self.SECCOMP_MODE_FILTER, ctypes.byref(self._prog), 0, 0):
            error = ctypes.get_errno()
            raise OSError(error, f"seccomp: {errno.errorcode.get(error, error)}")


def compile_program(*, confine_signals: bool = False) -> Program | None:
    """:func:`build` compiled to BPF once, or None where seccomp cannot be used."""
    syscall_filter = build(confine_signals=confine_signals)
    if syscall_filter is None:
        return None
    try:
        with tempfile.TemporaryFile() as fh:
            syscall_filter.export_bpf(fh)
            fh.seek(0)
            return Program(fh.read())
    except (OSError, RuntimeError, ValueError):
        return None


def build(*, confine_signals: bool = False):
    """The filter (not loaded yet), or None where seccomp cannot be used."""
    if pyseccomp is None:
        return None
    try:
        deny = pyseccomp.ERRNO(errno.EPERM)
        syscall_filter = pyseccomp.SyscallFilter(defaction=pyseccomp.ALLOW)
        for name in DENIED:
            try:
                syscall_filter.add_rule(deny, name)
            except (ValueError, RuntimeError, OSError):
                pass  # a call this kernel or libseccomp does not know cannot be made either
        syscall_filter.add_rule(deny, "socket")  # of any family: socketpair stays
        for flag in CLONE_NEW_FLAGS:  # one rule per flag: any of them set is refused
            syscall_filter.add_rule(deny, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
        syscall_filter.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
        if confine_signals:
            syscall_filter.add_rule(deny, "kill", pyseccomp.Arg(0, pyseccomp.NE, 0))
            for name in SIGNAL_SENDERS:
                try:
                    syscall_filter.add_rule(deny, name)
                except (ValueError, RuntimeError, OSError):
                    pass
        return syscall_filter
    except (ValueError, RuntimeError, OSError):
        return None
