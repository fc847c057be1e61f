"""Test cases: what to run (an invocation, plain data) and how to judge it.

Hidden cases (``grader/hidden/<problem>.py``) and public tests
(``problems/<problem>/public_tests.py``) are both lists of :class:`Case`. A case
builds its invocation from a seeded ``torch.Generator`` so that ``--seed``
changes every random input, and judges the candidate's outcome with a check from
:mod:`grader.checks`, in the trusted process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import torch

from grader.checks import Check, Verdict, close_to_literal, match_literal, match_reference
from grader.i18n import EMPTY, Text
from grader.sandbox.messages import GradRequest, Invocation, Outcome
from grader.sandbox.protocol import GeneratorSeed


def call(symbol: str, *args, grad: list[str] | None = None, grad_seed: int = 0,
         grad_output: int | None = None, measure_memory: bool = False, **kwargs) -> Invocation:
    """Invocation that calls function ``symbol(*args, **kwargs)``.

    Args:
        grad: selectors of the inputs to differentiate with respect to:
            ``"0"``, ``"1"``… for positional arguments, names for keywords.
        grad_seed: seed of the random cotangent used for the backward pass.
        grad_output: differentiate only this item of a returned tuple (e.g. the
            output, not a log-sum-exp returned next to it).
        measure_memory: the trusted side measures the call's peak memory from
            outside the child (checked with :func:`grader.checks.peak_memory_below`).
    """
    return Invocation(kind="call", symbol=symbol, args=tuple(args), kwargs=kwargs,
                      grad=GradRequest(tuple(grad), seed=grad_seed, output=grad_output) if grad else None,
                      measure_memory=measure_memory)


def module_call(
    symbol: str,
    init_args: tuple = (),
    init_kwargs: dict | None = None,
    *,
    state_dict: dict | None = None,
    dtype: torch.dtype = torch.float32,
    args: tuple | None = (),
    kwargs: dict | None = None,
    grad: list[str] | None = None,
    param_grads: bool = False,
    grad_seed: int = 0,
    grad_output: int | None = None,
    chunks: tuple[int, ...] = (),
) -> Invocation:
    """Invocation that builds module ``symbol`` and calls it (``args=None``: build only).

    ``chunks`` feeds the first argument in pieces of these lengths along dim 1,
    threading the returned ``cache`` (see :class:`~grader.sandbox.messages.Invocation`).
    ``grad_output`` differentiates only that item of a returned tuple (e.g. the
    output, not the cache).
    """
    return Invocation(
        kind="module", symbol=symbol, init_args=tuple(init_args),
        init_kwargs=dict(init_kwargs or {}), dtype=str(dtype).replace("torch.", ""),
        state_dict=state_dict, args=() if args is None else tuple(args),
        kwargs=dict(kwargs or {}), construct_only=args is None, chunks=tuple(chunks),
        grad=GradRequest(tuple(grad or ()), params=param_grads, seed=grad_seed, output=grad_output)
        if (grad or param_grads) else None)


def generate_call(symbol: str, model: dict, *args, generator_seed: int | None = None,
                  **kwargs) -> Invocation:
    """Invocation that calls ``symbol(model, *args, **kwargs)`` with a toy model."""
    if generator_seed is not None:
        kwargs["generator"] = GeneratorSeed(generator_seed)
    return Invocation(kind="generate", symbol=symbol, model=model, args=tuple(args), kwargs=kwargs)


Similarity = Callable[[Outcome, Outcome], bool]


@dataclass(frozen=True)
class Case:
    """One test: a name, its points, how to build its inputs and how to judge them.

    Attributes:
        number: stable number shown to people, e.g. ``"1.4"``.
        name, hint: what the test checks and a hint for those who fail it, in
            English and Chinese (:func:`grader.i18n.t`).
        make: builds the invocation from a seeded generator.
        check: judges the candidate's outcome against the reference's.
        similar: decides whether two outcomes agree, for diagnosis
            (default: the returned values agree within a loose tolerance).
        expected: for public tests, the literal expected value (shown to learners);
            when set, the reference solution is not consulted.
    """

    number: str
    name: Text
    points: float
    make: Callable[[torch.Generator], Invocation]
    check: Check = field(default_factory=match_reference)
    tags: tuple[str, ...] = ()
    hint: Text = EMPTY
    similar: Similarity | None = None
    expected: object = None
    visibility: str = "hidden"

    def __post_init__(self) -> None:
        for name in ("name", "hint"):
            if not isinstance(getattr(self, name), Text):
                raise TypeError(f"case {self.number}: its {name} needs both languages, "
                                f"written t(\"English\", \"中文\") (grader.i18n.t), "
                                f"not a {type(getattr(self, name)).__name__}")


def public_case(number: str, name: Text, invocation: Invocation, *, expected=None, places: int = 4,
                check: Check | None = None, hint: Text = EMPTY, tags: tuple[str, ...] = ()) -> Case:
    """A public test with fixed inputs and, usually, its expected value written out.

    Expected values are compared to ``places`` decimals (as printed); without
    ``expected`` the ``check`` decides alone (e.g. "raises ValueError").
    """
    def similar(a: Outcome, b: Outcome) -> bool:
        if a.error or b.error:
            return False
        return close_to_literal(a.value, b.value, places, equal_nan=True).passed

    return Case(
        number=number,
        name=name,
        points=1.0,
        make=lambda _rng, inv=invocation: inv,
        check=check or match_literal(places),
        tags=tags,
        hint=hint,
        similar=similar if expected is not None else None,
        expected=expected,
        visibility="visible",
    )


__all__ = ["Case", "Verdict", "call", "module_call", "generate_call", "public_case"]
