"""Starting a zygote process, without importing torch here.

A zygote (:mod:`grader.sandbox.zygote`) is a fresh interpreter in isolated
mode (``python -I``) with an environment built from an allow-list, so that
nothing of the grader's environment, and never the seed, exists in its memory
or its children's; it imports torch itself, which takes most of its start-up.

This module is light on purpose: a command that will need a sandbox (``check``)
calls :func:`prestart` before it imports torch, so that the zygote's start-up
and the command's own imports run side by side on two cores.
:class:`grader.pool.ZygoteProcess` then takes the started process
(:func:`take_prestarted`) instead of starting another. A prestarted zygote that
nobody takes is told to exit when the command does.
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass
from typing import IO

from grader.datapaths import package_dir
from grader.environment import minimal_environment
from grader.sandbox.isolation import DEFAULT_UID_BASE, UID_SPAN

BOOTSTRAP = ("import sys; sys.path.insert(0, sys.argv[1]); "
             "from grader.sandbox.zygote import main; main()")


def forbidden_apis() -> list[str]:
    """Every API some problem forbids (public data): the zygote resolves their kernels once."""
    from grader import registry

    return sorted({name for problem in registry.all_problems() for name in problem.forbidden})


LOWEST_UID_BASE = 1000  # below it live the system's own accounts, root (0) among them
HIGHEST_UID_BASE = 2**31 - 1 - UID_SPAN  # uids past 2**31 are refused by some systems' tools


class BadSetting(ValueError):
    """An ``ATTN_JUDGE_*`` setting of the sandboxes that means nothing (the message says why)."""


def uid_base() -> int:
    """The first of the :data:`UID_SPAN` uids this grader's sandboxes run as (``ATTN_JUDGE_UID_BASE``).

    Graders sharing a machine set distinct bases, at least ``UID_SPAN`` apart.
    """
    text = os.environ.get("ATTN_JUDGE_UID_BASE", "").strip()
    if not text:
        return DEFAULT_UID_BASE
    base = int(text) if text.isdigit() and len(text) < 12 else None
    if base is None or not LOWEST_UID_BASE <= base <= HIGHEST_UID_BASE:
        raise BadSetting(f"ATTN_JUDGE_UID_BASE={text[:40]!r} is not a uid base: give a whole number from "
                         f"{LOWEST_UID_BASE} to {HIGHEST_UID_BASE} (sandboxes run as that uid and the "
                         f"{UID_SPAN - 1} after it), or unset it for {DEFAULT_UID_BASE}")
    return base


def weak_forced() -> bool:
    """``ATTN_JUDGE_ISOLATION=weak``: grade with weak isolation even where a stronger one exists;
    :class:`BadSetting` for any other value (a typo must not pass for the default)."""
    value = os.environ.get("ATTN_JUDGE_ISOLATION", "").strip()
    if value not in ("", "weak"):
        raise BadSetting(f"ATTN_JUDGE_ISOLATION={value[:40]!r} means nothing: its one value is 'weak' "
                         "(resource limits only, for testing); unset it for the strongest isolation")
    return value == "weak"


def _arguments(force_weak: bool, quick_start: bool) -> list[str]:
    args = [sys.executable, "-I", "-c", BOOTSTRAP, str(package_dir().parent), str(uid_base()),
            "--forbidden=" + ",".join(forbidden_apis())]
    if force_weak:
        args.append("--weak")
    if quick_start:
        args.append("--quick-start")
    return args


@dataclass
class Launched:
    """A started zygote: its process, our end of its control socket, its captured stderr."""

    proc: subprocess.Popen
    socket: socket.socket
    stderr: IO[bytes]
    arguments: tuple[str, ...]

    def abandon(self) -> None:
        """Close our end: the zygote sees the end of requests, cleans up and exits."""
        for closable in (self.socket, self.stderr):
            try:
                closable.close()
            except OSError:
                pass


def launch(*, force_weak: bool = False, quick_start: bool = False) -> Launched:
    """Start a zygote (it says hello on the socket once ready; the caller waits for that).

    ``quick_start``: for a run of one submission, the zygote skips what only pays off
    over many forks (collapsing its memory into huge pages, about 0.5 s)."""
    arguments = _arguments(force_weak, quick_start)
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    stderr = tempfile.TemporaryFile()
    try:
        proc = subprocess.Popen(arguments, stdin=theirs.fileno(), stdout=subprocess.DEVNULL, stderr=stderr,
                                cwd="/", env=minimal_environment(), close_fds=True,
                                start_new_session=True)  # a terminal's Ctrl-C is the command's to take
    except BaseException:
        ours.close()
        stderr.close()
        raise
    finally:
        theirs.close()
    return Launched(proc=proc, socket=ours, stderr=stderr, arguments=tuple(arguments))


_prestarted: list[Launched] = []
_lock = threading.Lock()


def prestart(*, quick_start: bool = False) -> None:
    """Start one zygote now, for the next :class:`grader.pool.ZygoteProcess` to take.

    Never raises: if it cannot start, the pool starts its own later and reports why.
    """
    try:
        launched = launch(force_weak=weak_forced(), quick_start=quick_start)
    except (OSError, ValueError):
        return
    with _lock:
        if not _prestarted:
            atexit.register(_abandon_unused)
        _prestarted.append(launched)


def take_prestarted(*, force_weak: bool, quick_start: bool) -> Launched | None:
    """A prestarted zygote started with the arguments this one would get, or None."""
    wanted = tuple(_arguments(force_weak, quick_start))
    with _lock:
        for index, launched in enumerate(_prestarted):
            if launched.arguments == wanted and launched.proc.poll() is None:
                return _prestarted.pop(index)
    return None


def _abandon_unused() -> None:
    with _lock:
        unused = list(_prestarted)
        _prestarted.clear()
    for launched in unused:
        launched.abandon()
