"""Real graded results, hostile inputs and a small class for the report tests.

Results come from the real grader run on trusted code (the reference, the stub, a
misconception reference), so the reports are tested on what they will be given.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from concurrent.futures import Future
from functools import lru_cache
from pathlib import Path

from grader import registry
from grader.grading import grade
from grader.i18n import DEFAULT_LANG
from grader.references import misconception_variants, solution_source
from grader.reports import write_class_outputs, write_submission_report
from grader.trusted_runner import NamespaceRunner, TrustedRunner

PROBLEM_ID = "scaled_dot_product_attention"

# Each payload sets window.__pwned if it ever runs as script.
HOSTILE_OUTPUT = ('<script>window.__pwned = 1</script>\n'
                  '"><img src=x onerror="window.__pwned = 2">\n'
                  "</pre><svg onload=\"window.__pwned = 3\"></svg>\x1b[31m\x00 done\n")
STRAY_NAME = '<img src=x onerror="window.__pwned = 6">.py'  # a file beside the student folders
HOSTILE_DIR_NAME = '"><img src=x onerror="window.__pwned = 4">'  # a valid folder name
HOSTILE_NAME = "<script>window.__pwned = 5</script>"  # has a '/': a roster entry, never a folder
FORMULA_NAMES = ["=SUM(A1:A9)", "+1+1", "-2+3", "@cmd", "\tTab"]
LINE_BREAK_NAME = "eve\nmallory,13,13,13,\r\nx\u2028y"  # a line-based reader would take a row from it
ODD_NAME = "Zoë 李 #1 %20?&x"  # needs percent-encoding in a link


class TrustedExecutor:
    """An executor grading in this process, for class runs of the tests' own (trusted) code."""

    isolation = "none (trusted code only)"
    capacity = 1

    def __init__(self):
        self.requests = []

    def submit(self, request) -> Future:
        self.requests.append(request)
        future: Future = Future()
        future.set_result(grade(problem=registry.get(request.problem_id), source=request.source,
                                filename=request.filename, runner=TrustedRunner(), seed=request.seed,
                                lang=request.lang, seed_key=request.seed_key, source_sha256=request.sha256))
        return future


def problem():
    return registry.get(PROBLEM_ID)


@lru_cache(maxsize=None)
def _graded(kind: str, lang: str) -> tuple[dict, str]:
    p = problem()
    reference = solution_source(p)
    if kind == "reference":
        source, runner = reference, TrustedRunner()
    elif kind == "stub":
        source, runner = p.stub(), TrustedRunner()
    elif kind == "no_scale":
        source, runner = reference, NamespaceRunner(misconception_variants(p.id)["sdpa.no_scale"][0])
    elif kind == "syntax":
        source, runner = reference.replace("def ", "def (", 1), TrustedRunner()
    else:
        raise ValueError(kind)
    return grade(problem=p, source=source, filename=f"{p.id}.py", runner=runner, lang=lang), source


def graded(kind: str, lang: str = DEFAULT_LANG) -> tuple[dict, str]:
    """(results, source) of a fresh copy of a graded submission of problem 1, graded in ``lang``."""
    results, source = _graded(kind, lang)
    return copy.deepcopy(results), source


def weights_figure(*, candidate=True, heads=False) -> dict:
    reference = [[0.5, 0.0, 0.5], [0.33024, 0.66976, 0.0], [0.2, 0.3, 0.5]]
    mine = [[0.5, 0.0, 0.5], [0.26894, 0.73106, 0.0], [0.1, 0.3, 0.6]]
    if heads:
        reference, mine = [reference, reference], [mine, reference]
    return {"kind": "weights", "candidate": mine if candidate else None, "reference": reference,
            "caption": "the worked example of the statement (public input)"}


def tokens_figure() -> dict:
    return {"kind": "tokens", "candidate": [[1, 2, 5, 4, 0]], "reference": [[1, 2, 3, 4, 0]],
            "caption": "the worked example of the statement (public input)"}


def unsubmitted_problem():
    """A problem column that nobody submitted (no hidden cases: its maximum is unknown)."""
    return dataclasses.replace(problem(), id="nobody_submitted", title="Nobody submitted", title_zh="无人提交",
                               order=99)


def _save(out: Path, student: str, kind: str, *, figure=None, output=None, report=True,
          lang: str = DEFAULT_LANG) -> dict:
    results, source = graded(kind, lang)
    if figure is not None:
        results["extra_data"]["figure"] = figure
    if output is not None:
        results["extra_data"]["output"] = output
    folder = out / student / PROBLEM_ID
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "results.json").write_text(json.dumps(results), encoding="utf-8")
    if report:
        write_submission_report(folder / "report.html", results=results, source=source,
                                problem=problem(), static_href="../../static/", student=student)
    return results


def build_class(out: Path, lang: str = DEFAULT_LANG, problems: list | None = None) -> dict[str, dict]:
    """A small class with every kind of student the overview must handle, graded and written in
    ``lang``; returns the roster (whose notes are the batch planner's, in English).

    The overview has a column for each of ``problems`` (problem 1 and one nobody submitted, unless
    given): the class submitted problem 1 only."""
    roster = {}

    def add(name, kind=None, **kwargs):
        roster[name] = {"graded": [], "notes": []}
        if kind:
            _save(out, name, kind, lang=lang, **kwargs)
            roster[name]["graded"].append(PROBLEM_ID)

    add("alice", "reference", figure=weights_figure())
    add("bob", "no_scale", figure=weights_figure(), output=HOSTILE_OUTPUT)
    add("carol", "stub")
    add(HOSTILE_DIR_NAME, "syntax", output=HOSTILE_OUTPUT)
    add(ODD_NAME, "reference", figure=tokens_figure())
    add(FORMULA_NAMES[0], "no_scale")
    for name in [*FORMULA_NAMES[1:], LINE_BREAK_NAME]:
        add(name)
    add(HOSTILE_NAME)
    roster[HOSTILE_NAME]["notes"].append('=HYPERLINK("http://example.invalid"): not a problem ID; not graded')
    add("dave")  # graded, but its results were never saved
    roster["dave"]["graded"].append(PROBLEM_ID)
    add("erin")
    roster["erin"]["notes"].append("mha.py: not a problem ID (did you mean multi_head_attention?); not graded")
    write_class_outputs(out, problems=problems or [problem(), unsubmitted_problem()], roster=roster, lang=lang,
                        ignored=[STRAY_NAME, ".carol"], others=["frank"])
    return roster
