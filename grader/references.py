"""Loads trusted code: reference solutions and misconception references.

Only the trusted grading process calls this module. The warm workers that fork
candidate children never import it, so no reference, expected value or hidden
case is ever in a candidate's memory.
"""

from __future__ import annotations

import importlib
import importlib.util
from functools import lru_cache
from types import ModuleType

from grader.datapaths import solutions_dir
from grader.registry import Problem


def _load_path_module(name: str, path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@lru_cache(maxsize=None)
def solution_module(problem_id: str) -> ModuleType:
    """The reference solution of ``problem_id`` as a module (loaded by path)."""
    return _load_path_module(f"attn_judge_reference_{problem_id}", solutions_dir() / f"{problem_id}.py")


def solution_namespace(problem: Problem) -> dict:
    module = solution_module(problem.id)
    return {symbol: getattr(module, symbol) for symbol in problem.symbols}


def solution_source(problem: Problem) -> str:
    return (solutions_dir() / f"{problem.id}.py").read_text(encoding="utf-8")


@lru_cache(maxsize=None)
def misconception_variants(problem_id: str) -> dict[str, tuple[dict, ...]]:
    """Misconception ID -> the namespaces ({symbol: implementation}) that make that mistake."""
    module = importlib.import_module(f"grader.misconceptions.{problem_id}")
    return {mid: tuple(variants) for mid, variants in module.VARIANTS.items()}
