"""Run-time guard for forbidden APIs (a teaching rule, not a security boundary).

Before a submission runs, :func:`install` replaces each forbidden callable with a
wrapper that records the use and raises :class:`ForbiddenAPIError`. A determined
candidate can undo this; the static check in :mod:`grader.forbidden` and the
fact that it only ever affects the candidate's own outputs cover the rest.
"""

from __future__ import annotations

import importlib

_USES: list[str] = []
_ORIGINALS: dict[str, tuple[object, str, object]] = {}


class ForbiddenAPIError(RuntimeError):
    """Raised when a submission calls an API its problem forbids."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"{name} is not allowed in this problem")


def _resolve_owner(qualified: str):
    module_name, _, attribute = qualified.rpartition(".")
    parts = module_name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:]:
            owner = getattr(owner, name)
        return owner, attribute
    raise ImportError(qualified)


def _make_blocker(qualified: str, original):
    def blocked(*args, **kwargs):
        _USES.append(qualified)
        raise ForbiddenAPIError(qualified)

    blocked.__name__ = getattr(original, "__name__", qualified.rsplit(".", 1)[-1])
    blocked.__qualname__ = blocked.__name__
    return blocked


def install(forbidden: list[str]) -> None:
    """Block every API in ``forbidden`` (fully qualified names) in this process."""
    for qualified in forbidden:
        try:
            owner, attribute = _resolve_owner(qualified)
            original = getattr(owner, attribute)
        except (ImportError, AttributeError):
            continue
        _ORIGINALS[qualified] = (owner, attribute, original)
        if isinstance(original, type):
            blocker = type(original.__name__, (original,), {
                "__init__": _make_blocker(qualified, original)})
        else:
            blocker = _make_blocker(qualified, original)
        setattr(owner, attribute, blocker)


def uninstall() -> None:
    """Put the original callables back (used by the in-process runner)."""
    for owner, attribute, original in _ORIGINALS.values():
        setattr(owner, attribute, original)
    _ORIGINALS.clear()


def take_forbidden_uses() -> list[str]:
    """Return and forget the forbidden calls recorded since the last call."""
    uses = list(dict.fromkeys(_USES))
    _USES.clear()
    return uses
