"""A module's parameters against the contract's: what it has too many or too few of.

The grader loads the reference weights into a submitted module with
``load_state_dict(strict=True)``, so its parameter and persistent-buffer names
are part of the contract. PyTorch's own error ("Missing key(s) in state_dict:
...", "Unexpected key(s)...") reads backwards from the learner's side; instead,
the child compares the names and shapes before loading and raises
:class:`ParameterMismatch`, whose message is a small JSON object. The trusted
side parses it back with :func:`mismatch_from_message` (bounded, and ``None`` for
anything that is not exactly that shape: a child may forge the exception) and
words it once, from the learner's side.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

MAX_NAMES = 12  # names listed per kind; the rest are counted
MAX_NAME_CHARS = 120
MAX_DIMS = 8
MISMATCH_TYPE = "ParameterMismatch"


class ParameterMismatch(Exception):
    """Raised in the child: the module's state dict differs from the contract's."""


@dataclass(frozen=True)
class Mismatch:
    """Names (and shapes) the module has beyond the contract, lacks, or shapes differently."""

    extra: tuple[str, ...]
    missing: tuple[str, ...]
    reshaped: tuple[tuple[str, tuple[int, ...], tuple[int, ...]], ...]  # name, module's, contract's
    more: int = 0  # names left out of the lists above


def load_contract_weights(module, state_dict: dict) -> None:
    """Load ``state_dict`` strictly, raising :class:`ParameterMismatch` when the names or shapes differ."""
    own = module.state_dict()
    extra = sorted(set(own) - set(state_dict))
    missing = sorted(set(state_dict) - set(own))
    reshaped = sorted(name for name in set(own) & set(state_dict)
                      if tuple(own[name].shape) != tuple(state_dict[name].shape))
    if extra or missing or reshaped:
        raise ParameterMismatch(_message(extra, missing, reshaped, own, state_dict))
    module.load_state_dict(state_dict, strict=True)


def _message(extra, missing, reshaped, own, state_dict) -> str:
    total = len(extra) + len(missing) + len(reshaped)
    extra, missing, reshaped = extra[:MAX_NAMES], missing[:MAX_NAMES], reshaped[:MAX_NAMES]
    shown = len(extra) + len(missing) + len(reshaped)
    return json.dumps({
        "extra": [name[:MAX_NAME_CHARS] for name in extra],
        "missing": [name[:MAX_NAME_CHARS] for name in missing],
        "reshaped": [[name[:MAX_NAME_CHARS], list(own[name].shape)[:MAX_DIMS],
                      list(state_dict[name].shape)[:MAX_DIMS]] for name in reshaped],
        "more": total - shown,
    })


def mismatch_from_message(message: str) -> Mismatch | None:
    """The mismatch a child reported, or ``None`` when the message is anything else."""
    if not isinstance(message, str) or len(message) > 20_000:
        return None
    try:
        data = json.loads(message)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict) or set(data) != {"extra", "missing", "reshaped", "more"}:
        return None
    extra, missing, reshaped, more = data["extra"], data["missing"], data["reshaped"], data["more"]
    if not (_names(extra) and _names(missing) and isinstance(reshaped, list)
            and len(reshaped) <= MAX_NAMES and _count(more)):
        return None
    shapes = []
    for item in reshaped:
        if not (isinstance(item, list) and len(item) == 3 and _names([item[0]])
                and _shape(item[1]) and _shape(item[2])):
            return None
        shapes.append((item[0], tuple(item[1]), tuple(item[2])))
    if not (extra or missing or shapes):
        return None
    return Mismatch(tuple(extra), tuple(missing), tuple(shapes), more)


def _names(value) -> bool:
    return (isinstance(value, list) and len(value) <= MAX_NAMES
            and all(isinstance(n, str) and 0 < len(n) <= MAX_NAME_CHARS for n in value))


def _shape(value) -> bool:
    return (isinstance(value, list) and len(value) <= MAX_DIMS
            and all(_count(d) and d < 2 ** 40 for d in value))


def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** 6
