"""The reports: escaping, CSV safety, gradebook arithmetic, figures, the Canvas file, the language."""

from __future__ import annotations

import csv
import html as html_module
import json
import re
from urllib.parse import unquote

import pytest

from grader import similarity
from grader.reports import copy_static, write_class_outputs, write_submission_report
from grader.reports.figures import figure_view, histogram
from grader.reports.gradebook import defuse
from grader.reports.render import STATIC_FILES, points, shown_name
from grader.reports.submission import MAX_OUTPUT_CHARS
from grader.reports.wording import Wording
from tests.report_samples import (FORMULA_NAMES, HOSTILE_NAME, HOSTILE_OUTPUT, ODD_NAME,
                            PROBLEM_ID, build_class, graded, problem, tokens_figure, weights_figure)

RAW_MARKUP = re.compile(r"<script>window|<img src=x|<svg onload|onerror=\"window", re.IGNORECASE)


def _report(tmp_path, results, source, static_href="static/"):
    path = tmp_path / "report.html"
    write_submission_report(path, results=results, source=source, problem=problem(), static_href=static_href)
    return path.read_text(encoding="utf-8")


def _rows(path):
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


# --- one submission -----------------------------------------------------------------

def test_candidate_text_is_escaped_everywhere(tmp_path):
    results, _ = graded("no_scale")
    results["extra_data"]["output"] = HOSTILE_OUTPUT
    results["extra_data"]["error"] = {"kind": "crash", "message": HOSTILE_OUTPUT}
    results["tests"][0]["output"] = HOSTILE_OUTPUT
    results["tests"][0]["name"] = HOSTILE_OUTPUT
    results["tests"][1]["output"] = "c1\x9b2J\x85end"  # C1 controls: CSI, NEL
    source = f"# {HOSTILE_OUTPUT}\nx = '</code></pre><script>window.__pwned = 9</script>'\n# \x9b2J\n"
    html = _report(tmp_path, results, source)
    assert not RAW_MARKUP.search(html)
    assert "\x9b" not in html and "\x85" not in html and html.count("\\u009b2J") == 2
    # Its one script opens the folds for print: nothing the submission brought
    assert re.findall(r"<script[^>]*>", html, flags=re.IGNORECASE) == ['<script src="static/print.js">']
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;" in html
    assert "\\x1b[31m\\x00" in html and "\x00" not in html and "\x1b" not in html


TROJAN = ("def scaled_dot_product_attention(q, k, v, mask=None):\n"
          "    \"\"\"Returns the weighted values.\u2067\"\"\" ;return v, v\u2069 #\u2066\n"
          "    return q\u200b, q\n")


def test_invisible_characters_that_reorder_text_are_shown_not_obeyed(tmp_path):
    """Bidirectional overrides and isolates ("Trojan Source") and zero-width characters in the
    listing, the messages and the printed output: shown as escapes, so a reader sees the code
    and the text as they are, not in the order the characters would paint them."""
    results, _ = graded("no_scale")
    results["extra_data"]["output"] = "score: 13/13\u202e kcehc"
    results["tests"][0]["output"] = "raised ValueError: shape\u202e 31/31 :erocs"
    html = _report(tmp_path, results, TROJAN)
    for invisible in ("\u2066", "\u2067", "\u2069", "\u202e", "\u200b"):
        assert invisible not in html, hex(ord(invisible))
    text = html_module.unescape(re.sub(r"<[^>]+>", "", html))  # what the reader sees (listing spans joined)
    for shown in ("\\u2067", "\\u2069", "\\u2066", "\\u202e", "\\u200b"):
        assert shown in text, shown


def test_tests_failed_first_with_points_and_feedback(tmp_path):
    results, source = graded("no_scale")
    html = _report(tmp_path, results, source)
    table = html[html.index('<table class="tests">'):]
    statuses = re.findall(r'<tr class="(passed|failed)">', table)
    assert statuses == sorted(statuses)  # every "failed" before every "passed"
    assert statuses.count("passed") == sum(t["status"] == "passed" for t in results["tests"]) > 0
    failed = [t for t in results["tests"] if t["status"] == "failed"]
    assert f'{points(failed[0]["score"])}/{points(failed[0]["max_score"])}' in table
    assert "max error" in table
    assert points(results["score"]) in html and results["extra_data"]["isolation"] in html


def test_diagnosis_names_the_misconception_with_mistake_and_fix(tmp_path):
    results, source = graded("no_scale")
    html = _report(tmp_path, results, source)
    item = problem().misconception("sdpa.no_scale")
    section = html[html.index('id="diagnosis"'):html.index('id="tests"')]
    assert item.title in section and item.explanation in section
    assert "Mistake" in section and "Fix" in section
    assert "math" in section and "sqrt" in section  # the fix snippet, highlighted


def test_error_lines_are_marked_and_linked(tmp_path):
    results, source = graded("syntax")
    lines = results["extra_data"]["error_lines"]
    assert results["extra_data"]["error"]["kind"] == "syntax_error" and lines
    html = _report(tmp_path, results, source)
    assert f'href="#L-{lines[0]}"' in html
    marked = re.search(rf'<span id="L-{lines[0]}"><span class="hll">', html)
    assert marked, "the error line is not highlighted"
    assert "Syntax error" in html


def test_long_output_is_truncated_with_a_note(tmp_path):
    results, source = graded("reference")
    results["extra_data"]["output"] = "x" * (MAX_OUTPUT_CHARS + 500)
    results["extra_data"]["output_truncated"] = True
    html = _report(tmp_path, results, source)
    assert "x" * MAX_OUTPUT_CHARS in html and "x" * (MAX_OUTPUT_CHARS + 1) not in html
    assert "Output truncated" in html and "output limit" in html


def test_no_output_no_output_section(tmp_path):
    results, source = graded("reference")
    html = _report(tmp_path, results, source)
    assert 'id="output"' not in html and 'id="figure"' not in html


def test_secret_seed_shows_only_its_fingerprint(tmp_path):
    results, source = graded("reference")
    del results["extra_data"]["seed"]
    results["extra_data"]["seed_fingerprint"] = "abc123def0"
    html = _report(tmp_path, results, source)
    assert "abc123def0" in html and "seed 0" not in html


def test_stub_report_shows_nothing_of_the_reference(tmp_path):
    results, source = graded("stub")
    html = _report(tmp_path, results, source)
    assert "math.sqrt(d_k)" not in html  # a line of the reference solution


@pytest.mark.parametrize("figure", [
    None,
    {"kind": "unknown"},
    {"kind": "weights", "candidate": None, "reference": None, "caption": ""},
    "not a dict",
])
def test_missing_or_unusable_figure_is_tolerated(tmp_path, figure):
    results, source = graded("no_scale")
    if figure is not None:
        results["extra_data"]["figure"] = figure
    html = _report(tmp_path, results, source)
    assert 'id="figure"' not in html and 'id="tests"' in html


def test_weights_figure_draws_three_heatmaps(tmp_path):
    results, source = graded("no_scale")
    results["extra_data"]["figure"] = weights_figure()
    html = _report(tmp_path, results, source)
    section = html[html.index('id="figure"'):html.index('id="source"')]
    assert section.count('<svg class="hm" viewBox') == 3
    assert "Difference" in section and "Largest difference" in section
    assert section.count('class="w"') >= 18  # 9 cells in each weight map


@pytest.mark.parametrize("candidate,note,maps", [
    (None, "produced no weights", 1),
    ("<script>window.__pwned = 1</script>", "could not be drawn", 1),
    ([[0.5, 0.5], [1.0, 0.0]], "shape (2, 2)", 2),  # both drawn, no difference
    ([[1, 2, 3], [4, 5]], "could not be drawn", 1),
])
def test_weights_figure_with_a_bad_candidate(tmp_path, candidate, note, maps):
    results, source = graded("no_scale")
    results["extra_data"]["figure"] = dict(weights_figure(), candidate=candidate)
    html = _report(tmp_path, results, source)
    section = html[html.index('id="figure"'):html.index('id="source"')]
    assert note in section and section.count('<svg class="hm" viewBox') == maps
    assert not RAW_MARKUP.search(html)


def test_weights_figure_not_finite_and_heads():
    figure = weights_figure(heads=True)
    figure["candidate"][0][0][0] = float("nan")
    view = figure_view(figure)
    assert view["has_nan"] and len(view["heads"]) == 2
    assert [len(h["panels"]) for h in view["heads"]] == [3, 3]
    assert view["heads"][0]["panels"][0]["cells"][0]["cls"] == "nan"


def test_signed_values_use_a_two_colour_scale():
    view = figure_view({"kind": "weights", "reference": [[0.0, 1.0], [0.84, -0.42]],
                        "candidate": [[0.0, 1.0], [0.84, 0.54]], "caption": "a table"})
    assert view["signed"] and view["caption"] == "A table"
    classes = {c["cls"] for c in view["heads"][0]["panels"][1]["cells"]}
    assert {"pos", "neg"} <= classes


def test_tokens_figure_marks_the_first_difference(tmp_path):
    results, source = graded("reference")
    results["extra_data"]["figure"] = tokens_figure()
    html = _report(tmp_path, results, source)
    assert "first differs at step 2" in html and 'class="differs">5<' in html
    one_sequence = figure_view(dict(tokens_figure(), candidate=[1, 2, 3, 4, 0], reference=[1, 2, 3, 4, 0]))
    assert one_sequence["sequences"][0]["first_diff"] is None


def test_static_href_must_name_the_static_folder(tmp_path):
    results, source = graded("reference")
    with pytest.raises(ValueError):
        _report(tmp_path, results, source, static_href="../assets/")
    html = _report(tmp_path, results, source, static_href="../../static/")
    assert 'href="../../static/style.css"' in html and 'href="../../index.html"' in html


def test_report_is_in_the_language_of_the_results(tmp_path):
    results, source = graded("syntax")
    results["extra_data"]["lang"] = "zh"
    results["extra_data"]["output"] = "x" * (MAX_OUTPUT_CHARS + 1)
    html = _report(tmp_path, results, source)
    zh = Wording("zh")
    assert '<html lang="zh">' in html and f"<title>{problem().title_zh} — " in html
    assert "<strong>语法错误</strong>。这份提交无法正常评测。" in html
    assert f"<h2>{zh.your_code}</h2>" in html and "Your code" not in html and "Syntax error" not in html
    assert "错误信息中提到的行：<a href=" in html and "本页只显示前 20,000 个字符（共 20,001 个）。" in html
    english = _report(tmp_path, graded("syntax")[0], source)
    assert '<html lang="en">' in english and "<strong>Syntax error</strong>. The submission" in english


def test_figure_is_drawn_in_the_language_of_the_page():
    view = figure_view(weights_figure(heads=True), "zh")
    head = view["heads"][0]
    assert head["label"] == "头 0" and [p["title"] for p in head["panels"]] == ["你的结果", "参考答案",
                                                                                 "差异（你的结果 − 参考答案）"]
    assert head["panels"][1]["cells"][1]["title"] == "查询 0，键 1：0"
    assert head["panels"][1]["label"] == "参考答案：3 个查询 × 3 个键"
    assert view["caption"] == "题目中的算例（公开输入）"
    assert figure_view(dict(weights_figure(), candidate=None), "zh")["candidate_note"] == \
        "对这个输入，你的提交没有给出权重。"
    assert figure_view(weights_figure())["heads"][0]["panels"][0]["title"] == "Yours"


def test_an_empty_submission_says_so(tmp_path):
    results, _ = graded("stub")
    assert Wording("en").no_source in _report(tmp_path, results, "")
    results["extra_data"]["lang"] = "zh"
    assert Wording("zh").no_source in _report(tmp_path, results, "")


def test_report_does_not_change_the_results(tmp_path):
    results, source = graded("no_scale")
    before = repr(results)
    _report(tmp_path, results, source)
    assert repr(results) == before


# --- a class --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    out = tmp_path_factory.mktemp("class")
    roster = build_class(out)
    return out, roster


def test_class_index_escapes_names_and_notes(klass):
    out, _ = klass
    html = (out / "index.html").read_text(encoding="utf-8")
    assert not RAW_MARKUP.search(html)
    assert "&lt;script&gt;window.__pwned = 5&lt;/script&gt;" in html
    assert "&#34;&gt;&lt;img src=x onerror=&#34;window.__pwned = 4&#34;&gt;" in html
    assert re.findall(r"<script[^>]*>", html) == ['<script src="static/print.js">', '<script src="static/report.js">']


def test_class_index_links_are_percent_encoded_and_resolve(klass):
    out, _ = klass
    html = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="%22%3E%3Cimg%20src%3Dx%20onerror%3D%22window.__pwned%20%3D%204%22%3E/' in html
    assert 'href="Zo%C3%AB%20%E6%9D%8E%20%231%20%2520%3F%26x/scaled_dot_product_attention/report.html"' in html
    for href in re.findall(r'href="([^"#]+)"', html):
        assert (out / unquote(href)).is_file(), href


def test_class_index_counts(klass):
    out, roster = klass
    html = (out / "index.html").read_text(encoding="utf-8")
    assert len(roster) == 14
    assert '<span class="v">14</span><span class="k">students</span>' in html
    assert '<span class="v">6</span><span class="k">submissions graded</span>' in html
    assert "Scores not scaled" in html  # two students made it
    assert "Syntax error" in html and "Nobody submitted this problem." in html
    assert "dave" in html and "results missing" in html
    full = points(graded("reference")[0]["max_score"])
    assert f"2 scored full marks ({full} points)" in html  # alice and Zoë: never read as 2 out of {full}


def test_gradebook_rows_columns_and_totals(klass):
    out, roster = klass
    rows = _rows(out / "gradebook.csv")
    assert rows[0] == ["student", PROBLEM_ID, "nobody_submitted", "total", "maximum", "notes"]
    assert len(rows) == 1 + len(roster)  # nothing gradable still gets a row
    by_name = {r[0]: r for r in rows[1:]}
    full = points(graded("reference")[0]["max_score"])
    no_scale = points(graded("no_scale")[0]["score"])
    assert by_name["alice"][1:5] == [full, "", full, full]
    assert by_name["bob"][1:5] == [no_scale, "", no_scale, full]
    assert by_name["carol"][1:5] == ["0", "", "0", full]
    assert by_name["erin"][1:5] == ["", "", "0", full] and "mha.py" in by_name["erin"][5]
    assert by_name["dave"][1] == "" and "results missing" in by_name["dave"][5]
    assert ODD_NAME in by_name and HOSTILE_NAME in by_name


@pytest.mark.parametrize("name", FORMULA_NAMES)
def test_gradebook_cells_are_defused(klass, name):
    out, _ = klass
    # a name's tab is spelled out, as the overview shows it: then nothing a spreadsheet would run
    shown = "\\x09" + name[1:] if name.startswith("\t") else "'" + name
    for path in (out / "gradebook.csv", out / "gradebook-canvas.csv"):
        cells = [c for row in _rows(path) for c in row]
        assert shown in cells, path.name
        assert name not in cells
    notes = [r[-1] for r in _rows(out / "gradebook.csv")]
    assert any(n.startswith("'=HYPERLINK") for n in notes)


def test_a_name_s_line_breaks_never_start_a_row_of_a_gradebook(klass):
    """A folder named "eve<newline>mallory,13,13,13,": quoted, CSV would keep it in its cell, but a
    reader of lines (grep, many imports) would see a row for mallory; the line breaks are escapes,
    as the overview shows them."""
    out, roster = klass
    shown = "eve\\x0amallory,13,13,13,\\x0d\\x0ax\\u2028y"
    for path, rows in ((out / "gradebook.csv", 1 + len(roster)), (out / "gradebook-canvas.csv", 2 + len(roster))):
        lines = path.read_text(encoding="utf-8").splitlines()  # every line break Python knows
        assert len(lines) == rows, path.name
        assert not any(line.startswith(("mallory", "x")) for line in lines)
        assert shown in {cell for row in _rows(path) for cell in row}


PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"  # می‌خواهم: a non-joiner between two letters
FAMILY = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # 👩‍👩‍👧: one emoji, joined
SPELLED = [  # a name, and how every class output shows it
    (PERSIAN, PERSIAN), (FAMILY, FAMILY), ("\U0001f469\U0001f3fd\u200d\U0001f4bb", "\U0001f469\U0001f3fd\u200d\U0001f4bb"),
    ("\u0915\u094d\u200d\u0937", "\u0915\u094d\u200d\u0937"),  # a joiner after a virama (a mark)
    ("a\u202eb", "a\\u202eb"), ("a\rb", "a\\x0db"), ("a\u202db", "a\\u202db"), ("a?b", "a?b"),
    ("a\nb\tc\x9bd", "a\\x0ab\\x09c\\u009bd"),  # one line, and nothing a terminal obeys
    ("\u200dab", "\\u200dab"), ("ab\u200c", "ab\\u200c"), ("a\u200d\u200db", "a\\u200d\\u200db"),  # joining nothing
    ("a\u200d b", "a\\u200d b"), ("1\u200d2", "1\\u200d2"),
    ("   ", "\\x20\\x20\\x20"), (" bob ", "\\x20bob\\x20"), ("\u3000", "\\u3000"),  # never blank, never "bob"
    ("Zo\u00eb \u674e", "Zo\u00eb \u674e"), ("=SUM(A1)", "=SUM(A1)"),  # the gradebooks defuse it
]


@pytest.mark.parametrize("name,shown", SPELLED)
def test_a_name_shows_its_hidden_characters_but_keeps_the_joiners_of_its_writing(name, shown):
    assert shown_name(name) == shown


def test_a_name_is_spelled_the_same_in_the_overview_the_reports_and_the_gradebooks(tmp_path):
    """An instructor finds a gradebook row in the overview by its name: the same spelling in both,
    a different one for each student, none blank."""
    names = [name for name, _ in SPELLED]
    write_class_outputs(tmp_path, problems=[problem()], roster={n: {"graded": [], "notes": []} for n in names})
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    in_page = [html_module.unescape(cell) for cell in re.findall(r'<td class="name">(.*?)</td>', page)]
    assert sorted(in_page) == sorted(shown for _, shown in SPELLED)
    in_gradebook = [row[0] for row in _rows(tmp_path / "gradebook.csv")[1:]]
    in_canvas = [row for row in _rows(tmp_path / "gradebook-canvas.csv")[2:]]
    assert in_gradebook == [row[3] for row in in_canvas] == [row[0] for row in in_canvas]
    assert [cell.removeprefix("'") for cell in in_gradebook] == in_page  # the defusing "'" aside
    assert len(set(in_gradebook)) == len(names) and all(cell.strip() for cell in in_gradebook)


def test_a_report_names_its_student_as_the_overview_does(tmp_path):
    results, source = graded("reference")
    for name in (PERSIAN, FAMILY, "a\u202eb", "   "):
        path = tmp_path / "report.html"
        write_submission_report(path, results=results, source=source, problem=problem(), static_href="static/",
                                student=name)
        page = path.read_text(encoding="utf-8")
        title = html_module.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1))
        assert title.startswith(shown_name(name) + " \u00b7 "), title
        assert f"<dd>{html_module.escape(shown_name(name), quote=False)}</dd>" in page
    assert "\u202e" not in page


@pytest.mark.parametrize("cell,expected", [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM(A1)", "'@SUM(A1)"), ("\tx", "'\tx"),
    ("\rx", "?x"), ("alice", "alice"), ("", ""), (None, ""), ("a=b", "a=b"), (7.5, "7.5"),
    ("esc\x1b[31mred\x1b]0;T\x07", "esc?[31mred?]0;T?"), ("c1\x9b2J\x9d", "c1?2J?"), ("\u202eabc", "?abc"),
    ("two\nlines\tand tab", "two?lines\tand tab"), ("a\r\nb\x85c\u2028d\u2029e\x0bf", "a??b?c?d?e?f"), ("José 李\u200d", "José 李\u200d"),
    ("x;=1+2", "x;'=1+2"), ("y;@SUM(2+2)", "y;'@SUM(2+2)"), ("a;b", "a;b"),  # ';' separates cells in Europe
    ("\u200b=1", "?=1"), ("\ufeffname\U000e0041", "?name?"),
])
def test_defuse(cell, expected):
    assert defuse(cell) == expected


def test_canvas_file(klass):
    out, roster = klass
    rows = _rows(out / "gradebook-canvas.csv")
    title = problem().title
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title]
    assert rows[1] == ["Points Possible", "", "", "", "", points(graded("reference")[0]["max_score"])]
    assert len(rows) == 2 + len(roster)
    alice = next(r for r in rows if r[0] == "alice")
    assert alice == ["alice", "", "", "alice", "", points(graded("reference")[0]["score"])]
    assert next(r for r in rows if r[0] == "erin")[5] == ""  # nothing submitted: left blank


def test_static_files_are_copied(klass, tmp_path):
    out, _ = klass
    assert sorted(p.name for p in (out / "static").iterdir()) == sorted(STATIC_FILES)
    copy_static(tmp_path / "static")
    assert (tmp_path / "static" / "report.css").read_text() == (out / "static" / "report.css").read_text()


def test_histogram_bins():
    bins = histogram([0.0, 0.05, 0.1, 0.55, 0.999, 1.0, 1.0])
    assert [b["count"] for b in bins] == [2, 1, 0, 0, 0, 1, 0, 0, 0, 1, 2]
    assert bins[-1]["label"] == "100%"


def test_points_format():
    assert [points(x) for x in (7.5, 12.0, 1 / 3, 0, -0.0, None, float("nan"))] == \
        ["7.5", "12", "0.3333", "0", "0", "", ""]


# --- a class in Chinese -----------------------------------------------------------------

def test_class_overview_is_in_the_language_of_the_run(tmp_path):
    build_class(tmp_path, lang="zh")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    zh = Wording("zh")
    assert '<html lang="zh">' in html and f"<title>{zh.class_overview} — attention-judge</title>" in html
    assert f'<span class="v">14</span><span class="k">{zh.stat_students}</span>' in html
    assert f"<h3>{problem().title_zh}</h3>" in html and f"<h2>{zh.checks_failed_most}</h2>" in html
    assert f"{PROBLEM_ID}：结果缺失；" in html and "<td>缩放点积注意力（1）</td>" in html
    assert f"2 名学生得满分（满分为 {points(graded('reference')[0]['max_score'])} 分）" in html
    assert "Class overview" not in html and "results missing" not in html and "Syntax error" not in html
    rows = _rows(tmp_path / "gradebook.csv")
    assert rows[0][-1] == "notes"  # the columns are the same in both: scripts read them
    notes = {row[0]: row[-1] for row in rows[1:]}
    assert notes["dave"] == f"{PROBLEM_ID}：结果缺失；请重新评测（加上 --resume）补全"  # the notes are in Chinese
    assert notes["erin"].startswith("mha.py: not a problem ID")  # a note given in one language, as it was given


def test_recorded_limits_of_the_similarity_report_are_shown_in_the_page_language(tmp_path):
    """A limit the catalogue knows is shown in the page's language; any other as the run wrote it."""
    recorded = {"problems": {}, "settings": similarity._settings(),
                "cannot_see": [similarity.WHAT_IT_CANNOT_SEE[1], "a limit of another version"]}
    (tmp_path / "similarity.json").write_text(json.dumps(recorded), encoding="utf-8")
    write_class_outputs(tmp_path, problems=[problem()], roster={}, lang="zh")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert f"<li>除题目模板外，词法单元文本不到 {similarity.MIN_MATCHED} 个字符的提交</li>" in html
    assert "<li>a limit of another version</li>" in html
    assert similarity.WHAT_IT_CANNOT_SEE[1] not in html


def test_a_file_that_never_ran_leaves_each_checks_pass_rate_alone(tmp_path):
    """One import error among the class does not rank every check of its problem among the hardest:
    the pass rate of a check counts the submissions whose tests ran."""
    from grader import registry
    from grader.reports.classroom import NEVER_RAN, load_class
    from grader.sandbox.messages import ErrorKind

    assert NEVER_RAN <= {kind.value for kind in ErrorKind}
    problem = registry.get("scaled_dot_product_attention")
    tests = [{"number": "1.1", "name": "n", "max_score": 1, "score": 1, "status": "passed", "output": ""}]
    import_error = {"kind": "import_error", "message": "x"}
    for student, error, status in (("ana", None, "passed"), ("ben", import_error, "failed")):
        folder = tmp_path / student / problem.id
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps({
            "score": 1 if status == "passed" else 0, "max_score": 1,
            "tests": [dict(tests[0], status=status)], "extra_data": {"error": error, "diagnosis": []}}))
    data = load_class(tmp_path, problems=[problem], roster={s: {"graded": [problem.id]} for s in ("ana", "ben")})
    (stat,) = data.stats
    assert stat.submitted == 2 and stat.errors["import_error"] == 1
    assert [(row["number"], row["attempted"], row["rate"]) for row in stat.test_rates] == [("1.1", 1, 1.0)]


def test_a_note_keeps_the_grader_s_own_message_whole_and_cuts_only_a_submission_s_long_text(tmp_path):
    """Every message the grader writes fits a note whole (what to do comes last); an exception's
    message of thousands of characters is cut."""
    from grader import feedback as F
    from grader import registry
    from grader.i18n import Text
    from grader.reports.classroom import MAX_NOTE_MESSAGE

    problem = registry.get("scaled_dot_product_attention")
    old_format = F.IS_NOTEBOOK.format(path=f"{'n' * 200}.ipynb", why=F.NOTEBOOK_OLD_FORMAT.format(version=3)).en
    errors = {"ana": {"kind": "bad_submission", "message": old_format},
              "ben": {"kind": "crash", "message": "ValueError: " + "spam " * 500}}
    for student, error in errors.items():
        folder = tmp_path / student / problem.id
        folder.mkdir(parents=True)
        (folder / "results.json").write_text(json.dumps({"score": 0, "max_score": 1, "tests": [],
                                                         "extra_data": {"error": error, "diagnosis": []}}))
    write_class_outputs(tmp_path, problems=[problem], roster={s: {"graded": [problem.id]} for s in errors},
                        overview=False)
    notes = {row[0]: row[-1] for row in _rows(tmp_path / "gradebook.csv")[1:]}
    assert notes["ana"] == f"{problem.id}: bad_submission: {old_format}"
    assert notes["ana"].endswith("open it in a recent Jupyter and save it again)")
    assert notes["ben"].endswith("…") and len(notes["ben"]) == len(f"{problem.id}: crash: ") + MAX_NOTE_MESSAGE
    wordings = [value.get(lang) for value in vars(F).values() if isinstance(value, Text) for lang in ("en", "zh")]
    longest = max(len(re.sub(r"\{[a-z_]+\}", "", wording)) for wording in wordings)
    assert longest + 255 <= MAX_NOTE_MESSAGE  # any of them, with a file name as long as a file system allows


def test_students_are_listed_with_numbers_in_order_of_value(tmp_path):
    """Student IDs and numbered names list as people count (s2 before s10), in the overview and both
    gradebooks, as the overview's table sorts them in the browser."""
    from grader import registry

    problem = registry.get("scaled_dot_product_attention")
    names = ["s10", "S2", "s1", "10", "2", "007", "Bob", "alice"]
    write_class_outputs(tmp_path, problems=[problem], roster={name: {"graded": []} for name in names})
    expected = ["2", "007", "10", "alice", "Bob", "s1", "S2", "s10"]
    assert [row[0] for row in _rows(tmp_path / "gradebook.csv")[1:]] == expected
    assert [row[3] for row in _rows(tmp_path / "gradebook-canvas.csv")[2:]] == expected
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert re.findall(r'<td class="name">([^<]*)</td>', html) == expected


# --- results that no longer belong to the file handed in ----------------------------------

PE = "positional_encoding"
STALE_NOTE = f"{PROBLEM_ID}: results are of an earlier version of the file (or another seed); grade again " \
             "(with --resume) to bring them up to date"


def _hand_in(root, student: str, problem_id: str, text: str | None = None) -> None:
    """``student``'s file for ``problem_id``: ``text``, or the reference solution."""
    from grader import registry
    from grader.references import solution_source

    (root / student).mkdir(parents=True, exist_ok=True)
    source = solution_source(registry.get(problem_id)) if text is None else text
    (root / student / f"{problem_id}.py").write_text(source, encoding="utf-8")


def _grade(root, out, *, stop_after: int | None = None, reports: bool = False, **options):
    """A class run with the tests' in-process executor; ``stop_after``: Ctrl-C when the run sends
    one more submission than that to grade."""
    from grader.services import grade_class
    from tests.report_samples import TrustedExecutor

    class Stopping(TrustedExecutor):
        def submit(self, request):
            if len(self.requests) == stop_after:
                raise KeyboardInterrupt
            return super().submit(request)

    return grade_class(root=root, out=out, executor=Stopping(), reports=reports, **options)[1]


def _by_name(path) -> dict[str, list[str]]:
    return {row[0]: row for row in _rows(path)[1:]}


def test_a_problem_run_after_a_file_changed_leaves_its_old_score_out_with_a_note(tmp_path):
    """A --problem run keeps the other problems' results in the gradebooks: a file of another problem
    replaced since (by the stub) once kept its old full marks there, in silence."""
    from grader import registry

    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben"):
        for problem_id in (PROBLEM_ID, PE):
            _hand_in(root, student, problem_id)
    _grade(root, out)
    _hand_in(root, "ana", PROBLEM_ID, problem().stub())
    _grade(root, out, only=(registry.get(PE),))
    rows = _by_name(out / "gradebook.csv")
    header = _rows(out / "gradebook.csv")[0]
    assert header[1:3] == [PROBLEM_ID, PE]
    full = rows["ben"][1]
    assert float(full) > 0 and rows["ben"][-1] == ""
    assert rows["ana"][1] == "" and float(rows["ana"][2]) > 0
    assert rows["ana"][-1] == STALE_NOTE
    canvas = _rows(out / "gradebook-canvas.csv")
    column = canvas[0].index(problem().title)
    assert {row[3]: row[column] for row in canvas[2:]} == {"ana": "", "ben": full}


def test_results_of_another_seed_left_by_an_interrupted_run_are_not_counted(tmp_path):
    """Ctrl-C in a run with another --seed: the students it had not reached once kept the other
    seed's scores beside this one's, in silence."""
    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben"):
        _hand_in(root, student, PROBLEM_ID)
    _grade(root, out)
    summary = _grade(root, out, seed=7, stop_after=1)
    assert summary.interrupted and summary.graded == 1
    rows = _by_name(out / "gradebook.csv")
    assert float(rows["ana"][1]) > 0 and rows["ana"][-1] == ""
    assert rows["ben"][1] == "" and rows["ben"][-1] == STALE_NOTE
    assert _by_name(out / "gradebook-canvas.csv")["ben"][5] == ""
    resumed = _grade(root, out, seed=7, resume=True)
    assert (resumed.graded, resumed.skipped) == (1, 1)
    assert float(_by_name(out / "gradebook.csv")["ben"][1]) > 0


def test_an_unreadable_submission_s_results_are_not_called_stale(tmp_path):
    """An unreadable file's results record a digest of its error, never its bytes: they are the
    current results of that file all the same; only a file graded before and changed since is not."""
    from grader import registry

    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben"):
        _hand_in(root, student, PE)
    _hand_in(root, "ana", PROBLEM_ID, "")  # empty: bad_submission
    _hand_in(root, "ben", PROBLEM_ID)
    _grade(root, out)
    _hand_in(root, "ben", PROBLEM_ID, problem().stub())
    _grade(root, out, only=(registry.get(PE),))
    rows = _by_name(out / "gradebook.csv")
    assert rows["ana"][1] == "0" and rows["ana"][-1].startswith(f"{PROBLEM_ID}: bad_submission: ")
    assert "earlier version" not in rows["ana"][-1]
    assert rows["ben"][1] == "" and rows["ben"][-1] == STALE_NOTE


def test_current_results_are_of_the_file_as_it_is_now_and_of_the_run_s_seed(tmp_path):
    """The one rule the class outputs count results by (:class:`Current`)."""
    import hashlib

    from grader.reports.classroom import Current
    from grader.submission import MAX_BYTES

    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n")
    sha = hashlib.sha256(b"x = 1\n").hexdigest()
    current = Current(seed={"seed": 0}, files={("ana", PROBLEM_ID): path})
    holds = lambda **extra: current.holds("ana", PROBLEM_ID, {"seed": 0, **extra})  # noqa: E731
    bad = {"kind": "bad_submission", "message": "empty"}
    assert holds(submission_sha256=sha)
    assert not holds(submission_sha256="0" * 64) and not holds()
    assert not current.holds("ana", PROBLEM_ID, {"seed": 7, "submission_sha256": sha})
    assert not current.holds("ana", PROBLEM_ID, {"seed_fingerprint": "f", "submission_sha256": sha})
    assert not current.holds("ben", PROBLEM_ID, {"seed": 0, "submission_sha256": sha})  # no file handed in
    assert holds(submission_sha256="0" * 64, error=bad)  # a digest of its error message, not its bytes
    assert not current.holds("ana", PROBLEM_ID, {"seed": 7, "submission_sha256": "0" * 64, "error": bad})
    path.write_bytes(b"x" * (MAX_BYTES + 1))  # over the limit: read by nobody, matched by no bytes
    big = hashlib.sha256(b"x" * (MAX_BYTES + 1)).hexdigest()
    assert not holds(submission_sha256=big)
    path.unlink()
    path.symlink_to(tmp_path / "elsewhere.py")  # the grader never reads through a link
    (tmp_path / "elsewhere.py").write_bytes(b"x = 1\n")
    assert not holds(submission_sha256=sha)


def test_the_overview_counts_what_was_handed_in_and_says_what_has_no_results_yet(tmp_path):
    """After Ctrl-C the overview once read "1 of 3 students submitted" when all three had, and
    nothing said the run had stopped."""
    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben", "cy"):
        _hand_in(root, student, PROBLEM_ID)
    _grade(root, out, stop_after=1, reports=True)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "3 of 3 students submitted (2 not graded yet) · mean 100%" in html
    assert ("Submissions handed in without results yet: 2. The run was interrupted, or they changed since they "
            "were graded (the notes say which); grade again with --resume to complete the results.") in html
    assert '<span class="v">1</span><span class="k">submissions graded</span>' in html
    _grade(root, out, resume=True, reports=True, lang="zh")
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "3 名学生中有 3 名提交 · 平均 100%" in html
    assert "尚未评测" not in html and "还没有结果" not in html and 'id="results-pending"' not in html


# a helper whose similarity comparison never ends (until the run kills it)
HANGING_HELPER = ("import sys, time, types; sys.path.insert(0, sys.argv[1]); import grader.bounded as b; "
                  "hang = types.ModuleType('hang'); hang.task = lambda **kwargs: time.sleep(600); "
                  "sys.modules['hang'] = hang; b.TASKS['similarity'] = 'hang:task'; b.serve()")


def _helpers_of_this_process() -> list[str]:
    """The pids of this process's helper processes still running (:mod:`grader.bounded`)."""
    import os
    from pathlib import Path

    found = []
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if stat.rsplit(")", 1)[1].split()[1] == str(os.getpid()) and b"grader.bounded" in cmdline:
            found.append(entry)
    return found


def test_ctrl_c_while_the_class_is_compared_stops_at_once_and_writes_no_similarity_report(tmp_path, monkeypatch):
    """Ctrl-C once every submission was graded, while the helpers compared the class and the
    gradebooks were written: it escaped the run, which waited for the comparison to end and wrote
    its report, and the command said "Interrupted." without --resume. Now the run is interrupted
    like any other: the comparison abandoned (its helpers killed), no similarity report (an earlier
    one removed), the gradebooks and the overview written."""
    import time

    from grader import bounded
    from grader.reports.classroom import ClassOutputs

    root, out = tmp_path / "class", tmp_path / "out"
    for student in ("ana", "ben"):
        _hand_in(root, student, PROBLEM_ID)
    _grade(root, out, reports=True)
    assert (out / "similarity.json").is_file() and (out / "similarity" / PROBLEM_ID).is_dir()
    monkeypatch.setattr(bounded, "BOOTSTRAP", HANGING_HELPER)
    monkeypatch.setattr(similarity, "PROBLEM_SECONDS", 20.0)  # the comparison's budget, if waited for
    prepare = ClassOutputs.prepare

    def ctrl_c_after_the_gradebooks(self):
        prepare(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(ClassOutputs, "prepare", ctrl_c_after_the_gradebooks)
    _hand_in(root, "cy", PROBLEM_ID)
    started = time.monotonic()
    try:
        summary = _grade(root, out, reports=True, resume=True)
    except KeyboardInterrupt:
        pytest.fail("Ctrl-C while the class was compared escaped the class run")
    assert time.monotonic() - started < 15
    assert summary.interrupted and summary.graded == 1 and summary.skipped == 2
    assert not (out / "similarity.json").exists() and not (out / "similarity").exists()  # no empty folders left
    assert "3 of 3 students submitted" in (out / "index.html").read_text(encoding="utf-8")
    assert "cy" in (out / "gradebook.csv").read_text(encoding="utf-8")
    assert not _helpers_of_this_process()


def test_a_problem_handed_in_but_not_graded_yet_is_not_said_to_be_submitted_by_nobody(tmp_path):
    write_class_outputs(tmp_path, problems=[problem()], roster={"ana": {"graded": [PROBLEM_ID]}}, lang="zh")
    html = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert "1 名学生中有 1 名提交（其中 1 名尚未评测）" in html and "没有人提交这道题。" not in html
    assert "已提交但还没有结果的提交：1 份。" in html
