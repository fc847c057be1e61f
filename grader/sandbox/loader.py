"""Turns submission source into a namespace of the symbols its problem names.

Runs in the sandboxed child for candidate code (and in the trusted process for
reference and misconception code in the project's own tests). Failures of the
whole submission come back as ``{"kind", "message", "lines"}`` with the kinds of
platform.md: ``syntax_error``, ``import_error``, ``missing_symbol``.
"""

from __future__ import annotations

import sys
import traceback
import types

MODULE_NAME = "submission"


def _lines_in(exc: BaseException, filename: str) -> list[int]:
    return [f.lineno for f in traceback.extract_tb(exc.__traceback__) if f.filename == filename]


def load_submission(source: str, filename: str, symbols: list[str]) -> tuple[dict | None, dict | None]:
    """Compile and run ``source``; return ``(namespace, None)`` or ``(None, error)``."""
    try:
        code = compile(source, filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        return None, {"kind": "syntax_error", "message": f"{exc.msg} ({where})",
                      "lines": [exc.lineno] if exc.lineno else []}
    except (ValueError, RecursionError, MemoryError) as exc:
        return None, {"kind": "syntax_error", "message": f"cannot compile: {exc}", "lines": []}
    module = types.ModuleType(MODULE_NAME)
    module.__file__ = filename
    sys.modules[MODULE_NAME] = module
    try:
        exec(code, module.__dict__)
    except Exception as exc:  # any failure while importing the submission
        kind = "import_error"
        name = type(exc).__name__
        return None, {"kind": kind, "message": f"importing the file raised {name}: {exc}"[:2000],
                      "lines": _lines_in(exc, filename)[-5:]}
    missing = [s for s in symbols if s not in module.__dict__]
    if missing:
        return None, {"kind": "missing_symbol",
                      "message": "the file does not define " + ", ".join(missing)
                                 + " (names are case-sensitive; start from the stub)",
                      "lines": []}
    return {s: module.__dict__[s] for s in symbols}, None
