"""Hidden test cases, one module per problem (trusted side only).

Each module defines ``CASES: list[Case]``. They are imported only by the trusted
grading process; the sandboxed child sees none of this package.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import torch

from grader.cases import Case
from grader.references import _load_path_module, solution_namespace
from grader import registry
from grader.registry import Problem
from grader.sandbox.execute import execute
from grader.sandbox.messages import Invocation, Outcome


@lru_cache(maxsize=None)
def hidden_cases(problem_id: str) -> tuple[Case, ...]:
    module = importlib.import_module(f"grader.hidden.{problem_id}")
    return tuple(module.CASES)


@lru_cache(maxsize=None)
def _public_module(problem_id: str, path: str):
    return _load_path_module(f"attn_judge_public_{problem_id}", path)


def public_cases(problem: Problem) -> tuple[Case, ...]:
    return tuple(_public_module(problem.id, str(problem.public_tests_path)).TESTS)


@dataclass(frozen=True)
class Example:
    """The statement's worked example: public inputs whose result reports and the site draw."""

    problem: Problem
    invocation: Invocation
    extract: Callable

    def reference_outcome(self) -> Outcome:
        return execute(solution_namespace(self.problem), self.invocation, filename="<reference>")

    def drawable(self, outcome: Outcome | None):
        """The figure data (weights, table or token ids) of an outcome, or None."""
        if outcome is None or outcome.error:
            return None
        try:
            value = self.extract(outcome.value)
        except Exception:  # a wrong submission may return anything
            return None
        if not isinstance(value, torch.Tensor) or value.dim() not in (1, 2, 3) or value.numel() > 20000:
            return None
        if value.is_floating_point():
            return value.detach().double().round(decimals=5).tolist()
        return value.tolist()

    def figure(self, candidate_outcome: Outcome | None) -> dict:
        reference = _reference_drawing(self.problem.id)
        kind = "tokens" if reference and isinstance(_first_number(reference), int) else "weights"
        return {
            "kind": kind,
            "candidate": self.drawable(candidate_outcome),
            "reference": reference,
            "caption": "the worked example of the statement (public input)",
        }


@lru_cache(maxsize=None)
def _reference_drawing(problem_id: str):
    """The reference's figure data for a problem's worked example (public, computed once)."""
    shown = example(registry.get(problem_id))
    return shown.drawable(shown.reference_outcome())


def _first_number(value):
    while isinstance(value, list) and value:
        value = value[0]
    return value


def example(problem: Problem) -> Example | None:
    """The worked example of ``problem`` if its public tests define one."""
    module = _public_module(problem.id, str(problem.public_tests_path))
    if not hasattr(module, "EXAMPLE") or not hasattr(module, "example_figure"):
        return None
    return Example(problem, module.EXAMPLE, module.example_figure)
