"""Hidden test cases, one module per problem (trusted side only).

Each module defines ``CASES: list[Case]``. They are imported only by the trusted
grading process; the sandboxed child sees none of this package.
"""

from __future__ import annotations

import importlib
from functools import lru_cache

from grader.cases import Case
from grader.references import _load_path_module
from grader.registry import Problem


@lru_cache(maxsize=None)
def hidden_cases(problem_id: str) -> tuple[Case, ...]:
    module = importlib.import_module(f"grader.hidden.{problem_id}")
    return tuple(module.CASES)


@lru_cache(maxsize=None)
def _public(problem_id: str, path: str) -> tuple[Case, ...]:
    module = _load_path_module(f"attn_judge_public_{problem_id}", path)
    return tuple(module.TESTS)


def public_cases(problem: Problem) -> tuple[Case, ...]:
    return _public(problem.id, str(problem.public_tests_path))
