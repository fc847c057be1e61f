"""The ``attn-judge`` console script (and ``python -m grader.cli``): the command, then a prompt exit.

With torch imported, the interpreter's own teardown after the command's last
word (every module's objects freed one by one) takes 0.4-0.8 s: a fifth of what
``check`` costs a learner. :func:`run` ends the process as soon as nothing is
left to do: once the command has returned, every thread has finished (and
every thread pool has been shut down) and every exit handler has run, exactly
as a normal exit does first, and the standard streams are flushed.

Where the interpreter lacks the hooks this needs, or the command raised
anything but :class:`SystemExit`, the process exits the usual way.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from typing import Callable

INTERRUPTED_STATUS = 130  # what a shell reports for a command stopped by Ctrl-C (128 + SIGINT)


def exit_status(code) -> int:
    """What ``sys.exit(code)`` ends the process with (printing a code that is not a number first)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=sys.stderr)
    return 1


def run(command: Callable[[], None] | None = None) -> None:
    """Run ``command`` (the command line, :func:`grader.cli.main`), then end the process at once."""
    if command is None:
        from grader.cli import main as command
    join_threads = getattr(threading, "_shutdown", None)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if join_threads is None or run_exit_handlers is None:
        command()
        return
    try:
        command()
        code = None
    except SystemExit as exc:
        code = exc.code
    status = exit_status(code)
    try:
        join_threads()  # what the interpreter does first at exit: wait for every non-daemon thread
        run_exit_handlers()
    except KeyboardInterrupt:  # Ctrl-C once the command has had its say: end now, as interrupted
        status = status or INTERRUPTED_STATUS
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`) or a closed stream
            pass
    os._exit(status)
