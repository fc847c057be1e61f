"""The site's own content: the source articles and the interview questions.

Both are data files under ``site/content/`` (TOML, bilingual, Markdown answers),
so that the questions can be edited without touching a template and could be
reused later (for example by a quiz problem). This module reads and checks them;
it renders nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

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
