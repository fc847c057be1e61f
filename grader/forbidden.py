"""Static check for forbidden APIs (a teaching rule, not a security boundary).

Resolves what each name in the submission refers to (``import ... as``,
``from ... import``, attribute chains, ``getattr(obj, "na" + "me")``,
``__import__`` and ``importlib.import_module`` with constant strings) and reports
any reference to a forbidden API or to the low-level operators behind it
(``torch.ops.aten.*``, ``torch._C.*``). A function the submission defines with
the same name as a forbidden one (problem 1's own ``scaled_dot_product_attention``)
is not a use. The run-time guard in :mod:`grader.sandbox.guard` catches what
escapes static analysis.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class ForbiddenUse:
    name: str  # the forbidden API, fully qualified
    line: int
    via: str  # what the code referred to, resolved


def _normal(name: str) -> str:
    return name.lower().replace("_", "")


def _matches(resolved: str, forbidden: list[str]) -> str | None:
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


def _constant_string(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _constant_string(node.left), _constant_string(node.right)
        if left is not None and right is not None:
            return left + right
    if isinstance(node, ast.JoinedStr):
        pieces = [_constant_string(v) if not isinstance(v, ast.FormattedValue) else None
                  for v in node.values]
        if all(p is not None for p in pieces):
            return "".join(pieces)
    return None


class _Resolver(ast.NodeVisitor):
    def __init__(self, forbidden: list[str]):
        self.forbidden = forbidden
        self.aliases: dict[str, str] = {}
        self.uses: list[ForbiddenUse] = []

    def _report(self, resolved: str | None, node: ast.AST) -> None:
        if resolved:
            hit = _matches(resolved, self.forbidden)
            if hit:
                self.uses.append(ForbiddenUse(hit, getattr(node, "lineno", 0), resolved))

    def resolve(self, node: ast.AST) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else self.resolve(func)
            if name in ("getattr", "builtins.getattr") and len(node.args) >= 2:
                base, attr = self.resolve(node.args[0]), _constant_string(node.args[1])
                return f"{base}.{attr}" if base and attr else None
            if name in ("__import__", "importlib.import_module") and node.args:
                return _constant_string(node.args[0])
        if isinstance(node, ast.Subscript):  # vars(torch.nn.functional)["name"]
            return None
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                root = alias.name.split(".")[0]
                self.aliases[root] = root
            self._report(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module and not node.level:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                self.aliases[alias.asname or alias.name] = full
                self._report(full, node)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        resolved = self.resolve(node.value)
        for target in node.targets:
            if isinstance(target, ast.Name):
                if resolved:
                    self.aliases[target.id] = resolved
                else:
                    self.aliases.pop(target.id, None)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self.aliases.pop(node.name, None)  # a definition of one's own shadows imports
        self.generic_visit(node)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self.aliases.pop(node.name, None)
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self._report(self.resolve(node), node)
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in self.aliases and self.aliases[node.id] != node.id:
            self._report(self.aliases[node.id], node)

    def visit_Call(self, node: ast.Call) -> None:
        self._report(self.resolve(node), node)
        self.generic_visit(node)


def find_forbidden(source: str, forbidden: list[str]) -> list[ForbiddenUse]:
    """Every reference to a forbidden API in ``source`` (empty if it does not parse)."""
    if not forbidden:
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []  # the loader reports the syntax error itself
    resolver = _Resolver(forbidden)
    resolver.visit(tree)
    unique: dict[tuple[str, int], ForbiddenUse] = {}
    for use in resolver.uses:
        unique.setdefault((use.name, use.line), use)
    return sorted(unique.values(), key=lambda u: u.line)
