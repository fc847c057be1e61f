"""The trust boundary is a module boundary: the untrusted side imports nothing trusted.

Code in ``grader/sandbox/`` runs in the warm worker and its forked children. It
may import the standard library, torch, numpy and other modules of
``grader.sandbox`` only; never a solution, a hidden case, a misconception
reference or the grading code. (The attack suite proves the same at run time.)
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

from grader.datapaths import package_dir

SANDBOX = package_dir() / "sandbox"
ALLOWED_GRADER_MODULES = {"grader", "grader.sandbox"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_sandbox_modules_import_only_the_sandbox():
    offenders = {}
    for path in SANDBOX.glob("*.py"):
        bad = {name for name in _imports(path) if name.startswith("grader")
               and not (name in ALLOWED_GRADER_MODULES or name.startswith("grader.sandbox."))}
        if bad:
            offenders[path.name] = bad
    assert not offenders


def test_a_fresh_worker_interpreter_loads_nothing_trusted():
    code = ("import sys, grader.sandbox.worker; "
            "print('\\n'.join(m for m in sys.modules if m.startswith(('grader', 'attn_judge'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, timeout=120).stdout.split()
    assert loaded and all(m == "grader" or m.startswith("grader.sandbox") for m in loaded), loaded
