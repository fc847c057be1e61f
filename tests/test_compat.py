"""What ``requires-python >= 3.10`` promises: the package runs where ``tomllib`` does not exist."""

from __future__ import annotations

import re
import subprocess
import sys

DIRECT = re.compile(r"^\s*(import tomllib|from tomllib import)", re.MULTILINE)

SCRIPT = """
import sys
sys.modules["tomllib"] = None  # as on Python 3.10: importing it fails
from grader import registry, tomlcompat
from grader.sitegen import content
assert tomlcompat.BACKEND == "tomli", tomlcompat.BACKEND
problems = registry.all_problems()
topics, questions = content.load_questions({s.id for s in content.load_sources()})
print(len(problems), len(questions))
"""


def test_toml_is_read_through_the_fallback_when_tomllib_is_missing():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    problems, questions = (int(n) for n in result.stdout.split())
    assert problems >= 14 and questions > 0


def test_no_module_imports_tomllib_directly():
    from grader.datapaths import package_dir

    root = package_dir().parent
    offenders = [str(p.relative_to(root)) for folder in ("grader", "tests", "bench")
                 for p in (root / folder).rglob("*.py")
                 if p.name != "tomlcompat.py" and DIRECT.search(p.read_text(encoding="utf-8"))]
    assert offenders == []
