"""Click's usage errors (a missing argument, an unknown option, a value of the wrong kind) in the
user's language.

Click words these errors in English only and ships no translations, so a learner who works in
Chinese (``--lang zh``, ``ATTN_JUDGE_LANG`` or the locale) read every line of the command in
Chinese but these. :func:`localised` gives such an error the Chinese wording of each message the
command line's options can raise, recognised by click's English template (written by hand: no
library translates click). A message it does not know keeps click's words inside the Chinese
usage line, help hint and error line. This module imports nothing heavy.
"""

from __future__ import annotations

import re
from typing import IO, Sequence

import click

from grader import cli_wording as W
from grader.i18n import DEFAULT_LANG, LANGS, resolve_lang, t
from grader.terminal import one_line

# Click's English templates (8.x), most specific first; a field matches any text.
MESSAGES = (
    t("Missing argument {name}.", "缺少参数 {name}。"),
    t("Missing option {name}.", "缺少选项 {name}。"),
    t("Missing command.", "缺少命令。"),
    t("No such option {name}. Did you mean {other}?", "没有选项 {name}。是不是想用 {other}？"),
    t("No such option {name}. (Did you mean one of: {others}?)", "没有选项 {name}。是不是想用其中之一：{others}？"),
    t("No such option {name}.", "没有选项 {name}。"),
    t("No such option: {name}", "没有选项 {name}。"),
    t("No such command {name}.", "没有命令 {name}。"),
    t("Option {name} requires an argument.", "选项 {name} 需要一个值。"),
    t("Option {name} requires {count} arguments.", "选项 {name} 需要 {count} 个值。"),
    t("Option {name} does not take a value.", "选项 {name} 不接受值。"),
    t("Got unexpected extra argument ({words})", "多余的参数：{words}。"),
    t("Got unexpected extra arguments ({words})", "多余的参数：{words}。"),
    t("Invalid value for {name}: {message}", "{name} 的值无效：{message}"),
    t("{value} is not a valid integer.", "{value} 不是整数。"),
    t("{value} is not a valid integer range.", "{value} 不是整数。"),
    t("{value} is not a valid float.", "{value} 不是数。"),
    t("{value} is not a valid float range.", "{value} 不是数。"),
    t("{value} is not a number of seconds.", "{value} 不是秒数。"),
    t("{value} is not in the range {range}.", "{value} 不在范围 {range} 内。"),
    t("{value} is not one of {choices}.", "{value} 不是 {choices} 之一。"),
    t("{value} is not {choice}.", "{value} 不是 {choice}。"),
    t("File {path} is a directory.", "{path} 是文件夹，这里要的是文件。"),
    t("Directory {path} is a file.", "{path} 是文件，这里要的是文件夹。"),
)
_FIELD = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern:
    """A regular expression matching the whole of what ``template`` formats to."""
    parts = _FIELD.split(template)  # literal, field, literal, field, ..., literal
    return re.compile("".join(f"(?P<{part}>.+?)" if i % 2 else re.escape(part) for i, part in enumerate(parts)),
                      re.DOTALL)


_PATTERNS = tuple((_pattern(text.en), text) for text in MESSAGES)


def translated(message: str, lang: str) -> str:
    """``message`` (click's English) in ``lang``; unchanged where no template matches."""
    for pattern, text in _PATTERNS:
        match = pattern.fullmatch(message)
        if match:
            fields = match.groupdict()
            if "message" in fields:
                fields["message"] = translated(fields["message"], lang)
            return text.format(**fields).get(lang)
    return message


def language(words: Sequence[str]) -> str:
    """The language a command line asks for: its last valid ``--lang`` (as click takes the last),
    else the environment's."""
    asked = None
    for i, word in enumerate(words):
        if word == "--":
            break
        value = word.partition("=")[2] if word.startswith("--lang=") else None
        if word == "--lang" and i + 1 < len(words):
            value = words[i + 1]
        if value in LANGS:
            asked = value
    return asked or resolve_lang(None)


class LocalisedUsageError(click.UsageError):
    """A usage error shown as click shows it (the usage, a help hint, the error), in ``lang``."""

    def __init__(self, error: click.UsageError, lang: str) -> None:
        super().__init__(error.format_message(), error.ctx)
        self.exit_code = error.exit_code
        self.lang = lang

    def show(self, file: IO | None = None) -> None:
        ctx = self.ctx
        if ctx is not None:
            usage = ctx.get_usage().partition(" ")[2]  # click's line starts "Usage: "
            click.echo(W.USAGE_LINE.format(usage=usage).get(self.lang), file=file, err=file is None)
            help_names = ctx.command.get_help_option_names(ctx)
            if help_names:
                help_command = f"{ctx.command_path} {max(help_names, key=len)}"
                click.echo(W.TRY_HELP.format(command=help_command).get(self.lang) + "\n", file=file,
                           err=file is None)
        message = one_line(translated(self.format_message(), self.lang))
        click.echo(W.ERROR_LINE.format(message=message).get(self.lang), file=file, err=file is None)


def localised(error: click.UsageError, words: Sequence[str]) -> click.UsageError:
    """``error`` to show in the language ``words`` (the command line) asks for."""
    lang = language(words)
    return error if lang == DEFAULT_LANG else LocalisedUsageError(error, lang)

