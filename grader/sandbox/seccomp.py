"""The seccomp filter of a sandboxed child: system calls a submission has no use for fail.

Built once in the zygote with ``pyseccomp`` (a maintained ctypes binding, API
compatible with libseccomp's own Python module, over the system's
``libseccomp.so.2``; no compiler needed at install time), loaded by each child
after ``no_new_privs`` and before any candidate code. Everything not listed is
allowed; the listed calls fail with ``EPERM`` (``ENOSYS`` for ``clone3``, so that
glibc falls back to ``clone``, whose flags the filter can inspect):

- other processes: ``ptrace``, ``process_vm_readv/writev``, ``pidfd_getfd``,
  ``kcmp``, ``process_madvise``, ``move_pages``, ``migrate_pages``;
- the file system tree and namespaces: ``mount``, ``umount2``, ``pivot_root``,
  ``chroot``, ``unshare``, ``setns``, ``clone`` with any ``CLONE_NEW*`` flag,
  ``open_by_handle_at``, ``name_to_handle_at``, ``fanotify_init``;
- the kernel: ``bpf``, ``perf_event_open``, ``io_uring_*``, ``keyctl``,
  ``add_key``, ``request_key``, ``userfaultfd``, module loading, ``kexec``,
  ``reboot``, ``swapon``/``swapoff``, ``acct``, ``syslog``, clock setting,
  ``iopl``/``ioperm``, ``quotactl``, ``lookup_dcookie``, ``vhangup``;
- sockets of any family but ``AF_UNIX`` (the network namespace has no network
  anyway; Python's own machinery only ever needs local socket pairs).
"""

from __future__ import annotations

import errno
import socket

try:
    import pyseccomp
except (ImportError, OSError):  # not installed, or no libseccomp on this system
    pyseccomp = None

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp", "process_madvise",
    "move_pages", "migrate_pages",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_by_handle_at",
    "name_to_handle_at", "fanotify_init",
    "bpf", "perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register", "keyctl",
    "add_key", "request_key", "userfaultfd", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "syslog",
    "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm", "quotactl",
    "lookup_dcookie", "vhangup",
)
# CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
CLONE_NEW_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                   0x40000000, 0x00000080)


def available() -> bool:
    return pyseccomp is not None


def build():
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
        syscall_filter.add_rule(deny, "socket", pyseccomp.Arg(0, pyseccomp.NE, socket.AF_UNIX))
        for flag in CLONE_NEW_FLAGS:  # one rule per flag: any of them set is refused
            syscall_filter.add_rule(deny, "clone", pyseccomp.Arg(0, pyseccomp.MASKED_EQ, flag, flag))
        syscall_filter.add_rule(pyseccomp.ERRNO(errno.ENOSYS), "clone3")
        return syscall_filter
    except (ValueError, RuntimeError, OSError):
        return None
