"""Checks: judge a candidate's outcome against the expected one (trusted side only).

A check receives a :class:`CheckContext` and returns a :class:`Verdict`. Messages
say what was checked, on which shapes and dtypes, how far off the answer was and
what to look at; they never print a hidden expected value.

Tolerances are those of problems.md: float32 ``rtol=1e-4, atol=1e-5``; float64
``rtol=1e-9, atol=1e-10``; gradients use ``atol * max(1, max|reference grad|)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from grader.sandbox.protocol import Unsupported, dtype_name

TOLERANCES = {
    torch.float32: (1e-4, 1e-5),
    torch.float64: (1e-9, 1e-10),
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (1e-2, 1e-2),
}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    message: str
    max_error: float | None = None


@dataclass(frozen=True)
class CheckContext:
    invocation: dict
    candidate: dict  # outcome of the submission
    expected: dict  # outcome of the reference (or a literal expected value)


Check = Callable[[CheckContext], Verdict]


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    return TOLERANCES.get(dtype, (0.0, 0.0))


def describe(value) -> str:
    """A short, value-free description: 'float32 tensor of shape (2, 3)'."""
    if isinstance(value, torch.Tensor):
        return f"{dtype_name(value.dtype)} tensor of shape {tuple(value.shape)}"
    if isinstance(value, tuple):
        return f"tuple of {len(value)}"
    if isinstance(value, list):
        return f"list of {len(value)}"
    if isinstance(value, Unsupported):
        return f"a {value.type_name} object"
    return type(value).__name__


def error_message(error: dict) -> str:
    where = f" (line {error['lines'][-1]})" if error.get("lines") else ""
    if error.get("forbidden"):
        return f"uses the forbidden API {error['forbidden']}{where}"
    if error["type"] == "NotImplementedError":
        return f"not implemented yet: raised NotImplementedError{where}"
    return f"raised {error['type']}: {error['message']}{where}"


def structure_problem(got, want, *, what: str = "output") -> Verdict | None:
    """A failing verdict when ``got`` has the wrong type, length, shape or dtype."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):
            return Verdict(False, f"{what}: expected a tensor, got {describe(got)}")
        if got.shape != want.shape:
            return Verdict(False, f"{what}: shape {tuple(got.shape)}, expected {tuple(want.shape)}")
        if got.dtype != want.dtype:
            return Verdict(False, f"{what}: dtype {dtype_name(got.dtype)}, expected "
                                  f"{dtype_name(want.dtype)} (keep the inputs' dtype)")
        return None
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return Verdict(False, f"{what}: returned {describe(got)}, expected {describe(want)}")
        for index, (g, w) in enumerate(zip(got, want)):
            problem = structure_problem(g, w, what=f"{what}[{index}]")
            if problem:
                return problem
    return None


def compare_tensors(got, want: torch.Tensor, *, what: str, scale_atol: bool = False,
                    equal_nan: bool = False) -> Verdict:
    """Compare one tensor with dtype-specific tolerances."""
    problem = structure_problem(got, want, what=what)
    if problem:
        return problem
    if not want.is_floating_point():
        if torch.equal(got, want):
            return Verdict(True, f"{what}: equal", 0.0)
        count = int((got != want).sum())
        return Verdict(False, f"{what}: {count} of {want.numel()} entries differ")
    rtol, atol = tolerance(want.dtype)
    if scale_atol:
        finite = want[torch.isfinite(want)]
        atol *= max(1.0, float(finite.abs().max()) if finite.numel() else 1.0)
    got64, want64 = got.double(), want.double()
    if not equal_nan and not bool(torch.isfinite(got64).all()) and bool(torch.isfinite(want64).all()):
        bad = int((~torch.isfinite(got64)).sum())
        return Verdict(False, f"{what}: {bad} entries are nan or inf")
    close = torch.isclose(got64, want64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    diff = (got64 - want64).abs()
    diff = torch.where(torch.isfinite(diff), diff, torch.full_like(diff, float("inf")))
    max_error = float(diff.max()) if diff.numel() else 0.0
    if bool(close.all()):
        return Verdict(True, f"{what}: within rtol={rtol:g}, atol={atol:g} "
                             f"(max error {max_error:.2e})", max_error)
    wrong = int((~close).sum())
    return Verdict(False, f"{what}: {wrong} of {want.numel()} entries off, max error "
                          f"{max_error:.3g} (rtol={rtol:g}, atol={atol:g})", max_error)


def compare_values(got, want, *, what: str = "output", equal_nan: bool = False) -> Verdict:
    """Compare returned structures (tensor, tuple of tensors, plain numbers)."""
    if isinstance(want, torch.Tensor):
        return compare_tensors(got, want, what=what, equal_nan=equal_nan)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return Verdict(False, f"{what}: returned {describe(got)}, expected {describe(want)}")
        worst = 0.0
        for index, (g, w) in enumerate(zip(got, want)):
            verdict = compare_values(g, w, what=f"{what}[{index}]", equal_nan=equal_nan)
            if not verdict.passed:
                return verdict
            worst = max(worst, verdict.max_error or 0.0)
        return Verdict(True, f"{what}: {describe(want)} within tolerance (max error {worst:.2e})", worst)
    if got == want:
        return Verdict(True, f"{what}: equal")
    return Verdict(False, f"{what}: returned {describe(got)} that differs from the expected {describe(want)}")


def _compare_grads(got: dict | None, want: dict | None, label: str) -> Verdict | None:
    if not want:
        return None
    got = got or {}
    for name, reference in want.items():
        if reference is None:
            continue
        candidate = got.get(name)
        if candidate is None:
            return Verdict(False, f"no gradient flows to {label} {name!r}: keep every step "
                                  "differentiable (no .detach(), .data, .numpy() or in-place tricks)")
        verdict = compare_tensors(candidate, reference, what=f"gradient of {label} {name!r}",
                                  scale_atol=True)
        if not verdict.passed:
            return verdict
    return None


def _failure_of_call(ctx: CheckContext) -> Verdict | None:
    if ctx.candidate.get("error"):
        return Verdict(False, error_message(ctx.candidate["error"]))
    if ctx.candidate.get("mutated"):
        names = ", ".join(f"positional argument {int(n) + 1}" if n.isdigit() else f"argument {n!r}"
                          for n in ctx.candidate["mutated"])
        return Verdict(False, f"modified its input(s) in place: {names}; inputs must stay unchanged")
    return None


def match_reference(*, grads: bool = True, what: str = "output") -> Check:
    """Outputs (and gradients, when the invocation asks for them) match the reference."""

    def check(ctx: CheckContext) -> Verdict:
        failure = _failure_of_call(ctx)
        if failure:
            return failure
        verdict = compare_values(ctx.candidate["value"], ctx.expected["value"], what=what)
        if not verdict.passed:
            return verdict
        if grads:
            for label, key in (("input", "grads"), ("parameter", "param_grads")):
                failed = _compare_grads(ctx.candidate.get(key), ctx.expected.get(key), label)
                if failed:
                    return failed
        return verdict

    return check


def all_finite(*, compare_where_exact: bool = False) -> Check:
    """Outputs and gradients are finite (scores up to 1e4); optionally values match too."""

    def check(ctx: CheckContext) -> Verdict:
        failure = _failure_of_call(ctx)
        if failure:
            return failure
        tensors = _flatten(ctx.candidate["value"]) + [
            g for g in (ctx.candidate.get("grads") or {}).values() if g is not None
        ]
        problem = structure_problem(ctx.candidate["value"], ctx.expected["value"])
        if problem:
            return problem
        for tensor in tensors:
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                return Verdict(False, "large scores (|score| up to 1e4) gave nan or inf: subtract the "
                                      "row maximum before exp(), or use torch.softmax")
        if ctx.candidate.get("grads") is not None and any(
            g is None for g in ctx.candidate["grads"].values()
        ):
            return Verdict(False, "no gradient reached the inputs")
        if compare_where_exact:
            return compare_values(ctx.candidate["value"], ctx.expected["value"])
        return Verdict(True, "outputs and gradients are finite")

    return check


def raises(exception: str, *, why: str) -> Check:
    """The call must raise ``exception`` (e.g. a ValueError for bad arguments)."""

    def check(ctx: CheckContext) -> Verdict:
        error = ctx.candidate.get("error")
        if error and error["type"] == exception:
            return Verdict(True, f"raised {exception} as required")
        if error and error.get("forbidden"):
            return Verdict(False, error_message(error))
        if error:
            return Verdict(False, f"expected {exception} ({why}), but {error_message(error)}")
        return Verdict(False, f"expected {exception} ({why}), but nothing was raised")

    return check


def _flatten(value) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _flatten(v)]
    return []


def values_close(a: dict, b: dict, factor: float = 10.0) -> bool:
    """Whether two outcomes returned the same values (loose tolerance; for diagnosis)."""
    if a.get("error") or b.get("error"):
        return False
    return _close(a.get("value"), b.get("value"), factor)


def _close(a, b, factor: float) -> bool:
    if isinstance(b, torch.Tensor):
        if not isinstance(a, torch.Tensor) or a.shape != b.shape:
            return False
        if not b.is_floating_point() or not a.is_floating_point():
            return a.dtype == b.dtype and bool(torch.equal(a, b))
        rtol, atol = tolerance(b.dtype)
        return bool(torch.isclose(a.double(), b.double(), rtol=rtol * factor, atol=atol * factor,
                                  equal_nan=True).all())
    if isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(
            _close(x, y, factor) for x, y in zip(a, b))
    return a == b


def all_of(*checks: Check) -> Check:
    """Pass only if every check passes; report the first failure (or the first message)."""

    def check(ctx: CheckContext) -> Verdict:
        verdicts = []
        for item in checks:
            verdict = item(ctx)
            if not verdict.passed:
                return verdict
            verdicts.append(verdict)
        return verdicts[0]

    return check


def _first_tensor(value):
    if isinstance(value, (tuple, list)) and value:
        return _first_tensor(value[0])
    return value


def batch_rows_agree(pairs: list[tuple], *, property_name: str, select=_first_tensor) -> Check:
    """Property check: the output at batch index ``a`` equals that at ``b`` for each pair.

    The inputs are built so that the property demands it (e.g. batch element 1 is
    element 0 with its keys permuted), so a failure names the broken invariant.
    """

    def check(ctx: CheckContext) -> Verdict:
        failure = _failure_of_call(ctx)
        if failure:
            return failure
        output = select(ctx.candidate["value"])
        if not isinstance(output, torch.Tensor) or output.dim() == 0:
            return Verdict(False, f"{property_name}: expected a tensor, got {describe(output)}")
        for a, b in pairs:
            if max(a, b) >= output.shape[0]:
                return Verdict(False, f"{property_name}: output has batch size {output.shape[0]}")
            verdict = compare_tensors(output[a], output[b].detach(), what=f"{property_name} "
                                      f"(batch {a} vs {b})")
            if not verdict.passed:
                return Verdict(False, verdict.message)
        return Verdict(True, f"{property_name}: holds")

    return check


def close_to_literal(got, want, places: int) -> Verdict:
    """Compare with a value written out to ``places`` decimals (public tests)."""
    if isinstance(want, (tuple, list)):
        problem = structure_problem(got, want)
        if problem:
            return problem
        for index, (g, w) in enumerate(zip(got, want)):
            verdict = close_to_literal(g, w, places)
            if not verdict.passed:
                return Verdict(False, f"output[{index}]: {verdict.message}", verdict.max_error)
        return Verdict(True, f"matches the expected values to {places} decimals")
    problem = structure_problem(got, want)
    if problem:
        return problem
    if not isinstance(want, torch.Tensor) or not want.is_floating_point():
        return compare_values(got, want)
    atol = 0.6 * 10.0 ** -places
    diff = (got.double() - want.double()).abs()
    max_error = float(diff.max()) if diff.numel() else 0.0
    if bool(torch.isfinite(got).all()) and max_error <= atol:
        return Verdict(True, f"matches the expected values to {places} decimals", max_error)
    return Verdict(False, f"differs from the expected values by up to {max_error:.3g} "
                          f"(allowed {atol:.1g}); got {got.detach().tolist()}", max_error)


def match_literal(places: int = 4) -> Check:
    """The output equals a literal expected value written to ``places`` decimals."""

    def check(ctx: CheckContext) -> Verdict:
        failure = _failure_of_call(ctx)
        if failure:
            return failure
        return close_to_literal(ctx.candidate["value"], ctx.expected["value"], places)

    return check
