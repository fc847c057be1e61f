"""Ctrl-C (and SIGTERM) where raising KeyboardInterrupt at once would lose it.

Python raises KeyboardInterrupt wherever the main thread happens to be. Inside an
import of torch, or inside Python code that torch's C++ calls back, the exception
can be swallowed by C++ (the command then runs on, and its later Ctrl-C only says
that it is saving) or abort the process. So torch is imported with the signal
deferred (:func:`deferred`), and a command's stop handler also records the request
(:func:`request`), which a class run checks between submissions
(:func:`raise_if_requested`): a lost exception still stops it.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

_requested = threading.Event()


def request() -> None:
    """Record that the command was asked to stop (a stop handler's first act)."""
    _requested.set()


def requested() -> bool:
    return _requested.is_set()


def reset() -> None:
    """Forget an earlier request (a new command starts)."""
    _requested.clear()


def raise_if_requested() -> None:
    """Raise KeyboardInterrupt when a stop was asked for: its own exception may have been lost."""
    if _requested.is_set():
        raise KeyboardInterrupt


@contextmanager
def deferred() -> Iterator[None]:
    """Run the block with Ctrl-C and SIGTERM held: one that comes meanwhile is recorded, and
    KeyboardInterrupt is raised when the block ends, where Python code can take it. Outside the
    main thread (where signals cannot be handled) the block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    came: list[int] = []
    previous = {stop: signal.signal(stop, lambda signum, frame: came.append(signum)) for stop in STOP_SIGNALS}
    try:
        yield
    finally:
        for stop, handler in previous.items():
            if handler is not None:  # None: a handler not set from Python, which cannot be put back
                signal.signal(stop, handler)
    if came:  # taken as the handler before would have taken it (a stop handler also records it)
        handler = previous[came[0]]
        if callable(handler):
            handler(came[0], None)
        raise KeyboardInterrupt
