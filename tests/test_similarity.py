"""The similarity report: calibration on the project's own solutions, bounds, and safe output.

Calibration data come from the project: the golden submissions that earn full
marks (written independently, each a different approach) and the reference
solution of every problem form an honest class; the copies are made here from
one of them, disguised the way students disguise code (names changed, functions
and methods reordered, comments and docstrings rewritten, spacing changed) so
that they still run.
"""

from __future__ import annotations

import ast
import builtins
import io
import json
import keyword
import subprocess
import sys
import tokenize
from functools import lru_cache
from pathlib import Path

import pytest

from grader import registry, similarity, similarity_tokens
from grader import tomlcompat as tomllib
from grader.outpaths import student_folder
from grader.references import solution_source
from grader.reports import classroom as classroom_module
from grader.reports import write_class_outputs
from tests.report_samples import HOSTILE_DIR_NAME, HOSTILE_NAME, ODD_NAME

GOLDEN = Path(__file__).parent / "golden"
MHA = "multi_head_attention"
SDPA = "scaled_dot_product_attention"
UNDECODABLE_NAME = "bad\udcffname"  # a folder name that is not UTF-8
HOSTILE_SOURCE_TAIL = ('\n# </code></pre><script>window.__pwned = 6</script>\n'
                       'BANNER = "</mark><img src=x onerror=\\"window.__pwned = 7\\">\x1b[31m"\n')


# --- the calibration data -----------------------------------------------------------------

@lru_cache(maxsize=None)
def goldens() -> dict[str, dict[str, tuple[str, bool]]]:
    """problem -> {golden case: (source, earns full marks)}."""
    found: dict[str, dict[str, tuple[str, bool]]] = {}
    for expected in sorted(GOLDEN.glob("*/expected.toml")):
        meta = tomllib.loads(expected.read_text(encoding="utf-8"))
        source = (expected.parent / "submission.py").read_text(encoding="utf-8")
        found.setdefault(meta["problem"], {})[expected.parent.name] = (source, bool(meta["full_marks"]))
    return found


def honest_class(problem_id: str) -> dict[str, str]:
    """Independently written correct solutions of one problem: full-marks goldens and the reference."""
    students = {name: source for name, (source, full) in goldens()[problem_id].items() if full}
    students["reference"] = solution_source(registry.get(problem_id))
    return students


def _reverse_functions(source: str, *, in_classes: bool) -> str:
    """The functions of the module (or the methods of each class) in reverse order."""
    lines = source.splitlines(keepends=True)
    tree = ast.parse(source)
    bodies = [n.body for n in ast.walk(tree) if isinstance(n, ast.ClassDef)] if in_classes else [tree.body]
    for body in bodies:
        spans = [((n.decorator_list[0] if n.decorator_list else n).lineno - 1, n.end_lineno)
                 for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        if len(spans) < 2:
            continue
        chunks = ["".join(lines[a:b]) for a, b in spans]
        for (a, b), chunk in reversed(list(zip(spans, reversed(chunks)))):
            lines[a:b] = [chunk] + [""] * (b - a - 1)
    return "".join(lines)


def disguise(source: str) -> str:
    """A working copy of ``source`` as a student would hide it: local names renamed, functions
    and methods reordered, comments replaced, docstrings rewritten, spacing changed."""
    source = _reverse_functions(_reverse_functions(source, in_classes=True), in_classes=False)
    tree = ast.parse(source)
    assigned = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    renamed = {name: f"my_{name.lower()}_{i}"
               for i, name in enumerate(sorted(assigned - set(dir(builtins)) - set(keyword.kwlist)))}
    keywords = {(k.lineno, k.col_offset) for k in ast.walk(tree) if isinstance(k, ast.keyword) and k.arg}
    tokens = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        kind, text = token.type, token.string
        if kind == tokenize.COMMENT:
            continue
        if kind == tokenize.NAME and text in renamed and token.start not in keywords:
            text = renamed[text]
        if kind == tokenize.STRING and text.startswith(('"""', "'''")):
            text = '"""Written on my own."""'
        tokens.append((kind, text))
        if kind == tokenize.NEWLINE:
            tokens += [(tokenize.COMMENT, "# next step"), (tokenize.NL, "\n")]
    copy = tokenize.untokenize(tokens)  # 2-tuples: the tokens re-spaced ("x .shape [0 ]")
    compile(copy, "copy.py", "exec")  # still a working program
    return copy


def compare(problem_id: str, students: dict[str, str], stub: str | None = None) -> list[tuple]:
    """Compare in this process (the helper's function, called directly); flagged (A, B, score)."""
    names = sorted(students)
    result = similarity.compare_problem_task(
        stub=registry.get(problem_id).stub() if stub is None else stub,
        sources=[similarity.compared_text(students[n])[0] for n in names])
    return [(names[f["pair"][0]], names[f["pair"][1]], f["score"]) for f in result["flagged"]]


def grade_similarity(out: Path, submissions: dict[str, dict[str, str]]) -> dict:
    """write_similarity as a class run calls it (helpers in their own processes); the JSON read back."""
    similarity.write_similarity(out=out, submissions=submissions)
    return json.loads((out / "similarity.json").read_text(encoding="utf-8"),
                      parse_constant=lambda name: pytest.fail(f"not strict JSON: {name}"))


# --- calibration -------------------------------------------------------------------------

def test_an_honest_class_flags_nothing(tmp_path):
    report = grade_similarity(tmp_path, {p: honest_class(p) for p in registry.problem_ids()})
    assert set(report["problems"]) == set(registry.problem_ids())
    for problem_id, entry in report["problems"].items():
        assert "error" not in entry, problem_id
        assert entry["students"] >= 3 and entry["pairs"] == entry["students"] * (entry["students"] - 1) // 2
        assert entry["flagged"] == [], problem_id
        # the most alike honest pair stays clear of the floor (about 0.6 at most: see the docstring)
        assert entry["distribution"]["max"] < similarity.SCORE_FLOOR - 0.1, (problem_id, entry)
    assert not (tmp_path / "similarity" / MHA).exists() or not any((tmp_path / "similarity" / MHA).iterdir())


@pytest.mark.parametrize("problem_id", registry.problem_ids())
def test_a_disguised_copy_is_flagged_with_the_right_pair(problem_id):
    honest = honest_class(problem_id)
    for original in sorted(honest):
        students = dict(honest, zz_copier=disguise(honest[original]))
        flagged = compare(problem_id, students)
        assert [(a, b) for a, b, _ in flagged] == [tuple(sorted((original, "zz_copier")))], original
        assert flagged[0][2] >= similarity.SCORE_FLOOR + 0.1, (original, flagged)


def _partial_copy(source: str) -> str:
    """A copy with a few lines written differently (the softmax by hand, the merge in two steps)."""
    changed = source.replace(
        "            w = F.softmax(scores, dim=-1)\n",
        "            w = torch.exp(scores - scores.amax(dim=-1, keepdim=True))\n"
        "            w = w / w.sum(dim=-1, keepdim=True)\n")
    assert changed != source
    return disguise(changed)


def test_copies_are_listed_most_alike_first_with_their_pages(tmp_path):
    honest = honest_class(MHA)
    students = dict(honest, verbatim=honest["reference"].replace("# ", "# my note: "),
                    partial=_partial_copy(honest["mha_correct_loop_over_heads"]))
    entry = grade_similarity(tmp_path, {MHA: students})["problems"][MHA]
    pairs = [tuple(f["students"]) for f in entry["flagged"]]
    assert pairs == [("reference", "verbatim"), ("mha_correct_loop_over_heads", "partial")]
    scores = [f["score"] for f in entry["flagged"]]
    assert scores[0] == 1.0 > scores[1] >= entry["threshold"]
    assert entry["flagged_total"] == 2
    for number, flagged in enumerate(entry["flagged"], 1):
        assert flagged["page"] == f"similarity/{MHA}/{number}.html"
        page = (tmp_path / flagged["page"]).read_text(encoding="utf-8")
        assert f"{round(100 * flagged['score'])}%" in page
        for name, regions in zip(flagged["students"], flagged["regions"]):
            assert name in page and regions
            text = students[name]
            assert all(0 <= start < end <= len(text) for start, end in regions)
            assert all(a[1] < b[0] for a, b in zip(regions, regions[1:]))  # sorted and apart
        assert page.count('<mark class="sim">') > 2


def test_the_stub_is_discounted():
    problem_id = "transformer_decoder_layer"
    students = dict(honest_class(problem_id), stub_only_1=registry.get(problem_id).stub(),
                    stub_only_2=registry.get(problem_id).stub())
    assert compare(problem_id, students) == []
    # without the discount, the two untouched stubs are the most alike pair of the class
    assert compare(problem_id, students, stub="")[0][:2] == ("stub_only_1", "stub_only_2")


def test_idioms_the_class_shares_are_discounted(monkeypatch):
    """Every golden of scaled dot-product attention: many write the same five lines, which is
    no evidence; without the discount of common fingerprints some of them are flagged."""
    students = {name: source for name, (source, _) in goldens()[SDPA].items()}
    assert len(students) >= 20
    assert compare(SDPA, students) == []
    monkeypatch.setattr(similarity, "MIN_COMMON_STUDENTS", 10**6)
    assert compare(SDPA, students) != []


@pytest.mark.parametrize("problem_id", [MHA, SDPA])
@pytest.mark.parametrize("copies", [5, 9])
def test_many_copies_of_one_solution_are_flagged_not_taken_for_an_idiom(problem_id, copies):
    """A group of students handing in one solution (verbatim or disguised) is as suspect as a pair:
    however large the group, its code is one version, not an idiom the class wrote alike."""
    honest = honest_class(problem_id)
    original = next(name for name in sorted(honest) if name != "reference")
    group = {f"copy_{n}": honest[original] if n % 2 else disguise(honest[original]) for n in range(copies)}
    flagged = compare(problem_id, {**honest, **group})
    in_group = {name for a, b, _ in flagged for name in (a, b)}
    assert in_group == {original, *group}
    assert len(flagged) == (copies + 1) * copies // 2  # every pair of the group, nobody else
    assert all(score >= similarity.SCORE_FLOOR + 0.1 for _, _, score in flagged)


# --- the report: strict JSON, escaped pages ------------------------------------------------

@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory):
    """A class with hostile names and sources, a copy among them, written as a class run writes it."""
    out = tmp_path_factory.mktemp("similarity")
    honest = honest_class(MHA)
    students = dict(honest)
    students[HOSTILE_DIR_NAME] = disguise(honest["mha_correct_permute_contiguous"]) + HOSTILE_SOURCE_TAIL
    students[HOSTILE_NAME] = honest["reference"] + HOSTILE_SOURCE_TAIL
    students[ODD_NAME] = honest["reference"]
    students[UNDECODABLE_NAME] = honest["mha_correct_einsum_unflatten"]
    report = grade_similarity(out, {MHA: students, SDPA: {"only-one": honest_class(SDPA)["reference"]}})
    roster = {name: {"graded": [], "notes": []} for name in students}
    write_class_outputs(out, problems=[registry.get(MHA), registry.get(SDPA)], roster=roster)
    return out, report


def test_the_json_is_strict_and_as_specified(hostile_run):
    out, report = hostile_run
    assert set(report) >= {"problems", "tool", "settings", "cannot_see"}
    assert report["tool"]["name"] == "copydetect" and report["tool"]["identifiers_normalised"] is True
    assert report["settings"]["score_floor"] == similarity.SCORE_FLOOR
    assert report["settings"]["max_compared_chars"] == similarity.MAX_COMPARED_CHARS
    assert any("AI assistant" in item for item in report["cannot_see"])
    entry = report["problems"][MHA]
    assert set(entry) >= {"flagged", "students", "pairs", "threshold", "distribution", "flagged_total",
                          "compared_chars", "common", "left_out", "cut"}
    assert entry["students"] == len(honest_class(MHA)) + 4
    assert set(entry["distribution"]) == {"median", "mad", "sd", "q90", "q99", "max"}
    flagged = entry["flagged"]
    assert sorted(sorted(f["students"]) for f in flagged) == sorted([
        sorted([ODD_NAME, HOSTILE_NAME]), sorted(["reference", HOSTILE_NAME]), sorted([ODD_NAME, "reference"]),
        sorted([HOSTILE_DIR_NAME, "mha_correct_permute_contiguous"]),
        sorted(["bad\\xffname", "mha_correct_einsum_unflatten"])])  # an undecodable name is shown
    assert flagged[0]["students"] == ["reference", ODD_NAME] and flagged[0]["score"] == 1.0  # identical
    for f in flagged:
        assert set(f) == {"students", "score", "shares", "matched", "regions", "page"}
        assert isinstance(f["score"], float) and 0 <= f["score"] <= 1
        assert len(f["shares"]) == len(f["matched"]) == len(f["regions"]) == 2
    assert [f["score"] for f in flagged] == sorted((f["score"] for f in flagged), reverse=True)
    alone = report["problems"][SDPA]  # the keys of a compared problem, with no pair and no threshold
    assert set(report["problems"][MHA]) - {"seconds"} == set(alone)
    assert alone["students"] == 1 and alone["pairs"] == alone["flagged_total"] == 0 and alone["flagged"] == []
    assert alone["threshold"] is None and alone["compared_chars"] == similarity.MAX_COMPARED_CHARS


def test_hostile_names_and_sources_are_escaped(hostile_run):
    out, report = hostile_run
    pages = sorted((out / "similarity" / MHA).glob("*.html"))
    assert len(pages) == len(report["problems"][MHA]["flagged"]) == 5
    index = (out / "index.html").read_text(encoding="utf-8")
    for html in [index] + [p.read_text(encoding="utf-8") for p in pages]:
        assert "<script>window.__pwned" not in html
        assert "<img src=x" not in html
        assert "\x1b" not in html
    hostile_page = next(p.read_text(encoding="utf-8") for p in pages
                        if "&#34;&gt;&lt;img src=x" in p.read_text(encoding="utf-8"))
    assert "&lt;/code&gt;&lt;/pre&gt;&lt;script&gt;window.__pwned = 6&lt;/script&gt;" in hostile_page
    assert "\\x1b[31m" in hostile_page  # control characters are shown, not sent to the terminal
    assert "&lt;script&gt;window.__pwned = 5&lt;/script&gt;" in index
    assert f'href="similarity/{MHA}/1.html"' in index
    assert 'id="sim-multi_head_attention"' in index and "Only one submission" in index


def test_pair_pages_link_reports_percent_encoded(tmp_path):
    reference = solution_source(registry.get(MHA))
    students = {ODD_NAME: reference, "index.html": reference}
    for name in students:  # a report exists for each: the page links to it
        folder = tmp_path / student_folder(name) / MHA
        folder.mkdir(parents=True)
        (folder / "report.html").write_text("report", encoding="utf-8")
    grade_similarity(tmp_path, {MHA: students})
    page = (tmp_path / "similarity" / MHA / "1.html").read_text(encoding="utf-8")
    assert 'href="../../Zo%C3%AB%20%E6%9D%8E%20%231%20%2520%3F%26x/multi_head_attention/report.html"' in page
    assert 'href="../../~index.html/multi_head_attention/report.html"' in page  # outpaths' escaped folder
    assert 'href="../../index.html#sim-multi_head_attention"' in page


def test_pages_of_an_earlier_run_are_removed(tmp_path):
    honest = honest_class(MHA)
    grade_similarity(tmp_path, {MHA: dict(honest, a_copy=honest["reference"], b_copy=honest["reference"])})
    assert (tmp_path / "similarity" / MHA / "3.html").is_file()
    grade_similarity(tmp_path, {MHA: dict(honest, a_copy=honest["reference"])})
    assert sorted(p.name for p in (tmp_path / "similarity" / MHA).iterdir()) == ["1.html"]
    grade_similarity(tmp_path, {SDPA: honest_class(SDPA)})
    assert not (tmp_path / "similarity" / MHA).exists()  # no empty folder where there is no page
    grade_similarity(tmp_path, {MHA: dict(honest, a_copy=honest["reference"])})
    similarity.remove_similarity(out=tmp_path)  # a run that writes no report leaves none behind
    assert not (tmp_path / "similarity.json").exists()
    assert not (tmp_path / "similarity").exists()


# --- bounds: hostile sources cost themselves (or their problem) only ------------------------

def test_pathological_sources_are_capped_and_the_class_finishes(tmp_path):
    honest = honest_class(MHA)
    whitespace_bomb = honest["reference"] + " \n" * 500_000  # 1 MB; pygments alone: minutes
    students = dict(honest, whitespace=whitespace_bomb, one_line="x=(" * 200_000, nul="\x00" * 70_000,
                    copier=disguise(honest["mha_correct_einsum_unflatten"]))
    entry = grade_similarity(tmp_path, {MHA: students})["problems"][MHA]
    assert "error" not in entry
    assert entry["left_out"] == []  # the whitespace runs are prepared away, not timed out
    assert sorted(entry["cut"]) == ["nul", "one_line", "whitespace"]
    assert entry["compared_chars"] == similarity.MAX_COMPARED_CHARS
    assert [f["students"] for f in entry["flagged"]] == [
        ["reference", "whitespace"], ["copier", "mha_correct_einsum_unflatten"]]
    page = (tmp_path / "similarity" / MHA / "1.html").read_text(encoding="utf-8")
    assert "only the part shown was compared" in page


def test_a_problem_over_its_budget_gets_an_error_and_the_run_goes_on(tmp_path, monkeypatch):
    monkeypatch.setattr(similarity, "problem_budget", lambda students: 0.001 if students == 4 else 120.0)
    sdpa = dict(list(honest_class(SDPA).items())[:4])
    honest = honest_class(MHA)
    report = grade_similarity(tmp_path, {SDPA: sdpa, MHA: dict(honest, copier=disguise(honest["reference"]))})
    assert len(sdpa) == 4 and len(honest) + 1 != 4
    assert "time budget" in report["problems"][SDPA]["error"]
    assert report["problems"][SDPA]["flagged"] == []
    assert [f["students"] for f in report["problems"][MHA]["flagged"]] == [["copier", "reference"]]
    write_class_outputs(tmp_path, problems=[registry.get(SDPA), registry.get(MHA)],
                        roster={n: {"graded": [], "notes": []} for n in honest})
    index = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "Not compared: the comparison stopped: over its time budget" in index


def test_a_submission_over_its_tokenising_budget_is_left_out_alone(monkeypatch):
    monkeypatch.setattr(similarity, "TOKENISE_SECONDS", 0.5)  # the others take a few ms, "big" seconds
    honest = honest_class(MHA)
    students = dict(honest, copier=disguise(honest["reference"]))
    names = sorted(students) + ["big"]
    texts = [similarity.compared_text(students[n])[0] for n in names[:-1]]
    texts.append(honest["reference"] + "value = self.out_proj(query) @ key\n" * 60_000)  # 2 MB, uncapped
    result = similarity.compare_problem_task(stub=registry.get(MHA).stub(), sources=texts)
    assert [(names[i], why) for i, why in result["left_out"]] == [("big", "tokenising took over 0.5 s")]
    assert [[names[i] for i in f["pair"]] for f in result["flagged"]] == [["copier", "reference"]]



def test_the_tokenising_budget_is_not_read_as_text_the_tokenizer_refuses(monkeypatch):
    """Running over the budget inside the tokenizer ends the submission's tokenising: the text does
    not go on to pygments (which would then run without a budget)."""
    monkeypatch.setattr(similarity, "TOKENISE_SECONDS", 0.05)  # tokenising 2 MB takes far longer
    monkeypatch.setattr(similarity_tokens, "pygments_token_text",
                        lambda source: pytest.fail("the timeout was read as a refusal"))
    big = "value = self.out_proj(query) @ key\n" * 60_000
    with pytest.raises(similarity._TokeniseTimeout):
        similarity._fingerprint(big)

# --- token texts made by the helpers that write the reports -------------------------------

def _without_timing(report: dict) -> dict:
    for entry in report["problems"].values():
        entry.pop("seconds", None)
    return report


def test_token_texts_made_with_the_reports_give_the_same_report(tmp_path):
    honest = honest_class(MHA)
    # cut at MAX_COMPARED_CHARS inside the comment: the part compared is the reference alone, while
    # the whole source's token text also holds a copy of another student's solution
    long = (honest["reference"] + "#" * (similarity.MAX_COMPARED_CHARS + 10) + "\n"
            + honest["mha_correct_loop_over_heads"])
    students = dict(honest, copier=disguise(honest["mha_correct_einsum_unflatten"]), long=long)
    made = {name: similarity_tokens.tokenizer_token_text(source) for name, source in students.items()}
    assert made["long"] is None and all(made[n] for n in honest)  # only whole sources up to the cap
    made["long"] = similarity_tokens.token_text(long).text  # as if it had been made of the whole source
    made["reference"] = "V" * (len(honest["reference"]) + 1)  # no token text is longer than its text
    plain = _without_timing(grade_similarity(tmp_path / "plain", {MHA: students}))
    similarity.write_similarity(out=tmp_path / "shared", submissions={MHA: students}, token_texts={MHA: made})
    shared = _without_timing(json.loads((tmp_path / "shared" / "similarity.json").read_text(encoding="utf-8")))
    assert shared == plain
    assert [f["students"] for f in plain["problems"][MHA]["flagged"]] == [
        ["long", "reference"], ["copier", "mha_correct_einsum_unflatten"]]
    assert all(f["regions"][0] and f["regions"][1] for f in plain["problems"][MHA]["flagged"])


def test_the_helper_writing_a_report_hands_back_the_token_text(tmp_path):
    from grader.bounded import BoundedPool
    from grader.grading import grade
    from grader.reports.submission import write_report
    from grader.trusted_runner import TrustedRunner

    problem = registry.get(SDPA)
    readable = solution_source(problem)
    refused = readable + "if True:\n        a = 1\n    b = 2\n"  # a dedent the tokenizer refuses
    with BoundedPool(1) as helpers:
        for name, source, expected in [("readable", readable, similarity_tokens.token_text(readable).text),
                                       ("refused", refused, None)]:
            results = grade(problem=problem, source=source, filename=f"{SDPA}.py", runner=TrustedRunner())
            written = write_report(tmp_path / name / "report.html", results=results, source=source,
                                   problem=problem, static_href="static/", helpers=helpers, token_text=True)
            assert written.highlighted and written.token_text == expected
            page = (tmp_path / name / "report.html").read_text("utf-8")
            assert '<span class="nf">scaled_dot_product_attention</span>' in page  # the listing, highlighted
            assert write_report(tmp_path / name / "again.html", results=results, source=source, problem=problem,
                                static_href="static/", helpers=helpers).token_text is None  # not asked


def _loaded_numpy(pid: int) -> bool:
    return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()


def test_helpers_started_for_a_class_load_the_comparison_before_any_call():
    """copydetect (and numpy) load while a class starts, not after its last report; the helpers still answer."""
    import time

    from grader.bounded import BoundedPool

    with pytest.raises(ValueError):
        BoundedPool(1).start(ready=("no such task",))
    with BoundedPool(2) as helpers:
        helpers.start(ready=("similarity",))
        pids = [helper.proc.pid for helper in list(helpers._idle.queue)]
        assert len(pids) == 2
        deadline = time.monotonic() + 60  # a guard against a hang, never a measure of speed
        while not all(_loaded_numpy(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert all(_loaded_numpy(pid) for pid in pids)
        stub = registry.get(SDPA).stub()
        sources = [solution_source(registry.get(SDPA)), stub]
        answer = helpers.call("similarity", 60, stub=stub, sources=sources)
        assert answer["students"] == 2 and answer["pairs"] == 1


def test_a_class_run_starts_its_helpers_ready_to_compare_only_when_it_writes_reports(tmp_path, monkeypatch):
    from grader.bounded import BoundedPool
    from grader.services import grade_class
    from tests.report_samples import TrustedExecutor

    started = []
    monkeypatch.setattr(BoundedPool, "start", lambda self, *, ready=(): started.append(ready))
    root = tmp_path / "class"
    (root / "ann").mkdir(parents=True)
    (root / "ann" / f"{SDPA}.py").write_text(solution_source(registry.get(SDPA)), encoding="utf-8")
    for reports in (True, False):
        grade_class(root=root, out=tmp_path / f"out-{reports}", executor=TrustedExecutor(), reports=reports)
    assert started == [("similarity",)]


def test_the_gradebooks_are_written_while_the_class_is_compared(tmp_path, monkeypatch):
    """The class outputs that need no similarity report do not wait for it; the overview does."""
    import threading

    from grader import classrun
    from grader.services import grade_class
    from tests.report_samples import TrustedExecutor

    gradebook_written = threading.Event()
    seen = {}

    def write_similarity(*, out, **kwargs):
        seen["gradebook while comparing"] = gradebook_written.wait(30)  # a guard, never a measure
        (out / "similarity.json").write_text(json.dumps({"problems": {}}), encoding="utf-8")

    def write_gradebooks(out_dir, klass, _real=classroom_module.write_gradebooks, **kwargs):
        _real(out_dir, klass, **kwargs)
        seen["overview before the gradebook"] = (out_dir / "index.html").exists()
        gradebook_written.set()

    monkeypatch.setattr(classrun, "write_similarity", write_similarity)
    monkeypatch.setattr(classroom_module, "write_gradebooks", write_gradebooks)
    root = tmp_path / "class"
    for student in ("ann", "bob"):
        (root / student).mkdir(parents=True)
        (root / student / f"{SDPA}.py").write_text(solution_source(registry.get(SDPA)), encoding="utf-8")
    grade_class(root=root, out=tmp_path / "out", executor=TrustedExecutor())
    assert seen == {"gradebook while comparing": True, "overview before the gradebook": False}
    assert (tmp_path / "out" / "index.html").exists() and (tmp_path / "out" / "gradebook.csv").exists()


def test_a_class_run_asks_for_token_texts_only_of_sources_it_compares_whole(tmp_path, monkeypatch):
    from grader import classrun
    from grader.services import grade_class
    from tests.report_samples import TrustedExecutor

    # three submissions in a problem capped at 3,072 characters: 1,024 of each are compared
    monkeypatch.setattr(similarity, "MAX_PROBLEM_CHARS", 3 * 1024)
    short = ("import torch\n\ndef scaled_dot_product_attention(q, k, v, mask=None):\n"
             "    w = torch.softmax((q @ k.transpose(-2, -1)) / q.shape[-1] ** 0.5"
             " + (0 if mask is None else torch.where(mask, 0.0, float('-inf'))), dim=-1)\n"
             "    return w @ v, w\n")
    long = solution_source(registry.get(SDPA)) + "# notes\n" * 200
    assert len(short) <= 1024 < len(long)
    klass = tmp_path / "class"
    for name, source in (("ann", short), ("ben", long), ("cy", disguise(short))):
        (klass / name).mkdir(parents=True)
        (klass / name / f"{SDPA}.py").write_text(source, encoding="utf-8")
    asked, real = {}, classrun.write_report

    def spy(path, **kwargs):
        asked[path.parent.parent.name] = kwargs["token_text"]
        return real(path, **kwargs)

    monkeypatch.setattr(classrun, "write_report", spy)
    grade_class(root=klass, out=tmp_path / "out", executor=TrustedExecutor())
    assert asked == {"ann": True, "ben": False, "cy": True}
    entry = json.loads((tmp_path / "out" / "similarity.json").read_text(encoding="utf-8"))["problems"][SDPA]
    assert entry["compared_chars"] == 1024 and entry["cut"] == ["ben"]
    assert [f["students"] for f in entry["flagged"]] == [["ann", "cy"]]


# --- the pieces done by hand ---------------------------------------------------------------

def test_listing_marks_regions_line_by_line_without_indentation():
    text = "a = 1\n    b = 2\n    c = 3\nd = 4"
    rows = similarity.listing(text, [[4, 23]])["rows"]
    assert [r["segments"] for r in rows] == [
        [("a = ", False), ("1", True)], [("    ", False), ("b = 2", True)],
        [("    ", False), ("c =", True), (" 3", False)], [("d = 4", False)]]
    assert [r["matched"] for r in rows] == [True, True, True, False]


# --- end to end: as an instructor types it ---------------------------------------------------

COMPARE_IN_A_FRESH_PROCESS = """
import json, sys
from grader import copydetect_loader, registry, similarity
copydetect_loader.STAND_INS = tuple(sys.argv[3:]) or copydetect_loader.STAND_INS
from grader.references import solution_source
reference = solution_source(registry.get(sys.argv[1]))
result = similarity.compare_problem_task(stub=registry.get(sys.argv[1]).stub(),
                                         sources=[reference, sys.argv[2], reference + "# mine"])
loaded_during = "matplotlib" in sys.modules
import matplotlib
print(json.dumps({"flagged": [f["pair"] for f in result["flagged"]], "loaded_during": loaded_during,
                  "real_afterwards": hasattr(matplotlib, "__version__")}))
"""


def _compare_in_a_fresh_process(*stand_ins: str) -> dict:
    other = next(source for source, full in goldens()[SDPA].values() if full)
    result = subprocess.run([sys.executable, "-c", COMPARE_IN_A_FRESH_PROCESS, SDPA, other, *stand_ins],
                            capture_output=True, text=True, timeout=120, cwd=Path(__file__).parent.parent)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout)


def test_comparing_does_not_load_copydetects_plotting_library_and_leaves_it_importable():
    """A helper comparing a class skips matplotlib's import (copydetect uses it for its own reports only)."""
    seen = _compare_in_a_fresh_process()
    assert seen == {"flagged": [[0, 2]], "loaded_during": False, "real_afterwards": True}


def test_a_copydetect_needing_more_than_the_stand_ins_is_imported_plainly():
    """Stand-ins that do not satisfy copydetect's import (here: no pyplot) fall back to the real matplotlib."""
    seen = _compare_in_a_fresh_process("matplotlib")
    assert seen == {"flagged": [[0, 2]], "loaded_during": True, "real_afterwards": True}


@pytest.mark.sandbox
@pytest.mark.slow
def test_grade_writes_the_report_and_the_overview_section(tmp_path):
    klass, out = tmp_path / "class", tmp_path / "out"
    honest = honest_class(SDPA)
    students = dict(list(honest.items())[:2], reference=honest["reference"],
                    mallory=disguise(honest["reference"]))
    for name, source in students.items():
        (klass / name).mkdir(parents=True)
        (klass / name / f"{SDPA}.py").write_text(source, encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "grader.cli", "grade", str(klass), "--out", str(out)],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads((out / "similarity.json").read_text(encoding="utf-8"))
    assert [f["students"] for f in report["problems"][SDPA]["flagged"]] == [["mallory", "reference"]]
    index = (out / "index.html").read_text(encoding="utf-8")
    assert f'href="similarity/{SDPA}/1.html"' in index
    page = (out / "similarity" / SDPA / "1.html").read_text(encoding="utf-8")
    assert f'href="../../mallory/{SDPA}/report.html"' in page


def _distribution_of_every_pair(scores: list[float], pairs: int) -> dict:
    """What the summary means, computed the obvious way: an array of every pair's score."""
    import numpy as np

    values = np.zeros(pairs)
    values[: len(scores)] = scores
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    return {"median": round(median, 4), "mad": round(mad, 4), "sd": round(1.4826 * mad, 4),
            "q90": round(float(np.quantile(values, 0.9)), 4), "q99": round(float(np.quantile(values, 0.99)), 4),
            "max": round(float(values.max()), 4)}


@pytest.mark.parametrize("seed", range(40))
def test_the_score_summary_is_that_of_every_pair(seed):
    """Classes where few pairs share anything, and classes where most do (the median off zero)."""
    import random

    rng = random.Random(seed)
    pairs = rng.choice([1, 2, 3, 10, 45, 190, 4950])
    scored = rng.randint(0, pairs)
    scores = [rng.choice([0.0, round(rng.random(), 4), 1.0]) for _ in range(scored)]
    assert similarity._distribution(scores, pairs) == _distribution_of_every_pair(scores, pairs)


def test_the_score_summary_of_a_huge_class_needs_no_array_of_every_pair():
    import tracemalloc

    students = 20_000  # 200 million pairs: 1.6 GB as an array of scores, over a helper's memory
    scores = [0.3, 0.9, 0.5] * 100_000
    tracemalloc.start()
    try:
        summary = similarity._distribution(scores, students * (students - 1) // 2)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary == {"median": 0.0, "mad": 0.0, "sd": 0.0, "q90": 0.0, "q99": 0.0, "max": 0.9}
    assert peak < 64 * 1024 * 1024, peak
