"""Run-time guard for forbidden APIs (a teaching rule, not a security boundary).

Before a submission runs, :func:`install` replaces each forbidden callable with
a wrapper that records the use and raises :class:`ForbiddenAPIError` — and also
the C entry points it resolves to, where a learner could reach the same kernel
without the Python name: every function of ``torch``, ``torch._C._nn`` and
``torch.nn.functional`` and every ``torch.ops.aten`` operator whose name
contains the forbidden one (``torch._C._nn.scaled_dot_product_attention``,
``torch._scaled_dot_product_flash_attention_for_cpu``,
``torch._native_multi_head_attention``, ``torch._transformer_encoder_layer_fwd``…).
A determined candidate can still reach the dispatcher some other way; the
static check in :mod:`grader.forbidden` and the fact that it only ever affects
the candidate's own outputs cover the rest.
"""

from __future__ import annotations

import importlib

_USES: list[str] = []
_C_NAMESPACES = ("torch", "torch._C._nn", "torch.nn.functional")
_PREFIX = 16  # characters of a forbidden name that identify its kernels (as the static check does)


class ForbiddenAPIError(RuntimeError):
    """Raised when a submission calls an API its problem forbids."""

    def __init__(self, name: str):
        self.name = name
        super().__init__(f"{name} is not allowed in this problem")


def _normal(name: str) -> str:
    return name.lower().replace("_", "")


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


class _Blocked:
    """Stands for a blocked operator: calling it, or any overload of it, raises."""

    def __init__(self, qualified: str, name: str):
        self._qualified, self.__name__ = qualified, name

    def __call__(self, *args, **kwargs):
        _USES.append(self._qualified)
        raise ForbiddenAPIError(self._qualified)

    def __getattr__(self, name: str):  # torch.ops.aten.op.default, .out, ...
        if name.startswith("__"):
            raise AttributeError(name)
        return self


def _make_blocker(qualified: str, original):
    if isinstance(original, type):
        def refuse(self, *args, **kwargs):
            _USES.append(qualified)
            raise ForbiddenAPIError(qualified)

        return type(original.__name__, (), {"__init__": refuse})  # not a subclass: its base would be the original
    return _Blocked(qualified, getattr(original, "__name__", qualified.rsplit(".", 1)[-1]))


def _replace(owner, attribute: str, qualified: str) -> None:
    """Put a blocker in place of ``owner.attribute``, keeping no reference to the original: the
    submission runs in this process and could ask the guard for what it replaced."""
    try:
        setattr(owner, attribute, _make_blocker(qualified, getattr(owner, attribute)))
    except (AttributeError, TypeError):  # a read-only namespace: the static check covers it
        return


_INDEX: list[tuple[object, str, str]] = []  # (owner, attribute, normalised name) of every kernel


_KERNELS: dict[str, list[tuple[object, str]]] = {}  # forbidden name -> its kernels, resolved


def prepare(forbidden: list[str] = ()) -> None:
    """Index the kernels' names, and resolve those of ``forbidden`` (once, in the zygote).

    Resolving an aten operator creates its Python packet (a fraction of a
    millisecond each): done before any fork, every child only swaps attributes.
    """
    _index()
    for qualified in forbidden:
        if qualified not in _KERNELS:
            _KERNELS[qualified] = _find_kernels(qualified)
            for owner, attribute in _KERNELS[qualified]:
                getattr(owner, attribute, None)


def _index() -> None:
    if _INDEX:
        return
    for namespace in _C_NAMESPACES:
        try:
            owner = importlib.import_module(namespace) if "._C." not in namespace else _resolve_owner(
                namespace + ".x")[0]
        except (ImportError, AttributeError):
            continue
        _INDEX.extend((owner, a, _normal(a)) for a in dir(owner)
                      if not isinstance(getattr(owner, a, None), type))
    try:
        import torch

        names = {n.split("::", 1)[1].split(".")[0] for n in torch._C._dispatch_get_all_op_names()
                 if n.startswith("aten::")}
        _INDEX.extend((torch.ops.aten, n, _normal(n)) for n in sorted(names))
    except (ImportError, AttributeError):
        pass


def _find_kernels(qualified: str) -> list[tuple[object, str]]:
    _index()
    key = _normal(qualified.rsplit(".", 1)[-1])[:_PREFIX]
    return [(owner, attribute) for owner, attribute, normal in _INDEX if key in normal]


def _kernels(qualified: str) -> list[tuple[object, str]]:
    """(owner, attribute) of the C entry points whose names contain the forbidden name."""
    if qualified not in _KERNELS:
        _KERNELS[qualified] = _find_kernels(qualified)
    return _KERNELS[qualified]


_INSTALLED: set[str] = set()  # what install blocked: the only names a use may be recorded under


def install(forbidden: list[str]) -> None:
    """Block every API in ``forbidden`` (fully qualified names), and its kernels, in this process."""
    _INSTALLED.update(forbidden)
    for qualified in forbidden:
        try:
            owner, attribute = _resolve_owner(qualified)
        except (ImportError, AttributeError):
            continue
        _replace(owner, attribute, qualified)
        for kernel_owner, kernel in _kernels(qualified):
            if (kernel_owner, kernel) != (owner, attribute):
                _replace(kernel_owner, kernel, qualified)


def take_forbidden_uses() -> list[str]:
    """Return and forget the forbidden calls recorded since the last call."""
    uses = list(dict.fromkeys(use for use in _USES if type(use) is str and use in _INSTALLED))
    _USES.clear()
    return uses
