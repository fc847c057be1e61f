"""Numbers, shapes and small tensors as a person should read them.

Four significant digits, columns aligned, shapes as ``(2, 3, 4)``; a tensor too
big to print is summarised around the entry that matters.
"""

from __future__ import annotations

import math

import torch

SIGNIFICANT = 4
MAX_SHOWN = 64  # entries of a tensor printed in full; larger ones are shown around one entry


def number(value) -> str:
    """A number with four significant digits: 0.4011, 3.407, 1.235e+04, -inf."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    text = f"{value:.{SIGNIFICANT}g}"
    return text


def shape(value) -> str:
    """``(2, 3, 4)`` for a tensor or a shape; ``()`` for a scalar."""
    dims = tuple(value.shape) if isinstance(value, torch.Tensor) else tuple(value)
    return "(" + ", ".join(str(int(d)) for d in dims) + ("," if len(dims) == 1 else "") + ")"


def index(position: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(p) for p in position) + ("," if len(position) == 1 else "") + ")"


def table(tensor: torch.Tensor, *, mark: tuple[int, ...] | None = None) -> str:
    """A small tensor as aligned rows of numbers; the entry at ``mark`` is bracketed.

    Tensors of more than ``MAX_SHOWN`` entries show only the row (last axis)
    that holds ``mark`` (or the first row), with its index.
    """
    tensor = tensor.detach()
    values = tensor.double() if tensor.is_floating_point() else tensor
    if tensor.dim() == 0:
        return _cell(values.item(), mark == ())
    if tensor.numel() > MAX_SHOWN:
        where = mark if mark is not None else (0,) * tensor.dim()
        row = values[where[:-1]]
        lead = index(where[:-1])[:-1].rstrip(",")
        shown = _row(row.tolist(), where[-1] if mark is not None else None)
        return f"  {lead}, :] = {shown}  (of {shape(tensor)})"
    rows = values.reshape(-1, values.shape[-1]).tolist()
    widths = max(len(number(v)) for r in rows for v in r) if rows and rows[0] else 1
    lines = []
    matrix_rows = tensor.shape[-2] if tensor.dim() >= 3 else 0
    for r, row in enumerate(rows):
        if matrix_rows and r and r % matrix_rows == 0:
            lines.append("")  # between the matrices of a batch, as NumPy and PyTorch print them
        position = _unflatten(r, tuple(tensor.shape[:-1]))
        marked = mark[-1] if mark is not None and tuple(mark[:-1]) == position else None
        lines.append("  " + _row(row, marked, widths))
    return "\n".join(lines)


def _unflatten(flat: int, dims: tuple[int, ...]) -> tuple[int, ...]:
    out = []
    for size in reversed(dims):
        out.append(flat % size if size else 0)
        flat = flat // size if size else 0
    return tuple(reversed(out))


def _cell(value, marked: bool, width: int = 0) -> str:
    text = number(value).rjust(width)
    return f"[{text}]" if marked else f" {text} "


def _row(row: list, marked: int | None, width: int = 0) -> str:
    return "".join(_cell(v, i == marked, width) for i, v in enumerate(row))


def first_difference(got: torch.Tensor, want: torch.Tensor, atol: float) -> tuple[int, ...] | None:
    """Index of the first entry (in row-major order) farther than ``atol`` from the other."""
    diff = (got.double() - want.double()).abs()
    bad = ~(diff <= atol)
    if not bool(bad.any()):
        return None
    flat = int(bad.reshape(-1).nonzero()[0])
    return _unflatten(flat, tuple(got.shape))
