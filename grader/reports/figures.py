"""Figures as plain data for the SVG templates: heatmaps, token strips, histograms.

The results' ``extra_data["figure"]`` holds the attention weights (or generated
token IDs) of the submission and of the reference on the *public* example input.
Nothing here trusts its shape: the submission's part may be missing, ragged,
non-numeric or not finite, and each case still yields a readable figure. The
SVG is written by ``site/templates/report/_macros.html``: a few hundred
``<rect>`` elements that stay sharp at any zoom, weigh a few kilobytes and take
their colours from the page's theme. The cells' ``<rect>`` elements are made
here as one string (:func:`_rects`): they are a report's hottest loop, and a
template pays for every value it prints in them (0.6 of a report's 3.5 ms).
Titles, hover labels and notes are in the report's language, worded in
:mod:`grader.reports.wording`.
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from grader.i18n import DEFAULT_LANG, Text
from grader.reports import wording as W

CELL = 18  # SVG user units per heatmap cell
MAX_SIDE = 32  # rows/columns drawn per heatmap; the rest is cut with a note
MAX_HEADS = 8
CELL_TITLES_UP_TO = 256  # per-cell hover values only on small maps (page weight)
DIFF_FLOOR = 0.05  # the difference colour scale never stretches below ±0.05
MAX_SEQUENCES = 8
MAX_STEPS = 64


def _number(value) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return math.nan
    return float(value)


def _matrix(value) -> list[list[float]] | None:
    """A rectangular list of rows of floats, or None."""
    if not isinstance(value, list) or not value or not all(isinstance(r, list) for r in value):
        return None
    width = len(value[0])
    if width == 0 or any(len(r) != width for r in value):
        return None
    if any(isinstance(x, list) for r in value for x in r):
        return None
    return [[_number(x) for x in r] for r in value]


def _heads(value) -> list[list[list[float]]] | None:
    """L, Lq×Lk or heads×Lq×Lk as a list of matrices, or None."""
    if isinstance(value, list) and value and not any(isinstance(x, list) for x in value):
        value = [value]  # one row
    matrix = _matrix(value)
    if matrix is not None:
        return [matrix]
    if isinstance(value, list) and value:
        heads = [_matrix(h) for h in value]
        if all(h is not None for h in heads) and len({(len(h), len(h[0])) for h in heads}) == 1:
            return heads
    return None


def _shape(heads) -> tuple[int, ...]:
    rows, cols = len(heads[0]), len(heads[0][0])
    return (rows, cols) if len(heads) == 1 else (len(heads), rows, cols)


def _finite(values):
    return [v for v in values if math.isfinite(v)]


def _ticks(n: int) -> list[int]:
    step = 1 if n <= 12 else 2 if n <= 24 else 4
    return list(range(0, n, step))


def _panel(title: Text, matrix: list[list[float]], *, kind: str, vmax: float, signed: bool, lang: str) -> dict:
    """One heatmap; a signed table's cells are named by row and column, weights' by query and key."""
    rows, cols = min(len(matrix), MAX_SIDE), min(len(matrix[0]), MAX_SIDE)
    cell_title, label = (W.CELL_VALUE, W.MAP_VALUES) if signed else (W.CELL_WEIGHT, W.MAP_WEIGHTS)
    cell_title = cell_title.get(lang)
    with_titles = rows * cols <= CELL_TITLES_UP_TO
    cells = []
    for i in range(rows):
        for j in range(cols):
            v = matrix[i][j]
            if not math.isfinite(v):
                cls, opacity = "nan", 1.0
            elif kind in ("diff", "signed"):
                cls, opacity = ("pos" if v > 0 else "neg"), min(abs(v) / vmax, 1.0)
            else:
                cls, opacity = "w", min(max(v / vmax, 0.0), 1.0)
            cells.append({
                "x": j * CELL, "y": i * CELL, "cls": cls, "o": f"{opacity:.2f}",
                "title": cell_title.format(row=i, col=j, value=f"{v:{'+' if kind == 'diff' else ''}.3g}")
                if with_titles else None,
            })
    return {"title": title.get(lang), "label": label.format(title=title, rows=rows, cols=cols).get(lang),
            "kind": kind, "rows": rows, "cols": cols, "cell": CELL,
            "width": cols * CELL, "height": rows * CELL, "cells": cells, "rects": _rects(cells),
            "row_ticks": _ticks(rows), "col_ticks": _ticks(cols),
            "cut": rows < len(matrix) or cols < len(matrix[0])}


def _rects(cells: list[dict]) -> Markup:
    """The cells as SVG ``<rect>`` elements, a cell's title (its hover label) escaped."""
    size = CELL - 1
    return Markup("\n".join(
        f'<rect x="{c["x"]}" y="{c["y"]}" width="{size}" height="{size}" class="{c["cls"]}" '
        f'fill-opacity="{c["o"]}">' + (f"<title>{escape(c['title'])}</title>" if c["title"] else "") + "</rect>"
        for c in cells))


def weights_figure(figure: dict, lang: str = DEFAULT_LANG) -> dict | None:
    reference = _heads(figure.get("reference"))
    if reference is None:
        return None
    candidate = _heads(figure.get("candidate"))
    raw_candidate = figure.get("candidate")
    same_shape = candidate is not None and _shape(candidate) == _shape(reference)
    values = [v for h in reference for r in h for v in r]
    if candidate is not None:
        values += [v for h in candidate for r in h for v in r]
    finite = _finite(values)
    # Attention weights lie in [0, 1]; anything with negative entries (an encoding table,
    # a wrong submission's scores) is drawn on a symmetric two-colour scale instead.
    signed = min(_finite(v for h in reference for r in h for v in r), default=0.0) < 0
    if signed:
        kind = "signed"
        vmax = max((abs(v) for v in finite), default=1.0) or 1.0
    else:
        kind = "w"
        top = max(finite, default=1.0)
        vmax = min(top, 1.0) if top > 0 else 1.0
    drawn = {"signed": signed, "lang": lang}

    heads = []
    for index in range(min(len(reference), MAX_HEADS)):
        row = {"label": W.HEAD.format(index=index).get(lang) if len(reference) > 1 else "", "panels": [],
               "max_diff": None}
        if candidate is not None and index < len(candidate):
            row["panels"].append(_panel(W.YOURS, candidate[index], kind=kind, vmax=vmax, **drawn))
        row["panels"].append(_panel(W.REFERENCE, reference[index], kind=kind, vmax=vmax, **drawn))
        if same_shape:
            diff = [[c - r for c, r in zip(crow, rrow)]
                    for crow, rrow in zip(candidate[index], reference[index])]
            finite = _finite([abs(v) for r in diff for v in r])
            biggest = max(finite, default=0.0)
            row["max_diff"] = biggest
            row["panels"].append(_panel(W.DIFFERENCE, diff, kind="diff", vmax=max(biggest, DIFF_FLOOR), **drawn))
            row["diff_scale"] = max(biggest, DIFF_FLOOR)
        heads.append(row)

    what = W.WHAT_VALUES if signed else W.WHAT_WEIGHTS
    if raw_candidate is None:
        candidate_note = W.NO_CANDIDATE.format(what=what).get(lang)
    elif candidate is None:
        candidate_note = W.NOT_DRAWABLE.format(what=what).get(lang)
    elif not same_shape:
        candidate_note = W.OTHER_SHAPE.format(what=what, got=_shape(candidate), want=_shape(reference)).get(lang)
    else:
        candidate_note = ""
    all_cells = [v for h in (candidate or []) for r in h for v in r]
    return {
        "kind": "weights",
        "signed": signed,
        "caption": str(figure.get("caption") or ""),
        "heads": heads,
        "vmax": vmax,
        "candidate_note": candidate_note,
        "has_nan": any(not math.isfinite(v) for v in all_cells),
        "heads_cut": len(reference) > MAX_HEADS,
        "cut": any(p["cut"] for h in heads for p in h["panels"]),
        "legend": [round(vmax * k / 4, 3) for k in range(5)],
    }


def _sequences(value) -> list[list[str]] | None:
    if isinstance(value, list) and value and not any(isinstance(s, list) for s in value):
        value = [value]  # one sequence
    if not isinstance(value, list) or not all(isinstance(s, list) for s in value):
        return None
    return [[str(t) if isinstance(t, (int, str)) and not isinstance(t, bool) else "?" for t in s]
            for s in value]


def tokens_figure(figure: dict, lang: str = DEFAULT_LANG) -> dict | None:
    reference = _sequences(figure.get("reference"))
    if reference is None:
        return None
    candidate = _sequences(figure.get("candidate"))
    rows = []
    for index, ref in enumerate(reference[:MAX_SEQUENCES]):
        cand = candidate[index] if candidate is not None and index < len(candidate) else None
        length = max(len(ref), len(cand or []))
        steps = []
        first_diff = None
        for step in range(min(length, MAX_STEPS)):
            r = ref[step] if step < len(ref) else ""
            c = cand[step] if cand is not None and step < len(cand) else ""
            same = cand is not None and r == c
            if cand is not None and not same and first_diff is None:
                first_diff = step
            steps.append({"ref": r, "cand": c, "same": same})
        rows.append({"index": index, "steps": steps, "has_candidate": cand is not None,
                     "first_diff": first_diff, "cut": length > MAX_STEPS})
    return {
        "kind": "tokens",
        "caption": str(figure.get("caption") or ""),
        "sequences": rows,
        "candidate_note": "" if candidate is not None else W.NO_TOKENS.get(lang),
        "cut": len(reference) > MAX_SEQUENCES,
    }


def figure_view(figure, lang: str = DEFAULT_LANG) -> dict | None:
    """The view model of ``extra_data["figure"]`` in ``lang``, or None when there is nothing to draw."""
    if not isinstance(figure, dict):
        return None
    if figure.get("kind") == "weights":
        view = weights_figure(figure, lang)
    elif figure.get("kind") == "tokens":
        view = tokens_figure(figure, lang)
    else:
        return None
    if view and view["caption"]:
        caption = W.Wording(lang).caption(view["caption"])
        view["caption"] = caption[:1].upper() + caption[1:]
    return view


def histogram(fractions: list[float], *, bins: int = 10) -> list[dict]:
    """Counts of scores in ``bins`` equal bins of the maximum, plus one bar for full marks."""
    counts = [0] * (bins + 1)
    for f in fractions:
        if f >= 1 - 1e-9:
            counts[bins] += 1
        else:
            counts[min(max(int(f * bins + 1e-9), 0), bins - 1)] += 1
    labels = [f"{100 * k // bins}–{100 * (k + 1) // bins}%" for k in range(bins)] + ["100%"]
    return [{"label": label, "count": n} for label, n in zip(labels, counts)]
