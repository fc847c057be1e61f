"""Everything a learner reads exists in English and in Chinese.

Feedback templates (``grader/feedback.py`` and the templates a problem's hidden
checks define next to them) have a Chinese side written in Chinese and the same
``{placeholders}`` in both languages; every test of every problem (hidden and
public, taken from the registry) has a name and, where it has one, a hint in
both languages; the fixed wording of the reports (``grader/reports/wording.py``
and the class run's pages in ``grader/reports/wording_class.py``) has both
sides, Chinese punctuation, a label for every error kind and no message that
no page uses; so has what the command line says (the errors a user can cause,
``grader/user_errors.py``, and its other lines, ``grader/cli_wording.py``),
each message of which is used; a plain string is refused where both
languages are required; and the language a person gets is ``--lang``, else
``ATTN_JUDGE_LANG``, else the locale.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path
from types import ModuleType

import pytest

from grader import cli_wording, feedback, registry, services, user_errors
from grader.cases import Case, call
from grader.checks import Verdict
from grader.datapaths import site_assets_dir
from grader.grading import Suite
from grader.hidden import hidden_cases, public_cases
from grader.i18n import Text, resolve_lang, t
from grader.reports import classroom, figures, wording
from grader.sandbox.messages import ErrorKind

CJK = re.compile(r"[\u4e00-\u9fff]")
CJK_OR_FULL_WIDTH = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
ASCII_PUNCTUATION_BY_CJK = re.compile(r"[\u4e00-\u9fff][,:;()!?]|[,:;()!?][\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[^{}]*\}")
WORD = re.compile(r"[A-Za-z]{2,}")

PROBLEMS = registry.all_problems()
IDS = [p.id for p in PROBLEMS]


def _templates(module: ModuleType) -> dict[str, Text]:
    return {name: value for name, value in vars(module).items() if isinstance(value, Text)}


def _hidden_modules(problem_id: str) -> list[ModuleType]:
    """The hidden-case module of a problem, or every module of its package."""
    module = importlib.import_module(f"grader.hidden.{problem_id}")
    modules = [module]
    if hasattr(module, "__path__"):
        modules += [importlib.import_module(info.name)
                    for info in pkgutil.walk_packages(module.__path__, f"{module.__name__}.")]
    return modules


def _template_problems(name: str, template: Text) -> list[str]:
    problems = []
    words = WORD.search(PLACEHOLDER.sub("", template.en))
    if words and not CJK.search(template.zh):  # "{what}[{index}]" has no words to translate
        problems.append(f"{name}: the Chinese side has no Chinese: {template.zh!r}")
    if template.placeholders("en") != template.placeholders("zh"):
        problems.append(f"{name}: placeholders {sorted(template.placeholders('en'))} in English, "
                        f"{sorted(template.placeholders('zh'))} in Chinese")
    return problems


def test_feedback_templates_exist_in_both_languages():
    templates = _templates(feedback)
    assert len(templates) > 50
    problems = [p for name, template in templates.items() for p in _template_problems(name, template)]
    assert not problems, "\n".join(problems)


def test_report_wording_exists_in_both_languages():
    messages = wording.every_message()
    assert len(messages) > 60
    problems = [p for name, message in messages.items() for p in _template_problems(name, message)]
    problems += [f"{name}: an empty side: {message!r}" for name, message in messages.items()
                 if not (message.en.strip() and message.zh.strip())]
    problems += [f"{name}: ASCII punctuation in Chinese: {message.zh!r}" for name, message in messages.items()
                 if ASCII_PUNCTUATION_BY_CJK.search(message.zh)]
    assert not problems, "\n".join(problems)
    assert set(wording.ERROR_KINDS) == {kind.value for kind in ErrorKind}


def test_every_test_tag_has_its_words(problems):
    tags = {tag for problem in problems for public in (False, True)
            for case in Suite(problem, public=public).cases for tag in case.tags}
    assert tags <= set(wording.TEST_TAGS), f"tags without words: {sorted(tags - set(wording.TEST_TAGS))}"


# The modules that build messages in Python, each reading the catalogue as ``W.NAME``.
MESSAGE_BUILDERS = (figures, classroom)


def test_every_report_message_is_used():
    """A message is read as ``t.name`` by a report template or as ``W.NAME`` by a module that builds
    messages (the figure data, the overview's notes)."""
    templates = site_assets_dir() / "templates" / "report"
    used = " ".join(path.read_text(encoding="utf-8") for path in templates.glob("*.html"))
    for module in MESSAGE_BUILDERS:
        used += Path(module.__file__).read_text(encoding="utf-8").replace("W.", "t.").lower()
    indirect = {"WORKED_EXAMPLE"}  # a caption the results store in English, shown through CAPTIONS
    unused = [name for name in wording.MESSAGES
              if name not in indirect and not re.search(rf"\bt\.{name.lower()}\b", used)]
    assert not unused, f"report messages no page uses: {unused}"


# The command line's catalogues and the alias each is read through (``UE.NAME``, ``W.NAME``).
COMMAND_LINE_WORDING = {user_errors: "UE", cli_wording: "W"}


@pytest.mark.parametrize("module", list(COMMAND_LINE_WORDING), ids=lambda module: module.__name__)
def test_command_line_wording_exists_in_both_languages(module):
    """Both sides written, the same placeholders, Chinese (or at least full-width punctuation, for a
    message of punctuation only, like a list separator) on the Chinese side, no ASCII punctuation
    next to a Chinese character."""
    messages = _templates(module)
    assert len(messages) > 10
    problems = [p for name, message in messages.items() for p in _template_problems(name, message)]
    problems += [f"{name}: an empty side: {message!r}" for name, message in messages.items()
                 if not (message.en.strip() and message.zh.strip())]
    problems += [f"{name}: nothing Chinese in {message.zh!r}" for name, message in messages.items()
                 if not CJK_OR_FULL_WIDTH.search(message.zh)]
    problems += [f"{name}: ASCII punctuation in Chinese: {message.zh!r}" for name, message in messages.items()
                 if ASCII_PUNCTUATION_BY_CJK.search(message.zh)]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("module", list(COMMAND_LINE_WORDING), ids=lambda module: module.__name__)
def test_every_command_line_message_is_used(module):
    """Each message is read as ``UE.NAME`` / ``W.NAME`` by a module that imports the catalogue so,
    or formatted by a helper of the catalogue itself (``UE.listed``)."""
    alias = COMMAND_LINE_WORDING[module]
    imported_as = f"{module.__name__.rsplit('.', 1)[-1]} as {alias}"
    sources = (path.read_text(encoding="utf-8") for path in Path(registry.__file__).parent.rglob("*.py"))
    used = " ".join(source for source in sources if imported_as in source)
    own = Path(module.__file__).read_text(encoding="utf-8")
    unused = [name for name in _templates(module) if not re.search(rf"\b{alias}\.{name}\b", used)
              and not re.search(rf"\b{name}\.format\(", own)]
    assert not unused, f"{module.__name__}: messages nothing prints: {unused}"


@pytest.mark.parametrize("problem_id", IDS)
def test_hidden_check_templates_exist_in_both_languages(problem_id):
    problems = [p for module in _hidden_modules(problem_id)
                for name, template in _templates(module).items()
                for p in _template_problems(f"{module.__name__}.{name}", template)]
    assert not problems, "\n".join(problems)


def _case_problems(case: Case) -> list[str]:
    problems = []
    for field, required in (("name", True), ("hint", False)):
        value = getattr(case, field)
        if not isinstance(value, Text):
            problems.append(f"{case.number}: {field} is a {type(value).__name__}, not a Text")
        elif (required or value) and not (value.en.strip() and CJK.search(value.zh)):
            problems.append(f"{case.number}: {field} lacks its Chinese side: {value.zh!r}")
    return problems


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_every_case_is_named_in_both_languages(problem):
    cases = list(hidden_cases(problem.id)) + list(public_cases(problem))
    assert cases
    problems = [p for case in cases for p in _case_problems(case)]
    assert not problems, "\n".join(problems)


def test_a_plain_string_is_refused_where_both_languages_are_required():
    invocation = call("f", 1)
    with pytest.raises(TypeError, match="both languages"):
        Case("9.1", "a name in one language", 1.0, lambda rng: invocation)
    with pytest.raises(TypeError, match="both languages"):
        Case("9.1", t("a name", "一个名字"), 1.0, lambda rng: invocation, hint="one language")
    with pytest.raises(TypeError, match="both languages"):
        Verdict(False, "a message in one language")
    with pytest.raises(TypeError, match="both languages"):
        Verdict(False, t("a message", "一条消息"), hint="one language")
    assert Case("9.1", t("a name", "一个名字"), 1.0, lambda rng: invocation).hint == Text("", "")
    with pytest.raises(TypeError, match="both languages"):
        services.UserError("an error in one language")
    error = services.UserError(t("an error", "一个错误"))
    assert error.text == t("an error", "一个错误") and str(error) == "an error"


@pytest.mark.parametrize("lang,environ,expected", [
    ("zh", {"ATTN_JUDGE_LANG": "en", "LANG": "en_US.UTF-8"}, "zh"),  # --lang first
    ("en", {"ATTN_JUDGE_LANG": "zh", "LANG": "zh_CN.UTF-8"}, "en"),
    (None, {"ATTN_JUDGE_LANG": "zh_CN", "LANG": "en_US.UTF-8"}, "zh"),  # then the variable
    (None, {"ATTN_JUDGE_LANG": "en", "LC_ALL": "zh_CN.UTF-8"}, "en"),
    (None, {"LANG": "zh_TW.UTF-8"}, "zh"),  # then the locale
    (None, {"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL before LANG
    (None, {"LC_MESSAGES": "zh_CN.UTF-8", "LANG": "en_US.UTF-8"}, "zh"),  # LC_MESSAGES too
    (None, {"LANG": "C.UTF-8"}, "en"),
    (None, {}, "en"),
])
def test_language_comes_from_the_flag_then_the_variable_then_the_locale(lang, environ, expected):
    assert resolve_lang(lang, environ) == expected


UNCLOSED = "import math\n\ndef scaled_dot_product_attention(q, k, v, mask=None):\n    return (q\n"


@pytest.mark.parametrize("lang, shown", [
    ("en", "points. The submission could not be graded normally (syntax_error): '(' was never closed (line 4)"),
    ("zh", "。这份提交无法正常评测（syntax_error）：语法错误（第 4 行）：'(' was never closed"),
])
def test_a_syntax_error_keeps_python_s_words_framed_in_the_learner_s_language(lang, shown):
    """Python's message stays as Python words it; in Chinese it is said to be a syntax error, its line
    named in Chinese; a Chinese sentence follows a full stop without a space."""
    from grader.grading import grade
    from grader.trusted_runner import TrustedRunner

    results = grade(problem=registry.get("scaled_dot_product_attention"), source=UNCLOSED,
                    filename="scaled_dot_product_attention.py", runner=TrustedRunner(), public=True, lang=lang)
    assert results["extra_data"]["error"]["kind"] == "syntax_error"
    assert shown in results["output"]


def test_chinese_sentences_follow_each_other_without_a_space():
    """The summary's sentences: a space between them in English, none after a Chinese full stop."""
    from grader.grading import grade
    from grader.references import solution_source
    from grader.trusted_runner import TrustedRunner

    problem = registry.get("self_attention")
    outputs = {lang: grade(problem=problem, source=solution_source(problem), filename="self_attention.py",
                           runner=TrustedRunner(), public=True, lang=lang)["output"] for lang in ("en", "zh")}
    assert outputs["en"].endswith("5/5 points. Every public test passes. The hidden tests try more "
                                  "(other shapes and sizes, float64 precision, and what each problem adds): "
                                  "'attn-judge grade' runs them.")
    assert outputs["zh"].endswith("得分 5/5。所有公开测试都通过了。隐藏测试会检查更多情况（其他形状和大小、float64 精度，"
                                  "以及每道题各自的要求）：用 'attn-judge grade' 运行它们。")


def _chinese_texts(problem) -> list[str]:
    """What a learner reads in Chinese about a problem: its statement, hints and mistakes, its tests'
    names and hints, and its hidden checks' messages."""
    cases = list(hidden_cases(problem.id)) + list(public_cases(problem))
    return ([problem.statement("zh"), problem.title_zh, *problem.hints_zh]
            + [text for m in problem.misconceptions for text in (m.title_zh, m.explanation_zh)]
            + [case.name.zh for case in cases] + [case.hint.zh for case in cases]
            + [template.zh for module in _hidden_modules(problem.id) for template in _templates(module).values()])


@pytest.mark.parametrize("problem_id", ["text_generation", "beam_search", "kv_cache"])
def test_the_prompt_is_never_called_a_hint_in_chinese(problem_id):
    """提示 is the hint's label ("提示：…"); the prompt is 提示词, so "提示词中的 eos 不算" cannot be
    read as a hint."""
    said = [text for text in _chinese_texts(registry.get(problem_id)) if re.search("提示(?!词)", text)]
    assert not said, said
    assert any("提示词" in text for text in _chinese_texts(registry.get(problem_id)))
