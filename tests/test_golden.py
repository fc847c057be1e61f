"""Golden cases: submissions written the way learners write them, graded for real.

Every folder in ``tests/golden/`` holds one ``submission.py`` and an
``expected.toml`` that says what the grader must conclude about it::

    about = "what the learner did"            # one line, for the reader
    problem = "scaled_dot_product_attention"  # the problem it is submitted for
    full_marks = false                        # score == max_score, or below it
    score_at_most = 6.0                       # optional upper bound on the score
    diagnosis = ["sdpa.no_scale"]             # the exact diagnosis list
    error = "syntax_error"                    # optional: the submission error kind

Correct alternatives to the reference guard against false negatives (a right
answer marked wrong); catalogued mistakes guard the diagnosis; general errors
guard the error kinds. Submissions are candidate code: they are graded through
the real sandbox on the hidden tests and never imported here.
"""

from __future__ import annotations

from grader import tomlcompat as tomllib
from pathlib import Path

import pytest

from grader import registry
from grader.grading import Limits, Suite, grade
from grader.submission import read_submission

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.parent for path in GOLDEN.glob("*/expected.toml"))
KEYS = {"about", "problem", "full_marks", "score_at_most", "diagnosis", "error"}
ERROR_KINDS = {"syntax_error", "import_error", "missing_symbol", "forbidden_api", "timeout",
               "memory_limit", "resource_limit", "crash", "output_limit", "bad_submission"}
LIMITS = Limits()  # the defaults an instructor gets


def load_expected(case: Path) -> dict:
    return tomllib.loads((case / "expected.toml").read_text(encoding="utf-8"))


def mismatches(results: dict, expected: dict) -> list[str]:
    """What in ``results`` contradicts ``expected`` (empty when everything agrees)."""
    found = []
    extra = results["extra_data"]
    score, max_score = results["score"], results["max_score"]
    if expected["full_marks"] and score != max_score:
        failed = [f"{t['number']} {t['name']}: {t['output']}" for t in results["tests"]
                  if t["status"] != "passed"]
        found.append(f"expected full marks, got {score}/{max_score}; failed:\n  "
                     + "\n  ".join(failed))
    if not expected["full_marks"] and score >= max_score:
        found.append(f"expected less than full marks, got {score}/{max_score}")
    if "score_at_most" in expected and score > expected["score_at_most"]:
        found.append(f"expected a score of at most {expected['score_at_most']}, got {score}")
    if extra["diagnosis"] != expected["diagnosis"]:
        found.append(f"diagnosis {extra['diagnosis']}, expected {expected['diagnosis']}")
    kind = (extra["error"] or {}).get("kind")
    if kind != expected.get("error"):
        message = (extra["error"] or {}).get("message", "")
        found.append(f"error kind {kind!r} ({message}), expected {expected.get('error')!r}")
    return found


@pytest.fixture(scope="module")
def suites():
    cache: dict[str, Suite] = {}

    def suite_for(problem) -> Suite:
        if problem.id not in cache:
            cache[problem.id] = Suite(problem).prepare()
        return cache[problem.id]

    return suite_for


def test_golden_cases_are_well_formed():
    assert CASES, "no golden cases found"
    for case in CASES:
        expected = load_expected(case)
        assert (case / "submission.py").is_file(), case.name
        assert set(expected) <= KEYS, f"{case.name}: unknown keys {set(expected) - KEYS}"
        problem = registry.get(expected["problem"])
        assert isinstance(expected["full_marks"], bool), case.name
        assert set(expected["diagnosis"]) <= set(problem.misconception_ids), case.name
        assert expected.get("error", "syntax_error") in ERROR_KINDS, case.name
        assert expected["about"].strip(), case.name


def test_every_problem_and_misconception_has_golden_cases():
    expectations = [load_expected(case) for case in CASES]
    for problem in registry.all_problems():
        correct = [e for e in expectations if e["problem"] == problem.id and e["full_marks"]]
        assert len(correct) >= 2, f"{problem.id}: fewer than two correct alternatives"
        diagnosed = {mid for e in expectations if e["problem"] == problem.id
                     for mid in e["diagnosis"]}
        missing = set(problem.misconception_ids) - diagnosed
        assert not missing, f"{problem.id}: no golden case for {sorted(missing)}"


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_golden_case(case, pool, suites):
    expected = load_expected(case)
    problem = registry.get(expected["problem"])
    submission = read_submission(case / "submission.py")
    results = grade(problem=problem, source=submission.source, filename=f"{problem.id}.py",
                    runner=pool, suite=suites(problem), limits=LIMITS,
                    source_sha256=submission.sha256)
    assert results["extra_data"]["isolation"] == pool.level
    problems = mismatches(results, expected)
    assert not problems, f"{case.name} ({expected['about']}):\n" + "\n".join(problems)
