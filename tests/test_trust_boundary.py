"""The trust boundary is a module boundary: the untrusted side imports nothing trusted.

Code in ``grader/sandbox/`` runs in the zygote and its forked children. It may
import the standard library, torch, numpy, pyseccomp and other modules of
``grader.sandbox`` only (and the zygote its warm-up, :mod:`grader.warmup`, which
imports nothing else either); never a solution, a hidden case, a misconception
reference or the grading code. Imports are resolved the way Python resolves
them (``from grader import references`` imports ``grader.references``; relative
imports; imports inside functions), and a fresh zygote interpreter is checked
at run time too. (The attack suite proves the same against real submissions.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from grader.datapaths import package_dir
from grader.environment import minimal_environment

SANDBOX = package_dir() / "sandbox"
ALLOWED_GRADER_MODULES = {"grader", "grader.sandbox"}
# Run by the zygote before any fork, then dropped: of the sandbox's side, but out of its folder so
# that no child's file system holds it (its generic attention would pass for a submission's own).
ZYGOTE_ONLY = {"grader.warmup"}


def imported_modules(path: Path, package: str) -> set[str]:
    """Every module a file imports, anywhere in it, resolved to its full dotted name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names if alias.name != "*"}
    return names


def _trusted(name: str) -> bool:
    return name.startswith("grader") and not (name in ALLOWED_GRADER_MODULES
                                              or name.startswith("grader.sandbox."))


def test_the_resolver_sees_every_form_of_import(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from grader import references\nfrom .. import grading\n"
                     "def f():\n    import grader.hidden\n    from grader.sandbox import protocol\n")
    found = imported_modules(probe, "grader.sandbox")
    assert {"grader.references", "grader.grading", "grader.hidden", "grader.sandbox.protocol"} <= found
    assert {n for n in found if _trusted(n)} == {"grader.references", "grader.grading", "grader.hidden"}


def test_sandbox_modules_import_only_the_sandbox():
    offenders = {}
    for path in SANDBOX.glob("*.py"):
        bad = {name for name in imported_modules(path, "grader.sandbox") if _trusted(name)} - ZYGOTE_ONLY
        if bad:
            offenders[path.name] = bad
    for name in ZYGOTE_ONLY:  # themselves of the sandbox's side: they import nothing trusted either
        path = package_dir().parent.joinpath(*name.split(".")).with_suffix(".py")
        bad = {imported for imported in imported_modules(path, "grader") if _trusted(imported)}
        if bad:
            offenders[path.name] = bad
    assert not offenders


def test_a_fresh_zygote_interpreter_loads_nothing_trusted():
    code = ("import sys; sys.path.insert(0, sys.argv[1]); import grader.sandbox.zygote; "
            "print('\\n'.join(m for m in sys.modules if m.startswith(('grader', 'attn_judge'))))")
    loaded = subprocess.run([sys.executable, "-I", "-c", code, str(package_dir().parent)],
                            capture_output=True, text=True, check=True, timeout=300,
                            env=minimal_environment()).stdout.split()
    assert loaded and all(m == "grader" or m.startswith("grader.sandbox") for m in loaded), loaded
