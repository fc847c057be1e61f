"""Checks: judge a candidate's outcome against the expected one (trusted side only).

A check receives a :class:`CheckContext` and returns a :class:`Verdict`. Messages
(:mod:`grader.feedback`, English and Chinese) say what was checked, on which
shapes and dtypes, how far off the answer was and what to look at; they never
print a hidden expected value (public tests, whose expected values are written
out in the learner's file, show them next to the learner's).

Where a message names a line of the submission it asks :func:`where` for the
words: " (line 12)" for a ``.py`` file, " (cell 4, line 3)" while
:func:`line_labels` is in force for a notebook (set by
:func:`grader.grading.results_from_report` around the checks, so that no check
needs to carry the notebook's map).

Tolerances are those of problems.md: float32 ``rtol=1e-4, atol=1e-5``; float64
``rtol=1e-9, atol=1e-10``; gradients use ``atol * max(1, max|reference grad|)``.
"""

from __future__ import annotations

import itertools
import math
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from typing import Callable, Iterator

import torch

from grader import feedback as F
from grader import formatting
from grader.i18n import Text, join, same, text
from grader.sandbox.messages import MEMORY_LIMIT_EXCEEDED, MIB, Invocation, Outcome, TestException
from grader.sandbox.protocol import Unsupported, dtype_name
from grader.sandbox.state_dicts import MISMATCH_TYPE, Mismatch, mismatch_from_message

TOLERANCES = {
    torch.float32: (1e-4, 1e-5),
    torch.float64: (1e-9, 1e-10),
    torch.float16: (1e-2, 1e-3),
    torch.bfloat16: (1e-2, 1e-2),
}
FLOAT32_DRIFT = 1e-9  # of a float64 result's largest value: less error than float32 rounding ever makes (6e-8)
FLOAT32_DRIFT_SHARE = 0.25  # of its nonzero values at least are off when a computation drops to float32
MAX_REORDERED_ITEMS = 4  # a returned tuple longer than this is not searched for another order
MAX_MESSAGE_LINES = 8  # lines of an exception's message shown in a verdict
MESSAGE_LINE_MARK = "  | "  # before each line of an exception's message after its first
MAX_INTEGERS_SHOWN = 24  # entries of an integer tensor (token ids) shown beside a wrong shape


# What a failure can be about besides the values, named as the tags of the tests that check it: a
# test tagged with one of them gives its own hint for a failure of that kind only (see hint_applies).
FOCUSES = frozenset({"inputs", "memory", "gradients", "errors"})
VALUES = "values"


def hint_applies(tags, about: str) -> bool:
    """Whether the hint of a test with ``tags`` helps with a failure ``about`` something: a test about
    one kind of failure (:data:`FOCUSES`) helps with that kind only (its hint on changed inputs says
    nothing about wrong values); any other test helps with any failure but changed inputs."""
    focus = FOCUSES.intersection(tags)
    return about in focus if focus else about != "inputs"


@dataclass(frozen=True)
class Verdict:
    """Whether a test passed, why (both languages), and how far off the worst entry was.

    ``precision_only`` marks a failure whose every entry is within float32's
    tolerance of a float64 reference (the computation dropped to float32).
    """

    passed: bool
    message: Text
    max_error: float | None = None
    precision_only: bool = False
    hint: Text | None = None  # a hint about this very failure (replaces the case's hint)
    shows_case_hint: bool = True  # False when the failure is not about what the test checks
    about: str = VALUES  # what failed: the values, or one of FOCUSES
    suggests: tuple[str, ...] = ()  # misconception IDs the check itself recognised
    not_finite: bool = False  # nan or inf where the reference is finite
    wrong_values: bool = False  # other values where no error can say how far (integers, token rows)

    @property
    def failed_on_values(self) -> bool:
        """Failed because the values are wrong (not an exception, a shape, a dtype, a structure)."""
        return not self.passed and (self.max_error is not None or self.not_finite or self.wrong_values)

    def __post_init__(self) -> None:
        if not isinstance(self.message, Text):
            raise TypeError("a verdict's message needs both languages: a grader.i18n.Text, written "
                            f"t(\"English\", \"中文\") or a template's .format(...), not a "
                            f"{type(self.message).__name__}")
        if self.hint is not None and not isinstance(self.hint, Text):
            raise TypeError("a verdict's hint needs both languages: a grader.i18n.Text, not a "
                            f"{type(self.hint).__name__}")


@dataclass(frozen=True)
class CheckContext:
    invocation: Invocation
    candidate: Outcome  # outcome of the submission
    expected: Outcome  # outcome of the reference (or a literal expected value)


Check = Callable[[CheckContext], Verdict]
LineLabel = Callable[[int], Text]  # a submission's line number -> how a person finds that line

_LINE_LABEL: ContextVar[LineLabel | None] = ContextVar("line_label", default=None)


@contextmanager
def line_labels(label: LineLabel | None) -> Iterator[None]:
    """Within the block, :func:`where` names lines with ``label`` (e.g. a notebook's cells).

    A context variable, so each grading thread has its own; ``None`` keeps plain line numbers.
    """
    token = _LINE_LABEL.set(label)
    try:
        yield
    finally:
        _LINE_LABEL.reset(token)


def where(line: int) -> Text:
    """" (line 12)", or " (cell 4, line 3)" under :func:`line_labels` for a notebook."""
    label = _LINE_LABEL.get()
    if label is None:
        return F.AT_LINE.format(line=line)
    return F.AT_PLACE.format(place=label(line))


def tolerance(dtype: torch.dtype) -> tuple[float, float]:
    return TOLERANCES.get(dtype, (0.0, 0.0))


def describe(value) -> Text:
    """A short, value-free description: 'float32 tensor of shape (2, 3)'."""
    if isinstance(value, torch.Tensor):
        return F.TENSOR_OF_SHAPE.format(dtype=dtype_name(value.dtype), shape=formatting.shape(value))
    if isinstance(value, tuple):
        return F.TUPLE_OF.format(count=len(value))
    if isinstance(value, list):
        return F.LIST_OF.format(count=len(value))
    if isinstance(value, Unsupported):  # what the child could not send, as it named it
        return F.UNSUPPORTED_VALUE.format(type=value.type_name)
    return F.OBJECT_OF_TYPE.format(type=type(value).__name__)


def exception_verdict(error: TestException) -> Verdict:
    """The failing verdict of a call that raised (its case's hint only for real exceptions)."""
    unrelated = (error.forbidden is not None or error.type in ("NotImplementedError", MODULE_NOT_FOUND)
                 or parameter_mismatch(error) is not None)
    return Verdict(False, error_message(error), shows_case_hint=not unrelated)


def parameter_mismatch(error: TestException | None) -> Mismatch | None:
    """The parameters a module has too many or too few of, when that is why its test raised."""
    if error is None or error.type != MISMATCH_TYPE:
        return None
    return mismatch_from_message(error.message)


def mismatch_summary(mismatch: Mismatch) -> Text:
    """Said once per submission: what the contract allows and what the module differs by."""
    details = []
    if mismatch.extra:
        details.append(F.PARAMETERS_EXTRA.format(names=_listed(mismatch.extra)))
    if mismatch.missing:
        details.append(F.PARAMETERS_MISSING.format(names=_listed(mismatch.missing)))
    if mismatch.reshaped:
        items = [F.PARAMETER_SHAPES.format(name=name, got=formatting.shape(got), want=formatting.shape(want))
                 for name, got, want in mismatch.reshaped]
        details.append(F.PARAMETERS_RESHAPED.format(items=join(F.LIST_SEPARATOR, items)))
    if mismatch.more:
        details.append(F.PARAMETERS_MORE.format(count=mismatch.more))
    return F.SUMMARY_PARAMETERS.format(details=join("", details))


def _listed(names) -> Text:
    return join(F.LIST_SEPARATOR, [same(name) for name in names])


MODULE_NOT_FOUND = "ModuleNotFoundError"  # an import the sandbox cannot serve: said with what it holds


def with_sandbox_modules(message: Text, exception_type: str) -> Text:
    """``message``, and what the sandbox holds when the exception is a module it lacks."""
    return message + F.ONLY_SANDBOX_MODULES if exception_type == MODULE_NOT_FOUND else message


def error_message(error: TestException) -> Text:
    place = where(error.lines[-1]) if error.lines else same("")
    if parameter_mismatch(error) is not None:
        return F.PARAMETERS_TEST
    if error.forbidden:
        return F.USES_FORBIDDEN.format(name=error.forbidden, where=place)
    if error.type == "NotImplementedError":
        return F.NOT_IMPLEMENTED.format(where=place)
    return with_sandbox_modules(F.RAISED.format(type=error.type, message=message_lines(error.message), where=place),
                                error.type)


def message_lines(message: str) -> str:
    """An exception's message as a verdict shows it: its blank lines dropped, at most
    MAX_MESSAGE_LINES lines, and each line after the first marked as the message's own, so that
    no line of it reads as a line of the grader's (a forged "✓ 1.1 ... (1/1)" or summary)."""
    lines = [line.rstrip() for line in message.splitlines() if line.strip()]
    if len(lines) > MAX_MESSAGE_LINES:
        lines = [*lines[:MAX_MESSAGE_LINES], "…"]
    return "\n".join([lines[0], *(MESSAGE_LINE_MARK + line for line in lines[1:])]) if lines else ""


def structure_problem(got, want, *, what: Text = F.OUTPUT, names: tuple = (),
                      _path: Text | None = None) -> Verdict | None:
    """A failing verdict when ``got`` has the wrong type, length, shape or dtype.

    ``names``: the contract's names of the returned items (:attr:`grader.registry.Problem.returns`),
    shown beside their index."""
    if isinstance(want, torch.Tensor):
        if not isinstance(got, torch.Tensor):  # a value of the wrong kind: see _wrong_structure
            said = F.EXPECTED_TENSOR.format(what=what, got=describe(got))
            if isinstance(got, Unsupported) and got.type_name == "ndarray":  # NumPy's, most likely
                said = join("", (said, F.RETURN_TORCH))
            return Verdict(False, said, shows_case_hint=False)
        if got.shape != want.shape:
            said = F.WRONG_SHAPE.format(what=what, got=formatting.shape(got), want=formatting.shape(want))
            part = _part_of_expected(got, want)
            if part is None:
                values = _short_integer_values(got, want)
                return Verdict(False, said if values is None else join("", (said, values)))
            return Verdict(False, join("", (said, part)), shows_case_hint=False)
        if got.dtype != want.dtype:
            return Verdict(False, F.WRONG_DTYPE.format(what=what, got=dtype_name(got.dtype),
                                                       want=dtype_name(want.dtype)))
        return None
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return _wrong_structure(got, want, what)
        reordered = _reordered(got, want, what, names)
        if reordered:
            return reordered
        for g, w, item in _items(got, want, what, names, _path):
            problem = structure_problem(g, w, what=item.label, names=item.names, _path=item.path)
            if problem:
                return problem
    return None


def _part_of_expected(got: torch.Tensor, want: torch.Tensor) -> Text | None:
    """When ``got`` is short along one dim and holds the start or the end of ``want`` there (a
    generation that returns only its new tokens, a loop that stops early), the words that say so."""
    part = missing_part(got, want)
    if part is None:
        return None
    dim, missing, at_end = part
    words = F.SHAPE_IS_END if at_end else F.SHAPE_IS_START
    return words.format(n=got.shape[dim], dim=dim, missing=missing)


def _short_integer_values(got: torch.Tensor, want: torch.Tensor) -> Text | None:
    """Both tensors' values, when both hold a few integers (token ids): a generation that ran past
    eos or stopped early shows where, which its shape alone does not."""
    if any(t.is_floating_point() or t.is_complex() or t.numel() > MAX_INTEGERS_SHOWN for t in (got, want)):
        return None
    return F.SHAPE_VALUES.format(got=str(got.tolist()), want=str(want.tolist()))


def missing_part(got: torch.Tensor, want: torch.Tensor) -> tuple[int, int, bool] | None:
    """``(dim, missing, at_end)`` when ``got`` is ``want`` cut short along one dim: ``missing``
    entries left out there, and ``got`` the end of ``want`` (``at_end``) or its start. None when it
    is not: another dtype, another dim short, or other values (equal, or within the dtype's
    tolerance for floating point)."""
    if got.dim() != want.dim() or got.dtype != want.dtype:
        return None
    short = [d for d in range(want.dim()) if got.shape[d] != want.shape[d]]
    if len(short) != 1 or not 0 < got.shape[short[0]] < want.shape[short[0]]:
        return None
    dim = short[0]
    n, missing = got.shape[dim], want.shape[dim] - got.shape[dim]
    for start, at_end in ((missing, True), (0, False)):
        if compare_tensors(got, want.narrow(dim, start, n), what=F.OUTPUT).passed:
            return dim, missing, at_end
    return None


@dataclass(frozen=True)
class _Item:
    label: Text  # how a message names it: "k (output[1][0])", or "output[1][0]" when the contract does not
    names: tuple  # the names of its own items
    path: Text  # "output[1][0]"


def _items(got, want, what: Text, names: tuple, path: Text | None) -> Iterator[tuple[object, object, _Item]]:
    """The items of a returned tuple (``got``) and of the expected one (``want``), with their labels:
    their index after ``path`` (``what`` when None), and their name when ``names`` gives one."""
    path = what if path is None else path
    for index, (g, w) in enumerate(zip(got, want)):
        item_path = F.INDEXED.format(what=path, index=index)
        name = names[index] if index < len(names) else None
        # an item the contract calls "output" is output[0] already: "output (output[0])" says nothing more
        named = name is not None and _spelled(name) != F.OUTPUT.en
        label = F.NAMED_ITEM.format(name=_spelled(name), what=item_path) if named else item_path
        yield g, w, _Item(label, name if isinstance(name, tuple) else (), item_path)


def _spelled(name: str | tuple) -> str:
    """A returned item's name as the contract writes it: "k", or "(k, v)" for a tuple."""
    return name if isinstance(name, str) else "(" + ", ".join(_spelled(n) for n in name) + ")"


def returned_structure_problem(ctx: CheckContext, want=None) -> Verdict | None:
    """:func:`structure_problem` of what the call returned against ``want`` (the expected value when
    None), its items named as the contract names them."""
    want = ctx.expected.value if want is None else want
    return structure_problem(ctx.candidate.value, want, names=returned_names(ctx.invocation))


def returned_names(invocation: Invocation) -> tuple:
    """The contract's names of what ``invocation``'s call returns (() when it does not name them)."""
    from grader import registry

    problem = registry.problem_defining(invocation.symbol)
    return problem.returns if problem is not None else ()


def _parenthesised(labels: list) -> Text:
    """``(a, b, c)`` from labels that may be bilingual."""
    return join("", ("(", join(", ", labels), ")"))


def _reordered(got, want, what: Text, names: tuple) -> Verdict | None:
    """The items of a returned tuple of tensors in another order than the contract's (``(weights,
    output)`` for ``(output, weights)``), told by their shapes: said with the order to return them
    in, not with the test's hint. None when the shapes are right in place or fit no other order."""
    if len(want) < 2 or len(want) > MAX_REORDERED_ITEMS or not all(
            isinstance(item, torch.Tensor) for item in (*got, *want)):
        return None
    shapes_got, shapes_want = [g.shape for g in got], [w.shape for w in want]
    if shapes_got == shapes_want:
        return None
    order = next((p for p in itertools.permutations(range(len(want)))
                  if all(shapes_got[i] == shapes_want[j] for i, j in enumerate(p))), None)
    if order is None:
        return None
    labels = [_spelled(names[j]) if j < len(names) else F.INDEXED.format(what=what, index=j)
              for j in range(len(want))]
    shown_want = _parenthesised(labels)
    shown_got = _parenthesised([labels[j] for j in order])
    return Verdict(False, F.REORDERED.format(what=what, got=shown_got, want=shown_want),
                   hint=F.RETURN_IN_ORDER.format(want=shown_want))


def _wrong_structure(got, want, what: Text) -> Verdict:
    """Not the tuple or list the contract returns (a tensor alone, another length): said without the
    test's hint, which is about how to compute the values."""
    return Verdict(False, F.WRONG_STRUCTURE.format(what=what, got=describe(got), want=describe(want)),
                   shows_case_hint=False)


def _error(value: float) -> str:
    return f"{value:.3g}"


def _isclose(got64: torch.Tensor, want64: torch.Tensor, diff: torch.Tensor, within: torch.Tensor, *,
             equal_nan: bool) -> torch.Tensor:
    """``torch.isclose(got64, want64, ...)`` from the error and its test, already computed."""
    close = (within & torch.isfinite(diff)) | (got64 == want64)
    if equal_nan:
        close |= torch.isnan(got64) & torch.isnan(want64)
    return close


def _within_tolerance(what: Text, rtol: float, atol: float, max_error: float) -> Verdict:
    return Verdict(True, F.WITHIN_TOLERANCE.format(what=what, rtol=f"{rtol:g}", atol=f"{atol:g}",
                                                   error=f"{max_error:.2e}"), max_error)


def compare_tensors(got, want: torch.Tensor, *, what: Text, scale_atol: bool = False,
                    equal_nan: bool = False) -> Verdict:
    """Compare one tensor with dtype-specific tolerances."""
    problem = structure_problem(got, want, what=what)
    if problem:
        return problem
    if not want.is_floating_point():
        if torch.equal(got, want):
            return Verdict(True, F.EQUAL.format(what=what), 0.0)
        count = int((got != want).sum())
        return Verdict(False, F.ENTRIES_DIFFER.format(what=what, count=count, total=want.numel()),
                       wrong_values=True)
    rtol, atol = tolerance(want.dtype)
    if scale_atol:
        finite = want[torch.isfinite(want)]
        atol *= max(1.0, float(finite.abs().max()) if finite.numel() else 1.0)
    got64, want64 = got.double(), want.double()
    diff = (got64 - want64).abs_()
    within = diff <= want64.abs().mul_(rtol).add_(atol)  # torch.isclose's test of finite errors
    if bool(within.all()):
        max_error = float(diff.max()) if diff.numel() else 0.0
        if math.isfinite(max_error):  # the quick pass: every entry within, every error finite
            return _within_tolerance(what, rtol, atol, max_error)
    if not equal_nan and not bool(torch.isfinite(got64).all()) and bool(torch.isfinite(want64).all()):
        bad = int((~torch.isfinite(got64)).sum())
        return Verdict(False, F.NOT_FINITE.format(what=what, count=bad), not_finite=True)
    close = _isclose(got64, want64, diff, within, equal_nan=equal_nan)
    diff = diff.nan_to_num(nan=math.inf, posinf=math.inf)  # an error that is not a number is infinite
    max_error = float(diff.max()) if diff.numel() else 0.0
    if bool(close.all()):
        return _within_tolerance(what, rtol, atol, max_error)
    wrong = int((~close).sum())
    precision_only = want.dtype == torch.float64 and _float32_drift(got64, want64, scale_atol, max_error, wrong)
    return Verdict(False, F.ENTRIES_OFF.format(what=what, count=wrong, total=want.numel(),
                                               error=_error(max_error), rtol=f"{rtol:g}",
                                               atol=f"{atol:g}"),
                   max_error, precision_only=precision_only)


def _float32_drift(got64: torch.Tensor, want64: torch.Tensor, scale_atol: bool, max_error: float,
                   wrong: int) -> bool:
    """Whether a float64 result looks computed in float32: every entry within float32's tolerance,
    the worst error at least FLOAT32_DRIFT of the largest value, and at least FLOAT32_DRIFT_SHARE of
    the nonzero values off.

    float32 rounds every value by up to 6e-8 of itself, so a computation that drops to it is off by
    about that much on its largest values, and on most of them; a wrong formula that is off by far
    less (a near one-hot softmax scaled wrongly, off by 1e-10 on one entry) or on a few entries only
    (a missing final division that large scores hide) is not told to look for a float32 constant.
    """
    rtol, atol = tolerance(torch.float32)
    finite = want64[torch.isfinite(want64)]
    largest = float(finite.abs().max()) if finite.numel() else 0.0
    if scale_atol:
        atol *= max(1.0, largest)
    nonzero = int(finite.count_nonzero())
    return (max_error >= FLOAT32_DRIFT * largest and wrong >= FLOAT32_DRIFT_SHARE * nonzero
            and bool(torch.isclose(got64, want64, rtol=rtol, atol=atol).all()))


def compare_values(got, want, *, what: Text = F.OUTPUT, equal_nan: bool = False, names: tuple = (),
                   _path: Text | None = None) -> Verdict:
    """Compare returned structures (tensor, tuple of tensors, plain numbers); ``names`` as
    :func:`structure_problem`'s."""
    if isinstance(want, torch.Tensor):
        return compare_tensors(got, want, what=what, equal_nan=equal_nan)
    if isinstance(want, (tuple, list)):
        if not isinstance(got, (tuple, list)) or len(got) != len(want):
            return _wrong_structure(got, want, what)
        worst = 0.0
        for g, w, item in _items(got, want, what, names, _path):
            verdict = compare_values(g, w, what=item.label, equal_nan=equal_nan, names=item.names, _path=item.path)
            if not verdict.passed:
                return verdict
            worst = max(worst, verdict.max_error or 0.0)
        return Verdict(True, F.STRUCTURE_WITHIN.format(what=what, description=describe(want),
                                                       error=f"{worst:.2e}"), worst)
    if got == want:
        return Verdict(True, F.EQUAL.format(what=what))
    return Verdict(False, F.VALUE_DIFFERS.format(what=what, got=describe(got), want=describe(want)))


def _compare_grads(got: dict | None, want: dict | None, label: Text,
                   parameters: tuple[str, ...] = ()) -> Verdict | None:
    """``parameters``: the names of the positional arguments, for inputs selected by position."""
    if not want:
        return None
    got = got or {}
    for name, reference in want.items():
        if reference is None:
            continue
        shown = repr(_parameter(name, parameters))
        candidate = got.get(name)
        if candidate is None:
            return Verdict(False, F.NO_GRADIENT.format(label=label, name=shown), about="gradients")
        verdict = compare_tensors(candidate, reference, what=F.GRADIENT_OF.format(label=label, name=shown),
                                  scale_atol=True)
        if not verdict.passed:
            return replace(verdict, about="gradients")
    return None


def _parameter(selector: str, parameters: tuple[str, ...]) -> str:
    """An input's selector ("0", "mask") as its parameter's name when ``parameters`` names it."""
    return parameters[int(selector)] if selector.isdigit() and int(selector) < len(parameters) else selector


def _parameters(invocation: Invocation) -> tuple[str, ...]:
    """The names of the positional arguments of ``invocation``'s call, from the reference."""
    from grader.references import positional_parameters

    return positional_parameters(invocation.symbol, invocation.kind)


def _masked(ctx: CheckContext) -> bool:
    """Whether the call blocks keys: a mask given (an argument whose name has "mask"), causal or
    exclude_self true (passed, or the default), a sliding window, or a problem whose calls always do."""
    from grader import registry
    from grader.references import parameter_defaults

    invocation = ctx.invocation
    problem = registry.problem_defining(invocation.symbol)
    if problem is not None and problem.always_blocks_keys:
        return True
    named = (parameter_defaults(invocation.symbol, invocation.kind)
             | dict(zip(_parameters(invocation), invocation.args)) | dict(invocation.kwargs))
    return ("window" in named or named.get("causal") is True or named.get("exclude_self") is True
            or any("mask" in name and value is not None for name, value in named.items()))


def input_name(selector: str, parameters: tuple[str, ...] = ()) -> Text:
    """How a person knows an input: "argument 'q'", "argument 'cache'[0]", or 'positional argument 2'
    when ``parameters`` (the names of the positional arguments) does not name it."""
    base, bracket, rest = selector.partition("[")
    suffix = bracket + rest
    if base.isdigit() and int(base) >= len(parameters):
        return F.POSITIONAL_ARGUMENT.format(n=int(base) + 1) + suffix
    return F.ARGUMENT.format(name=repr(_parameter(base, parameters))) + suffix


def failure_of_call(ctx: CheckContext) -> Verdict | None:
    """A failing verdict when the call raised or changed its inputs in place."""
    if ctx.candidate.error:
        return exception_verdict(ctx.candidate.error)
    if ctx.candidate.mutated:
        parameters = _parameters(ctx.invocation)
        names = join(", ", (input_name(n, parameters) for n in ctx.candidate.mutated))
        return Verdict(False, F.MUTATED_INPUTS.format(names=names), about="inputs")
    return None


def match_reference(*, grads: bool = True, what: Text = F.OUTPUT) -> Check:
    """Outputs (and gradients, when the invocation asks for them) match the reference."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        verdict = compare_values(ctx.candidate.value, ctx.expected.value, what=what,
                                 names=returned_names(ctx.invocation))
        if not verdict.passed:
            return replace(verdict, hint=F.NAN_FROM_BLOCKED_ROWS) if verdict.not_finite and _masked(ctx) else verdict
        if grads:
            failed = (_compare_grads(ctx.candidate.grads, ctx.expected.grads, F.INPUT, _parameters(ctx.invocation))
                      or _compare_grads(ctx.candidate.param_grads, ctx.expected.param_grads, F.PARAMETER))
            if failed:
                return failed
        return verdict

    return check


def all_finite(*, compare_where_exact: bool = False) -> Check:
    """Outputs and gradients are finite (scores up to 1e4); optionally values match too."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        tensors = flatten(ctx.candidate.value) + [
            g for g in (ctx.candidate.grads or {}).values() if g is not None
        ]
        problem = returned_structure_problem(ctx)
        if problem:
            return problem
        for tensor in tensors:
            if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
                return Verdict(False, F.LARGE_SCORES_NOT_FINITE)
        if ctx.candidate.grads is not None and any(g is None for g in ctx.candidate.grads.values()):
            return Verdict(False, F.NO_GRADIENT_TO_INPUTS)
        if compare_where_exact:
            return compare_values(ctx.candidate.value, ctx.expected.value, names=returned_names(ctx.invocation))
        return Verdict(True, F.ALL_FINITE)

    return check


def raises(exception: str, *, why: Text) -> Check:
    """The call must raise ``exception`` (e.g. a ValueError for bad arguments)."""

    def check(ctx: CheckContext) -> Verdict:
        error = ctx.candidate.error
        if error and error.is_a(exception):
            return Verdict(True, F.RAISED_AS_REQUIRED.format(exception=exception))
        if error and error.forbidden:
            return exception_verdict(error)
        what = error_message(error) if error else F.NOTHING_RAISED
        return Verdict(False, F.EXPECTED_EXCEPTION_BUT.format(exception=exception, why=text(why),
                                                              what=what), about="errors")

    return check


def flatten(value) -> list[torch.Tensor]:
    """Every tensor of a returned structure, in order."""
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in flatten(v)]
    return []


def values_close(a: Outcome, b: Outcome, factor: float = 10.0) -> bool:
    """Whether two outcomes returned the same values (loose tolerance; for diagnosis)."""
    if a.error or b.error:
        return False
    return _close(a.value, b.value, factor)


def _close(a, b, factor: float) -> bool:
    if isinstance(b, torch.Tensor):
        if not isinstance(a, torch.Tensor) or a.shape != b.shape:
            return False
        if not b.is_floating_point() or not a.is_floating_point():
            return a.dtype == b.dtype and bool(torch.equal(a, b))
        rtol, atol = tolerance(b.dtype)
        return _all_close(a, b, rtol=rtol * factor, atol=atol * factor)
    if isinstance(b, (tuple, list)):
        return isinstance(a, (tuple, list)) and len(a) == len(b) and all(
            _close(x, y, factor) for x, y in zip(a, b))
    return a == b


PROBE_ENTRIES = 256  # of a large tensor, compared first when only "all close or not" matters


def _all_close(a: torch.Tensor, b: torch.Tensor, *, rtol: float, atol: float) -> bool:
    """Whether every entry is close (NaN equal to NaN). A large tensor is first compared on
    an evenly spaced sample of entries: any of them far off settles it without the rest
    (diagnosis compares each wrong answer with every known mistake, most of them far off)."""
    if a.numel() > 4 * PROBE_ENTRIES:
        step = a.numel() // PROBE_ENTRIES
        sample_a, sample_b = a.reshape(-1)[::step].double(), b.reshape(-1)[::step].double()
        if not bool(torch.isclose(sample_a, sample_b, rtol=rtol, atol=atol, equal_nan=True).all()):
            return False
    return bool(torch.isclose(a.double(), b.double(), rtol=rtol, atol=atol, equal_nan=True).all())


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


def property_then(prop: Check, values: Check) -> Check:
    """The property a test is about (``prop``), then the values (``values``, e.g. :func:`match_reference`).

    Values wrong after the property held say that it held, and do not show the test's hint, which
    is about the property: a rotation that keeps every norm but turns the wrong way is not told to
    keep the norms. Passing, the property's message stands.
    """

    def check(ctx: CheckContext) -> Verdict:
        held = prop(ctx)
        if not held.passed:
            return held
        verdict = values(ctx)
        if verdict.passed:
            return held
        return replace(verdict, message=F.HELD_VALUES_WRONG.format(held=held.message, values=verdict.message),
                       shows_case_hint=False)

    return check


def _inputs_unchanged(ctx: CheckContext) -> Verdict:
    return failure_of_call(ctx) or Verdict(True, F.INPUTS_UNCHANGED)


def inputs_left_unchanged() -> Check:
    """The check of a test about inputs changed in place: the inputs, then the values."""
    return property_then(_inputs_unchanged, match_reference())


def _first_tensor(value):
    if isinstance(value, (tuple, list)) and value:
        return _first_tensor(value[0])
    return value


def batch_rows_agree(pairs: list[tuple], *, property_name: Text, select=_first_tensor,
                     same_inputs: bool = False) -> Check:
    """Property check: the output at batch index ``a`` equals that at ``b`` for each pair.

    The inputs are built so that the property demands it (e.g. batch element 1 is
    element 0 with its keys permuted), so a failure names the broken invariant.
    ``same_inputs``: the pairs hold identical inputs, so a failure can only come from
    batch elements mixed or from randomness, and says so.
    """

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        output = select(ctx.candidate.value)
        if not isinstance(output, torch.Tensor) or output.dim() == 0:
            return Verdict(False, F.PROPERTY_NEEDS_TENSOR.format(property=property_name,
                                                                 got=describe(output)))
        for a, b in pairs:
            if max(a, b) >= output.shape[0]:
                return Verdict(False, F.PROPERTY_BATCH_SIZE.format(property=property_name,
                                                                   size=output.shape[0]))
            verdict = compare_tensors(output[a], output[b].detach(),
                                      what=F.PROPERTY_PAIR.format(property=property_name, a=a, b=b))
            if not verdict.passed:
                return Verdict(False, F.SAME_INPUTS_DIFFER.format(detail=verdict.message, a=a, b=b)
                               if same_inputs else verdict.message)
        return Verdict(True, F.PROPERTY_HOLDS.format(property=property_name))

    return check


def batch_independent() -> Check:
    """Batch elements 0 and 2 hold the same inputs (the case builds them so): their outputs agree,
    and match the reference. Checked in that order: outputs that differ for the same inputs
    point at the bug (batch elements mixed, dropout left on) better than values that are off."""
    return all_of(batch_rows_agree([(0, 2)], property_name=F.BATCH_INDEPENDENCE, same_inputs=True),
                  match_reference())


def _same_non_finite(got: torch.Tensor, want: torch.Tensor) -> torch.Tensor:
    """Where both tensors hold nan, or the same infinity."""
    return (got.isnan() & want.isnan()) | (got.isinf() & (got == want))


def close_to_literal(got, want, places: int, *, names: tuple = (), equal_nan: bool = False,
                     _path: Text | None = None) -> Verdict:
    """Compare with a value written out to ``places`` decimals (public tests); ``names`` as
    :func:`structure_problem`'s.

    The expected value is public (it is in the learner's file), so a failure
    shows both tensors, four significant digits, with the first differing entry
    marked. With ``equal_nan`` an entry that is nan in both, or the same infinity
    in both, agrees (two wrong answers compared for diagnosis); otherwise any
    entry of ``got`` that is not finite fails.
    """
    if isinstance(want, (tuple, list)):
        problem = structure_problem(got, want, names=names, _path=_path)
        if problem:
            return problem
        for g, w, item in _items(got, want, F.OUTPUT, names, _path):
            verdict = close_to_literal(g, w, places, names=item.names, equal_nan=equal_nan, _path=item.path)
            if not verdict.passed and isinstance(w, (tuple, list)):
                return verdict  # its message names the item within
            if not verdict.passed:
                return Verdict(False, F.OUTPUT_ITEM.format(what=item.label, message=verdict.message),
                               verdict.max_error)
        return Verdict(True, F.MATCHES_LITERAL.format(places=places))
    problem = structure_problem(got, want)
    if problem:
        return problem
    if isinstance(want, torch.Tensor) and not want.is_floating_point() and not torch.equal(got, want):
        # token ids, counts, booleans: exact, and shown as the floats are (the expected value is public)
        where = formatting.first_difference(got, want, 0.0) or ()
        return Verdict(False, F.DIFFERS_FROM_EXACT_LITERAL.format(
            count=int((got != want).sum()), total=want.numel(), index=formatting.index(where),
            got=formatting.number(got[where].item()), want=formatting.number(want[where].item()),
            got_table=formatting.table(got, mark=where), want_table=formatting.table(want, mark=where)))
    if not isinstance(want, torch.Tensor) or not want.is_floating_point():
        return compare_values(got, want)
    atol = 0.6 * 10.0 ** -places
    diff = (got.double() - want.double()).abs()
    if equal_nan:
        diff = diff.masked_fill(_same_non_finite(got, want), 0.0)
    max_error = float(diff.max()) if diff.numel() else 0.0
    finite = bool(diff.isfinite().all()) if equal_nan else bool(torch.isfinite(got).all())
    if finite and max_error <= atol:
        return Verdict(True, F.MATCHES_LITERAL.format(places=places), max_error)
    if not finite:
        return Verdict(False, F.NOT_FINITE_VS_LITERAL.format(
            got_table=formatting.table(got), want_table=formatting.table(want)), max_error)
    where = formatting.first_difference(got, want, atol) or ()
    return Verdict(False, F.DIFFERS_FROM_LITERAL.format(
        error=_error(max_error), atol=f"{atol:.1g}", index=formatting.index(where),
        got=formatting.number(float(got[where])), want=formatting.number(float(want[where])),
        got_table=formatting.table(got, mark=where), want_table=formatting.table(want, mark=where)),
        max_error)




def peak_memory_below(bound_mib: float, *, misconception: str, hint: Text | None = None,
                      named_from: Callable[[Invocation], int] | None = None) -> Check:
    """The call's peak memory beyond its inputs stays under ``bound_mib`` MiB.

    The peak is measured by the trusted side from outside the child (the
    invocation must be built with ``measure_memory=True``); the values are not
    compared here (combine with ``match_reference()`` in ``all_of``). A failure
    says the figure and names ``misconception`` (e.g. ``flash.materialises_scores``),
    with ``named_from`` only from that many bytes on (e.g. the size of the score
    matrix the mistake builds: a peak over the bound but far below it is another mistake).
    Where the machine cannot measure memory the check passes and says so.
    """

    def check(ctx: CheckContext) -> Verdict:
        error = ctx.candidate.error
        if error is not None and error.type == MEMORY_LIMIT_EXCEEDED:
            return Verdict(False, F.KILLED_AT_MEMORY_LIMIT.format(
                limit=f"{(ctx.candidate.peak_memory_bytes or 0) / MIB:.0f}", bound=f"{bound_mib:g}"),
                hint=hint, suggests=(misconception,), about="memory")
        failure = failure_of_call(ctx)
        if failure:
            return failure
        peak = ctx.candidate.peak_memory_bytes
        if peak is None:
            return Verdict(True, F.MEMORY_NOT_MEASURED.format(why=F.NO_MEMORY_COUNTER))
        message = F.PEAK_MEMORY.format(measured=f"{peak / MIB:.0f}", bound=f"{bound_mib:g}")
        if peak <= bound_mib * MIB:
            return Verdict(True, message)
        named = named_from is None or peak >= named_from(ctx.invocation)
        return Verdict(False, message, hint=hint, suggests=(misconception,) if named else (), about="memory")

    return check


def match_literal(places: int = 4) -> Check:
    """The output equals a literal expected value written to ``places`` decimals."""

    def check(ctx: CheckContext) -> Verdict:
        failure = failure_of_call(ctx)
        if failure:
            return failure
        return close_to_literal(ctx.candidate.value, ctx.expected.value, places,
                                names=returned_names(ctx.invocation))

    return check
