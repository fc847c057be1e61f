"""The ``attn-judge`` console script (and ``python -m grader.cli``): the command, then a prompt exit.

With torch imported, the interpreter's own teardown after the command's last
word (every module's objects freed one by one) takes 0.4-0.8 s: a fifth of what
``check`` costs a learner. :func:`run` ends the process as soon as nothing is
left to do: once the command has returned, every thread has finished (and
every thread pool has been shut down) and every exit handler has run, exactly
as a normal exit does first, and the standard streams are flushed.

Where the interpreter lacks the hooks this needs, or the command raised
anything but :class:`SystemExit` (or a failed write to standard output, below),
the process exits the usual way.

Standard output is the user's to close, fill or cut short, and none of it ends
in a traceback; the command's work (files written) stands in every case:

* closed at start (``>&-``; stderr too): the command runs as usual, its words
  go to ``os.devnull``, and it ends with its own status;
* a reader that quits (``| head``): nothing more is written (stdout goes to
  ``os.devnull``), no message, status 141, a shell's for a writer whose reader
  left (128 + SIGPIPE), never 1, which says a check failed;
* any other failed write (a full disk, ``> /dev/full``, an I/O error): one
  line on stderr, "Error: cannot write to standard output: <reason>", and
  status 2, as for every other fault of the environment.
"""

from __future__ import annotations

import atexit
import errno
import io
import os
import sys
import threading
from typing import Callable

INTERRUPTED_STATUS = 130  # what a shell reports for a command stopped by Ctrl-C (128 + SIGINT)
READER_LEFT_STATUS = 141  # what a shell reports for a writer whose reader left (128 + SIGPIPE)
UNWRITABLE_STATUS = 2  # the status of a usage error or a broken environment


class _Stdout(io.FileIO):
    """Standard output's file descriptor, remembering the first error a write to it met: click
    swallows a closed pipe's (and exits 1), and an OSError does not say which file it came from."""

    error: OSError | None = None

    def write(self, data):
        try:
            return super().write(data)
        except BlockingIOError:  # a non-blocking stdout that is full for now: the buffer retries
            raise
        except OSError as exc:
            self.error = self.error or exc
            raise


def _open_closed_streams() -> None:
    """Standard output or error closed before the start (``>&-``): the command still runs, its words
    go to os.devnull. The descriptor becomes os.devnull's too, so that no file the command opens
    takes it (and gets words meant for the terminal)."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        try:
            os.fstat(fd)
        except OSError:
            devnull = os.open(os.devnull, os.O_WRONLY)
            if devnull != fd:
                os.dup2(devnull, fd)
                os.close(devnull)
        if getattr(sys, name) is None:  # closed when the interpreter started
            setattr(sys, name, open(os.devnull, "w", encoding="utf-8"))


def _watch_stdout() -> _Stdout | None:
    """Put a :class:`_Stdout` under ``sys.stdout``, buffered as before; None where ``sys.stdout`` is
    not the process's own (os.devnull for a closed one, a test's capture)."""
    old = sys.stdout
    if old is not sys.__stdout__ or not isinstance(old, io.TextIOWrapper):
        return None
    buffered = isinstance(old.buffer, io.BufferedWriter)  # not under python -u
    raw = old.buffer.raw if buffered else old.buffer
    if type(raw) is not io.FileIO:  # a Windows console
        return None
    old.flush()
    watched = _Stdout(raw.fileno(), "w", closefd=False)
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(watched) if buffered else watched, encoding=old.encoding,
                                  errors=old.errors, line_buffering=old.line_buffering,
                                  write_through=old.write_through)
    return watched


def _stdout_failed(stdout: _Stdout) -> int:
    """Standard output could not be written: write nothing more there, say why unless the reader
    chose to stop, and return the process's status."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, stdout.fileno())  # what is left in the buffers, and any later word, goes nowhere
    os.close(devnull)
    if stdout.error.errno == errno.EPIPE:
        return READER_LEFT_STATUS
    from grader import cli_wording as W
    from grader.i18n import resolve_lang

    reason = stdout.error.strerror or str(stdout.error)
    line = W.ERROR_LINE.format(message=W.STDOUT_UNWRITABLE.format(reason=reason)).get(resolve_lang(None))
    try:
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError):  # stderr is gone too: the status says it
        pass
    return UNWRITABLE_STATUS


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
    _open_closed_streams()
    join_threads = getattr(threading, "_shutdown", None)
    run_exit_handlers = getattr(atexit, "_run_exitfuncs", None)
    if join_threads is None or run_exit_handlers is None:
        command()
        return
    stdout = _watch_stdout()
    try:
        command()
        code = None
    except SystemExit as exc:
        code = exc.code
    except OSError:
        if stdout is None or stdout.error is None:  # not standard output's: the command's own failure
            raise
        code = None
    status = exit_status(code)
    failed = stdout is not None and stdout.error is not None
    if failed:  # before the exit handlers and the last threads, whose words would fail again
        status = _stdout_failed(stdout)
    try:
        join_threads()  # what the interpreter does first at exit: wait for every non-daemon thread
        run_exit_handlers()
    except KeyboardInterrupt:  # Ctrl-C once the command has had its say: end now, as interrupted
        status = status or INTERRUPTED_STATUS
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (`| head`), a full disk or a closed stream
            pass
    if not failed and stdout is not None and stdout.error is not None:  # the last words could not be written
        status = _stdout_failed(stdout)
    os._exit(status)
