"""Killing everything that runs under a sandbox uid (the fallback when there is no PID namespace).

With PID namespaces a child's whole tree dies with it. Without them, the
zygote kills the child's session and control group, and at the strong level
also every process of the slot's private uid, so that a daemon started with
``setsid`` does not outlive its submission.
"""

from __future__ import annotations

import os
import signal
import time


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


def kill_uid(uid: int) -> None:
    """Kill every process owned by ``uid`` until none is left alive (at most ~1 s)."""
    for _ in range(500):
        pids = living_processes_of(uid)
        if not pids:
            return
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.002)
