"""Run one test invocation against a namespace of symbols and describe what happened.

An *invocation* is plain data (see :mod:`grader.sandbox.protocol`) that says what
to call and with which inputs::

    {"kind": "call", "symbol": "f", "args": [...], "kwargs": {...},
     "grad": {"wrt": ["0", "mask"], "seed": 7} | None}
    {"kind": "module", "symbol": "Cls", "init_args": [...], "init_kwargs": {...},
     "dtype": "float64", "state_dict": {...} | None,
     "args": [...] | None, "kwargs": {...},          # args None: construct only
     "grad": {"wrt": [...], "params": True, "seed": 7} | None}
    {"kind": "generate", "symbol": "generate", "model": {...}, "args": [...],
     "kwargs": {...}}

The *outcome* is plain data too: ``value`` (the returned tree, detached),
``grads`` (input gradients by selector), ``param_grads``, ``mutated`` (inputs
changed in place), ``error`` (an exception, with the line numbers of the
submission's frames) and ``stats`` (model-call statistics for generation).

The same code runs in the sandboxed child on candidate code and in the trusted
process on reference and misconception code, so both sides are measured in
exactly the same way. It must never compare anything against an expected
value: it only describes.
"""

from __future__ import annotations

import time
import traceback

import torch

from grader.sandbox import toy_models
from grader.sandbox.guard import ForbiddenAPIError, take_forbidden_uses
from grader.sandbox.protocol import GeneratorSeed, Unsupported

MAX_MESSAGE_CHARS = 2000
MAX_STRING_CHARS = 2000


def _materialise(value):
    """Turn wire placeholders (generator seeds) into live objects."""
    if isinstance(value, GeneratorSeed):
        return value.make()
    if isinstance(value, list):
        return [_materialise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(_materialise(v) for v in value)
    if isinstance(value, dict):
        return {k: _materialise(v) for k, v in value.items()}
    return value


def sanitise(value, depth: int = 0):
    """Reduce whatever a call returned to something the protocol can carry."""
    if depth > 8:
        return Unsupported("deeply nested value")
    if isinstance(value, torch.Tensor):
        try:
            return value.detach().cpu().clone()
        except Exception:  # an exotic subclass or layout
            return Unsupported(type(value).__name__)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str):
        return value[:MAX_STRING_CHARS]
    if isinstance(value, tuple):
        return tuple(sanitise(v, depth + 1) for v in value[:64])
    if isinstance(value, list):
        return [sanitise(v, depth + 1) for v in value[:64]]
    return Unsupported(type(value).__name__)


def _flat_tensors(value) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flat_tensors(v)]
    return []


def _select(args: list, kwargs: dict, selector: str):
    if selector.isdigit():
        return args[int(selector)]
    return kwargs[selector]


def _prepare_inputs(args: list, kwargs: dict, wrt: list[str]):
    """Copy inputs, switch on requires_grad where asked, remember their bytes."""
    args = [_materialise(a) for a in args]
    kwargs = {k: _materialise(v) for k, v in kwargs.items()}
    for selector in wrt:
        tensor = _select(args, kwargs, selector).detach().clone().requires_grad_(True)
        if selector.isdigit():
            args[int(selector)] = tensor
        else:
            kwargs[selector] = tensor
    named = {str(i): a for i, a in enumerate(args)} | dict(kwargs)
    snapshot = {
        name: t.detach().clone() for name, t in named.items() if isinstance(t, torch.Tensor)
    }
    return args, kwargs, named, snapshot


def _mutated(named: dict, snapshot: dict) -> list[str]:
    changed = []
    for name, before in snapshot.items():
        after = named[name]
        if after.shape != before.shape or after.dtype != before.dtype:
            changed.append(name)
        elif not torch.equal(after.detach(), before) and not _same_nans(after.detach(), before):
            changed.append(name)
    return changed


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


def _gradients(value, sources: dict[str, torch.Tensor], seed: int) -> dict:
    outputs = [t for t in _flat_tensors(value) if t.is_floating_point()]
    differentiable = [t for t in outputs if t.requires_grad]
    if not sources:
        return {}
    if not differentiable:
        return {name: None for name in sources}
    cotangents = _cotangents(outputs, seed)
    pairs = [(t, c) for t, c in zip(outputs, cotangents) if t.requires_grad]
    grads = torch.autograd.grad(
        [t for t, _ in pairs],
        list(sources.values()),
        grad_outputs=[c for _, c in pairs],
        allow_unused=True,
    )
    return {name: (None if g is None else g.detach().clone()) for name, g in zip(sources, grads)}


def _describe_error(exc: BaseException, filename: str) -> dict:
    lines = [
        frame.lineno
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename == filename and frame.lineno is not None
    ]
    message = str(exc)
    if len(message) > MAX_MESSAGE_CHARS:
        message = message[:MAX_MESSAGE_CHARS] + " …"
    return {
        "type": type(exc).__name__,
        "message": message,
        "lines": lines[-10:],
        "forbidden": exc.name if isinstance(exc, ForbiddenAPIError) else None,
    }


def _run_call(namespace: dict, inv: dict) -> dict:
    grad = inv.get("grad") or {}
    wrt = list(grad.get("wrt", ()))
    args, kwargs, named, snapshot = _prepare_inputs(inv.get("args", []), inv.get("kwargs", {}), wrt)
    value = namespace[inv["symbol"]](*args, **kwargs)
    sources = {s: named[s] for s in wrt}
    grads = _gradients(value, sources, grad.get("seed", 0)) if wrt else None
    return {"value": value, "grads": grads, "mutated": _mutated(named, snapshot)}


def _run_module(namespace: dict, inv: dict) -> dict:
    cls = namespace[inv["symbol"]]
    module = cls(*inv.get("init_args", []), **inv.get("init_kwargs", {}))
    if inv.get("args") is None:
        return {"value": None}
    dtype = getattr(torch, inv.get("dtype", "float32"))
    module = module.to(dtype)
    if inv.get("state_dict") is not None:
        module.load_state_dict(inv["state_dict"], strict=True)
    grad = inv.get("grad") or {}
    wrt = list(grad.get("wrt", ()))
    args, kwargs, named, snapshot = _prepare_inputs(inv["args"], inv.get("kwargs", {}), wrt)
    value = module(*args, **kwargs)
    outcome = {"value": value, "mutated": _mutated(named, snapshot)}
    if grad:
        sources = {s: named[s] for s in wrt}
        params = dict(module.named_parameters()) if grad.get("params") else {}
        everything = _gradients(value, sources | {f"param:{k}": v for k, v in params.items()},
                                grad.get("seed", 0))
        outcome["grads"] = {k: v for k, v in everything.items() if not k.startswith("param:")}
        outcome["param_grads"] = {
            k[len("param:"):]: v for k, v in everything.items() if k.startswith("param:")
        }
    return outcome


def _run_generate(namespace: dict, inv: dict) -> dict:
    model = toy_models.build(inv["model"])
    args, kwargs, named, snapshot = _prepare_inputs(inv.get("args", []), inv.get("kwargs", {}), [])
    value = namespace[inv["symbol"]](model, *args, **kwargs)
    return {"value": value, "mutated": _mutated(named, snapshot), "stats": model.stats()}


_RUNNERS = {"call": _run_call, "module": _run_module, "generate": _run_generate}


def execute(namespace: dict, invocation: dict, *, filename: str = "<submission>") -> dict:
    """Run ``invocation`` against ``namespace`` and return its outcome (never raises)."""
    start = time.perf_counter()
    take_forbidden_uses()
    outcome: dict = {"value": None, "grads": None, "param_grads": None, "mutated": [],
                     "error": None, "stats": None}
    try:
        outcome.update(_RUNNERS[invocation["kind"]](namespace, invocation))
    except Exception as exc:  # the candidate's exception is this test's feedback
        outcome["error"] = _describe_error(exc, filename)
    forbidden = take_forbidden_uses()
    if forbidden and (outcome["error"] is None or not outcome["error"]["forbidden"]):
        outcome["error"] = {"type": "ForbiddenAPIError", "lines": [],
                            "message": f"called the forbidden API {forbidden[0]}",
                            "forbidden": forbidden[0]}
    outcome["value"] = sanitise(outcome["value"])
    outcome["seconds"] = time.perf_counter() - start
    return outcome
