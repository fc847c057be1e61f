"""Typed messages across the trust boundary, with validating, size-capped decoding.

Both sides import this module: the trusted process builds a :class:`Job` and
decodes what comes back; the sandboxed child decodes its job and encodes one
:class:`Loaded` report and one :class:`Outcome` per test. Everything travels as
:mod:`grader.sandbox.protocol` values (JSON plus raw arrays, never pickle).

What comes back from a child is hostile by assumption. ``*_from_wire`` refuse
(:class:`~grader.sandbox.protocol.ProtocolError`) unknown kinds, wrong types,
and fields over their caps; every cap is defined here and enforced by the
decoder on the trusted side, never trusted to the child. The child truncates
to the same caps so that an honest submission is never refused.

The grading limits (:class:`~grader.sandbox.limits.Limits`) are re-exported
from :mod:`grader.sandbox.limits`, which holds their one set of defaults.
"""

from __future__ import annotations

import enum
import math
import re
from dataclasses import dataclass, field, replace

import torch

from grader.sandbox.limits import Limits  # noqa: F401  (re-exported: part of the messages' vocabulary)
from grader.sandbox.protocol import GeneratorSeed, ProtocolError, Unsupported

MIB = 1024 * 1024

# Caps on what a child may send (refused beyond them on the trusted side).
MAX_MESSAGE_CHARS = 2000  # an exception message or a load failure's detail
MAX_TYPE_CHARS = 100  # an exception class name
MAX_BASES = 8  # built-in exception classes an exception's class derives from
MAX_LINES = 10  # line numbers of a traceback kept
MAX_LINE_NUMBER = 10_000_000
MAX_STRING_CHARS = 2000  # a string returned by the submission
MAX_ITEMS = 64  # items of a returned list or tuple
MAX_VALUE_DEPTH = 8  # nesting of a returned value
MAX_VALUE_NODES = 10_000  # parts of a returned value (a tensor counts as TENSOR_NODES: its descriptor's)
TENSOR_NODES = 8  # so that a value within MAX_VALUE_NODES stays well within the wire's MAX_NODES
MAX_NAMES = 256  # entries of a gradient dictionary or of the mutated list
MAX_NAME_CHARS = 200
MAX_STATS_KEYS = 16
JOB_ID = re.compile(r"[0-9a-f]{8,64}")


class ErrorKind(str, enum.Enum):
    """Why a whole submission (or what is left of it) could not be graded normally."""

    SYNTAX_ERROR = "syntax_error"
    IMPORT_ERROR = "import_error"
    MISSING_SYMBOL = "missing_symbol"
    FORBIDDEN_API = "forbidden_api"
    TIMEOUT = "timeout"
    MEMORY_LIMIT = "memory_limit"
    RESOURCE_LIMIT = "resource_limit"
    CRASH = "crash"
    OUTPUT_LIMIT = "output_limit"
    BAD_SUBMISSION = "bad_submission"
    GRADER_ERROR = "grader_error"


LOAD_FAILURES = (ErrorKind.SYNTAX_ERROR, ErrorKind.IMPORT_ERROR, ErrorKind.MISSING_SYMBOL)
# The outcome of a memory test whose child the kernel stopped at the memory limit
# (written by the trusted side, which observed the kill; never accepted from a child).
MEMORY_LIMIT_EXCEEDED = "MemoryLimitExceeded"
# The error of a test whose result was larger than its limit (the child refuses it before sending).
RESULT_TOO_LARGE = "ResultTooLarge"
# The module a submission's source runs as (its classes' ``__module__``).
SUBMISSION_MODULE = "submission"


# ----------------------------------------------------------------------------- trusted -> child

@dataclass(frozen=True)
class GradRequest:
    """Which inputs (positions ``"0"``, ``"1"``… or keyword names) and parameters to differentiate."""

    wrt: tuple[str, ...] = ()
    params: bool = False
    seed: int = 0
    output: int | None = None  # differentiate only this item of a returned tuple (None: all)


@dataclass(frozen=True)
class Invocation:
    """What one test calls, with which inputs (plain data built by the trusted side).

    ``kind`` is ``"call"`` (a function), ``"module"`` (build a class, load a
    state dict, call it) or ``"generate"`` (a decoding function driven by a toy
    model built from ``model``). ``construct_only`` builds the module and stops
    (for ``ValueError`` tests). ``measure_memory`` asks the trusted side to
    measure the call's peak memory from outside the child. ``chunks`` (modules
    with a cache, e.g. problem 11) splits the first argument along dimension 1
    into pieces of these lengths, calls the module once per piece with the
    ``cache`` it returned last time (the first call gets ``kwargs["cache"]``) and
    returns ``(outputs concatenated along dimension 1, the last cache)``.
    """

    kind: str
    symbol: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)
    init_args: tuple = ()
    init_kwargs: dict = field(default_factory=dict)
    dtype: str = "float32"
    state_dict: dict | None = None
    model: dict | None = None
    grad: GradRequest | None = None
    construct_only: bool = False
    measure_memory: bool = False
    chunks: tuple[int, ...] = ()

    def inputs_withheld(self) -> "Invocation":
        """This test without its inputs: what a child gets of a memory test until the trusted side's
        meter runs (then the whole test follows, so that nothing is computed from its inputs unmeasured)."""
        return replace(self, args=(), kwargs={}, init_args=(), init_kwargs={}, state_dict=None, model=None)

    def input_bytes(self) -> int:
        """Bytes of the tensors among its inputs."""
        return _tensor_bytes((self.args, self.kwargs, self.init_args, self.init_kwargs, self.state_dict))

    def to_wire(self) -> dict:
        wire = {"kind": self.kind, "symbol": self.symbol, "args": list(self.args),
                "kwargs": dict(self.kwargs), "init_args": list(self.init_args),
                "init_kwargs": dict(self.init_kwargs), "dtype": self.dtype,
                "state_dict": self.state_dict, "model": self.model,
                "construct_only": self.construct_only, "measure_memory": self.measure_memory,
                "chunks": list(self.chunks), "grad": None}
        if self.grad is not None:
            wire["grad"] = {"wrt": list(self.grad.wrt), "params": self.grad.params,
                            "seed": self.grad.seed, "output": self.grad.output}
        return wire

    @classmethod
    def from_wire(cls, wire: dict) -> "Invocation":
        grad = wire.get("grad")
        return cls(kind=wire["kind"], symbol=wire["symbol"], args=tuple(wire["args"]),
                   kwargs=dict(wire["kwargs"]), init_args=tuple(wire["init_args"]),
                   init_kwargs=dict(wire["init_kwargs"]), dtype=wire["dtype"],
                   state_dict=wire["state_dict"], model=wire["model"],
                   construct_only=bool(wire["construct_only"]),
                   measure_memory=bool(wire["measure_memory"]), chunks=tuple(wire["chunks"]),
                   grad=None if grad is None else GradRequest(tuple(grad["wrt"]), bool(grad["params"]),
                                                              int(grad["seed"]), grad.get("output")))


@dataclass(frozen=True)
class Job:
    """One submission's run, as the child receives it (after it has isolated itself)."""

    job_id: str
    source: str
    filename: str
    symbols: tuple[str, ...]
    forbidden: tuple[str, ...]
    invocations: tuple[Invocation, ...]
    first: int = 0  # the first test this child runs (a restart after a crash skips the others)

    def to_wire(self) -> dict:
        return {"job_id": self.job_id, "source": self.source, "filename": self.filename,
                "symbols": list(self.symbols), "forbidden": list(self.forbidden),
                "invocations": [i.to_wire() for i in self.invocations], "first": self.first}

    @classmethod
    def from_wire(cls, wire: dict) -> "Job":
        return cls(job_id=wire["job_id"], source=wire["source"], filename=wire["filename"],
                   symbols=tuple(wire["symbols"]), forbidden=tuple(wire["forbidden"]),
                   invocations=tuple(i if isinstance(i, Invocation) else Invocation.from_wire(i)
                                     for i in wire["invocations"]),
                   first=int(wire["first"]))


# ----------------------------------------------------------------------------- child -> trusted

@dataclass(frozen=True)
class TestException:
    """An exception raised by the submission inside one test (that test's feedback)."""

    type: str
    message: str
    lines: tuple[int, ...] = ()
    forbidden: str | None = None  # the forbidden API whose guard raised it
    bases: tuple[str, ...] = ()  # the built-in exception classes it derives from: ("ValueError", "Exception", ...)

    def is_a(self, name: str) -> bool:
        """Whether it is the built-in exception ``name`` or derives from it, as ``except name`` sees it."""
        return self.type == name or name in self.bases


@dataclass(frozen=True)
class Outcome:
    """What one call did: the returned value, gradients, inputs changed in place, an exception.

    Produced by :func:`grader.sandbox.execute.execute` in the child (candidate
    code) and in the trusted process (references, misconception references), so
    both are described the same way. ``peak_memory_bytes`` is set by the trusted
    side only, for tests that measure memory.
    """

    value: object = None
    grads: dict | None = None
    param_grads: dict | None = None
    mutated: tuple[str, ...] = ()
    error: TestException | None = None
    stats: dict | None = None
    seconds: float = 0.0
    peak_memory_bytes: int | None = None


@dataclass(frozen=True)
class LoadFailure:
    """Why the child could not load the submission (``syntax_error``, ``import_error``,
    ``missing_symbol``), with the raw detail (Python's own message, the missing names)."""

    kind: ErrorKind
    detail: str
    lines: tuple[int, ...] = ()


@dataclass(frozen=True)
class Loaded:
    """The child's first report: the submission loaded, or why not."""

    job_id: str
    failure: LoadFailure | None = None


def truncate(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """What the child does so that an honest long message stays within the caps."""
    return text if len(text) <= limit else text[: limit - 2] + " …"


def outcome_to_wire(outcome: Outcome, job_id: str) -> dict:
    error = outcome.error
    return {
        "job_id": job_id,
        "value": outcome.value,
        "grads": outcome.grads,
        "param_grads": outcome.param_grads,
        "mutated": list(outcome.mutated),
        "error": None if error is None else {
            "type": truncate(error.type, MAX_TYPE_CHARS), "message": truncate(error.message),
            "lines": [n for n in error.lines[-MAX_LINES:]], "forbidden": error.forbidden,
            "bases": list(error.bases[:MAX_BASES])},
        "stats": outcome.stats,
        "seconds": outcome.seconds,
    }


def loaded_to_wire(loaded: Loaded) -> dict:
    failure = loaded.failure
    return {"job_id": loaded.job_id, "failure": None if failure is None else {
        "kind": failure.kind.value, "detail": truncate(failure.detail),
        "lines": list(failure.lines[-MAX_LINES:])}}


# ----------------------------------------------------------------------------- validation

def _refuse(why: str):
    raise ProtocolError(why)


def _dict(value, keys: set[str], what: str) -> dict:
    if not isinstance(value, dict) or set(value) != keys:
        _refuse(f"{what}: wrong fields")
    return value


def _string(value, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        _refuse(f"{what}: not a string of at most {limit} characters")
    return value


def _lines(value) -> tuple[int, ...]:
    if not isinstance(value, list) or len(value) > MAX_LINES or not all(
            type(n) is int and 0 < n <= MAX_LINE_NUMBER for n in value):
        _refuse("lines: not a short list of line numbers")
    return tuple(value)


def _job_id(value, expected: str) -> None:
    if value != expected:
        _refuse("a reply for another job")


def _value(value, depth: int = 0):
    """A returned value: tensors, numbers, short strings, short lists and tuples of those."""
    if depth > MAX_VALUE_DEPTH:
        _refuse("value nested too deeply")
    if value is None or isinstance(value, (bool, torch.Tensor, Unsupported)):
        return value
    if isinstance(value, int):
        if not -(1 << 63) <= value < (1 << 63):
            _refuse("integer out of range")
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        return _string(value, MAX_STRING_CHARS, "value")
    if isinstance(value, (tuple, list)):
        if len(value) > MAX_ITEMS:
            _refuse("value has too many items")
        items = [_value(v, depth + 1) for v in value]
        return tuple(items) if isinstance(value, tuple) else items
    _refuse(f"value of an unexpected type ({type(value).__name__})")


def _grads(value, what: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_NAMES:
        _refuse(f"{what}: not a dictionary of gradients")
    for name, grad in value.items():
        _string(name, MAX_NAME_CHARS, what)
        if grad is not None and not isinstance(grad, torch.Tensor):
            _refuse(f"{what}: a gradient that is not a tensor")
    return value


def _stats(value) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or len(value) > MAX_STATS_KEYS:
        _refuse("stats: not a small dictionary")
    for key, item in value.items():
        _string(key, 40, "stats")
        if type(item) is int:
            continue
        if not (isinstance(item, list) and len(item) <= MAX_ITEMS and all(type(i) is int for i in item)):
            _refuse("stats: values must be integers or short lists of integers")
    return value


def _class_name(name: str) -> bool:
    """Whether ``name`` is a (dotted) Python class name: identifiers, in any script Python allows."""
    return all(part.isidentifier() for part in name.split("."))


def outcome_from_wire(wire, *, job_id: str, forbidden: tuple[str, ...]) -> Outcome:
    """Validate one test's outcome sent by a child; refuse anything off-contract."""
    wire = _dict(wire, {"job_id", "value", "grads", "param_grads", "mutated", "error", "stats",
                        "seconds"}, "outcome")
    _job_id(wire["job_id"], job_id)
    mutated = wire["mutated"]
    if not isinstance(mutated, list) or len(mutated) > MAX_NAMES:
        _refuse("mutated: not a list")
    for name in mutated:
        _string(name, MAX_NAME_CHARS, "mutated")
    error = None
    if wire["error"] is not None:
        raw = _dict(wire["error"], {"type", "message", "lines", "forbidden", "bases"}, "error")
        type_name = _string(raw["type"], MAX_TYPE_CHARS, "error type")
        if not _class_name(type_name) or type_name == MEMORY_LIMIT_EXCEEDED:
            _refuse("error type: not a class name a child may report")
        bases = raw["bases"]
        if not (isinstance(bases, list) and len(bases) <= MAX_BASES
                and all(_class_name(_string(b, MAX_TYPE_CHARS, "error bases")) for b in bases)):
            _refuse("error bases: not a short list of class names")
        if raw["forbidden"] is not None and raw["forbidden"] not in forbidden:
            _refuse("error: names an API that is not forbidden here")
        error = TestException(type=type_name, message=_string(raw["message"], MAX_MESSAGE_CHARS,
                                                              "error message"),
                              lines=_lines(raw["lines"]), forbidden=raw["forbidden"], bases=tuple(bases))
    seconds = wire["seconds"]
    if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or not math.isfinite(seconds):
        _refuse("seconds: not a finite number")
    return Outcome(value=_value(wire["value"]), grads=_grads(wire["grads"], "grads"),
                   param_grads=_grads(wire["param_grads"], "param_grads"), mutated=tuple(mutated),
                   error=error, stats=_stats(wire["stats"]), seconds=float(seconds))


def loaded_from_wire(wire, *, job_id: str) -> Loaded:
    """Validate a child's load report; refuse anything off-contract."""
    wire = _dict(wire, {"job_id", "failure"}, "load report")
    _job_id(wire["job_id"], job_id)
    failure = wire["failure"]
    if failure is None:
        return Loaded(job_id)
    failure = _dict(failure, {"kind", "detail", "lines"}, "load failure")
    try:
        kind = ErrorKind(failure["kind"])
    except ValueError:
        _refuse("load failure: unknown kind")
    if kind not in LOAD_FAILURES:
        _refuse("load failure: a kind the child cannot report")
    return Loaded(job_id, LoadFailure(kind, _string(failure["detail"], MAX_MESSAGE_CHARS, "detail"),
                                      _lines(failure["lines"])))


def _tensor_bytes(value) -> int:
    if isinstance(value, torch.Tensor):
        return value.numel() * value.element_size()
    if isinstance(value, (list, tuple)):
        return sum(_tensor_bytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_tensor_bytes(v) for v in value.values())
    return 0


def materialise(value):
    """Turn wire placeholders (generator seeds) into live objects (in whoever runs the call)."""
    if isinstance(value, GeneratorSeed):
        return value.make()
    if isinstance(value, list):
        return [materialise(v) for v in value]
    if isinstance(value, tuple):
        return tuple(materialise(v) for v in value)
    if isinstance(value, dict):
        return {k: materialise(v) for k, v in value.items()}
    return value
