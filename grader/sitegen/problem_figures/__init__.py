"""Figures made for one problem (the residual stream of a layer, a rotation, a beam tree…).

Most problems need no module here: the site draws the attention weights (or the
table) that ``example_figure`` in their ``public_tests.py`` returns. A problem
whose idea is better shown another way adds ``problem_figures/<id>.py`` with::

    def figure(problem) -> ProblemFigure

computed at build time from the reference solution (never a hidden input), and
a template ``site/templates/site/figures/<id>.html`` that draws ``figure.data``
as inline SVG or HTML (autoescaped; no script). Both captions are required.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from dataclasses import dataclass, field

from grader.i18n import Text
from grader.registry import Problem

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ProblemFigure:
    """What a problem's own figure template draws.

    Attributes:
        title: a heading above the figure, both languages.
        caption: one or two sentences saying what to look at, both languages.
        data: numbers and labels for the template (plain data, computed from the reference).
    """

    title: Text
    caption: Text
    data: dict = field(default_factory=dict)

    @property
    def template(self) -> str:
        return self.data["template"]


def has_custom_figure(problem: Problem) -> bool:
    return importlib.util.find_spec(f"{__name__}.{problem.id}") is not None


def custom_figure(problem: Problem) -> ProblemFigure | None:
    """The problem's own figure, or None when it has no module (or the module fails: logged)."""
    if not has_custom_figure(problem):
        return None
    try:
        module = importlib.import_module(f"{__name__}.{problem.id}")
        made = module.figure(problem)
    except Exception as exc:  # a figure still being written must not stop the build
        log.warning("%s: its figure could not be made: %s", problem.id, exc)
        return None
    data = dict(made.data)
    data.setdefault("template", f"site/figures/{problem.id}.html")
    return ProblemFigure(made.title, made.caption, data)
