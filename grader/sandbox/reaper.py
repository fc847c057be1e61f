"""The private uid of a worker's children, and killing everything that runs under it.

A worker's children run under ``sandbox_uid(worker pid)``. After each run the
worker kills and reaps every process of that uid; if a worker itself dies, the
trusted process does the same sweep so that nothing a candidate started (a
daemon, a fork bomb) outlives it.
"""

from __future__ import annotations

import os
import signal
import time

UID_SPAN = 4000


def sandbox_uid(worker_pid: int) -> int:
    """The uid a worker's children run as; graders sharing a machine can set distinct bases."""
    return int(os.environ.get("ATTN_JUDGE_UID_BASE", "61000")) + worker_pid % UID_SPAN


def living_processes_of(uid: int) -> list[int]:
    """PIDs owned by ``uid`` that are not zombies."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.stat(f"/proc/{entry}").st_uid != uid:
                continue
            with open(f"/proc/{entry}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            pids.append(int(entry))
    return pids


def reap_orphans() -> None:
    """Collect every exited child of this process (a worker is its descendants' subreaper)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_uid(uid: int, *, reap: bool = True) -> None:
    """Kill every process owned by ``uid`` until none is left alive."""
    for _ in range(500):
        pids = living_processes_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        if reap:
            reap_orphans()
        time.sleep(0.001)
