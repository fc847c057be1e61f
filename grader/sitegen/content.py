"""The site's own content: the source articles, the interview questions, the quiz and the tags'
Chinese names.

All four are data files under ``site/content/`` (TOML, bilingual, Markdown
answers), so that they can be edited without touching a template. This module
reads and checks them, and refuses an inconsistent file with a ``ValueError``
that names the entry; it renders nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from grader import tomlcompat as tomllib

from grader.datapaths import site_assets_dir


@dataclass(frozen=True)
class Text:
    """One piece of text in both languages."""

    en: str
    zh: str


@dataclass(frozen=True)
class Source:
    id: str
    name: Text
    about: Text


@dataclass(frozen=True)
class Correction:
    source: str
    claim: Text
    why: Text


@dataclass(frozen=True)
class Question:
    id: str
    topic: str
    sources: tuple[str, ...]
    problems: tuple[str, ...]
    question: Text
    answer: Text  # Markdown
    corrections: tuple[Correction, ...]


@dataclass(frozen=True)
class Topic:
    id: str
    name: Text


def content_dir() -> Path:
    return site_assets_dir() / "content"


def _text(raw: dict, where: str) -> Text:
    try:
        return Text(en=raw["en"].strip(), zh=raw["zh"].strip())
    except (KeyError, TypeError, AttributeError):
        raise ValueError(f"{where}: needs both 'en' and 'zh' text") from None


def _read(name: str) -> dict:
    with (content_dir() / name).open("rb") as fh:
        return tomllib.load(fh)


def load_sources() -> tuple[Source, ...]:
    raw = _read("sources.toml")
    return tuple(Source(id=s["id"], name=_text(s["name"], f"source {s['id']} name"),
                        about=_text(s["about"], f"source {s['id']} about"))
                 for s in raw["source"])


def load_tag_names() -> dict[str, str]:
    """Tag -> its Chinese name, from ``tags.toml``."""
    names = _read("tags.toml").get("zh", {})
    bad = sorted(tag for tag, name in names.items() if not isinstance(name, str) or not name.strip())
    if bad:
        raise ValueError(f"tags.toml: the Chinese name of {', '.join(bad)} must be a non-empty string")
    return {tag: name.strip() for tag, name in names.items()}


def load_questions(source_ids: set[str] | None = None) -> tuple[tuple[Topic, ...], tuple[Question, ...]]:
    """Topics (in file order) and questions; raises ``ValueError`` on an inconsistency."""
    raw = _read("questions.toml")
    topics = tuple(Topic(id=k, name=_text(v, f"topic {k}")) for k, v in raw["topics"].items())
    topic_ids = {t.id for t in topics}
    questions = []
    seen: set[str] = set()
    for q in raw["question"]:
        qid = q["id"]
        if qid in seen:
            raise ValueError(f"questions.toml: duplicate id {qid!r}")
        seen.add(qid)
        if q["topic"] not in topic_ids:
            raise ValueError(f"questions.toml: {qid}: unknown topic {q['topic']!r}")
        corrections = tuple(
            Correction(source=c["source"], claim=_text(c["claim"], f"{qid} correction claim"),
                       why=_text(c["why"], f"{qid} correction why"))
            for c in q.get("correction", ())
        )
        question = Question(
            id=qid, topic=q["topic"], sources=tuple(q.get("sources", ())),
            problems=tuple(q.get("problems", ())),
            question=_text(q["question"], f"{qid} question"), answer=_text(q["answer"], f"{qid} answer"),
            corrections=corrections,
        )
        if source_ids is not None:
            unknown = (set(question.sources) | {c.source for c in corrections}) - source_ids
            if unknown:
                raise ValueError(f"questions.toml: {qid}: unknown source(s) {sorted(unknown)}")
            missing = {c.source for c in corrections} - set(question.sources)
            if missing:
                raise ValueError(f"questions.toml: {qid}: corrections of {sorted(missing)}, "
                                 "which are not listed in its sources")
        questions.append(question)
    return topics, tuple(questions)


# --- the self-check quiz -------------------------------------------------------

QUIZ_KINDS = ("choice", "number")
_QUIZ_KEYS = {"id", "topic", "kind", "question", "explanation", "link", "sources",
              "choices", "answer", "tolerance"}
_QUIZ_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
_QUESTION_LINK = re.compile(r"questions\.html#(?P<anchor>[^#/]+)")
_PROBLEM_LINK = re.compile(r"problem/(?P<problem>[a-z0-9_]+)\.html#(?P<anchor>[^#/]+)")


@dataclass(frozen=True)
class QuizQuestion:
    """One quiz question: multiple choice (``correct`` indexes ``choices``) or numeric.

    A numeric answer counts when it is within ``tolerance`` of ``answer``.
    """

    id: str
    topic: str
    kind: str
    question: Text  # plain text with `code` and $math$
    explanation: Text  # Markdown
    link: str  # relative to the site root
    sources: tuple[str, ...] = ()
    choices: tuple[Text, ...] = ()
    correct: int | None = None
    answer: float | None = None
    tolerance: float | None = None


def _number(raw, where: str) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
        raise ValueError(f"{where}: needs a finite number, not {raw!r}")
    return float(raw)


def _quiz_question(raw: dict, topic_ids: set[str]) -> QuizQuestion:
    qid = raw.get("id", "")
    where = f"quiz.toml: {qid or '(no id)'}"
    if not isinstance(qid, str) or not _QUIZ_ID.fullmatch(qid):
        raise ValueError(f"{where}: an id is lower-case words joined by dashes")
    unknown = set(raw) - _QUIZ_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}")
    if raw.get("topic") not in topic_ids:
        raise ValueError(f"{where}: unknown topic {raw.get('topic')!r}")
    kind = raw.get("kind")
    if kind not in QUIZ_KINDS:
        raise ValueError(f"{where}: kind must be one of {QUIZ_KINDS}, not {kind!r}")
    common = dict(
        id=qid, topic=raw["topic"], kind=kind,
        question=_text(raw.get("question"), f"{where} question"),
        explanation=_text(raw.get("explanation"), f"{where} explanation"),
        link=str(raw.get("link", "")), sources=tuple(raw.get("sources", ())),
    )
    if kind == "choice":
        if "answer" in raw or "tolerance" in raw:
            raise ValueError(f"{where}: a multiple-choice question has no answer or tolerance")
        choices = raw.get("choices", ())
        if len(choices) < 2:
            raise ValueError(f"{where}: needs at least two choices")
        correct = [i for i, c in enumerate(choices) if c.get("correct") is True]
        if len(correct) != 1:
            raise ValueError(f"{where}: needs exactly one choice with correct = true, has {len(correct)}")
        texts = tuple(_text(c, f"{where} choice {i + 1}") for i, c in enumerate(choices))
        if len({t.en for t in texts}) != len(texts) or len({t.zh for t in texts}) != len(texts):
            raise ValueError(f"{where}: two choices read the same")
        return QuizQuestion(**common, choices=texts, correct=correct[0])
    if "choices" in raw:
        raise ValueError(f"{where}: a numeric question has no choices")
    if "answer" not in raw or "tolerance" not in raw:
        raise ValueError(f"{where}: a numeric question needs an answer and a tolerance")
    tolerance = _number(raw["tolerance"], f"{where} tolerance")
    if tolerance < 0:
        raise ValueError(f"{where}: the tolerance cannot be negative")
    return QuizQuestion(**common, answer=_number(raw["answer"], f"{where} answer"), tolerance=tolerance)


def _check_link(question: QuizQuestion, question_ids: set[str],
                problem_anchors: dict[str, set[str]] | None) -> None:
    where = f"quiz.toml: {question.id}: link {question.link!r}"
    to_question = _QUESTION_LINK.fullmatch(question.link)
    if to_question:
        if to_question["anchor"] not in question_ids:
            raise ValueError(f"{where}: no interview question has that id")
        return
    to_problem = _PROBLEM_LINK.fullmatch(question.link)
    if not to_problem:
        raise ValueError(f"{where}: must be questions.html#<question id> or problem/<id>.html#<anchor>")
    if problem_anchors is None:
        return
    anchors = problem_anchors.get(to_problem["problem"])
    if anchors is None:
        raise ValueError(f"{where}: no such problem")
    if to_problem["anchor"] not in anchors:
        raise ValueError(f"{where}: the problem page has no #{to_problem['anchor']}")


def load_quiz(*, topic_ids: set[str], question_ids: set[str], source_ids: set[str] | None = None,
              problem_anchors: dict[str, set[str]] | None = None) -> tuple[QuizQuestion, ...]:
    """The quiz questions in file order, every one checked.

    Args:
        topic_ids: the topics of questions.toml; each quiz question belongs to one.
        question_ids: the interview questions a ``questions.html#…`` link may name.
        source_ids: the articles a question may cite (not checked when ``None``).
        problem_anchors: for each problem, the anchors of its page that a
            ``problem/<id>.html#…`` link may name (not checked when ``None``).

    Raises:
        ValueError: an entry is incomplete, ambiguous or links nowhere.
    """
    questions = []
    seen: set[str] = set()
    for raw in _read("quiz.toml").get("question", ()):
        question = _quiz_question(raw, topic_ids)
        if question.id in seen:
            raise ValueError(f"quiz.toml: duplicate id {question.id!r}")
        seen.add(question.id)
        _check_link(question, question_ids, problem_anchors)
        if source_ids is not None and set(question.sources) - source_ids:
            raise ValueError(f"quiz.toml: {question.id}: unknown source(s) "
                             f"{sorted(set(question.sources) - source_ids)}")
        questions.append(question)
    return tuple(questions)
