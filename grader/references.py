"""Loads trusted code: reference solutions and misconception references.

Only the trusted grading process calls this module. The warm workers that fork
candidate children never import it, so no reference, expected value or hidden
case is ever in a candidate's memory.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
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


@lru_cache(maxsize=None)
def _reference_call(symbol: str, kind: str):
    """What an invocation of ``symbol`` calls in the reference (a module's ``forward``), or None
    for a symbol no problem defines."""
    from grader import registry

    problem = registry.problem_defining(symbol)
    if problem is None:
        return None
    target = getattr(solution_module(problem.id), symbol)
    return target.forward if kind == "module" else target


def positional_parameters(symbol: str, kind: str) -> tuple[str, ...]:
    """The names of the positional arguments an invocation of ``symbol`` passes, from the reference.

    ``kind`` as :class:`grader.sandbox.messages.Invocation`'s: a module's are those of its
    ``forward``, a generation's come after the model. Empty for a symbol no problem defines.
    """
    target = _reference_call(symbol, kind)
    if target is None:
        return ()
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = tuple(p.name for p in inspect.signature(target).parameters.values() if p.kind in positional)
    return names[1:] if kind in ("module", "generate") else names  # self; the model


def parameter_defaults(symbol: str, kind: str) -> dict[str, object]:
    """The default values of the parameters of ``symbol``'s call (a module's ``forward``), from the
    reference: what a call that does not pass them gets. Empty for a symbol no problem defines."""
    target = _reference_call(symbol, kind)
    if target is None:
        return {}
    return {p.name: p.default for p in inspect.signature(target).parameters.values()
            if p.default is not inspect.Parameter.empty}


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
