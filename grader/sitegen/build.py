"""Build the static study site: every page from the registry and the content files.

Layout of the output directory::

    index.html                 problems, difficulty, tags, sources, progress
    problem/<id>.html          one page per problem in the registry
    questions.html             the interview questions with corrected answers
    quiz.html                  a self-check quiz, answered in the page
    search.html                offline search over problems and questions
    static/                    style.css, icon.svg and print.js (shared), study.css, study.js,
                               formulas.js, search.js, quiz.js, search-index.js and quiz-data.js (generated)

Every link is relative, every asset local, so the site works from ``file://``
with no network. A problem that is still being written (no statement yet, no
reference, no example) gets a page with what exists and a warning on the log;
it never stops the build.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from grader import progress, registry
from grader.datapaths import site_assets_dir
from grader.references import solution_source
from grader.registry import Problem
from grader.sitegen import content, examples, figures, markup
from grader.sitegen.problem_figures import ProblemFigure, custom_figure
from grader.templating import make_environment

log = logging.getLogger(__name__)

STATIC_FILES = ("style.css", "icon.svg", "print.js", "study.css", "study.js", "formulas.js",
                "search.js", "quiz.js")
PROBLEM_DIR = "problem"


@dataclass
class Bilingual:
    """Rendered HTML (or plain text) in both languages; ``zh_missing`` when zh fell back to en."""

    en: object
    zh: object
    zh_missing: bool = False


@dataclass
class MisconceptionView:
    id: str
    title: Bilingual
    explanation: Bilingual
    source: str
    mistake: object  # highlighted HTML
    fix: object


@dataclass
class CorrectionView:
    """What an article got wrong about an interview question, rendered."""

    source: str
    claim: Bilingual
    why: Bilingual


@dataclass
class ProblemView:
    problem: Problem
    url: str  # relative to the site root
    title: Bilingual
    summary: Bilingual
    statement: Bilingual | None
    signature: object | None
    example_code: object | None
    example_result: object | None
    heatmap: figures.Heatmap | None
    generation: figures.Generation | None
    custom_figure: ProblemFigure | None
    hints: list[Bilingual]
    misconceptions: list[MisconceptionView]
    solution: object | None
    complexity: Bilingual
    status: dict | None = None  # the learner's progress on it
    search_text: Bilingual | None = field(default=None, repr=False)  # plain words, for the index


@lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    return make_environment(
        filters={"percent": lambda x: f"{100 * x:.0f}%", "num": lambda x: f"{x:g}"},
        keep_trailing_newline=True,
    )


def _statement(problem: Problem) -> tuple[Bilingual | None, Bilingual]:
    """The statement as HTML, and as plain words for the search index, in both languages."""
    texts = {}
    for lang, path in (("en", problem.statement_path), ("zh", problem.statement_zh_path)):
        if path.is_file():
            texts[lang] = path.read_text(encoding="utf-8")
    if not texts:
        log.warning("%s: no statement.md yet; the page shows the summary only", problem.id)
        return None, Bilingual("", "")
    en_html, en_text = markup.markdown_with_text(texts.get("en", texts.get("zh")))
    zh_html, zh_text = markup.markdown_with_text(texts["zh"]) if "zh" in texts else (en_html, "")
    view = Bilingual(en_html, zh_html, zh_missing="zh" not in texts)
    return view, Bilingual(en_text, zh_text)


def _inline(en: str, zh: str) -> Bilingual:
    """A one-line string in both languages, with its `code` and $math$ rendered."""
    return Bilingual(markup.inline(en), markup.inline(zh))


def _problem_view(problem: Problem, done: dict) -> ProblemView:
    statement, statement_text = _statement(problem)
    try:
        signature = markup.highlight(examples.signature(problem.stub(), problem.symbols))
    except (OSError, SyntaxError) as exc:
        log.warning("%s: no signature: %s", problem.id, exc)
        signature = None
    try:
        solution = markup.highlight(solution_source(problem))
    except OSError:
        log.warning("%s: no reference solution yet", problem.id)
        solution = None
    example = examples.run_example(problem)
    heatmap = generation = None
    custom = custom_figure(problem)
    if custom is not None:
        pass
    elif problem.kind == "generation":
        generation = figures.generation(problem)
    elif example is not None and example.figure_value is not None:
        heatmap = figures.heatmap(example.figure_value)
    hints = [_inline(en, zh) for en, zh in zip(problem.hints, problem.hints_zh)]
    if len(problem.hints) != len(problem.hints_zh):
        log.warning("%s: %d English hints but %d Chinese ones", problem.id,
                    len(problem.hints), len(problem.hints_zh))
    misconceptions = [
        MisconceptionView(
            id=m.id, source=m.source,
            title=_inline(m.title, m.title_zh),
            explanation=_inline(m.explanation, m.explanation_zh),
            mistake=markup.highlight(m.mistake) if m.mistake else None,
            fix=markup.highlight(m.fix) if m.fix else None,
        )
        for m in problem.misconceptions
    ]
    search_text = Bilingual(
        _words(problem.summary, statement_text.en, *problem.hints,
               *(f"{m.title} {m.explanation}" for m in problem.misconceptions)),
        _words(problem.summary_zh, statement_text.zh, *problem.hints_zh,
               *(f"{m.title_zh} {m.explanation_zh}" for m in problem.misconceptions)),
    )
    return ProblemView(
        problem=problem,
        url=f"{PROBLEM_DIR}/{problem.id}.html",
        title=Bilingual(problem.title, problem.title_zh),
        summary=_inline(problem.summary, problem.summary_zh),
        statement=statement,
        signature=signature,
        example_code=markup.highlight(example.code) if example else None,
        example_result=markup.highlight(example.result) if example else None,
        heatmap=heatmap,
        generation=generation,
        custom_figure=custom,
        hints=hints,
        misconceptions=misconceptions,
        solution=solution,
        complexity=_inline(problem.complexity, problem.complexity_zh),
        status=done.get(problem.id),
        search_text=search_text,
    )


def _progress(views: list[ProblemView]) -> dict | None:
    tried = [v for v in views if v.status]
    if not tried:
        return None
    solved = sum(1 for v in tried if v.status.get("solved"))
    return {"solved": solved, "tried": len(tried), "total": len(views),
            "fraction": solved / len(views) if views else 0.0}


def _words(*texts: str) -> str:
    return " ".join(" ".join(texts).split())


def _entry(kind: str, href: str, title: Bilingual, names: list[str], text: Bilingual) -> dict:
    """One search-index entry. search.js matches the titles and the names (ids, tags: the same in
    both languages) first, then the text, and quotes the text of the reader's language."""
    return {"k": kind, "u": href, "t": title.en, "tz": title.zh, "n": " ".join(names),
            "x": text.en, "xz": text.zh}


def _search_index(views: list[ProblemView], rendered_questions: list[dict], topics,
                  tag_names: dict[str, str]) -> list[dict]:
    entries = []
    for v in views:
        p = v.problem
        # the short name its mistakes' IDs start with ("gqa" of gqa.causal_flipped) names it too
        short = sorted({m.id.partition(".")[0] for m in p.misconceptions} - {p.id})
        tags = [*p.tags, *(tag_names[t] for t in p.tags if t in tag_names)]
        entries.append(_entry("problem", v.url, v.title, [p.id, *short, *tags], v.search_text))
        for m in p.misconceptions:
            entries.append(_entry("mistake", f"{v.url}#{m.id}", Bilingual(m.title, m.title_zh), [m.id],
                                  Bilingual(_words(m.explanation, m.mistake, m.fix),
                                            _words(m.explanation_zh, m.mistake, m.fix))))
    topic_names = {t.id: t.name for t in topics}
    for item in rendered_questions:
        q = item["q"]
        topic = topic_names[q.topic]
        text = Bilingual(
            _words(topic.en, item["text"].en, *(f"{c.claim.en} {c.why.en}" for c in q.corrections)),
            _words(topic.zh, item["text"].zh, *(f"{c.claim.zh} {c.why.zh}" for c in q.corrections)))
        entries.append(_entry("question", f"questions.html#{q.id}", Bilingual(q.question.en, q.question.zh),
                              [q.id], text))
    return entries


@dataclass
class QuizTarget:
    """The page a quiz question sends the learner to."""

    href: str  # relative to the site root
    kind: str  # "question" or "problem"
    title: Bilingual
    section: str  # the problem page's section, or "" for a misconception or a question
    mistake: Bilingual | None = None


@dataclass
class QuizView:
    q: content.QuizQuestion
    number: int
    question: Bilingual
    choices: list[Bilingual]
    explanation: Bilingual
    target: QuizTarget


def _page_anchors(view: ProblemView) -> set[str]:
    """The anchors of a problem page that other pages may link to."""
    anchors = {"statement"}
    if view.hints:
        anchors.add("hints")
    if view.misconceptions:
        anchors |= {"mistakes", *(m.id for m in view.misconceptions)}
    if view.solution:
        anchors.add("solution")
    return anchors


def _quiz_target(link: str, questions: dict, views: dict[str, ProblemView]) -> QuizTarget:
    page, anchor = link.split("#")
    if page == "questions.html":
        q = questions[anchor]
        return QuizTarget(link, "question", Bilingual(q.question.en, q.question.zh), "")
    problem = views[page.removeprefix(f"{PROBLEM_DIR}/").removesuffix(".html")].problem
    title = Bilingual(problem.title, problem.title_zh)
    mistake = next((m for m in problem.misconceptions if m.id == anchor), None)
    if mistake is None:
        return QuizTarget(link, "problem", title, anchor)
    return QuizTarget(link, "problem", title, "", Bilingual(mistake.title, mistake.title_zh))


def _quiz_views(quiz, questions, views: dict[str, ProblemView]) -> list[QuizView]:
    by_id = {q.id: q for q in questions}
    return [
        QuizView(
            q=q, number=number,
            question=_inline(q.question.en, q.question.zh),
            choices=[_inline(c.en, c.zh) for c in q.choices],
            explanation=Bilingual(markup.markdown(q.explanation.en), markup.markdown(q.explanation.zh)),
            target=_quiz_target(q.link, by_id, views),
        )
        for number, q in enumerate(quiz, start=1)
    ]


def _quiz_key(quiz) -> dict:
    """What quiz.js needs to grade each question (the texts are in the page)."""
    key = {}
    for q in quiz:
        entry: dict = {"kind": q.kind}
        if q.kind == "choice":
            entry["correct"] = q.correct
        else:
            entry.update(answer=q.answer, tolerance=q.tolerance,
                         answerText=f"{q.answer:g}", toleranceText=f"{q.tolerance:g}")
        # A saved answer is dropped when the question's key changes under it.
        fingerprint = json.dumps([q.kind, [c.en for c in q.choices], q.correct, q.answer, q.tolerance])
        entry["fp"] = hashlib.sha256(fingerprint.encode("utf-8")).hexdigest()[:12]
        key[q.id] = entry
    return key


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


SITE_MARK = ".attn-judge-site"  # written into a site's folder first: a later build may replace what is there


def site_output_or_new(out: Path) -> bool:
    """Whether ``out`` is missing, empty, or a study site's folder (its mark, or, built before the
    mark existed, its quiz page and script): a build replaces the files it writes there."""
    try:
        if not out.is_dir() or next(out.iterdir(), None) is None or (out / SITE_MARK).is_file():
            return True
        return (out / "quiz.html").is_file() and (out / "static" / "study.js").is_file()
    except OSError:  # a folder that cannot be listed: writing there fails, and is said then
        return True


def build_site(*, out: Path) -> Path:
    """Write the study site into ``out`` and return the path of its ``index.html``.

    Args:
        out: the output directory (created if needed). Files the build writes are
            replaced; nothing else in it is touched.

    Returns:
        ``out / "index.html"``.
    """
    out = Path(out)
    _write(out / SITE_MARK, "A study site written by attn-judge site build; a later build replaces it.\n")
    env = _environment()
    sources = content.load_sources()
    source_ids = {s.id for s in sources}
    topics, questions = content.load_questions(source_ids)
    done = progress.load()
    problems = registry.all_problems()
    views = [_problem_view(p, done) for p in problems]
    known = {v.problem.id: v for v in views}
    tag_names = content.load_tag_names()
    for view in views:
        unknown = set(view.problem.sources) - source_ids
        if unknown:
            log.warning("%s: unknown source article(s) %s", view.problem.id, sorted(unknown))
        unnamed = set(view.problem.tags) - set(tag_names)
        if unnamed:
            log.warning("%s: tag(s) %s have no Chinese name in site/content/tags.toml", view.problem.id,
                        sorted(unnamed))

    common = {"lang": "en", "problems": views, "sources": {s.id: s for s in sources},
              "question_count": len(questions), "tag_names": tag_names}
    pages = {"index.html": ("site/index.html", {"root": "", "page": "index",
                                                "progress": _progress(views)})}
    for i, view in enumerate(views):
        pages[view.url] = ("site/problem.html", {
            "root": "../", "page": "problem", "view": view,
            "previous": views[i - 1] if i > 0 else None,
            "next": views[i + 1] if i + 1 < len(views) else None,
        })
    rendered_questions = []
    for q in questions:
        en_html, en_text = markup.markdown_with_text(q.answer.en)
        zh_html, zh_text = markup.markdown_with_text(q.answer.zh)
        rendered_questions.append({"q": q, "answer": Bilingual(en_html, zh_html),
                                   "text": Bilingual(en_text, zh_text),
                                   "corrections": [
                                       CorrectionView(c.source, _inline(c.claim.en, c.claim.zh),
                                                      _inline(c.why.en, c.why.zh))
                                       for c in q.corrections],
                                   "problems": [known[p] for p in q.problems if p in known]})
    pages["questions.html"] = ("site/questions.html", {
        "root": "", "page": "questions", "topics": topics, "questions": rendered_questions,
        "source_list": sources,
        "asked_by": {s.id: [q for q in questions if s.id in q.sources] for s in sources},
        "corrected": {s.id: sum(1 for q in questions for c in q.corrections if c.source == s.id)
                      for s in sources},
        "used_by": {s.id: [v for v in views if s.id in v.problem.sources] for s in sources},
    })
    quiz = content.load_quiz(
        topic_ids={t.id for t in topics}, question_ids={q.id for q in questions},
        source_ids=source_ids, problem_anchors={v.problem.id: _page_anchors(v) for v in views})
    quiz_views = _quiz_views(quiz, questions, known)
    pages["quiz.html"] = ("site/quiz.html", {
        "root": "", "page": "quiz", "topics": topics, "quiz": quiz_views,
    })
    pages["search.html"] = ("site/search.html", {"root": "", "page": "search"})

    for relative, (template, context) in pages.items():
        _write(out / relative, env.get_template(template).render(**common, **context))

    static_out = out / "static"
    static_out.mkdir(parents=True, exist_ok=True)
    for name in STATIC_FILES:
        shutil.copyfile(site_assets_dir() / "static" / name, static_out / name)
    index = _search_index(views, rendered_questions, topics, tag_names)
    # A script, not a .json file: pages opened from file:// may not fetch().
    _write(static_out / "search-index.js",
           "window.ATTN_SEARCH_INDEX = " + json.dumps(index, ensure_ascii=True, separators=(",", ":")) + ";\n")
    _write(static_out / "quiz-data.js",
           "window.ATTN_QUIZ = " + json.dumps({"questions": _quiz_key(quiz)}, separators=(",", ":")) + ";\n")
    return out / "index.html"
