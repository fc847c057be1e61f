"""Static check for forbidden APIs (a teaching rule, not a security boundary).

Resolves what each name in the submission refers to (``import ... as``,
``from ... import``, attribute chains, ``getattr(obj, "na" + "me")``,
``vars(obj)["name"]``, ``obj.__dict__["name"]``, ``sys.modules["..."]``,
``operator.attrgetter("a.b")(obj)``, ``__import__`` and
``importlib.import_module`` with constant strings) and reports any reference to
a forbidden API or to the low-level operators behind it (``torch.ops.aten.*``,
``torch._C.*``). A function the submission defines with the same name as a
forbidden one (problem 1's own ``scaled_dot_product_attention``) is not a use.
The run-time guard in :mod:`grader.sandbox.guard` catches what escapes static
analysis.

The source is candidate-controlled: the walk is iterative (no recursion, so
nesting depth is never a problem), each node is resolved once, a resolved name
longer than any real API's is dropped (``x = x.a`` repeated would otherwise make
the work and memory quadratic in the source), one source is parsed at a time
(CPython 3.11's AST conversion is not safe in two threads at once, and its tree
is the analysis's largest allocation), and an input the parser itself cannot
handle raises :class:`AnalysisFailed` — a check that cannot complete never
counts as "no forbidden call".
"""

from __future__ import annotations

import ast
import threading
from dataclasses import dataclass

MAX_SOURCE_CHARS = 2 * 1024 * 1024
MAX_NAME_CHARS = 256  # a dotted name longer than this refers to no real API
_PARSING = threading.Lock()


class AnalysisFailed(Exception):
    """The source could not be analysed (too deep or too large for the parser)."""


@dataclass(frozen=True)
class ForbiddenUse:
    name: str  # the forbidden API, fully qualified
    line: int
    via: str  # what the code referred to, resolved


def _normal(name: str) -> str:
    return name.lower().replace("_", "")


def matches(resolved: str, forbidden: list[str]) -> str | None:
    """The forbidden API that the dotted name ``resolved`` reaches, if any."""
    if not (resolved == "torch" or resolved.startswith("torch.")):
        return None
    parts = resolved.split(".")
    low_level = len(parts) > 1 and parts[1] in ("ops", "_C", "_ops")
    for qualified in forbidden:
        leaf = _normal(qualified.rsplit(".", 1)[-1])
        for part in parts[1:]:
            norm = _normal(part)
            if norm == leaf or (low_level and leaf[:16] in norm):
                return qualified
        if resolved == qualified:
            return qualified
    return None


def _dotted(base: str | None, attr: str | None) -> str | None:
    """``base.attr``, or None when either is unknown or the name is longer than any real API's."""
    if not base or not attr or len(base) + len(attr) >= MAX_NAME_CHARS:
        return None
    return f"{base}.{attr}"


def _constant_string(node: ast.AST) -> str | None:
    """A string known statically: a literal, a sum of literals, an f-string of literals."""
    pieces: list[str] = []
    stack = [node]
    while stack:  # left-to-right over a tree of + and f-string parts
        current = stack.pop()
        if isinstance(current, ast.Constant) and isinstance(current.value, str):
            pieces.append(current.value)
        elif isinstance(current, ast.BinOp) and isinstance(current.op, ast.Add):
            stack.extend((current.right, current.left))
        elif isinstance(current, ast.JoinedStr):
            stack.extend(reversed(current.values))
        else:
            return None
        if sum(len(p) for p in pieces) > 4096:
            return None
    return "".join(pieces)


_GETATTR = ("getattr", "builtins.getattr")
_IMPORTERS = ("__import__", "builtins.__import__", "importlib.import_module")
_VARS = ("vars", "builtins.vars")
_ATTRGETTER = ("operator.attrgetter",)
_MODULES = ("sys.modules",)


class _Resolver:
    """Resolves expressions to dotted names, each node once, without recursion."""

    def __init__(self, forbidden: list[str]):
        self.forbidden = forbidden
        self.aliases: dict[str, str] = {}
        self.uses: list[ForbiddenUse] = []
        self._cache: dict[int, str | None] = {}

    def _report(self, resolved: str | None, node: ast.AST) -> None:
        if resolved:
            hit = matches(resolved, self.forbidden)
            if hit:
                self.uses.append(ForbiddenUse(hit, getattr(node, "lineno", 0), resolved))

    def _parts(self, node: ast.AST) -> list[ast.AST]:
        """The sub-expressions whose resolution ``node``'s resolution depends on."""
        if isinstance(node, (ast.Attribute, ast.Subscript)):
            return [node.value]
        if isinstance(node, ast.Call):
            deps = [node.func]
            if isinstance(node.func, ast.Call):
                deps.append(node.func.func)
            deps.extend(node.args[:1])
            return deps
        return []

    def resolve(self, root: ast.AST) -> str | None:
        """The dotted name ``root`` refers to, or None; dependencies resolved first, iteratively."""
        stack = [(root, False)]
        while stack:
            node, ready = stack.pop()
            if id(node) in self._cache:
                continue
            if not ready:
                stack.append((node, True))
                stack.extend((dep, False) for dep in self._parts(node) if id(dep) not in self._cache)
                continue
            self._cache[id(node)] = self._resolve_one(node)
        return self._cache[id(root)]

    def _get(self, node: ast.AST | None) -> str | None:
        return None if node is None else self._cache.get(id(node))

    def _resolve_one(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id if node.id in _VARS + _GETATTR + ("__import__",) else None)
        if isinstance(node, ast.Attribute):
            return _dotted(self._get(node.value), node.attr)
        if isinstance(node, ast.Subscript):
            base, key = self._get(node.value), _constant_string(node.slice)
            if base is None or key is None:
                return None
            if base in _MODULES:
                return key
            if base.endswith(".__dict__"):
                return _dotted(base[: -len('.__dict__')], key)
            return None
        if isinstance(node, ast.Call):
            return self._resolve_call(node)
        return None

    def _resolve_call(self, node: ast.Call) -> str | None:
        func = self._get(node.func)
        first = node.args[0] if node.args else None
        if func in _GETATTR and len(node.args) >= 2:
            return _dotted(self._get(first), _constant_string(node.args[1]))
        if func in _IMPORTERS and first is not None:
            return _constant_string(first)
        if func in _VARS and first is not None:
            return _dotted(self._get(first), "__dict__")
        if func and func.rsplit(".", 1)[-1] in ("__getattribute__", "__getattr__") and first is not None:
            attr = _constant_string(first)
            owner = func.rsplit(".", 1)[0]
            return _dotted(owner, attr) if "." in func else None
        if isinstance(node.func, ast.Call) and first is not None:  # attrgetter("a.b")(obj)
            maker = self._get(node.func.func)
            path = _constant_string(node.func.args[0]) if node.func.args else None
            base = self._get(first)
            if maker in _ATTRGETTER:
                return _dotted(base, path)
        return None

    # -- statements, in program order

    def import_(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.aliases[root] = root
            self._report(alias.name, node)

    def import_from(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                self.aliases[alias.asname or alias.name] = full
                self._report(full, node)

    def assigned(self, node: ast.Assign) -> None:
        resolved = self.resolve(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if resolved:
                    self.aliases[target.id] = resolved
                else:
                    self.aliases.pop(target.id, None)

    def expression(self, node: ast.AST) -> None:
        if isinstance(node, (ast.Attribute, ast.Call, ast.Subscript)):
            self._report(self.resolve(node), node)
        elif isinstance(node, ast.Name) and node.id in self.aliases and self.aliases[node.id] != node.id:
            self._report(self.aliases[node.id], node)


def _is_main_guard(test: ast.AST) -> bool:
    """``__name__ == "__main__"`` (either way round)."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])
    return (any(isinstance(side, ast.Name) and side.id == "__name__" for side in sides)
            and any(isinstance(side, ast.Constant) and side.value == "__main__" for side in sides))


def _graded_statements(tree: ast.Module) -> list[ast.stmt]:
    """The module's statements without the body of a top-level ``if __name__ == "__main__":``.

    A submission is never run as the main module, so a self-test there (comparing
    with torch's own function is a common one) calls nothing when graded; code
    that runs it anyway meets the run-time guard.
    """
    kept = []
    for statement in tree.body:
        if isinstance(statement, ast.If) and _is_main_guard(statement.test):
            kept.extend(statement.orelse)
        else:
            kept.append(statement)
    return kept


def _walk(tree: ast.Module, resolver: _Resolver) -> None:
    """Visit every node in program order (pre-order, children left to right), iteratively.

    Assignments record their alias after their value has been visited, as the
    code runs; a function or class definition shadows an imported name.
    """
    stack: list[tuple[ast.AST, bool]] = [(statement, False) for statement in reversed(_graded_statements(tree))]
    while stack:
        node, after = stack.pop()
        if after:
            resolver.assigned(node)
            continue
        if isinstance(node, ast.Import):
            resolver.import_(node)
        elif isinstance(node, ast.ImportFrom):
            resolver.import_from(node)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            resolver.aliases.pop(node.name, None)
        else:
            resolver.expression(node)
        if isinstance(node, ast.Assign):
            stack.append((node, True))
        stack.extend((child, False) for child in reversed(list(ast.iter_child_nodes(node))))


def parse_source(source: str) -> ast.Module:
    """``ast.parse(source)``, one source at a time in this process (see the module docstring).

    Raises what the parser raises: :class:`SyntaxError`, :class:`ValueError`,
    :class:`RecursionError` or :class:`MemoryError` for a source it cannot handle.
    """
    with _PARSING:
        return ast.parse(source)


def find_forbidden(source: str, forbidden: list[str]) -> list[ForbiddenUse]:
    """Every reference to a forbidden API in ``source``.

    Returns ``[]`` for a source that is not valid Python (the loader reports the
    syntax error itself). Raises :class:`AnalysisFailed` when the source is too
    large or too deeply nested to analyse.
    """
    if not forbidden:
        return []
    if len(source) > MAX_SOURCE_CHARS:
        raise AnalysisFailed("the source is too large")
    try:
        tree = parse_source(source)
    except (SyntaxError, ValueError):
        return []  # the loader reports the syntax error itself
    except (RecursionError, MemoryError):
        raise AnalysisFailed("the code is nested too deeply for the parser") from None
    resolver = _Resolver(forbidden)
    _walk(tree, resolver)
    unique: dict[tuple[str, int], ForbiddenUse] = {}
    for use in resolver.uses:
        unique.setdefault((use.name, use.line), use)
    return sorted(unique.values(), key=lambda u: u.line)
