"""The problem registry: the single source of truth about which problems exist.

Reads ``problems/<id>/problem.toml`` into frozen dataclasses. The CLI, the
grader, the reports and the site all ask this module; nothing else lists
problems by hand.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from grader import tomlcompat as tomllib

from grader import user_errors as UE
from grader.datapaths import problems_dir
from grader.i18n import join

DIFFICULTIES = ("easy", "medium", "hard")


class UnknownProblemError(LookupError):
    """A problem ID that the registry does not know; ``text`` says so in both languages."""

    def __init__(self, problem_id: str, suggestions: list[str]):
        self.problem_id = problem_id
        self.suggestions = suggestions
        close = UE.DID_YOU_MEAN.format(names=join(UE.LIST_SEPARATOR, suggestions)) if suggestions else ""
        self.text = UE.UNKNOWN_PROBLEM.format(name=repr(problem_id), close=close)
        super().__init__(self.text.en)


@dataclass(frozen=True)
class Misconception:
    """A catalogued mistake: what it is, who made it, the mistake and its fix."""

    id: str
    title: str
    title_zh: str
    explanation: str
    explanation_zh: str
    source: str  # the article whose answer makes it, or ""
    mistake: str  # a minimal snippet of the mistake
    fix: str  # the same snippet, fixed


@dataclass(frozen=True)
class Problem:
    """One problem as described by its ``problem.toml``."""

    id: str
    order: int
    title: str
    title_zh: str
    difficulty: str
    tags: tuple[str, ...]
    sources: tuple[str, ...]
    symbols: tuple[str, ...]
    forbidden: tuple[str, ...]
    kind: str  # "function", "module" or "generation"
    summary: str
    summary_zh: str
    complexity: str
    complexity_zh: str
    hints: tuple[str, ...] = field(default=())
    hints_zh: tuple[str, ...] = field(default=())
    misconceptions: tuple[Misconception, ...] = field(default=())
    # the contract's names of the items it returns, nested like them: ("output", ("k", "v")); () for one tensor
    returns: tuple = field(default=())
    # every call blocks some keys whatever its arguments (a cache's new tokens never see later ones)
    always_blocks_keys: bool = False
    directory: Path = field(default=Path("."), compare=False)

    def misconception(self, misconception_id: str) -> Misconception:
        for item in self.misconceptions:
            if item.id == misconception_id:
                return item
        raise KeyError(misconception_id)

    @property
    def misconception_ids(self) -> list[str]:
        return [m.id for m in self.misconceptions]

    @property
    def statement_path(self) -> Path:
        return self.directory / "statement.md"

    @property
    def statement_zh_path(self) -> Path:
        return self.directory / "statement.zh.md"

    @property
    def stub_path(self) -> Path:
        return self.directory / "stub.py"

    @property
    def public_tests_path(self) -> Path:
        return self.directory / "public_tests.py"

    def statement(self, lang: str = "en") -> str:
        path = self.statement_zh_path if lang == "zh" else self.statement_path
        return path.read_text(encoding="utf-8")

    def stub(self) -> str:
        return self.stub_path.read_text(encoding="utf-8")


def _misconception(raw: dict) -> Misconception:
    return Misconception(
        id=raw["id"],
        title=raw["title"]["en"],
        title_zh=raw["title"]["zh"],
        explanation=raw["explanation"]["en"],
        explanation_zh=raw["explanation"]["zh"],
        source=raw.get("source", ""),
        mistake=raw.get("mistake", "").strip("\n"),
        fix=raw.get("fix", "").strip("\n"),
    )


def _returned_names(raw, path: Path) -> tuple:
    """``returns`` of a problem.toml (a list of names and lists of names) as nested tuples."""
    if not isinstance(raw, list) or not all(isinstance(item, (str, list)) for item in raw):
        raise ValueError(f"{path}: returns must list names (strings) or lists of names, as the contract returns them")
    return tuple(item if isinstance(item, str) else _returned_names(item, path) for item in raw)


def _load_problem(directory: Path) -> Problem:
    path = directory / "problem.toml"
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    try:
        problem = Problem(
            id=raw["id"],
            order=int(raw["order"]),
            title=raw["title"]["en"],
            title_zh=raw["title"]["zh"],
            difficulty=raw["difficulty"],
            tags=tuple(raw.get("tags", ())),
            sources=tuple(raw.get("sources", ())),
            symbols=tuple(raw["symbols"]),
            forbidden=tuple(raw.get("forbidden", ())),
            kind=raw.get("kind", "function"),
            summary=raw["summary"]["en"],
            summary_zh=raw["summary"]["zh"],
            complexity=raw.get("complexity", {}).get("en", ""),
            complexity_zh=raw.get("complexity", {}).get("zh", ""),
            hints=tuple(raw.get("hints", {}).get("en", ())),
            hints_zh=tuple(raw.get("hints", {}).get("zh", ())),
            misconceptions=tuple(_misconception(m) for m in raw.get("misconceptions", ())),
            returns=_returned_names(raw.get("returns", []), path),
            always_blocks_keys=raw.get("always_blocks_keys", False) is True,
            directory=directory,
        )
    except KeyError as exc:
        raise ValueError(f"{path}: missing key {exc}") from None
    if problem.id != directory.name:
        raise ValueError(f"{path}: id {problem.id!r} does not match its folder name")
    if problem.difficulty not in DIFFICULTIES:
        raise ValueError(f"{path}: difficulty must be one of {DIFFICULTIES}")
    return problem


@lru_cache(maxsize=None)
def _all() -> tuple[Problem, ...]:
    root = problems_dir()
    found = [_load_problem(d) for d in sorted(root.iterdir()) if (d / "problem.toml").is_file()]
    return tuple(sorted(found, key=lambda p: (p.order, p.id)))


def all_problems() -> tuple[Problem, ...]:
    """Every problem, in catalogue order."""
    return _all()


def problem_ids() -> list[str]:
    return [p.id for p in _all()]


def problem_defining(symbol: str) -> Problem | None:
    """The problem whose contract names ``symbol`` (a function or class name); None if none does."""
    return next((p for p in _all() if symbol in p.symbols), None)


# Names people use for a problem that neither its ID's spelling nor its initials give.
ALIASES = {"rope": "rotary_embedding"}
MIN_CONTAINED = 3  # a shorter name is inside too many IDs by chance ("x" in "text_generation")


def _initials(problem_id: str) -> str:
    return "".join(word[0] for word in problem_id.split("_"))


def close_matches(name: str) -> list[str]:
    """Problem IDs that look like ``name`` (for 'did you mean'): the one it abbreviates (``mha``,
    ``sdpa``, ``rope``), the (at most 3) closest in spelling, best first, then every other ID that
    holds ``name`` (of at least :data:`MIN_CONTAINED` letters) or shares a word of it, in the
    course's order (``my_attention`` names all seven attention problems, not three of them).

    A name that is an ID but for its case, hyphens or spaces (``Self-Attention``),
    or that starts with one (``self_attention (1)``, ``self_attention-checkpoint``,
    ``self_attention_v2``: a copy's name), gets that ID alone."""
    ids = problem_ids()
    name = "_".join(name.lower().replace("-", " ").split()) or name
    if name in ids:
        return [name]
    started = [i for i in ids if name.startswith(i + "_")]
    if started:
        return [max(started, key=len)]
    short = name.replace("_", "")
    abbreviated = [i for i in ids if len(short) > 1 and (short == _initials(i) or ALIASES.get(short) == i)]
    matches = abbreviated + [i for i in difflib.get_close_matches(name, ids, n=3, cutoff=0.5)
                             if i not in abbreviated]
    words = {word for word in name.split("_") if len(word) > 1}
    return matches + [i for i in ids if i not in matches and (
        (len(name) >= MIN_CONTAINED and name in i) or words & set(i.split("_")))]


def get(problem_id: str) -> Problem:
    """Return the problem called ``problem_id`` or raise :class:`UnknownProblemError`."""
    for problem in _all():
        if problem.id == problem_id:
            return problem
    raise UnknownProblemError(problem_id, close_matches(problem_id))
