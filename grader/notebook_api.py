"""``check()`` inside a notebook: the learner's live code through the sandbox of ``attn-judge check``.

::

    from grader import check
    check(MyAttention, problem="multi_head_attention")   # this class (and what it needs)
    check("self_attention")                               # the notebook's definition of the symbol

The module to check is assembled from the live objects: ``inspect`` finds the
source of the given class or function (or, with only a problem ID, of the
problem's symbols as the notebook defines them), and ``ast`` finds the names it
uses; each one that the notebook defines is added the same way, modules become
``import`` lines, objects of other modules ``from … import`` lines, and
constants built of literals (``float('-inf')``, lists, dicts and sets of them)
assignments. A value the definitions read that cannot be written as source (a
tensor, a device, an instance) is a :class:`CheckError` that names it. Where a
definition of the notebook has no source to find, the notebook's input history
is used instead (its cells in order, IPython syntax blanked as for a notebook
file, leaving out the cells that raised), and a line binds the problem's
symbol to the given object's name when they differ. Lines keep the cell they
came from, so the feedback says "cell 4, line 3" (the cell's execution count,
as in ``In [4]``).

The module then runs in the sandbox through :func:`grader.services.check_source`,
never in the kernel. The result displays as rich HTML in Jupyter (the test
table and the diagnosis, from the autoescaped template
``report/notebook.html``) and as plain text elsewhere.

This module must never execute the learner's code itself, and is imported
only when ``check`` is first used (``import grader`` stays light).
"""

from __future__ import annotations

import ast
import functools
import inspect
import linecache
import math
import re
import sys
import textwrap
from dataclasses import dataclass

from grader import feedback as F
from grader import registry
from grader.i18n import Text, resolve_lang
from grader.notebooks import SourceMap, code_from_cells
from grader.registry import Problem
from grader.sandbox.messages import Limits
from grader.terminal import safe, shortened

MAX_CONSTANT_CHARS = 1000  # a longer literal is not copied into the checked module
MAX_SHOWN_OUTPUT = 2000  # characters of captured output shown under the results
MAX_NOTES = 3  # cells named in the notes on what would fail when the whole notebook is graded
MAX_SHOWN_ARGUMENT = 40  # characters of a wrong argument shown in the message about it
MAX_CACHED_CELLS = 4096  # cells whose imports are remembered between check() calls
_CELL_NAME = re.compile(r"In\[(\d+)\]")
# IPython's history and helpers, and the namespace's own dunders: never copied into the checked module
_IPYTHON_NAMES = re.compile(r"_+|_i{1,3}|_i?\d+|_[oid]h|__\w+__|In|Out|get_ipython|exit|quit")
_IMPORTS_GRADER = re.compile(r"^\s*(from\s+grader[\s.]|import\s+grader\b)", re.MULTILINE)


class CheckError(ValueError):
    """A mistake in how ``check`` was called; shown in a notebook as one line, without a traceback."""

    def _render_traceback_(self) -> list[str]:  # IPython shows this instead of a traceback
        return [str(self)]


class _NoSource(LookupError):
    """``inspect`` cannot find the source of an object."""


class _NotCopyable(LookupError):
    """A name the definitions read is bound to a value the checked module cannot be given."""

    def __init__(self, name: str, value):
        super().__init__(name)
        self.name = name
        self.type = "lambda" if _is_lambda(value) else type(value).__name__


@dataclass(frozen=True)
class _Definition:
    lines: list[str]  # dedented source lines of one top-level definition
    cell: int | None  # the execution count of the cell that holds it, when known
    first_line: int  # its first line's number in that cell (or file)


def check(target, problem: str | None = None, *, lang: str | None = None,
          timeout: float = Limits.timeout) -> "CheckResult":
    """Run a problem's public tests on code defined in this notebook, in the sandbox.

    Args:
        target: a problem ID (the notebook's definition of the problem's symbol
            is checked), or the class or function to check.
        problem: the problem ID when ``target`` is an object whose name is not
            the problem's symbol (e.g. ``check(MyAttention, problem="multi_head_attention")``).
        lang: ``"en"`` or ``"zh"`` (default: ``ATTN_JUDGE_LANG``, else the locale).
        timeout: seconds allowed per test.

    Returns:
        A :class:`CheckResult`: rich HTML in Jupyter, plain text elsewhere; its
        ``results`` are the ``results.json`` content of ``attn-judge check``.

    Raises:
        CheckError: a bad argument, an unknown problem, a class where the problem
            asks for a function (or the reverse), an undefined symbol, no source
            to check, a name the code uses that cannot be copied into the module.
    """
    from grader import services

    lang = _checked_arguments(problem, lang, timeout)
    if isinstance(target, str):
        found = _problem(target if problem is None else problem, lang)
        source, source_map = _source_for_problem(found, lang)
    elif inspect.isclass(target) or inspect.isfunction(target):
        if target.__name__ == "<lambda>":
            raise CheckError(F.NB_LAMBDA.get(lang))
        found = _problem(problem, lang) if problem is not None else _problem_of(target, lang)
        _require_kind(target, found, lang)
        source, source_map = _source_for_object(target, found, lang)
    else:
        raise CheckError(F.NB_NOT_CHECKABLE.format(type=type(target).__name__).get(lang))
    try:
        results = services.check_source(source=source, problem_id=found.id, filename=f"{found.id}.py",
                                        source_map=source_map, timeout=timeout, lang=lang)
    except services.UserError as exc:
        raise CheckError(exc.text.get(lang)) from None
    return CheckResult(results=results, problem=found, lang=lang, notes=_graded_notebook_notes(lang))


def _checked_arguments(problem, lang, timeout) -> str:
    """The language to speak, once ``problem``, ``lang`` and ``timeout`` are known to be usable."""
    if lang not in (None, "en", "zh"):
        raise CheckError(F.NB_BAD_LANG.format(given=_shown(lang)).get(resolve_lang(None)))
    lang = resolve_lang(lang)
    if problem is not None and not isinstance(problem, str):
        raise CheckError(F.NB_BAD_PROBLEM.format(given=type(problem).__name__).get(lang))
    if not _is_positive_seconds(timeout):
        raise CheckError(F.NB_BAD_TIMEOUT.format(given=_shown(timeout)).get(lang))
    return lang


def _is_positive_seconds(value) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value > 0)


def _shown(value) -> str:
    """A wrong argument as a message names it: a string or number as written (shortened), else its type."""
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return shortened(repr(value), MAX_SHOWN_ARGUMENT)
    return type(value).__name__


def _require_kind(target, problem: Problem, lang: str) -> None:
    """A class for a problem whose symbol is a module (``kind = "module"``), a function for the others."""
    wants_class = problem.kind == "module"
    if inspect.isclass(target) == wants_class:
        return
    wanted = F.NB_A_MODULE_CLASS if wants_class else F.NB_A_FUNCTION
    given = F.NB_A_CLASS if inspect.isclass(target) else F.NB_A_FUNCTION
    raise CheckError(F.NB_WRONG_KIND.format(problem=problem.id, wanted=wanted, name=target.__name__,
                                            given=given).get(lang))


def _problem(problem_id: str, lang: str) -> Problem:
    try:
        return registry.get(problem_id)
    except registry.UnknownProblemError as exc:
        close = F.NB_DID_YOU_MEAN.format(names=", ".join(exc.suggestions)) if exc.suggestions else ""
        raise CheckError(F.NB_UNKNOWN_PROBLEM.format(name=repr(problem_id), close=close).get(lang)) from None


def _problem_of(target, lang: str) -> Problem:
    """The problem whose symbol is the object's name."""
    problem = registry.problem_defining(target.__name__)
    if problem is None:
        raise CheckError(F.NB_WHICH_PROBLEM.format(name=target.__name__).get(lang))
    return problem


# --------------------------------------------------------------------------- where the code is

def _shell():
    """The running IPython shell, or None (IPython is never imported just to ask)."""
    ipython = sys.modules.get("IPython")
    return ipython.get_ipython() if ipython is not None else None


def _user_namespace() -> dict:
    shell = _shell()
    return shell.user_ns if shell is not None else vars(sys.modules["__main__"])


def _namespace_of(target) -> dict:
    """The globals a function or class was defined in."""
    if inspect.isfunction(target):
        return target.__globals__
    for function in _functions_of(target):
        return function.__globals__
    return _user_namespace()


def _functions_of(cls) -> list:
    """The plain functions behind a class's methods, static and class methods and properties."""
    functions = []
    for value in vars(cls).values():
        value = getattr(value, "__func__", None) or getattr(value, "fget", None) or value
        if inspect.isfunction(value):
            functions.append(value)
    return functions


def _cell_of(filename: str) -> int | None:
    """The execution count of the cell IPython compiled into ``filename`` (``In [4]``), if known."""
    shell = _shell()
    name = getattr(getattr(shell, "compile", None), "format_code_name", None)
    if name is None:
        return None
    try:
        described = name(filename)
    except Exception:  # an IPython without this helper's usual behaviour
        return None
    match = _CELL_NAME.fullmatch(described[1]) if described else None
    return int(match.group(1)) if match else None


def _definition(obj) -> _Definition:
    """The source of a top-level function or class, with the cell it is in."""
    try:
        lines, first = inspect.getsourcelines(obj)
        filename = inspect.getsourcefile(obj) or inspect.getfile(obj)
    except (OSError, TypeError):
        if not inspect.isclass(obj):
            raise _NoSource(obj.__name__) from None
        lines, first, filename = _class_lines(obj)
    text = textwrap.dedent("".join(lines))
    return _Definition(text.splitlines(), _cell_of(filename), max(first, 1))


def _class_lines(cls) -> tuple[list[str], int, str]:
    """A class's source found through its methods' code (classes of ``__main__`` have no file)."""
    for function in _functions_of(cls):
        code = function.__code__
        lines = linecache.getlines(code.co_filename)
        if not lines:
            continue
        try:
            tree = ast.parse("".join(lines))
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.ClassDef) and node.name == cls.__name__
                    and node.lineno <= code.co_firstlineno <= node.end_lineno):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                return lines[start - 1:node.end_lineno], start, code.co_filename
    raise _NoSource(cls.__name__)


def _parsed(lines: list[str]) -> ast.AST | None:
    try:
        return ast.parse("\n".join(lines))
    except (SyntaxError, ValueError, RecursionError):
        return None


def _names_used(lines: list[str]) -> list[str]:
    """The names a definition reads, in order of appearance."""
    tree = _parsed(lines)
    if tree is None:
        return []
    names = sorted(((n.lineno, n.col_offset, n.id) for n in ast.walk(tree) if isinstance(n, ast.Name)))
    return list(dict.fromkeys(name for _, _, name in names))


def _free_names(lines: list[str]) -> set[str]:
    """The names a definition reads and never binds itself (an argument, an assignment, an import…):
    those it must find in its module."""
    tree = _parsed(lines)
    if tree is None:
        return set()
    read, bound = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (read if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.alias):
            bound.add(node.asname or node.name.partition(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return read - bound


def _is_lambda(value) -> bool:
    return inspect.isfunction(value) and value.__name__ == "<lambda>"


def _import_line(name: str, value) -> str | None:
    """``import torch`` for a module, ``from math import sqrt`` for another module's object; else None."""
    if inspect.ismodule(value):
        module = value.__name__
        parent, _, last = module.rpartition(".")
        if name == module:
            return f"import {module}"
        if parent and name == last:
            return f"from {parent} import {last}"
        return f"import {module} as {name}"
    module, qualname = getattr(value, "__module__", None), getattr(value, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "." in qualname:
        return None
    if module in ("builtins", "__main__") or getattr(sys.modules.get(module), qualname, None) is not value:
        return None
    return f"from {module} import {qualname}" + (f" as {name}" if name != qualname else "")


def _constant(name: str, value) -> str | None:
    """``D = 64``, ``NEG = float('-inf')``, ``DIMS = [1, 2]`` for a literal of at most
    MAX_CONSTANT_CHARS characters; else None."""
    try:
        text = _literal(value, MAX_CONSTANT_CHARS)
    except RecursionError:  # a container inside itself
        return None
    return None if text is None else f"{name} = {text}"


_CONTAINERS = {tuple: ("(", ")"), list: ("[", "]"), dict: ("{", "}"), set: ("{", "}"),
               frozenset: ("frozenset({", "})")}
_EMPTY = {set: "set()", frozenset: "frozenset()"}


def _literal(value, budget: int) -> str | None:
    """Python source of a value built of literals, if it fits in ``budget`` characters; else None."""
    if value is None or type(value) in (bool, int, str, bytes):
        text = repr(value)
    elif type(value) is float:
        text = repr(value) if math.isfinite(value) else f"float('{value}')"
    elif type(value) in _CONTAINERS:
        return _container_literal(value, budget)
    else:
        return None
    return text if len(text) <= budget else None


def _container_literal(value, budget: int) -> str | None:
    """A tuple, list, dict, set or frozenset of literals as source, within ``budget`` characters."""
    if not value and type(value) in _EMPTY:
        return _EMPTY[type(value)]
    opening, closing = _CONTAINERS[type(value)]
    items = value.items() if type(value) is dict else ((item,) for item in value)
    parts, used = [], len(opening) + len(closing)
    for item in items:
        texts = [_literal(part, budget - used) for part in item]
        if None in texts:
            return None
        parts.append(": ".join(texts))
        used += len(parts[-1]) + 2
        if used > budget:
            return None
    trailing = "," if type(value) is tuple and len(parts) == 1 else ""
    return opening + ", ".join(parts) + trailing + closing


class _Assembler:
    """The module of some definitions and everything they need, with the cell of each line."""

    def __init__(self, namespace: dict):
        self.namespace = namespace
        self.module_name = namespace.get("__name__")
        self.imports: list[str] = []
        self.constants: list[str] = []
        self.definitions: list[_Definition] = []
        self.aliases: list[str] = []
        self._names: set[str] = set()
        self._objects: set[int] = set()

    def add(self, name: str, obj) -> None:
        """``obj`` (a function or class of this notebook), bound to ``name`` in the module.

        Raises:
            _NoSource: no source of it, or of a definition it uses, can be found.
            _NotCopyable: it reads a name whose value cannot be written into the module.
        """
        if id(obj) not in self._objects:
            self._objects.add(id(obj))
            definition = _definition(obj)
            free = _free_names(definition.lines)
            for used in _names_used(definition.lines):
                self._add_name(used, needed=used in free)
            self.definitions.append(definition)  # after what it needs: base classes, decorators
        if name != obj.__name__:
            self.aliases.append(f"{name} = {obj.__name__}")

    def _add_name(self, name: str, needed: bool) -> None:
        """What ``name`` is bound to in the notebook, if anything; ``needed``: the definition reads it
        from its module (not only a local of the same name), so a value that cannot be copied is an error."""
        if name in self._names or name not in self.namespace or _IPYTHON_NAMES.fullmatch(name):
            return  # seen, a local, a builtin, undefined (the sandbox names what is missing), IPython's own
        self._names.add(name)
        value = self.namespace[name]
        if self._is_own_definition(value):
            self.add(name, value)
            return
        line = _import_line(name, value) or _constant(name, value)
        if line is not None:
            (self.imports if line.startswith(("import ", "from ")) else self.constants).append(line)
        elif needed:
            raise _NotCopyable(name, value)
        else:
            self._names.discard(name)  # only a local here: another definition may need it

    def _is_own_definition(self, value) -> bool:
        """A function (not a lambda) or class defined in the notebook."""
        return ((inspect.isfunction(value) and not _is_lambda(value)) or inspect.isclass(value)) \
            and value.__module__ == self.module_name

    def module(self) -> tuple[str, SourceMap | None]:
        lines: list[str] = []
        origins: list[tuple[int, int] | None] = []
        for extra in (self.imports, self.constants):
            lines += extra + ([""] if extra else [])
            origins += [None] * (len(extra) + (1 if extra else 0))
        for definition in self.definitions:
            for offset, line in enumerate(definition.lines):
                lines.append(line)
                origins.append(None if definition.cell is None else
                               (definition.cell, definition.first_line + offset))
            lines.append("")
            origins.append(None)
        lines += self.aliases
        origins += [None] * len(self.aliases)
        source_map = SourceMap.from_origins(origins)
        return "\n".join(lines) + "\n", (source_map if source_map.spans else None)


def _source_for_object(target, problem: Problem, lang: str) -> tuple[str, SourceMap | None]:
    """The module of ``target`` (as the problem's symbol) and what it uses, or else, for a definition
    of the notebook, its input history with ``symbol = name`` when the names differ."""
    namespace = _namespace_of(target)
    assembler = _Assembler(namespace)
    try:
        assembler.add(problem.symbols[0], target)
        for symbol in problem.symbols[1:]:
            _add_symbol(assembler, symbol, lang)
    except _NoSource as exc:
        if target.__module__ != _user_namespace().get("__name__"):
            raise CheckError(F.NB_NO_SOURCE.format(name=str(exc)).get(lang)) from None
        alias = None if target.__name__ == problem.symbols[0] else f"{problem.symbols[0]} = {target.__name__}"
        return _history_instead(exc, lang, alias)
    except _NotCopyable as exc:
        raise _not_copyable_error(exc, lang) from None
    return assembler.module()


def _not_copyable_error(exc: _NotCopyable, lang: str) -> CheckError:
    return CheckError(F.NB_NOT_COPYABLE.format(name=exc.name, type=exc.type).get(lang))


def _add_symbol(assembler: _Assembler, symbol: str, lang: str) -> None:
    if symbol not in assembler.namespace:
        raise CheckError(F.NB_NOT_DEFINED.format(name=symbol).get(lang))
    value = assembler.namespace[symbol]
    if not (inspect.isclass(value) or inspect.isfunction(value)):
        raise CheckError(F.NB_NOT_CHECKABLE.format(type=type(value).__name__).get(lang))
    assembler.add(symbol, value)


def _source_for_problem(problem: Problem, lang: str) -> tuple[str, SourceMap | None]:
    """The notebook's definitions of the problem's symbols, or else its input history."""
    assembler = _Assembler(_user_namespace())
    defined = assembler.namespace.get(problem.symbols[0])
    if inspect.isclass(defined) or inspect.isfunction(defined):
        _require_kind(defined, problem, lang)
    try:
        for symbol in problem.symbols:
            _add_symbol(assembler, symbol, lang)
    except _NoSource as exc:
        return _history_instead(exc, lang)
    except _NotCopyable as exc:
        raise _not_copyable_error(exc, lang) from None
    return assembler.module()


def _history_instead(missing: _NoSource, lang: str, alias: str | None = None) -> tuple[str, SourceMap]:
    """The notebook's input history, then ``alias`` (a line the grader adds, in no cell); without
    a history, the error that the source of ``missing`` cannot be found."""
    history = _history()
    if history is None:
        raise CheckError(F.NB_NO_SOURCE.format(name=str(missing)).get(lang)) from None
    source, source_map = history
    if alias is not None:  # after every span of the map: a line of no cell, labelled by its number
        source += ("" if source.endswith("\n") or not source else "\n") + alias + "\n"
    return source, source_map


def _history() -> tuple[str, SourceMap] | None:
    """The cells run so far, IPython syntax blanked: not this one, none that raised, none that uses the grader.

    A cell that raised (a scratch ``1/0``, a syntax error) would raise again
    when the module is imported; IPython 9 records them by execution count in
    ``history_manager.exceptions`` (an IPython without it skips none). A cell
    that imports the grader or calls :func:`check` would fail in the sandbox
    (the grader is not there), and is not what is being checked.
    """
    shell = _shell()
    if shell is None:
        return None
    raw = list(shell.history_manager.input_hist_raw)
    current = shell.execution_count
    failed = getattr(shell.history_manager, "exceptions", None) or {}
    cells = [(number, text) for number, text in enumerate(raw)
             if number and number != current and number not in failed
             and not _uses_grader(number, text, shell.user_ns)]
    code = code_from_cells(cells)
    return code.source, code.source_map


def _uses_grader(number: int, text: str, namespace: dict) -> bool:
    if _IMPORTS_GRADER.search(text):
        return True
    try:
        tree = ast.parse(code_from_cells([(number, text)]).source)
    except (SyntaxError, ValueError, RecursionError):
        return False  # the sandbox reports it, in its cell
    return any(isinstance(node, ast.Name) and namespace.get(node.id) is check for node in ast.walk(tree))


# What a submission's sandbox can import besides the standard library (and what it says it has)
SANDBOX_PACKAGES = frozenset({"torch", "numpy"})


def _graded_notebook_notes(lang: str) -> tuple[str, ...]:
    """What would stop the notebook loading when it is graded, where check() looks only at some
    definitions: a cell run in this kernel that imports, at its top level, a package the sandbox
    does not have (IPython.display, matplotlib). Said per cell, at most MAX_NOTES."""
    shell = _shell()
    if shell is None:
        return ()
    raw = list(shell.history_manager.input_hist_raw)
    notes = []
    for number, text in enumerate(raw):
        if not number or number == shell.execution_count:
            continue
        module = _first_missing_import(number, text)
        if module is not None:
            notes.append(F.NB_GRADED_IMPORT.format(cell=number, module=module).get(lang))
        if len(notes) >= MAX_NOTES:
            break
    return tuple(notes)


@functools.lru_cache(maxsize=MAX_CACHED_CELLS)
def _first_missing_import(number: int, text: str) -> str | None:
    """The first package that the cell run as ``number`` imports and a sandbox lacks (None for a cell
    that imports the grader, which is not graded). Kept per cell: a kernel's history only grows, and
    each check() reads all of it."""
    if _IMPORTS_GRADER.search(text):
        return None
    return next(iter(_missing_imports(code_from_cells([(number, text)]).source)), None)


def _missing_imports(source: str) -> list[str]:
    """The top-level packages that ``source`` imports outside any function, class or try statement
    (those run when the notebook loads, unguarded) and a sandbox does not have."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return []
    found, pending = [], list(tree.body)
    while pending:
        node = pending.pop(0)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Try, ast.TryStar)):
            continue
        if isinstance(node, ast.Import):
            found += [alias.name.partition(".")[0] for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.append(node.module.partition(".")[0])
        else:
            pending += [child for child in ast.iter_child_nodes(node) if isinstance(child, ast.stmt)]
    available = set(sys.stdlib_module_names) | SANDBOX_PACKAGES
    return list(dict.fromkeys(module for module in found if module not in available))


# --------------------------------------------------------------------------- the result

@dataclass(frozen=True)
class CheckResult:
    """The outcome of :func:`check`: ``results.json`` content that displays itself."""

    results: dict
    problem: Problem
    lang: str
    notes: tuple[str, ...] = ()  # what would fail when the whole notebook is graded (see _graded_notebook_notes)

    @property
    def passed(self) -> bool:
        """Whether every public test passed."""
        return self.results["score"] >= self.results["max_score"] and not self.results["extra_data"]["error"]

    def _title(self) -> str:
        return F.PUBLIC_TESTS_TITLE.format(title=Text(self.problem.title, self.problem.title_zh)).get(self.lang)

    def _tests(self) -> list[dict]:
        from grader.reports.submission import test_key

        return sorted(self.results["tests"], key=lambda t: (t["status"] == "passed", test_key(t["number"])))

    def _repr_html_(self) -> str:
        from grader.reports.render import render

        return render("report/notebook.html", **self._html_context())

    def _html_context(self) -> dict:
        from grader.reports.submission import highlighted

        lang, extra = self.lang, self.results["extra_data"]
        diagnosis = []
        for mid in extra.get("diagnosis") or ():
            item = self.problem.misconception(mid)
            diagnosis.append({
                "id": item.id, "title": Text(item.title, item.title_zh).get(lang),
                "explanation": Text(item.explanation, item.explanation_zh).get(lang),
                "mistake": highlighted(item.mistake) if item.mistake else None,
                "fix": highlighted(item.fix) if item.fix else None,
            })
        tests = self._tests()
        passed = sum(t["status"] == "passed" for t in tests)
        labels = {key: getattr(F, f"NB_{key.upper()}").get(lang)
                  for key in ("tests", "test", "points", "result", "feedback", "passed", "failed",
                              "diagnosis", "matches", "mistake", "fix")}
        output = str(extra.get("output") or "")
        return {
            "title": self._title(), "score": self.results["score"], "max_score": self.results["max_score"],
            "summary": self.results["output"], "tests": tests, "diagnosis": diagnosis, "labels": labels,
            "counts": F.NB_TESTS_PASSED.format(passed=passed, total=len(tests)).get(lang),
            "error": extra.get("error"),
            "error_label": F.ERROR_LABEL.format(kind=(extra.get("error") or {}).get("kind", "")).get(lang),
            "isolation": F.ISOLATION_LABEL.format(level=extra.get("isolation", "")).get(lang),
            "warning": F.WARNING.format(message=extra["isolation_warning"]).get(lang)
            if extra.get("isolation_warning") else "",
            "output": output[:MAX_SHOWN_OUTPUT], "output_label": self._output_label(output),
            "lang": lang, "notes": self.notes,
        }

    def _output_label(self, output: str) -> str:
        truncated = self.results["extra_data"].get("output_truncated") or len(output) > MAX_SHOWN_OUTPUT
        return F.CAPTURED_OUTPUT.format(more=F.TRUNCATED if truncated else Text("", "")).get(self.lang)

    def __str__(self) -> str:
        """The results as plain text: failed tests first, each with its feedback, then the summary."""
        extra, lang = self.results["extra_data"], self.lang
        lines = [f"{safe(self._title())}  ({F.ISOLATION_LABEL.format(level=extra.get('isolation', '')).get(lang)})"]
        if extra.get("isolation_warning"):
            lines.append(F.WARNING.format(message=safe(extra["isolation_warning"])).get(lang))
        lines += [safe(note) for note in self.notes]
        for test in self._tests():
            ok = test["status"] == "passed"
            lines.append(f"  {'✓' if ok else '✗'} {safe(test['number']):<5} {safe(test['name'])}  "
                         f"({test['score']:g}/{test['max_score']:g})")
            if not ok:
                lines += [f"        {line}" for line in safe(test["output"]).splitlines()]
        if extra.get("error"):
            lines.append(F.ERROR_LABEL.format(kind=safe(extra["error"]["kind"])).get(lang)
                         + safe(extra["error"]["message"]))
        output = str(extra.get("output") or "")
        if output:
            lines += [self._output_label(output), safe(output[:MAX_SHOWN_OUTPUT]).rstrip()]
        lines.append(safe(self.results["output"]))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)
