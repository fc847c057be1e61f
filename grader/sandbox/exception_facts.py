"""What a child reports about an exception a submission raised, read without running its code.

A submission controls its exception classes: a metaclass whose ``__name__``,
``__mro__`` or ``__hash__`` raises, a class name that is no identifier, longer
than a report allows or the sandbox's own sentinel (``MemoryLimitExceeded``), a
``__traceback__`` property, a message whose ``str`` is a subclass with its own
``len`` and slicing. Reading any of those the ordinary way would run the
submission's code inside the child's own bookkeeping, where a failure is the
sandbox's and not the test's. Everything here goes through the built-in
descriptors to the interpreter's own records (the type's name and method
resolution order, the exception's traceback), and what it returns is always
something the trusted side's validation (:func:`grader.sandbox.messages.outcome_from_wire`)
accepts: the test that raised fails with the exception as its feedback.
"""

from __future__ import annotations

import builtins
import re

from grader.sandbox.messages import (MAX_BASES, MAX_LINES, MAX_TYPE_CHARS, MEMORY_LIMIT_EXCEEDED,
                                     SUBMISSION_MODULE)

_TYPE_NAME = type.__dict__["__name__"]  # the type's own name, whatever its metaclass defines
_TYPE_MRO = type.__dict__["__mro__"]
_TRACEBACK = BaseException.__dict__["__traceback__"]
_BUILTIN_EXCEPTIONS = {id(cls): name for name, cls in vars(builtins).items()
                       if isinstance(cls, type) and issubclass(cls, BaseException)}
_NOT_IN_NAMES = re.compile(r"\W")
NAMELESS = "UnnamedException"  # a class whose name nothing of can be shown as a class name
MAX_FRAMES = 100_000  # of a traceback walked for the submission's lines (a recursion is deeper than any limit)


def plain_text(text: str) -> str:
    """``text`` as a plain ``str`` (a subclass's ``len``, slicing and comparisons are its own code)."""
    return str.__str__(text)


def class_name(cls: type) -> str:
    """How a report names ``cls``: its name, cut to :data:`MAX_TYPE_CHARS` characters; what is not
    part of a class name in it replaced by ``_``; the sandbox's own sentinel as the submission's."""
    name = plain_text(_TYPE_NAME.__get__(cls))[:MAX_TYPE_CHARS]
    if not name.isidentifier():
        name = _NOT_IN_NAMES.sub("_", name)
        name = name if name.isidentifier() else f"_{name}"[:MAX_TYPE_CHARS]
        name = name if name.isidentifier() else NAMELESS
    if name == MEMORY_LIMIT_EXCEEDED:  # only the sandbox reports that one
        return f"{SUBMISSION_MODULE}.{name}"
    return name


def builtin_bases(cls: type) -> tuple[str, ...]:
    """The built-in exception classes ``cls`` derives from (``class OddWidth(ValueError)``:
    ValueError, Exception, BaseException), which a test that requires one accepts."""
    mro = _TYPE_MRO.__get__(cls)
    return tuple(_BUILTIN_EXCEPTIONS[id(base)] for base in tuple.__iter__(mro)
                 if id(base) in _BUILTIN_EXCEPTIONS and base is not cls)[:MAX_BASES]


def lines_in(exc: BaseException, filename: str) -> tuple[int, ...]:
    """The lines of ``filename`` in the exception's traceback, the last :data:`MAX_LINES` of them."""
    lines = []
    tb = _TRACEBACK.__get__(exc)
    for _ in range(MAX_FRAMES):
        if tb is None:
            break
        if plain_text(tb.tb_frame.f_code.co_filename) == filename and tb.tb_lineno and tb.tb_lineno > 0:
            lines.append(tb.tb_lineno)
        tb = tb.tb_next
    return tuple(lines[-MAX_LINES:])


def message_of(exc: BaseException) -> str:
    """``str(exc)``, or what says it could not be read."""
    try:
        return plain_text(str(exc))
    except BaseException:  # a hostile __str__, or one returning a subclass whose own code raises  # noqa: BLE001
        return "(the exception's message could not be read)"
