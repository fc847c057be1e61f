"""The fixed wording of a submission's report, each message once in English and in Chinese.

Every heading, label, note and caption of ``report.html`` is a
:class:`grader.i18n.Text` named here. A page gets the catalogue in its language
as a :class:`Wording` and a template reads a message by its lower-case name,
``{{ t.your_code }}``; a message with ``{placeholders}`` goes through the
``fill`` filter of :mod:`grader.reports.render`. The figure data
(:mod:`grader.reports.figures`) takes its titles and notes from here too. The
words the report shares with the notebook view of ``check()`` are the ones of
:mod:`grader.feedback`, so that no message is written twice.

The pages of a class run (the overview, its similarity section and the page of
a flagged pair) have their messages in :mod:`grader.reports.wording_class`;
they join this catalogue, so :class:`Wording` reads every page's wording.

Numbers, code, IDs, the submission's own text and the messages of its results
(already in one language when the results were written) are not wording.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from grader import feedback as F
from grader.i18n import DEFAULT_LANG, LANGS, Text, t, text
from grader.reports import wording_class

if TYPE_CHECKING:
    from grader.registry import Problem

# ----------------------------------------------------------------------------- shared with check()
TESTS = F.NB_TESTS
TEST = F.NB_TEST
POINTS = F.NB_POINTS
RESULT = F.NB_RESULT
FEEDBACK = F.NB_FEEDBACK
PASSED = F.NB_PASSED
FAILED = F.NB_FAILED
DIAGNOSIS = F.NB_DIAGNOSIS
MATCHES = F.NB_MATCHES
MISTAKE = F.NB_MISTAKE
FIX = F.NB_FIX
LIST_SEPARATOR = F.LIST_SEPARATOR

# ----------------------------------------------------------------------------- page and navigation
CLASS_OVERVIEW = t("Class overview", "班级概览")
FIGURE = t("Figure", "图示")
CODE = t("Code", "代码")
OUTPUT = t("Output", "输出")
REPORT_FOR = t("report for {problem}", "{problem} 的报告")
FULL_STOP = t(".", "。")

# ----------------------------------------------------------------------------- score card
SCORE = t("Score", "得分")
TESTS_PASSED = t("Tests passed", "通过的测试")
PASSED_OF = t("{passed} of {total}", "共 {total} 个，通过 {passed} 个")
TIME = t("Time", "用时")
SECONDS = t("{seconds} s", "{seconds} 秒")
ISOLATION = t("Isolation", "隔离")
SEED = t(", seed {seed}", "，种子 {seed}")
SECRET_SEED = t(", secret seed {fingerprint}", "，保密种子 {fingerprint}")
SUBMISSION = t("Submission", "提交")
GRADER = t("Grader", "评测器")
WEAK_ISOLATION = t("This submission ran without the strong sandbox ({isolation}).",
                   "这份提交没有在强隔离的沙箱中运行（{isolation}）。")
SUITES: dict[str, Text] = {"hidden": t("hidden", "隐藏"), "public": t("public", "公开")}
# What a test looks at, as the cases tag it (grader/hidden/*): shown next to the test's name.
TEST_TAGS: dict[str, Text] = {
    "base": t("base", "底数"),
    "batch": t("batch", "批量"),
    "blocks": t("blocks", "分块"),
    "cache": t("cache", "缓存"),
    "causal": t("causal", "因果"),
    "chunks": t("chunks", "分段"),
    "context": t("context", "上下文"),
    "cross-attention": t("cross-attention", "交叉注意力"),
    "decoding": t("decoding", "解码"),
    "dtype": t("dtype", "数据类型"),
    "eos": t("eos", "结束符"),
    "errors": t("errors", "报错"),
    "exclude-self": t("exclude-self", "排除自身"),
    "fallback": t("fallback", "回退"),
    "gradients": t("gradients", "梯度"),
    "greedy": t("greedy", "贪心"),
    "groups": t("groups", "分组"),
    "inputs": t("inputs", "输入"),
    "invariant": t("invariant", "不变性"),
    "layer-norm": t("layer-norm", "层归一化"),
    "layout": t("layout", "布局"),
    "length-penalty": t("length-penalty", "长度惩罚"),
    "loop": t("loop", "循环"),
    "mask": t("mask", "掩码"),
    "memory": t("memory", "内存"),
    "online-softmax": t("online-softmax", "在线 softmax"),
    "parameters": t("parameters", "参数"),
    "positions": t("positions", "位置"),
    "post-norm": t("post-norm", "后置归一化"),
    "pre-norm": t("pre-norm", "前置归一化"),
    "precision": t("precision", "精度"),
    "sampling": t("sampling", "采样"),
    "search": t("search", "搜索"),
    "shapes": t("shapes", "形状"),
    "stability": t("stability", "数值稳定"),
    "values": t("values", "数值"),
    "weights": t("weights", "权重"),
    "window": t("window", "窗口"),
}

# ----------------------------------------------------------------------------- could not be graded
NOT_GRADED = t("{kind}. The submission could not be graded normally.", "{kind}。这份提交无法正常评测。")
FORBIDDEN_NOTE = t("Forbidden APIs are a teaching rule of this problem (implement it yourself), checked in the "
                   "code and while it runs; they are not what keeps the grader safe.",
                   "禁止使用的 API 是本题的教学规则（请自己实现），在代码中和运行时都会检查；"
                   "评测器的安全并不靠这条规则保证。")
ERROR_KINDS: dict[str, Text] = {  # the kinds of grader.sandbox.messages.ErrorKind
    "syntax_error": t("Syntax error", "语法错误"),
    "import_error": t("Import failed", "导入失败"),
    "missing_symbol": t("Missing function or class", "缺少函数或类"),
    "forbidden_api": t("Forbidden API", "使用了禁止的 API"),
    "timeout": t("Timed out", "超时"),
    "memory_limit": t("Memory limit", "超出内存限制"),
    "resource_limit": t("Resource limit", "超出资源限制"),
    "crash": t("Crashed", "崩溃"),
    "output_limit": t("Too much output", "输出过多"),
    "bad_submission": t("Not a valid submission", "不是有效的提交"),
    "grader_error": t("Grader error", "评测器出错"),
}

# ----------------------------------------------------------------------------- tests
TALLY = t("{failed} failed, {passed} passed", "{failed} 个未通过，{passed} 个通过")
FAILED_FIRST = t("; failed tests first", "；未通过的测试排在前面")

# ----------------------------------------------------------------------------- figure
FIGURE_WEIGHTS = t("Attention weights", "注意力权重")
FIGURE_VALUES = t("Output values", "输出值")
FIGURE_TOKENS = t("Generated tokens, step by step", "逐步生成的词元")
WORKED_EXAMPLE = t("the worked example of the statement (public input)", "题目中的算例（公开输入）")
HEAD = t("Head {index}", "头 {index}")
YOURS = t("Yours", "你的结果")
REFERENCE = t("Reference", "参考答案")
DIFFERENCE = t("Difference (yours − reference)", "差异（你的结果 − 参考答案）")
CELL_WEIGHT = t("query {row}, key {col}: {value}", "查询 {row}，键 {col}：{value}")
CELL_VALUE = t("row {row}, column {col}: {value}", "第 {row} 行，第 {col} 列：{value}")
MAP_WEIGHTS = t("{title}: {rows} queries by {cols} keys", "{title}：{rows} 个查询 × {cols} 个键")
MAP_VALUES = t("{title}: {rows} rows by {cols} columns", "{title}：{rows} 行 × {cols} 列")
WHAT_WEIGHTS = t("weights", "权重")
WHAT_VALUES = t("values", "数值")
NO_CANDIDATE = t("Your submission produced no {what} for this input.", "对这个输入，你的提交没有给出{what}。")
NOT_DRAWABLE = t("Your submission's {what} could not be drawn (not a table of numbers).",
                 "你的提交给出的{what}无法画出（不是由数字组成的表格）。")
OTHER_SHAPE = t("Your {what} have shape {got}, the reference's {want}, so there is no difference map.",
                "你的{what}形状为 {got}，参考答案的形状为 {want}，因此没有差异图。")
NO_TOKENS = t("Your submission produced no tokens for this input.", "对这个输入，你的提交没有生成词元。")
LARGEST_DIFFERENCE = t("Largest difference from the reference: {value}.", "与参考答案的最大差异：{value}。")
WEIGHTS_MATCH = t(" Your weights match.", "你的权重与参考答案一致。")
KEY_VALUES = t("Red cells are positive, blue cells negative; the stronger the colour, the larger the value "
               "(hover a cell for it).",
               "红色格子为正，蓝色格子为负；颜色越深，绝对值越大（鼠标悬停在格子上可看到数值）。")
KEY_WEIGHTS = t("Rows are queries, columns are keys; a stronger colour is a larger weight "
                "(hover a cell for its value).",
                "行是查询，列是键；颜色越深，权重越大（鼠标悬停在格子上可看到数值）。")
KEY_DIFFERENCE = t(" In the difference, red means your value is larger than the reference's, blue that it is "
                   "smaller.",
                   "差异图中，红色表示你的值比参考答案的大，蓝色表示比参考答案的小。")
KEY_NOT_FINITE = t(" Some of your values are not finite (NaN or infinite): those cells are drawn in solid red.",
                   "你的部分数值不是有限值（NaN 或无穷大）：这些格子画成纯红色。")
ROWS_CUT = t(" Only the first {count} rows and columns are drawn.", "只画出了前 {count} 行和前 {count} 列。")
HEADS_CUT = t(" Only the first {count} heads are drawn.", "只画出了前 {count} 个头。")
SEQUENCE = t("Sequence {index}", "序列 {index}")
IDENTICAL = t(": identical to the reference", "：与参考答案相同")
FIRST_DIFFERS = t(": first differs at step {step}", "：从第 {step} 步开始不同")
STEP = t("Step", "步")
STEPS_CUT = t("Only the first steps are shown.", "只显示了前面的步。")
SEQUENCES_CUT = t("Only the first sequences are shown.", "只显示了前面的序列。")

# ----------------------------------------------------------------------------- the code and its output
YOUR_CODE = t("Your code", "你的代码")
NO_SOURCE = t("The submission is empty: there is no code to show.", "这份提交是空的：没有可显示的代码。")
ERROR_LINES = t("Lines named in errors: {lines} (highlighted below).",
                "错误信息中提到的行：{lines}（已在下方高亮显示）。")
CELL_SEPARATOR = t("; ", "；")
NOTE_SEPARATOR = CELL_SEPARATOR  # between a student's notes on the class overview
CELL = t("Cell {cell}", "第 {cell} 个单元格")
ADDED_BY_GRADER = t("Added by the grader", "由评测器添加")
UNMAPPED_CELLS = t("Later cells, numbered as lines of the graded module (the results map the cells of its first "
                   "{mapped} lines only)",
                   "之后的单元格，按被评测模块的行号编号（结果只记录了模块前 {mapped} 行所在的单元格）")
SOURCE_CUT = t("Showing the first {shown} of {total} lines.", "只显示前 {shown} 行（共 {total} 行）。")
OUTPUT_NOTE = t("What the submission printed (stdout and stderr), shown as plain text.",
                "提交打印的内容（stdout 和 stderr），以纯文本显示。")
OUTPUT_AT_LIMIT = t("Output truncated: the grader stopped capturing at its output limit.",
                    "输出已截断：评测器在达到输出上限时停止了捕获。")
OUTPUT_CUT_HERE = t("Output truncated: this page shows the first {shown} of {total} characters.",
                    "输出已截断：本页只显示前 {shown} 个字符（共 {total} 个）。")
OUTPUT_BOTH = t("Output truncated: the grader stopped capturing at its output limit, and this page shows "
                "the first {shown} of {total} characters.",
                "输出已截断：评测器在达到输出上限时停止了捕获；本页只显示其中前 {shown} 个字符（共 {total} 个）。")


def _messages(names: dict) -> dict[str, Text]:
    """The messages of a module's namespace: its upper-case names that hold a Text."""
    return {name: value for name, value in names.items() if isinstance(value, Text) and name.isupper()}


_REPORT = _messages(globals())
_CLASS = _messages(vars(wording_class))
if _REPORT.keys() & _CLASS.keys():
    raise ImportError(f"messages named twice: {sorted(_REPORT.keys() & _CLASS.keys())}")
MESSAGES: dict[str, Text] = {**_REPORT, **_CLASS}
CAPTIONS: dict[str, Text] = {WORKED_EXAMPLE.en: WORKED_EXAMPLE}  # figure captions as results store them


def every_message() -> dict[str, Text]:
    """The whole catalogue under unique names: the named messages, the error kinds and the suites."""
    return {**MESSAGES,
            **{f"ERROR_KINDS[{kind!r}]": label for kind, label in ERROR_KINDS.items()},
            **{f"SUITES[{name!r}]": label for name, label in SUITES.items()},
            **{f"TEST_TAGS[{name!r}]": label for name, label in TEST_TAGS.items()}}


def _pick(messages: dict[str, Text], key: str, lang: str) -> str:
    message = messages.get(key)
    return message.get(lang) if message is not None else key


class Wording:
    """The catalogue in one language, read by name: ``Wording("zh").your_code == "你的代码"``."""

    __slots__ = ("lang",)

    def __init__(self, lang: str = DEFAULT_LANG) -> None:
        self.lang = lang if lang in LANGS else DEFAULT_LANG

    def __getattr__(self, name: str) -> str:
        message = MESSAGES.get(name.upper())
        if message is None:
            raise AttributeError(f"the report has no message named {name!r}")
        return message.get(self.lang)

    def error_kind(self, kind: str) -> str:
        """The label of an error kind (``syntax_error``…); an unknown kind as it is."""
        return _pick(ERROR_KINDS, str(kind), self.lang)

    def suite(self, name: str) -> str:
        """``hidden`` or ``public`` in words; anything else as it is."""
        return _pick(SUITES, str(name), self.lang)

    def tag(self, name: str) -> str:
        """A test's tag (``mask``, ``gradients``…) in words; an unknown tag as it is."""
        return _pick(TEST_TAGS, str(name), self.lang)

    def caption(self, caption: str) -> str:
        """A figure caption from the results: a known one in this language, any other as written."""
        return _pick(CAPTIONS, caption, self.lang)

    def text(self, value: "Text | str") -> str:
        """A message made in Python (a note, a mistake's title) in this language; a plain string as it is."""
        return text(value).get(self.lang)

    def title(self, problem: "Problem") -> str:
        """A problem's title in this language (its English one when it has no other)."""
        return (problem.title_zh or problem.title) if self.lang == "zh" else problem.title
