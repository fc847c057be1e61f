"""The worked example of a problem: load it, run the reference on it, write it as Python.

``public_tests.py`` defines ``EXAMPLE`` (an invocation, plain data) and
``example_figure(value)``; :func:`grader.hidden.example` loads them and runs the
invocation on the reference with the grader's own executor, so the page shows exactly what the grader computes,
and writes the call out as code a reader can paste into a Python shell. All of
this is Python source text, never HTML: the templates highlight it.
"""

from __future__ import annotations

import ast
import inspect
import logging
from dataclasses import dataclass

import torch

from grader.hidden import example as worked_example
from grader.references import solution_namespace
from grader.registry import Problem
from grader.sandbox.messages import Invocation
from grader.sandbox.protocol import GeneratorSeed, Unsupported

log = logging.getLogger(__name__)

MAX_SHOWN_ELEMENTS = 64  # larger tensors are described by shape, not printed


@dataclass(frozen=True)
class Example:
    """What the page shows about the worked example."""

    code: str  # the call, as Python
    result: str  # the returned value, as Python-ish text
    figure_value: object  # example_figure(value): a tensor, or None


def run_example(problem: Problem) -> Example | None:
    """Run ``EXAMPLE`` on the reference; ``None`` (and a warning) when any piece is missing."""
    try:
        shown = worked_example(problem)
        if shown is None:
            log.warning("%s: public_tests.py defines no EXAMPLE; no worked example", problem.id)
            return None
        outcome = shown.reference_outcome()
        namespace = solution_namespace(problem)
    except Exception as exc:  # a problem still being written must not stop the build
        log.warning("%s: cannot load the example or the reference: %s", problem.id, exc)
        return None
    if outcome.error:
        log.warning("%s: the reference failed on EXAMPLE: %s", problem.id, outcome.error.message)
        return None
    value = outcome.value
    try:
        figure_value = shown.extract(value)
    except Exception as exc:
        log.warning("%s: example_figure failed: %s", problem.id, exc)
        figure_value = None
    return Example(code=invocation_code(shown.invocation, namespace), result=format_value(value),
                   figure_value=figure_value)


def _parameter_names(func, skip_first: int = 0) -> list[str]:
    try:
        params = list(inspect.signature(func).parameters.values())[skip_first:]
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def invocation_code(invocation: Invocation, namespace: dict) -> str:
    """The invocation as a short Python program: inputs first, then the call."""
    symbol = invocation.symbol
    target = namespace.get(symbol)
    lines: list[str] = []
    if invocation.kind == "module":
        names = _parameter_names(getattr(target, "forward", None), skip_first=1)
        init = _call_arguments(list(invocation.init_args), invocation.init_kwargs,
                               _parameter_names(target, skip_first=1), lines, literal_only=True)
        lines.append(f"m = {symbol}({init})")
        if invocation.dtype != "float32":
            lines.append(f"m = m.to(torch.{invocation.dtype})")
        if invocation.state_dict is not None:
            count = len(invocation.state_dict)
            lines.append(f"m.load_state_dict(weights)  # {count} fixed tensors, set by the example")
        if invocation.construct_only:
            return "\n".join(lines)
        args = _call_arguments(list(invocation.args), invocation.kwargs, names, lines)
        lines.append(f"result = m({args})")
    elif invocation.kind == "generate":
        model = invocation.model or {}
        details = ", ".join(f"{k}={v!r}" for k, v in model.items() if k in ("kind", "block_size", "window"))
        lines.append(f"model = ...  # the example's toy model: {details}")
        names = _parameter_names(target, skip_first=1)
        args = _call_arguments(list(invocation.args), invocation.kwargs, names, lines)
        lines.append(f"result = {symbol}(model, {args})" if args else f"result = {symbol}(model)")
    else:
        names = _parameter_names(target)
        args = _call_arguments(list(invocation.args), invocation.kwargs, names, lines)
        lines.append(f"result = {symbol}({args})")
    return "\n".join(lines)


def _call_arguments(args: list, kwargs: dict, names: list[str], lines: list[str], *,
                    literal_only: bool = False) -> str:
    parts = []
    for i, value in enumerate(args):
        name = names[i] if i < len(names) else f"arg{i}"
        parts.append(_bind(name, value, lines, literal_only))
    for name, value in kwargs.items():
        parts.append(f"{name}={_bind(name, value, lines, literal_only)}")
    return ", ".join(parts)


def _bind(name: str, value, lines: list[str], literal_only: bool) -> str:
    """Put tensors and generators in their own variable; keep scalars inline."""
    if isinstance(value, (torch.Tensor, GeneratorSeed)) and not literal_only:
        lines.append(f"{name} = {python_literal(value)}")
        return name
    return python_literal(value)


def _number(x) -> str:
    if isinstance(x, bool):
        return repr(x)
    if isinstance(x, int):
        return str(x)
    if x != x or x in (float("inf"), float("-inf")):
        return f"float('{x}')"
    text = f"{x:.4f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


def _nested(values) -> str:
    if isinstance(values, list):
        return "[" + ", ".join(_nested(v) for v in values) + "]"
    return _number(values)


def python_literal(value) -> str:
    """A value from an invocation or an outcome written as Python (tensors rounded to 4 places)."""
    if isinstance(value, GeneratorSeed):
        return f"torch.Generator().manual_seed({value.seed})"
    if isinstance(value, Unsupported):
        return f"<{value.type_name}>"
    if isinstance(value, torch.Tensor):
        dtype = str(value.dtype).replace("torch.", "")
        default = {"float32", "int64", "bool"}
        suffix = "" if dtype in default else f", dtype=torch.{dtype}"
        if value.numel() > MAX_SHOWN_ELEMENTS:
            shape = ", ".join(str(s) for s in value.shape)
            return f"torch.empty({shape}{', dtype=torch.' + dtype if dtype != 'float32' else ''})  # shape ({shape}), values not shown"
        return f"torch.tensor({_nested(value.tolist())}{suffix})"
    if isinstance(value, tuple):
        inner = ", ".join(python_literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(python_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {python_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _number(value)
    return repr(value)


def format_value(value) -> str:
    """The returned value, one line per element of a tuple."""
    if isinstance(value, tuple):
        return "\n".join(f"result[{i}] = {_describe(v)}" for i, v in enumerate(value))
    return f"result = {_describe(value)}"


def _describe(value) -> str:
    if isinstance(value, torch.Tensor) and value.numel() > MAX_SHOWN_ELEMENTS:
        shape = ", ".join(str(s) for s in value.shape)
        dtype = str(value.dtype).replace("torch.", "")
        return f"<tensor of shape ({shape}), {dtype}>"
    return python_literal(value)


def signature(stub_source: str, symbols: tuple[str, ...]) -> str:
    """The stub's definitions of ``symbols``: headers and docstrings, bodies elided."""
    tree = ast.parse(stub_source)
    lines = stub_source.splitlines()
    blocks = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in symbols:
            blocks.append("\n".join(_outline(node, lines)))
    return "\n\n\n".join(blocks) if blocks else stub_source


def _outline(node, lines: list[str]) -> list[str]:
    start = node.decorator_list[0].lineno if node.decorator_list else node.lineno
    body = node.body
    has_doc = (body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
               and isinstance(body[0].value.value, str))
    header_end = body[0].end_lineno if has_doc else body[0].lineno - 1
    out = lines[start - 1:header_end]
    rest = body[1:] if has_doc else body
    indent = " " * (body[0].col_offset if body else node.col_offset + 4)
    if isinstance(node, ast.ClassDef):
        for child in rest:
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out.append("")
                out.extend(_outline(child, lines))
            elif isinstance(child, (ast.Assign, ast.AnnAssign)):
                out.extend(lines[child.lineno - 1:child.end_lineno])
    elif rest:
        out.append(f"{indent}...")
    return out
