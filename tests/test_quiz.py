"""The self-check quiz without a browser: its data file, its checks and the page it builds."""

from __future__ import annotations

import json
import re

import pytest

from grader.sitegen import content
from tests.site_support import broken_links, build, parse

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _load(**overrides):
    sources = content.load_sources()
    topics, questions = content.load_questions({s.id for s in sources})
    kwargs = dict(topic_ids={t.id for t in topics}, question_ids={q.id for q in questions},
                  source_ids={s.id for s in sources})
    kwargs.update(overrides)
    return content.load_quiz(**kwargs)


def _replace_quiz_file(monkeypatch, entries: list[dict]) -> None:
    read = content._read
    monkeypatch.setattr(content, "_read", lambda name: {"question": entries} if name == "quiz.toml" else read(name))


@pytest.fixture(scope="module")
def quiz():
    return _load()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    build(out, tmp_path_factory.mktemp("home"))
    return out


# --- the data -----------------------------------------------------------------------

def test_at_least_forty_questions_of_both_kinds(quiz):
    assert len(quiz) >= 40
    kinds = {q.kind for q in quiz}
    assert kinds == {"choice", "number"}
    assert len({q.id for q in quiz}) == len(quiz)


def test_every_text_exists_in_both_languages(quiz):
    for q in quiz:
        for text in (q.question, q.explanation, *q.choices):
            assert text.en and text.zh, q.id
            assert not CHINESE.search(text.en), q.id
        # Choices such as `dim=-1` are code in both languages; the question and explanation are prose.
        assert CHINESE.search(q.question.zh) and CHINESE.search(q.explanation.zh), q.id


def test_one_correct_choice_and_numbers_with_tolerances(quiz):
    for q in quiz:
        if q.kind == "choice":
            assert len(q.choices) >= 2 and 0 <= q.correct < len(q.choices), q.id
            assert q.answer is None and q.tolerance is None, q.id
        else:
            assert q.choices == () and q.correct is None, q.id
            assert q.answer is not None and q.tolerance is not None and q.tolerance >= 0, q.id


def test_the_right_choice_is_not_always_in_the_same_place(quiz):
    positions = {q.correct for q in quiz if q.kind == "choice"}
    assert len(positions) >= 3


def test_every_topic_of_the_interview_questions_is_rehearsed(quiz):
    topics, _ = content.load_questions()
    assert {t.id for t in topics} == {q.topic for q in quiz}


@pytest.mark.parametrize("change, message", [
    (lambda q: q["choices"][0].update(correct=True), "exactly one choice"),
    (lambda q: [c.pop("correct", None) for c in q["choices"]], "exactly one choice"),
    (lambda q: q["choices"][1].pop("zh"), "both 'en' and 'zh'"),
    (lambda q: q.update(link="questions.html#no-such-question"), "no interview question"),
    (lambda q: q.update(link="problem/no_such_problem.html#statement"), "no such problem"),
    (lambda q: q.update(link="problem/scaled_dot_product_attention.html#sdpa.nothing"), "has no #sdpa.nothing"),
    (lambda q: q.update(link="https://example.com/"), "must be"),
    (lambda q: q.update(topic="nowhere"), "unknown topic"),
    (lambda q: q.update(tolerence=1), "unknown key"),
    (lambda q: q.update(sources=["999"]), "unknown source"),
])
def test_a_faulty_choice_question_is_refused(monkeypatch, change, message):
    raw = {"id": "probe", "topic": "basics", "kind": "choice", "link": "questions.html#why-scale",
           "question": {"en": "Q?", "zh": "问？"}, "explanation": {"en": "E.", "zh": "解。"},
           "choices": [{"en": "a", "zh": "甲"}, {"en": "b", "zh": "乙", "correct": True}]}
    change(raw)
    _replace_quiz_file(monkeypatch, [raw])
    with pytest.raises(ValueError, match=message):
        _load(problem_anchors={"scaled_dot_product_attention": {"statement", "sdpa.no_scale"}})


@pytest.mark.parametrize("change, message", [
    (lambda q: q.pop("tolerance"), "answer and a tolerance"),
    (lambda q: q.update(tolerance=-0.1), "cannot be negative"),
    (lambda q: q.update(answer="eight"), "finite number"),
    (lambda q: q.update(answer=float("nan")), "finite number"),
    (lambda q: q.update(choices=[{"en": "a", "zh": "甲", "correct": True}]), "no choices"),
])
def test_a_faulty_numeric_question_is_refused(monkeypatch, change, message):
    raw = {"id": "probe", "topic": "basics", "kind": "number", "link": "questions.html#why-scale",
           "question": {"en": "Q?", "zh": "问？"}, "explanation": {"en": "E.", "zh": "解。"},
           "answer": 8, "tolerance": 0.01}
    change(raw)
    _replace_quiz_file(monkeypatch, [raw])
    with pytest.raises(ValueError, match=message):
        _load()


def test_duplicate_ids_are_refused(monkeypatch):
    raw = {"id": "probe", "topic": "basics", "kind": "number", "link": "questions.html#why-scale",
           "question": {"en": "Q?", "zh": "问？"}, "explanation": {"en": "E.", "zh": "解。"},
           "answer": 8, "tolerance": 0}
    _replace_quiz_file(monkeypatch, [raw, dict(raw)])
    with pytest.raises(ValueError, match="duplicate"):
        _load()


# --- the page it builds --------------------------------------------------------------

def _answer_key(site) -> dict:
    script = (site / "static" / "quiz-data.js").read_text(encoding="utf-8")
    assert script.startswith("window.ATTN_QUIZ = ")
    return json.loads(script[script.index("=") + 1:].strip().rstrip(";"))["questions"]


def test_the_answer_key_matches_the_data(site, quiz):
    key = _answer_key(site)
    assert list(key) == [q.id for q in quiz]
    for q in quiz:
        entry = key[q.id]
        assert entry["kind"] == q.kind and re.fullmatch(r"[0-9a-f]{12}", entry["fp"])
        if q.kind == "choice":
            assert entry["correct"] == q.correct
        else:
            assert entry["answer"] == q.answer and entry["tolerance"] == q.tolerance
            assert float(entry["answerText"]) == q.answer


def test_every_quiz_link_exists_in_the_built_site(site, quiz):
    page = parse(site / "quiz.html")
    hrefs = [ref for tag, attr, ref in page.refs if tag == "a" and attr == "href"]
    for q in quiz:
        assert q.link in hrefs, q.id
        target, anchor = q.link.split("#")
        assert (site / target).is_file(), q.link
        assert anchor in parse(site / target).ids, q.link
    assert not [problem for problem in broken_links(site) if problem.startswith("quiz.html")]


def test_every_question_is_an_accessible_form(site, quiz):
    html = (site / "quiz.html").read_text(encoding="utf-8")
    assert "<script>" not in html and 'src="static/quiz-data.js"' in html and 'src="static/quiz.js"' in html
    for q in quiz:
        start = html.index(f'<form class="quiz-question card" id="quiz-{q.id}"')
        form = html[start:html.index("</form>", start)]
        assert "<fieldset>" in form and "<legend>" in form, q.id
        assert '<button type="submit" class="quiz-check' in form, q.id
        assert 'class="quiz-feedback" aria-live="polite"' in form, q.id
        if q.kind == "choice":
            assert form.count('<label class="quiz-choice"><input type="radio"') == len(q.choices), q.id
        else:
            assert f'<label for="quiz-{q.id}-answer">' in form and f'id="quiz-{q.id}-answer"' in form, q.id
            # text read by quiz.js ("6,28", "1/8"), with a keyboard for numbers on phones
            assert 'type="text" inputmode="decimal"' in form, q.id


def test_every_page_links_to_the_quiz(site):
    for name in ("index.html", "questions.html", "search.html", "quiz.html"):
        assert 'href="quiz.html"' in (site / name).read_text(encoding="utf-8"), name
    assert 'aria-current="page">' in (site / "quiz.html").read_text(encoding="utf-8").split('href="quiz.html"')[1][:40]
