"""Text in the learner's language: every message a person reads exists in English and Chinese.

A :class:`Text` holds one message in both languages. Test names, hints and check
messages are built as ``Text`` (the message templates themselves live in
:mod:`grader.feedback`), and turned into one language only when results are
written, so no English string is ever translated after the fact and no message
exists in one language only. Numbers, code, shapes and IDs are the same in both.

The language a person gets: ``--lang``, else ``ATTN_JUDGE_LANG``, else the
locale (``LC_ALL``, ``LC_MESSAGES``, ``LANG``: a value starting with ``zh`` means
Chinese), else English.
"""

from __future__ import annotations

import os
import string
from dataclasses import dataclass
from typing import Iterable

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
_FORMATTER = string.Formatter()


@dataclass(frozen=True)
class Text:
    """One message in English and in Chinese."""

    en: str
    zh: str

    def __post_init__(self) -> None:
        if not isinstance(self.en, str) or not isinstance(self.zh, str):
            raise TypeError("Text holds two strings")
        if bool(self.en.strip()) != bool(self.zh.strip()):
            raise ValueError(f"a message exists in one language only: {self.en!r} / {self.zh!r}")

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def __str__(self) -> str:  # logs and assertion messages; people get get(lang)
        return self.en

    def __bool__(self) -> bool:
        return bool(self.en)

    def __add__(self, other: "Text | str") -> "Text":
        other = text(other)
        return Text(self.en + other.en, self.zh + other.zh)

    def __radd__(self, other: str) -> "Text":
        return text(other) + self

    def format(self, **params) -> "Text":
        """Fill ``{name}`` placeholders; a parameter that is a Text is taken in each language."""
        return Text(_fill(self.en, params, "en"), _fill(self.zh, params, "zh"))

    def placeholders(self, lang: str) -> set[str]:
        return {name for _, name, _, _ in _FORMATTER.parse(self.get(lang)) if name}


def _fill(template: str, params: dict, lang: str) -> str:
    return template.format(**{k: v.get(lang) if isinstance(v, Text) else v for k, v in params.items()})


def t(en: str, zh: str) -> Text:
    """A message written in both languages (the way every learner-facing string is declared)."""
    return Text(en, zh)


def same(value) -> Text:
    """Something that reads the same in every language: a number, a shape, code, an ID."""
    value = str(value)
    return Text(value, value)


def text(value: "Text | str") -> Text:
    """A Text as is; a plain string (code, numbers, a name) the same in both languages."""
    return value if isinstance(value, Text) else same(value)


def join(separator: "Text | str", items: Iterable["Text | str"]) -> Text:
    items = [text(i) for i in items]
    sep = text(separator)
    return Text(sep.en.join(i.en for i in items), sep.zh.join(i.zh for i in items))


# Chinese punctuation that ends a sentence or clause: the next sentence follows it without a space
_FULL_WIDTH_ENDS = "。！？；：）"


def sentence_join(parts: Iterable[str], lang: str) -> str:
    """Sentences of one language in a row: a space between two, except in Chinese after full-width
    punctuation (``得分 0/5。这份提交…``)."""
    joined = ""
    for part in (p for p in parts if p):
        glued = not joined or (lang == "zh" and joined.endswith(tuple(_FULL_WIDTH_ENDS)))
        joined += part if glued else " " + part
    return joined


def sentences(parts: Iterable["Text | str"]) -> Text:
    """:func:`sentence_join` in both languages."""
    items = [text(p) for p in parts]
    return Text(sentence_join((i.en for i in items), "en"), sentence_join((i.zh for i in items), "zh"))


EMPTY = Text("", "")


class TextError(Exception):
    """An error whose message a person reads, in both languages: ``text`` (a :class:`Text`, never
    a plain string); ``str()`` is the English side, for logs, and the error pickles."""

    def __init__(self, text: Text) -> None:
        if not isinstance(text, Text):
            raise TypeError(f"{type(self).__name__} says what went wrong in both languages: give it a Text")
        super().__init__(text)
        self.text = text


def resolve_lang(lang: str | None = None, environ: dict | None = None) -> str:
    """The language to use: ``lang`` if given, else ATTN_JUDGE_LANG, else the locale."""
    environ = os.environ if environ is None else environ
    for candidate in (lang, environ.get("ATTN_JUDGE_LANG")):
        if candidate:
            return "zh" if candidate.lower().startswith("zh") else "en"
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else DEFAULT_LANG
    return DEFAULT_LANG
