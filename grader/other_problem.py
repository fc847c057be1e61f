"""Which other problem a submission's source was written for (trusted side).

A file handed in under one problem's name that lacks that problem's names may
be another problem's solution: ``multi_head_attention.py`` holding
``def self_attention``, or the wrong file uploaded. :func:`problem_written_for`
names that problem from what the source defines at top level (``def``,
``class``, assignments), so that the learner's "does not define" message can
ask whether this is the right file.

The source is candidate-controlled and the answer is only a hint: a source above
:data:`MAX_SOURCE_CHARS`, or one the parser cannot handle (a syntax error, a null
byte, nesting too deep for it), gets no suggestion, never an exception. Only the
module's own statements are looked at, and what a message names comes from the
registry, never from the source's text.
"""

from __future__ import annotations

import ast

from grader import registry
from grader.forbidden import parse_source
from grader.registry import Problem

MAX_SOURCE_CHARS = 128 * 1024  # far above any solution: a larger source is not parsed for a hint


def _assigned(statement: ast.stmt) -> list[str]:
    """The names a top-level statement binds: its ``def`` or ``class``, or the names it assigns to."""
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [statement.name]
    if isinstance(statement, ast.Assign):
        targets = statement.targets
    elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
        targets = [statement.target]
    else:
        return []
    return [node.id for target in targets for node in ast.walk(target)
            if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)]


def top_level_names(source: str) -> dict[str, int]:
    """Each name the module's own statements define, with the line of its last definition; ``{}`` for a
    source over :data:`MAX_SOURCE_CHARS` or one the parser cannot handle."""
    if len(source) > MAX_SOURCE_CHARS:
        return {}
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    return {name: statement.lineno for statement in tree.body for name in _assigned(statement)}


def problem_written_for(source: str, problem: Problem) -> Problem | None:
    """The problem other than ``problem`` all of whose names ``source`` defines at top level; None if none.

    Of several, the one with the most names, then the one whose names are defined
    last (a helper such as ``scaled_dot_product_attention`` comes before the code
    that calls it), then the first in catalogue order.
    """
    defined = top_level_names(source)
    matches = [other for other in registry.all_problems()
               if other.id != problem.id and other.symbols and all(name in defined for name in other.symbols)]
    return max(matches, key=lambda other: (len(other.symbols), max(defined[name] for name in other.symbols)),
               default=None)
