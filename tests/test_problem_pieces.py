"""Every problem of the registry has every piece a problem needs (docs/adding-a-problem.md).

The registry (``problems/*/problem.toml``) says which problems exist; nothing in
the tests lists them again. For each problem this file checks the pieces one by
one and names the missing one, so adding a problem is: follow the doc, run
``pytest tests/test_problem_pieces.py``, fill in what it names.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader import registry
from grader.datapaths import package_dir, solutions_dir
from grader.hidden import example, hidden_cases, public_cases
from grader.sitegen import content
from grader.sitegen.problem_figures import has_custom_figure

from grader import tomlcompat as tomllib

TESTS = Path(__file__).parent
GOLDEN = TESTS / "golden"
DOC = "docs/adding-a-problem.md"
MIN_HIDDEN_CASES = 14
CJK = re.compile(r"[\u4e00-\u9fff]")

PROBLEMS = registry.all_problems()
IDS = [p.id for p in PROBLEMS]


def _golden_of(problem_id: str) -> list[dict]:
    found = []
    for path in GOLDEN.glob("*/expected.toml"):
        expected = tomllib.loads(path.read_text(encoding="utf-8"))
        if expected.get("problem") == problem_id:
            found.append(expected)
    return found


def _module_file(package: str, name: str) -> Path:
    """``grader/<package>/<name>.py``, or the ``__init__.py`` of a package of that name."""
    single = package_dir() / package / f"{name}.py"
    return single if single.is_file() else package_dir() / package / name / "__init__.py"


def _missing(problem) -> list[str]:
    """Human-readable names of the pieces ``problem`` lacks."""
    missing = []
    for path, what in ((problem.statement_path, "problems/<id>/statement.md"),
                       (problem.statement_zh_path, "problems/<id>/statement.zh.md"),
                       (problem.stub_path, "problems/<id>/stub.py"),
                       (problem.public_tests_path, "problems/<id>/public_tests.py"),
                       (solutions_dir() / f"{problem.id}.py", "solutions/<id>.py"),
                       (_module_file("hidden", problem.id), "grader/hidden/<id>.py"),
                       (package_dir() / "misconceptions" / f"{problem.id}.py",
                        "grader/misconceptions/<id>.py"),
                       (TESTS / f"test_crosscheck_{problem.id}.py", "tests/test_crosscheck_<id>.py")):
        if not path.is_file():
            missing.append(what)
    if missing:
        return missing
    if not CJK.search(problem.statement("zh")):
        missing.append("Chinese text in statement.zh.md")
    stub = problem.stub()
    defined = {n.name for n in ast.parse(stub).body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    if not set(problem.symbols) <= defined or "NotImplementedError" not in stub:
        missing.append("a stub that defines every symbol and raises NotImplementedError")
    if not 3 <= len(public_cases(problem)) <= 8:  # each one a learner can read and redo by hand
        missing.append("3 to 8 public tests (TESTS in public_tests.py)")
    if example(problem) is None:
        missing.append("EXAMPLE and example_figure in public_tests.py")
    numbers = [c.number for c in hidden_cases(problem.id)]
    if len(numbers) < MIN_HIDDEN_CASES:
        missing.append(f"at least {MIN_HIDDEN_CASES} hidden cases (has {len(numbers)})")
    if len(set(numbers)) != len(numbers) or not all(n.startswith(f"{problem.order}.") for n in numbers):
        missing.append(f"unique hidden case numbers {problem.order}.1, {problem.order}.2, …")
    if not problem.hints or len(problem.hints) != len(problem.hints_zh):
        missing.append("hints in both languages (problem.toml)")
    if not problem.complexity or not CJK.search(problem.complexity_zh):
        missing.append("the complexity in both languages (problem.toml)")
    golden = _golden_of(problem.id)
    if not any(g.get("full_marks") for g in golden):
        missing.append("a golden correct alternative (tests/golden/<case>/, full_marks = true)")
    if not any(g.get("diagnosis") for g in golden):
        missing.append("a golden learner mistake with its diagnosis (tests/golden/<case>/)")
    figure_template = package_dir().parent / "site" / "templates" / "site" / "figures" / f"{problem.id}.html"
    if has_custom_figure(problem) and not figure_template.is_file():
        missing.append("site/templates/site/figures/<id>.html for its figure module")
    _, questions = content.load_questions({s.id for s in content.load_sources()})
    if not any(problem.id in q.problems for q in questions):
        missing.append("an interview question that links to it (site/content/questions.toml)")
    return missing


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_problem_has_every_piece(problem):
    missing = _missing(problem)
    assert not missing, f"{problem.id} lacks: " + "; ".join(missing) + f" (see {DOC})"


def test_the_doc_names_every_piece():
    doc = (package_dir().parent / DOC).read_text(encoding="utf-8")
    for piece in ("problem.toml", "statement.md", "statement.zh.md", "stub.py", "public_tests.py",
                  "solutions/<id>.py", "grader/hidden/<id>.py", "grader/misconceptions/<id>.py",
                  "tests/test_crosscheck_<id>.py", "tests/golden/", "problem_figures",
                  "questions.toml", "tests/test_problem_pieces.py"):
        assert piece in doc, piece
