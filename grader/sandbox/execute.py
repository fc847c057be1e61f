"""Run one test invocation against a namespace of symbols and describe what happened.

An :class:`~grader.sandbox.messages.Invocation` is plain data that says what to
call and with which inputs; the :class:`~grader.sandbox.messages.Outcome` is
plain data too: the returned value (detached), input gradients by selector,
parameter gradients, the inputs changed in place, the exception raised (with the
line numbers of the submission's frames) and model-call statistics for
generation.

The same code runs in the sandboxed child on candidate code and in the trusted
process on reference and misconception code, so both sides are measured in
exactly the same way. It must never compare anything against an expected
value: it only describes.
"""

from __future__ import annotations

import contextlib
import importlib
import time
from dataclasses import replace
from typing import Callable, ContextManager

import torch

from grader.sandbox import toy_models
from grader.sandbox.exception_facts import NAMELESS, builtin_bases, class_name, lines_in, message_of
from grader.sandbox.guard import ForbiddenAPIError, take_forbidden_uses
from grader.sandbox.messages import (MAX_ITEMS, MAX_NAME_CHARS, MAX_STRING_CHARS, MAX_VALUE_DEPTH,
                                     MAX_VALUE_NODES, RESULT_TOO_LARGE, TENSOR_NODES, Invocation, Outcome,
                                     TestException, materialise, truncate)
from grader.sandbox.protocol import MAX_MESSAGE_BYTES, MessageTooLarge, Unsupported, dtype_name, sendable_dtype
from grader.sandbox.state_dicts import load_contract_weights


Around = Callable[[], ContextManager]


def sanitise(value, limit: int = MAX_MESSAGE_BYTES):
    """Reduce whatever a call returned to something the protocol can carry.

    What cannot cross becomes an :class:`Unsupported` placeholder that names it (the test then
    fails on it): other layouts and dtypes, nested, meta and uncopyable tensors, integers
    beyond int64, lists and tuples nested deeper than :data:`MAX_VALUE_DEPTH` (the placeholder
    stays within it, where the trusted side's validation accepts it). Tensors of more than
    ``limit`` bytes together raise :class:`MessageTooLarge`, checked before any is copied (a
    stride-0 ``expand`` is tiny until copied). Subclasses of the built-in types come back as those
    types, read by the built-in types' own methods, and a value of more than
    :data:`MAX_VALUE_NODES` parts as one placeholder: what the trusted side's validation would
    refuse costs this test alone.
    """
    try:
        return _Sanitiser(min(limit, MAX_MESSAGE_BYTES)).reduce(value, 0)
    except _TooManyValues:
        return Unsupported(f"value of more than {MAX_VALUE_NODES} numbers, strings, lists and tuples")


class _TooManyValues(Exception):
    """A returned value has more parts than one result may carry."""


def _items(value: tuple | list) -> tuple | list:
    """The first :data:`MAX_ITEMS` items of a list or tuple, by the built-in type's own slicing."""
    return (tuple.__getitem__ if isinstance(value, tuple) else list.__getitem__)(value, slice(0, MAX_ITEMS))


class _Sanitiser:
    """One returned value's clean-up, with the bytes of tensors it may still keep."""

    def __init__(self, limit: int):
        self.left = limit
        self.nodes_left = MAX_VALUE_NODES

    def reduce(self, value, depth: int):
        """``value`` rebuilt from built-in types alone: a subclass's comparisons, ``len`` and
        slicing are its own code, which could make a value the trusted side refuses."""
        self.nodes_left -= TENSOR_NODES if isinstance(value, torch.Tensor) else 1
        if self.nodes_left < 0:
            raise _TooManyValues
        if isinstance(value, torch.Tensor):
            return self._tensor(value)
        if value is None or type(value) is bool:
            return value
        if isinstance(value, float):
            return float.__float__(value)
        if isinstance(value, int):
            number = int.__index__(value)
            return number if -(1 << 63) <= number < (1 << 63) else Unsupported("Python int beyond the int64 range")
        if isinstance(value, str):
            return str.__getitem__(value, slice(0, MAX_STRING_CHARS))
        if isinstance(value, (tuple, list)):
            if depth >= MAX_VALUE_DEPTH:
                return Unsupported(f"{class_name(type(value))} nested more than {MAX_VALUE_DEPTH} levels deep")
            items = [self.reduce(v, depth + 1) for v in _items(value)]
            return tuple(items) if isinstance(value, tuple) else items
        return Unsupported(class_name(type(value)))

    def _tensor(self, value: torch.Tensor):
        with torch._C.DisableTorchFunctionSubclass():  # a subclass's own code does not answer for it
            return self._plain_tensor(value)

    def _plain_tensor(self, value: torch.Tensor):
        if value.is_nested:  # its layout says strided, but it has no one shape to send
            return Unsupported("nested tensor")
        if value.layout != torch.strided:  # sparse and other layouts have no one buffer to send
            return Unsupported(f"{str(value.layout).removeprefix('torch.')} tensor")
        if not sendable_dtype(value.dtype):  # this item only, not the whole result, cannot be sent
            return Unsupported(f"{dtype_name(value.dtype)} tensor")
        if value.device.type == "meta":  # a shape without data
            return Unsupported("meta tensor")
        size = value.numel() * value.element_size()
        if size > self.left:
            raise MessageTooLarge(f"a tensor of {size} bytes, more than the {self.left} bytes left of "
                                  f"the result's limit")
        self.left -= size
        try:  # a plain tensor: a subclass's own code would otherwise run again as it is sent
            return value.detach().cpu().clone().as_subclass(torch.Tensor)
        except Exception:  # an exotic subclass or device
            return Unsupported(class_name(type(value)))


def _flat_tensors(value, depth: int = 0) -> list[torch.Tensor]:
    """The tensors of a returned value, as deep as :func:`sanitise` keeps them."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)) and depth < MAX_VALUE_DEPTH:
        return [t for v in _items(value) for t in _flat_tensors(v, depth + 1)]
    return []


def _select(args: list, kwargs: dict, selector: str):
    if selector.isdigit():
        return args[int(selector)]
    return kwargs[selector]


# How many copies of a test's inputs the child holds while it runs the test: as they arrived, the
# call's own (below) and the snapshot that shows in-place changes. A memory test's peak is measured
# beyond them (grader.supervisor).
INPUT_COPIES = 3


def _prepare_inputs(args: list, kwargs: dict, wrt: list[str]):
    """Copy inputs, switch on requires_grad where asked, remember their bytes.

    Every tensor is a fresh copy, so that code that changes its inputs in place
    never changes the invocation itself (which the trusted side reuses).
    """
    args = [_fresh(materialise(a)) for a in args]
    kwargs = {k: _fresh(materialise(v)) for k, v in kwargs.items()}
    for selector in wrt:
        tensor = _select(args, kwargs, selector).detach().clone().requires_grad_(True)
        if selector.isdigit():
            args[int(selector)] = tensor
        else:
            kwargs[selector] = tensor
    named = {str(i): a for i, a in enumerate(args)} | dict(kwargs)
    snapshot = {name: t.detach().clone() for name, t in _tensors_by_name(named).items()}
    return args, kwargs, named, snapshot


def _fresh(value):
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, tuple):
        return tuple(_fresh(v) for v in value)
    if isinstance(value, list):
        return [_fresh(v) for v in value]
    return value


def _tensors_by_name(named: dict) -> dict[str, torch.Tensor]:
    """Every input tensor, nested ones included (``cache[0]`` of a ``(k, v)`` cache)."""
    found: dict[str, torch.Tensor] = {}
    stack = list(named.items())
    while stack:
        name, value = stack.pop()
        if isinstance(value, torch.Tensor):
            found[name] = value
        elif isinstance(value, (tuple, list)):
            stack.extend((f"{name}[{i}]", v) for i, v in enumerate(value[:MAX_ITEMS]))
    return found


def _mutated(named: dict, snapshot: dict) -> list[str]:
    current = _tensors_by_name(named)
    changed = []
    for name, before in snapshot.items():
        after = current.get(name)
        if after is None or after.shape != before.shape or after.dtype != before.dtype:
            changed.append(name)
        elif not torch.equal(after.detach(), before) and not _same_nans(after.detach(), before):
            changed.append(name)
    return sorted(changed)


def _same_nans(a: torch.Tensor, b: torch.Tensor) -> bool:
    if not a.is_floating_point():
        return False
    return bool(torch.equal(torch.nan_to_num(a, nan=0.0), torch.nan_to_num(b, nan=0.0))) and bool(
        torch.equal(torch.isnan(a), torch.isnan(b))
    )


def _cotangents(outputs: list[torch.Tensor], seed: int) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(int(seed))
    return [
        torch.randn(t.shape, generator=generator, dtype=torch.float64).to(t.dtype)
        for t in outputs
    ]


# What torch imports on the first backward pass with explicit ``grad_outputs``: torch.fx's
# symbolic shapes, with sympy behind it (~480 modules, 0.3-1.5 s). Every process that
# computes gradients loads them ahead, where it would wait anyway: a zygote before it
# forks, the trusted side while its zygotes start.
LAZY_AUTOGRAD_MODULES = ("torch.fx.experimental.symbolic_shapes",)


def preload_autograd_modules() -> None:
    """Import :data:`LAZY_AUTOGRAD_MODULES` now; one that fails fails again, and is reported, where used."""
    for name in LAZY_AUTOGRAD_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the gradient that needs it meets the same error
            pass


def _gradients(value, sources: dict[str, torch.Tensor], seed: int, output: int | None = None) -> dict:
    """Gradients of the returned tensors (or only of item ``output`` of a returned tuple)."""
    if output is not None and isinstance(value, (tuple, list)) and len(value) > output:
        value = value[output]
    outputs = [t for t in _flat_tensors(value) if t.is_floating_point()]
    differentiable = [t for t in outputs if t.requires_grad]
    if not sources:
        return {}
    if not differentiable:
        return {name: None for name in sources}
    size = sum(t.numel() * t.element_size() for t in outputs)
    if size > MAX_MESSAGE_BYTES:  # no cotangent as large as an output no result can carry (an expand)
        raise MessageTooLarge(f"{size} bytes of returned tensors, more than a result can carry")
    cotangents = _cotangents(outputs, seed)
    pairs = [(t, c) for t, c in zip(outputs, cotangents) if t.requires_grad]
    grads = torch.autograd.grad(
        [t for t, _ in pairs],
        list(sources.values()),
        grad_outputs=[c for _, c in pairs],
        allow_unused=True,
    )
    return {name: (None if g is None else g.detach().clone()) for name, g in zip(sources, grads)}


def describe_exception(exc: BaseException, filename: str) -> TestException:
    """The exception a test raised, as its feedback (:mod:`grader.sandbox.exception_facts`: read
    without running the submission's code)."""
    try:
        name = exc.name if type(exc) is ForbiddenAPIError else None  # the guard's own, or one raised alike
        return TestException(type=class_name(type(exc)), message=truncate(message_of(exc)),
                             lines=lines_in(exc, filename),
                             forbidden=name if type(name) is str and len(name) <= MAX_NAME_CHARS else None,
                             bases=builtin_bases(type(exc)))
    except BaseException:  # noqa: BLE001 - the class of ForbiddenAPIError patched, or no memory left
        return TestException(type=NAMELESS, message="(the exception could not be described)")


def describe_exit(exc: SystemExit) -> str:
    """``sys.exit(code)`` as the code called it, however hostile the code's ``repr``."""
    try:
        code = repr(exc.code)
    except BaseException:  # noqa: BLE001 - a repr that raises (SystemExit too), or an int too long to print
        code = "<an object whose repr() failed>"
    return truncate(f"sys.exit({code})")


def _run_call(namespace: dict, inv: Invocation, around: Around) -> dict:
    wrt = list(inv.grad.wrt) if inv.grad else []
    args, kwargs, named, snapshot = _prepare_inputs(inv.args, inv.kwargs, wrt)
    with around():
        value = namespace[inv.symbol](*args, **kwargs)
    sources = {s: named[s] for s in wrt}
    grads = _gradients(value, sources, inv.grad.seed, inv.grad.output) if wrt else None
    return {"value": value, "grads": grads, "mutated": _mutated(named, snapshot)}


def _run_module(namespace: dict, inv: Invocation, around: Around) -> dict:
    cls = namespace[inv.symbol]
    module = cls(*materialise(inv.init_args), **materialise(inv.init_kwargs))
    if inv.construct_only:
        return {"value": None}
    module = module.to(getattr(torch, inv.dtype))
    if inv.state_dict is not None:
        load_contract_weights(module, inv.state_dict)
    wrt = list(inv.grad.wrt) if inv.grad else []
    args, kwargs, named, snapshot = _prepare_inputs(inv.args, inv.kwargs, wrt)
    with around():
        value = _call_in_chunks(module, args, kwargs, inv.chunks) if inv.chunks else module(*args, **kwargs)
    outcome = {"value": value, "mutated": _mutated(named, snapshot)}
    if inv.grad:
        sources = {s: named[s] for s in wrt}
        params = dict(module.named_parameters()) if inv.grad.params else {}
        everything = _gradients(value, sources | {f"param:{k}": v for k, v in params.items()},
                                inv.grad.seed, inv.grad.output)
        outcome["grads"] = {k: v for k, v in everything.items() if not k.startswith("param:")}
        outcome["param_grads"] = {
            k[len("param:"):]: v for k, v in everything.items() if k.startswith("param:")
        }
    return outcome


def _call_in_chunks(module, args: list, kwargs: dict, chunks: tuple[int, ...]):
    """Feed ``args[0]`` piece by piece along dim 1, threading the returned cache through."""
    x, rest = args[0], args[1:]
    cache = kwargs.pop("cache", None)
    outputs, start = [], 0
    for length in chunks:
        output, cache = module(x[:, start:start + length], *rest, cache=cache, **kwargs)
        outputs.append(output)
        start += length
    return torch.cat(outputs, dim=1), cache


def _run_generate(namespace: dict, inv: Invocation, around: Around) -> dict:
    model = toy_models.build(inv.model)
    args, kwargs, named, snapshot = _prepare_inputs(inv.args, inv.kwargs, [])
    with around():
        value = namespace[inv.symbol](model, *args, **kwargs)
    return {"value": value, "mutated": _mutated(named, snapshot), "stats": model.stats()}


_RUNNERS = {"call": _run_call, "module": _run_module, "generate": _run_generate}


def execute(namespace: dict, invocation: Invocation, *, filename: str = "<submission>",
            around: Around = contextlib.nullcontext,
            feedback_errors: type[BaseException] = Exception,
            max_result_bytes: int = MAX_MESSAGE_BYTES) -> Outcome:
    """Run ``invocation`` against ``namespace`` and return its outcome (raises SystemExit only).

    ``around`` is entered just around the call itself (inputs already built,
    outputs not yet described): memory tests measure there. ``feedback_errors``:
    what the code run may raise as its own test's feedback. The sandboxed child,
    which no terminal signal reaches (it runs in a session of its own), passes
    BaseException, so that a submission's ``KeyboardInterrupt`` or
    ``class Stop(BaseException)`` is its feedback too; the trusted process keeps
    Exception, so that Ctrl-C stops it. A returned value of more than ``max_result_bytes``
    of tensors is refused, before it is copied, as a :data:`RESULT_TOO_LARGE` error.
    """
    start = time.perf_counter()
    take_forbidden_uses()
    parts: dict = {}
    value = error = None
    try:
        parts = _RUNNERS[invocation.kind](namespace, invocation, around)
        value = sanitise(parts.get("value"), max_result_bytes)  # a hostile tensor subclass may raise here
    except SystemExit:  # the child reports it as the submission's exit
        raise
    except MessageTooLarge as exc:
        value, error = None, TestException(RESULT_TOO_LARGE, str(exc))
    except feedback_errors as exc:  # the candidate's exception is this test's feedback
        error = describe_exception(exc, filename)
    forbidden = take_forbidden_uses()
    if error is not None and error.forbidden and error.forbidden not in forbidden:
        error = replace(error, forbidden=None)  # raised alike by the submission: no forbidden API was called
    if forbidden and (error is None or not error.forbidden):
        error = TestException(type="ForbiddenAPIError", lines=(),
                              message=f"called the forbidden API {forbidden[0]}",
                              forbidden=forbidden[0])
    return Outcome(value=value, grads=parts.get("grads"),
                   param_grads=parts.get("param_grads"), mutated=tuple(parts.get("mutated", ())),
                   error=error, stats=parts.get("stats"), seconds=time.perf_counter() - start)
