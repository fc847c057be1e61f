"""Turns submission source into a namespace of the symbols its problem names.

Runs in the sandboxed child for candidate code (and in the trusted process for
reference and misconception code in the project's own tests). A submission that
does not load comes back as a :class:`~grader.sandbox.messages.LoadFailure` with
the kinds of platform.md (``syntax_error``, ``import_error``, ``missing_symbol``)
and the raw detail; the trusted side writes the learner's message from it.
"""

from __future__ import annotations

import sys
import types

from grader.sandbox.exception_facts import class_name, lines_in, message_of
from grader.sandbox.execute import describe_exit
from grader.sandbox.messages import SUBMISSION_MODULE, ErrorKind, LoadFailure, truncate

MODULE_NAME = SUBMISSION_MODULE


def _describe(exc: BaseException) -> str:
    return f"{class_name(type(exc))}: {message_of(exc)}"


def display(*objects, **options) -> None:
    """Jupyter's ``display``, which a notebook calls without importing it: each object's repr goes to
    the captured output (the grader has no rich output to show)."""
    for obj in objects:
        print(repr(obj))


def load_submission(source: str, filename: str, symbols: list[str], *,
                    feedback_errors: type[BaseException] = Exception) -> tuple[dict | None, LoadFailure | None]:
    """Compile and run ``source``; return ``(namespace, None)`` or ``(None, failure)``.

    ``feedback_errors``: what the code may raise as its own failure to load
    (as :func:`grader.sandbox.execute.execute`'s)."""
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        lines = (exc.lineno,) if exc.lineno and exc.lineno > 0 else ()
        return None, LoadFailure(ErrorKind.SYNTAX_ERROR, truncate(f"{exc.msg} ({where})"), lines)
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return None, LoadFailure(ErrorKind.SYNTAX_ERROR, truncate(f"cannot compile: {_describe(exc)}"))
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = filename
    module.display = display  # code from a notebook calls it as a built-in; a definition of its own wins
    sys.modules[MODULE_NAME] = module
    try:
        exec(code, module.__dict__)
    except SystemExit as exc:
        return None, LoadFailure(ErrorKind.IMPORT_ERROR, f"SystemExit: {describe_exit(exc)}",
                                 lines_in(exc, filename))
    except feedback_errors as exc:  # any failure while importing the submission
        return None, LoadFailure(ErrorKind.IMPORT_ERROR, truncate(_describe(exc)), lines_in(exc, filename))
    missing = [s for s in symbols if s not in module.__dict__]
    if missing:
        return None, LoadFailure(ErrorKind.MISSING_SYMBOL, ", ".join(missing))
    return {s: module.__dict__[s] for s in symbols}, None
