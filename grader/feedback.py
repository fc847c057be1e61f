"""Every sentence of feedback, in English and Chinese: the one source of each message.

Checks, the grading summary and the sandbox's error reports build their
messages from these templates (``TEMPLATE.format(name=value)``); a parameter
may itself be a :class:`~grader.i18n.Text`. Terms follow the statements
(张量 tensor, 形状 shape, 梯度 gradient, 掩码 mask, 查询/键/值, 参考解 reference);
numbers, code, shapes and IDs stay as they are. ``tests/test_i18n.py`` fails when
a template lacks its Chinese side or the two sides use different placeholders.
"""

from __future__ import annotations

from grader.i18n import t

# ----------------------------------------------------------------------------- values
OUTPUT = t("output", "输出")
TENSOR_OF_SHAPE = t("{dtype} tensor of shape {shape}", "形状为 {shape} 的 {dtype} 张量")
TUPLE_OF = t("tuple of {count}", "含 {count} 个元素的元组")
LIST_OF = t("list of {count}", "含 {count} 个元素的列表")
OBJECT_OF_TYPE = t("a {type} object", "一个 {type} 对象")
UNSUPPORTED_VALUE = t("a {type}, which cannot be graded", "一个无法评测的值（{type}）")
INPUT = t("input", "输入")
PARAMETER = t("parameter", "参数")
GRADIENT_OF = t("gradient of {label} {name}", "{label} {name} 的梯度")
POSITIONAL_ARGUMENT = t("positional argument {n}", "第 {n} 个位置参数")
ARGUMENT = t("argument {name}", "参数 {name}")
AT_LINE = t(" (line {line})", "（第 {line} 行）")

# ----------------------------------------------------------------------------- exceptions
USES_FORBIDDEN = t("uses the forbidden API {name}{where}", "使用了本题禁止的 API {name}{where}")
NOT_IMPLEMENTED = t("not implemented yet: raised NotImplementedError{where}",
                    "尚未实现：抛出了 NotImplementedError{where}")
RAISED = t("raised {type}: {message}{where}", "抛出了 {type}：{message}{where}")

# ----------------------------------------------------------------------------- structure
EXPECTED_TENSOR = t("{what}: expected a tensor, got {got}", "{what}：应为张量，实际得到{got}")
RETURN_TORCH = t("; return a torch tensor (torch.from_numpy(a) makes one of a NumPy array)",
                 "；请返回 torch 张量（torch.from_numpy(a) 可把 NumPy 数组转换为张量）")
WRONG_SHAPE = t("{what}: shape {got}, expected {want}", "{what}：形状为 {got}，应为 {want}")
# after WRONG_SHAPE, when the values are a part of the expected ones (a generation's new tokens alone)
SHAPE_IS_END = t("; its values are the expected ones' last {n} along dim {dim}, without the first {missing}",
                 "；其值是应有结果沿第 {dim} 维的最后 {n} 个，少了前面的 {missing} 个")
SHAPE_IS_START = t("; its values are the expected ones' first {n} along dim {dim}, without the last {missing}",
                   "；其值是应有结果沿第 {dim} 维的前 {n} 个，少了后面的 {missing} 个")
# after WRONG_SHAPE, for short integer tensors (token ids) whose values say more than their shapes
SHAPE_VALUES = t("; got {got}, expected {want}", "；实际为 {got}，应为 {want}")
WRONG_DTYPE = t("{what}: dtype {got}, expected {want} (the inputs' dtype, or the dtype asked for)",
                "{what}：dtype 为 {got}，应为 {want}（即输入的 dtype，或要求的 dtype）")
WRONG_STRUCTURE = t("{what}: returned {got}, expected {want}", "{what}：返回了{got}，应为{want}")
REORDERED = t("{what}: its items have the shapes of {got}, in this order; the contract returns {want}",
              "{what}：各项的形状依次是 {got} 的形状；按约定应返回 {want}")
RETURN_IN_ORDER = t("Return {want} in this order, as the signature says.",
                    "按签名的顺序返回 {want}。")

# ----------------------------------------------------------------------------- values compared
EQUAL = t("{what}: equal", "{what}：相等")
ENTRIES_DIFFER = t("{what}: {count} of {total} entries differ", "{what}：{total} 个元素中有 {count} 个不同")
NOT_FINITE = t("{what}: {count} entries are nan or inf", "{what}：有 {count} 个元素是 nan 或 inf")
NAN_FROM_BLOCKED_ROWS = t("A softmax over a row whose scores are all -inf (every key blocked) gives nan: check the "
                          "mask's polarity (True = may attend), that a causal query sees its own key (j <= i, "
                          "so the first query is never left with none), and the dim the softmax runs over.",
                          "如果一行的分数全是 -inf（所有键都被屏蔽），softmax 就会得到 nan：请检查掩码的真假含义"
                          "（True 表示可以关注）、因果注意力中查询能否看到它自己的键（j <= i，这样第一个查询"
                          "不会一个键都没有），以及 softmax 所在的维度。")
WITHIN_TOLERANCE = t("{what}: within rtol={rtol}, atol={atol} (max error {error})",
                     "{what}：在 rtol={rtol}、atol={atol} 的容差内（最大误差 {error}）")
ENTRIES_OFF = t("{what}: {count} of {total} entries off, max error {error} (rtol={rtol}, atol={atol})",
                "{what}：{total} 个元素中有 {count} 个超出容差，最大误差 {error}（rtol={rtol}，atol={atol}）")
STRUCTURE_WITHIN = t("{what}: {description} within tolerance (max error {error})",
                     "{what}：{description}，在容差内（最大误差 {error}）")
VALUE_DIFFERS = t("{what}: returned {got} that differs from the expected {want}",
                  "{what}：返回的{got}与应有的{want}不同")
NO_GRADIENT = t("no gradient flows to {label} {name}: keep every step differentiable "
                "(no .detach(), .data, .numpy() or in-place tricks)",
                "没有梯度传到{label} {name}：每一步都要可微（不要用 .detach()、.data、.numpy() 或原地修改的技巧）")
MUTATED_INPUTS = t("modified its input(s) in place: {names}; inputs must stay unchanged",
                   "原地修改了输入：{names}；输入必须保持不变")
INPUTS_UNCHANGED = t("the inputs were left unchanged", "输入保持不变")
HELD_VALUES_WRONG = t("{held}, but the values are wrong: {values}", "{held}，但数值错误：{values}")

# ----------------------------------------------------------------------------- large scores
LARGE_SCORES_NOT_FINITE = t(
    "gave nan or inf, with scores up to 1e4 in size. Either exp() overflowed (subtract each row's "
    "maximum first, as torch.softmax does), or a row's scores were all -inf: every key blocked, so "
    "check the mask's polarity and the dim of the softmax",
    "产生了 nan 或 inf（分数的绝对值可达 1e4）。要么是 exp() 溢出（先减去每行的最大值，torch.softmax 就是这样做的），"
    "要么是某一行的分数全是 -inf：所有键都被屏蔽了，请检查掩码的真假含义和 softmax 的维度")
NO_GRADIENT_TO_INPUTS = t("no gradient reached the inputs", "没有梯度传到输入")
ALL_FINITE = t("outputs and gradients are finite", "输出和梯度都是有限值")

# ----------------------------------------------------------------------------- exceptions expected
RAISED_AS_REQUIRED = t("raised {exception} as required", "按要求抛出了 {exception}")
EXPECTED_EXCEPTION_BUT = t("expected {exception} ({why}), but {what}", "应抛出 {exception}（{why}），但{what}")
NOTHING_RAISED = t("nothing was raised", "什么也没有抛出")

# ----------------------------------------------------------------------------- invariants
PROPERTY_NEEDS_TENSOR = t("{property}: expected a tensor, got {got}", "{property}：应为张量，实际得到{got}")
PROPERTY_BATCH_SIZE = t("{property}: output has batch size {size}", "{property}：输出的批大小为 {size}")
PROPERTY_PAIR = t("{property} (batch {a} vs {b})", "{property}（第 {a} 与第 {b} 个批元素）")
PROPERTY_HOLDS = t("{property}: holds", "{property}：成立")
SAME_INPUTS_DIFFER = t("{detail}: batch elements {a} and {b} hold the same inputs, so something in the call "
                       "mixes batch elements or draws random numbers (dropout left on, sampling)",
                       "{detail}：第 {a} 与第 {b} 个批元素的输入完全相同，所以调用中有某处混合了批元素，"
                       "或者用了随机数（没关掉的 dropout、采样）")
BATCH_INDEPENDENCE = t("batch independence", "批元素独立性")

# ----------------------------------------------------------------------------- public literals
INDEXED = t("{what}[{index}]", "{what}[{index}]")
OUTPUT_ITEM = t("{what}: {message}", "{what}：{message}")
NAMED_ITEM = t("{name} ({what})", "{name}（{what}）")  # a returned item by the contract's name: "k (output[1][0])"
MATCHES_LITERAL = t("matches the expected values to {places} decimals", "与期望值在 {places} 位小数内一致")
DIFFERS_FROM_LITERAL = t(
    "differs from the expected values by up to {error} (allowed {atol}); first difference at "
    "index {index}: got {got}, expected {want}\ngot:\n{got_table}\nexpected:\n{want_table}",
    "与期望值最多相差 {error}（允许 {atol}）；第一个不同之处在下标 {index}：得到 {got}，应为 {want}\n"
    "得到：\n{got_table}\n期望：\n{want_table}")
DIFFERS_FROM_EXACT_LITERAL = t(
    "{count} of {total} entries differ from the expected values; the first at index {index}: got {got}, "
    "expected {want}\ngot:\n{got_table}\nexpected:\n{want_table}",
    "{total} 个元素中有 {count} 个与期望值不同；第一个在下标 {index}：得到 {got}，应为 {want}\n"
    "得到：\n{got_table}\n期望：\n{want_table}")
NOT_FINITE_VS_LITERAL = t("contains nan or inf\ngot:\n{got_table}\nexpected:\n{want_table}",
                          "含有 nan 或 inf\n得到：\n{got_table}\n期望：\n{want_table}")

# ----------------------------------------------------------------------------- grading
NOT_RUN = t("not run: {why}", "未运行：{why}")
EARLIER_FAILURE = t("an earlier failure stopped this submission", "之前的失败使这份提交停止了运行")
COULD_NOT_JUDGE = t("could not judge this output ({type})", "无法评判这个输出（{type}）")
HINT = t("Hint: {hint}", "提示：{hint}")
PRECISION_ONLY = t(
    "Every value is right to float32 precision but not to float64's: the computation drops to "
    "float32 somewhere (a float32 constant, mask or scale, .float(), or torch.tensor(...) without "
    "dtype). Keep the inputs' dtype, or the dtype asked for, throughout.",
    "所有数值在 float32 精度内正确，但达不到 float64 的精度：计算在某处降成了 float32"
    "（float32 的常量、掩码或缩放因子，.float()，或没有指定 dtype 的 torch.tensor(...)）。"
    "请全程保持输入的 dtype 或所要求的 dtype。")
MATCHES_MISTAKE = t("This matches the known mistake “{title}” ({id}).", "这与已知错误“{title}”（{id}）一致。")
SUMMARY = t("{title}: passed {passed} of {total} tests, {score}/{max_score} points.",
            "{title}：通过 {passed}/{total} 个测试，得分 {score}/{max_score}。")
SUMMARY_ERROR = t("The submission could not be graded normally ({kind}): {message}",
                  "这份提交无法正常评测（{kind}）：{message}")
SUMMARY_MISTAKE = t("Likely mistake — {title}: {explanation}", "可能的错误——{title}：{explanation}")
SUMMARY_PARAMETERS = t(
    "The module's parameters do not match the contract, so the tests that load the reference weights "
    "(load_state_dict(strict=True)) could not run: it must have exactly the submodules the statement "
    "names, and no other parameters or persistent buffers.{details} Remove what is extra (a buffer you "
    "need can be registered with persistent=False) and use the statement's names.",
    "模块的参数与题目约定不一致，所以需要载入参考权重（load_state_dict(strict=True)）的测试无法运行："
    "模块必须恰好拥有题面列出的子模块，不能有其他参数或持久缓冲区。{details}请删去多余的部分"
    "（确实需要的缓冲区可以用 persistent=False 注册），并使用题面给出的名字。")
LIST_SEPARATOR = t(", ", "、")
CLAUSE_SEPARATOR = t("; ", "；")  # between items that hold commas themselves
PARAMETERS_EXTRA = t(" It has too many: {names}.", "多出了：{names}。")
PARAMETERS_MISSING = t(" It lacks: {names}.", "缺少：{names}。")
PARAMETERS_RESHAPED = t(" Shaped differently: {items}.", "形状不同：{items}。")
PARAMETER_SHAPES = t("{name} is {got}, the contract's is {want}", "{name} 是 {got}，约定是 {want}")
PARAMETERS_MORE = t(" ({count} more differences not listed.)", "（另有 {count} 处差异未列出。）")
PARAMETERS_TEST = t("the module's parameters do not match the contract, so the reference weights could "
                    "not be loaded (see the summary)",
                    "模块的参数与题目约定不一致，无法载入参考权重（见总结）")
SUMMARY_ALL_CORRECT = t("Everything checked is correct.", "所有检查都正确。")
SUMMARY_PUBLIC_CORRECT = t(
    "Every public test passes. The hidden tests try more (other shapes and sizes, float64 precision, "
    "and what each problem adds): 'attn-judge grade' runs them.",
    "所有公开测试都通过了。隐藏测试会检查更多情况（其他形状和大小、float64 精度，以及每道题各自的要求）：用 'attn-judge grade' 运行它们。")
SUMMARY_BROAD_FAILURE = t(
    "Most tests get wrong values and no known mistake matches: the mistake is likely in what every call "
    "computes (the formula, a scale, a softmax's axis, a transpose, which keys a mask keeps), not in the case each test is about, "
    "so the tests' own hints are left out. Check your code against the statement's formula on its "
    "worked example first.",
    "大多数测试的数值都不对，且没有匹配的已知错误：错误很可能出在每次调用都要做的计算上（公式、缩放、softmax "
    "的维度、转置、掩码保留哪些键），而不是各个测试所针对的情形，因此不显示各测试自己的提示。请先对照题面的公式，在它的算例上检查你的代码。")
SUMMARY_PRECISION = t(
    "Most tests fail only by float32 precision: the formula is right, but the computation drops to float32 "
    "somewhere (a float32 constant, mask or scale, .float(), or torch.tensor(...) without dtype). Keep the "
    "inputs' dtype, or the dtype asked for, throughout.",
    "大多数测试只在精度上不合格：公式是对的，但计算在某处降成了 float32（float32 的常量、掩码或缩放因子，"
    ".float()，或没有指定 dtype 的 torch.tensor(...)）。请全程保持输入的 dtype 或所要求的 dtype。")
FORBIDDEN_STATIC = t("line {line}: {name} is not allowed in this problem; implement it yourself",
                     "第 {line} 行：本题不允许使用 {name}，请自己实现")
FORBIDDEN_CALLED = t("called {name}, which this problem forbids; the tests that used it score 0",
                     "调用了本题禁止的 {name}；用到它的测试得 0 分")
ANALYSIS_FAILED = t("the source could not be analysed ({why}); it was not run. Simplify the code "
                    "(very deep nesting or a huge expression) and submit again",
                    "无法分析源代码（{why}），因此没有运行。请简化代码（嵌套过深或表达式过大）后重新提交")

# ----------------------------------------------------------------------------- loading
# Python's own message (English, as Python words it) and where it applies
SYNTAX_ERROR = t("{detail} ({place})", "语法错误（{place}）：{detail}")
SYNTAX_ERROR_NOWHERE = t("{detail}", "语法错误：{detail}")
IMPORT_FAILED = t("importing the file raised {detail}", "导入文件时抛出了 {detail}")
# after a ModuleNotFoundError: what the sandbox can import
ONLY_SANDBOX_MODULES = t(" (the sandbox holds Python's standard library, torch and numpy only: "
                         "solve the problem with those)",
                         "（沙箱中只有 Python 标准库、torch 和 numpy：请只用它们解题）")
MISSING_SYMBOLS = t("the file does not define {names} (names are case-sensitive; start from the stub)",
                    "文件没有定义 {names}（名字区分大小写；请从题目模板开始）")
# after MISSING_SYMBOLS, when the file defines every name of another problem (grader.other_problem)
OTHER_PROBLEM_FILE = t(" — but it defines {names}, which problem {problem} asks for: is this the right file?",
                       "——但它定义了 {names}，这是题目 {problem} 要求的名字：是不是用错了文件？")
EXIT_AT_IMPORT = t("the code called sys.exit({code}) while being imported",
                   "代码在导入时调用了 sys.exit({code})")
EXIT_IN_TEST = t("the code called sys.exit({code}) during this test", "代码在这个测试中调用了 sys.exit({code})")

# ----------------------------------------------------------------------------- sandbox events
WHILE_LOADING = t("while loading the submission: {message}", "加载提交时：{message}")
WHILE_LOADING_AGAIN = t("while loading the submission again after an earlier test ended its process: {message}",
                        "之前的测试结束了进程，再次加载提交时：{message}")
TEST_TIMEOUT = t("no answer within {seconds} s (per-test time limit)", "{seconds} 秒内没有结果（单个测试的时间限制）")
SUBMISSION_TIMEOUT = t("the submission used its whole time budget of {seconds} s",
                       "这份提交用完了全部 {seconds} 秒的时间预算")
CPU_LIMIT = t("used up its CPU time limit", "用完了 CPU 时间限制")
PRINTED_TOO_MUCH = t("printed more than {limit} bytes; the process was stopped",
                     "打印的内容超过 {limit} 字节；进程已被停止")
RESULTS_TOO_LARGE = t("returned more than {limit} MiB of results over its tests",
                      "各测试返回的结果合计超过 {limit} MiB")
RESULT_TOO_LARGE = t("returned a result larger than the allowed {limit} bytes",
                     "返回的结果超过允许的 {limit} 字节")
WROTE_TOO_MUCH = t("wrote more than {limit} bytes to files", "写入文件的内容超过 {limit} 字节")
OUT_OF_MEMORY = t("ran out of memory: the submission's processes together used more than {limit} MB",
                  "内存不足：这份提交的所有进程合计使用了超过 {limit} MB")
KILLED = t("was killed by the system (most likely out of memory)", "被系统终止（很可能是内存不足）")
CRASHED_SIGNAL = t("the process crashed with signal {signal}", "进程因信号 {signal} 崩溃")
RUNTIME_FAILED = t("the sandboxed process failed (a limit broke its runtime, or isolation could "
                   "not be set up; see captured output)",
                   "沙箱中的进程失败了（某项限制破坏了运行环境，或无法建立隔离；见捕获的输出）")
EXITED_EARLY = t("the process exited with status {code} before finishing (os._exit, a fatal error, "
                 "or a closed result channel)",
                 "进程在完成前以状态 {code} 退出（os._exit、致命错误，或关闭了结果通道）")
MEMORY_TEST_NOT_ANNOUNCED = t("this memory test's result came without the test announcing its start, so its "
                              "memory was not measured (the code changed how the sandbox runs tests)",
                              "这个内存测试的结果在测试开始前没有先行通告，因此无法测量内存（代码改动了沙箱运行测试的方式）")
RESULT_CHANNEL_MISUSED = t("something other than this test's result reached the grader's result channel "
                          "({why}); code that writes to file descriptors it did not open causes this",
                          "评测器的结果通道收到了不属于这个测试结果的内容（{why}）；代码向并非自己打开的文件描述符写入时会这样")
MALFORMED_RESULT = t("the test's result was malformed ({why})", "这个测试的结果格式不对（{why}）")
NOT_RUN_AFTER_TIMEOUT = t("an earlier test timed out", "之前的测试超时了")
NOT_RUN_AFTER_RESULTS = t("the earlier tests' results were too large together", "之前各测试的结果合计过大")
NOT_RUN_AFTER_CRASHES = t("the submission crashed repeatedly", "这份提交反复崩溃")
NOT_RUN_AFTER_OUTPUT = t("an earlier test printed past the submission's output limit (remove the prints)",
                         "之前的测试输出超过了这份提交的输出上限（请删去 print 语句）")
NOT_RUN_AFTER_RELOAD = t("the submission could not be loaded again after an earlier test ended its process",
                         "之前的测试结束了进程之后，这份提交无法再次加载")
TOO_MANY_PROCESSES = t("started more than {limit} processes or threads", "启动的进程或线程超过 {limit} 个")
THREAD_REFUSED = t("a thread could not be started, and the runtime stopped the process (status {code}): the "
                   "submission may run at most {limit} processes and threads together; ask for fewer threads "
                   "(torch.set_num_threads) or start fewer",
                   "无法启动线程，运行时随即终止了进程（状态 {code}）：这份提交合计最多只能运行 {limit} 个进程和线程；"
                   "请减少所请求的线程数（torch.set_num_threads）或少启动一些")
SANDBOX_FAILED = t("the sandbox failed ({why})", "沙箱出错（{why}）")
PEAK_MEMORY = t("peak memory of the call: {measured} MiB beyond its inputs (bound: {bound} MiB)",
                "调用的峰值内存：超出输入 {measured} MiB（上限 {bound} MiB）")
KILLED_AT_MEMORY_LIMIT = t("the call was stopped at the submission's memory limit of {limit} MiB "
                           "(the bound of this test is {bound} MiB beyond its inputs)",
                           "调用在提交的内存上限 {limit} MiB 处被终止（本测试的上限是超出输入 {bound} MiB）")
NO_MEMORY_COUNTER = t("no memory counter the submission cannot reset", "没有提交无法重置的内存计数器")
MEMORY_NOT_MEASURED = t("the call's memory could not be measured on this machine ({why}); "
                        "the values were checked",
                        "这台机器上无法测量调用的内存（{why}）；只检查了数值")

# ----------------------------------------------------------------------------- submission files
NO_SUCH_FILE = t("{path}: no such file", "{path}：文件不存在")
CANNOT_READ = t("{path}: cannot be read ({why})", "{path}：无法读取（{why}）")
IS_SYMLINK = t("{path}: is a symbolic link, which is never followed; submit the file itself",
               "{path}：是符号链接，评测器从不跟随符号链接；请提交文件本身")
IS_DIRECTORY = t("{path}: is a directory; a submission is a single .py file",
                 "{path}：是一个目录；提交应是单个 .py 文件")
NOT_REGULAR = t("{path}: is not a regular file", "{path}：不是普通文件")
TOO_LARGE = t("{path}: is {size} MiB; a submission may be at most 1 MiB — remove data or generated code",
              "{path}：大小为 {size} MiB；提交最多 1 MiB——请删去数据或自动生成的代码")
IS_BINARY = t("{path}: is a binary file, not Python source", "{path}：是二进制文件，不是 Python 源代码")
WIDE_ENCODING = t("{path}: is saved as {encoding}; save it as UTF-8", "{path}：以 {encoding} 保存；请以 UTF-8 保存")
OTHER_ENCODING = t("{path}: declares the encoding {encoding}; save it as UTF-8 and remove the coding line",
                   "{path}：声明了编码 {encoding}；请以 UTF-8 保存并删除编码声明行")
NOT_UTF8 = t("{path}: is not valid UTF-8 (byte {offset}); save it as UTF-8",
             "{path}：不是有效的 UTF-8（第 {offset} 个字节）；请以 UTF-8 保存")
EMPTY_FILE = t("{path}: is empty; start from 'attn-judge start {problem}'",
               "{path}：是空文件；请从 'attn-judge start {problem}' 开始")
EMPTY_FILE_ON_PLATFORM = t("{path}: is empty; start from the stub your course gave you for this problem, keep "
                           "its names, and submit again",
                           "{path}：是空文件；请从课程为这道题提供的模板开始，保留其中的名字，然后重新提交")
NOTEBOOK_AS_PY = t("{path}: is a Jupyter notebook saved with the .py extension; rename it to .ipynb "
                   "(or export its code as a Python script)",
                   "{path}：是以 .py 扩展名保存的 Jupyter 笔记本；请把它改名为 .ipynb（或把代码导出为 Python 脚本）")
IS_NOTEBOOK = t("{path}: is a Jupyter notebook whose code could not be read ({why})",
                "{path}：是 Jupyter 笔记本，但无法读取其中的代码（{why}）")

# ----------------------------------------------------------------------------- command line
PUBLIC_TESTS_TITLE = t("{title} — public tests", "{title}——公开测试")
HIDDEN_TESTS_TITLE = t("{title} — hidden tests", "{title}——隐藏测试")
ISOLATION_LABEL = t("isolation: {level}", "隔离：{level}")
WARNING = t("warning: {message}", "警告：{message}")
SAME_AS_ABOVE = t("(same as above)", "（同上）")
ERROR_LABEL = t("error ({kind}): ", "错误（{kind}）：")
CAPTURED_OUTPUT = t("captured output{more}:", "捕获的输出{more}：")
TRUNCATED = t(" (truncated)", "（已截断）")
START_WITH = t("Start with:", "开始：")
WROTE_STUB = t("Wrote {path}. Fill it in, then run: attn-judge check {command_path}",
               "已写入 {path}。完成后运行：attn-judge check {command_path}")

# ----------------------------------------------------------------------------- notebooks
LINE_NUMBER = t("line {line}", "第 {line} 行")
AT_PLACE = t(" ({place})", "（{place}）")
CELL_LINES = t("cell {cell}, lines {first}–{last}", "第 {cell} 个单元格第 {first}–{last} 行")
AND_MORE = t("and {count} more", "另有 {count} 处")
SKIPPED_LINES = t("Not run: {count} line(s) of IPython syntax (magics, shell commands, help requests, "
                  "get_ipython() calls) — {where}.",
                  "未运行：{count} 行 IPython 语法（魔法命令、shell 命令、帮助请求、get_ipython() 调用）——{where}。")
FORBIDDEN_STATIC_AT = t("{place}: {name} is not allowed in this problem; implement it yourself",
                        "{place}：本题不允许使用 {name}，请自己实现")
# why a notebook's code could not be read: the {why} of IS_NOTEBOOK
NOTEBOOK_NOT_JSON = t("it is not valid JSON", "它不是有效的 JSON")
NOTEBOOK_NOT_UNICODE = t("its cell {cell} holds code that is not valid Unicode (an unpaired surrogate, such "
                         "as the JSON escape \\ud800): remove it and save the notebook again",
                         "它的第 {cell} 个单元格含有无效的 Unicode 代码（不成对的代理码位，例如 JSON 转义 \\ud800）："
                         "请删去后重新保存笔记本")
NOTEBOOK_TOO_DEEP = t("its JSON is nested too deeply", "它的 JSON 嵌套过深")
NOTEBOOK_HUGE_NUMBER = t("its JSON holds a number of more than {digits} digits, which no notebook needs",
                         "它的 JSON 含有超过 {digits} 位的数字，任何笔记本都用不到这样的数")
NOTEBOOK_BAD_VERSION = t("its \"nbformat\" field is {got}, not a format version such as 4; open it in "
                         "Jupyter and save it again",
                         "它的 \"nbformat\" 字段是 {got}，而不是格式版本号（例如 4）；请用 Jupyter 打开并重新保存")
NOTEBOOK_NO_CELLS = t("it has no list of cells", "它没有单元格列表")
NOTEBOOK_OLD_FORMAT = t("it uses notebook format {version}; open it in a recent Jupyter and save it again",
                        "它使用第 {version} 版笔记本格式；请用较新的 Jupyter 打开并重新保存")
NOTEBOOK_INVALID = t("it does not follow the notebook format: {detail}", "它不符合笔记本格式：{detail}")
NOTEBOOK_CELL_INVALID = t("its cell {cell} does not follow the notebook format: {detail}",
                          "它的第 {cell} 个单元格不符合笔记本格式：{detail}")
NOTEBOOK_CELL_TYPE = t("its cell {cell} has the cell type {type}; a cell is \"code\", \"markdown\" or \"raw\"",
                       "它的第 {cell} 个单元格的类型是 {type}；单元格类型只能是 \"code\"、\"markdown\" 或 \"raw\"")
NOTEBOOK_NEW_FORMAT = t("it says notebook format {version}, which does not exist (Jupyter writes format 4); "
                        "save it again from Jupyter",
                        "它声明使用第 {version} 版笔记本格式，但并没有这一版（Jupyter 使用第 4 版）；请在 Jupyter 中重新保存")
NOTEBOOK_IS_PYTHON = t("it holds Python source, not a notebook's JSON: save it with the .py extension",
                       "它包含的是 Python 源代码，而不是笔记本的 JSON：请以 .py 扩展名保存")
NOTEBOOK_CODE_TOO_LARGE = t("its code cells hold {size} MiB of code; the code may be at most 1 MiB (outputs do "
                            "not count) — remove data or generated code",
                            "它的代码单元格共有 {size} MiB 代码；代码最多 1 MiB（输出不计）——请删去数据或自动生成的代码")
NOTEBOOK_OVER_BUDGET = t("{path}: is a Jupyter notebook that could not be read within the grader's budget "
                         "({why}): its outputs or metadata are too large; copy its code cells into a new notebook "
                         "and hand that in, or hand in its code as a .py file",
                         "{path}：这个 Jupyter 笔记本无法在评测器的预算内读取（{why}）：其中的输出或元数据过大；"
                         "请把代码单元格复制到一个新笔记本后提交，或把代码作为 .py 文件提交")
NOTEBOOK_BAD_REPLY = t("the grader's helper process gave a malformed reply", "评测器的辅助进程返回了格式错误的结果")
NOTEBOOK_TOO_LARGE = t("{path}: is {size} MiB; a notebook may be at most 32 MiB, outputs included — clear "
                       "its outputs and save it again",
                       "{path}：大小为 {size} MiB；笔记本（含输出）最多 32 MiB——请清除输出后重新保存")
WROTE_NOTEBOOK = t("Wrote {path}. Open it in Jupyter, fill in the code cell, then run the last cell.",
                   "已写入 {path}。在 Jupyter 中打开它，完成代码单元格，然后运行最后一个单元格。")
NOTEBOOK_CHECK_CELL = t("# Run the public tests on the code above (in the sandbox).",
                        "# 在沙箱中对上面的代码运行公开测试。")

# ----------------------------------------------------------------------------- check() inside a notebook
NB_TESTS = t("Tests", "测试")
NB_TEST = t("Test", "测试")
NB_POINTS = t("Points", "得分")
NB_RESULT = t("Result", "结果")
NB_FEEDBACK = t("Feedback", "反馈")
NB_PASSED = t("passed", "通过")
NB_FAILED = t("failed", "未通过")
NB_DIAGNOSIS = t("Diagnosis", "诊断")
NB_MATCHES = t("Your wrong outputs match these known mistakes.", "你的错误输出与这些已知错误一致。")
NB_MISTAKE = t("Mistake", "错误写法")
NB_FIX = t("Fix", "修正")
NB_TESTS_PASSED = t("{passed} of {total} tests passed", "通过 {passed}/{total} 个测试")
NB_UNKNOWN_PROBLEM = t("check(): there is no problem {name}{close} (see 'attn-judge list')",
                       "check()：没有题目 {name}{close}（见 'attn-judge list'）")
NB_DID_YOU_MEAN = t("; did you mean {names}?", "；你是不是想找 {names}？")
NB_WHICH_PROBLEM = t("check(): cannot tell which problem {name} solves; pass problem=\"<problem_id>\" "
                     "(see 'attn-judge list')",
                     "check()：无法判断 {name} 解的是哪道题；请传入 problem=\"<problem_id>\"（见 'attn-judge list'）")
NB_NOT_DEFINED = t("check(): {name} is not defined here; run the cell that defines it first",
                   "check()：这里没有定义 {name}；请先运行定义它的单元格")
NB_NO_SOURCE = t("check(): the source of {name} cannot be found (define it in a cell of this notebook)",
                 "check()：找不到 {name} 的源代码（请在本笔记本的单元格中定义它）")
NB_NOT_CHECKABLE = t("check(): give a problem ID, a function or a class, not {type}",
                     "check()：请传入题目 ID、函数或类，而不是 {type}")
NB_GRADED_IMPORT = t("When the notebook is graded, every code cell in it runs, in a sandbox that has only the "
                     "standard library, torch and numpy: In [{cell}] imports {module}, so if that cell is still "
                     "in the notebook, the submission will not load. Keep it out of the notebook you hand in.",
                     "评测笔记本时会运行其中的每个代码单元格，而沙箱里只有标准库、torch 和 numpy：In [{cell}] 导入了 "
                     "{module}，如果这个单元格还在笔记本里，提交将无法加载。请不要把它留在要提交的笔记本中。")
NB_NOT_COPYABLE = t("check(): {name} (a {type}) cannot be copied into the checked module; create it inside "
                    "the function or class that uses it, or make it a plain number or string",
                    "check()：{name}（{type} 类型）无法复制到被检查的模块中；请在使用它的函数或类内部创建它，"
                    "或改为普通的数字或字符串")
NB_WRONG_KIND = t("check(): {problem} asks for {wanted}; {name} is {given}",
                  "check()：{problem} 要求{wanted}；{name} 是{given}")
NB_A_MODULE_CLASS = t("a class (a torch.nn.Module)", "一个类（torch.nn.Module）")
NB_A_CLASS = t("a class", "一个类")
NB_A_FUNCTION = t("a function", "一个函数")
NB_LAMBDA = t("check(): give a function defined with def, not a lambda",
              "check()：请传入用 def 定义的函数，而不是 lambda")
NB_BAD_PROBLEM = t("check(): problem must be a problem ID (a string) such as \"multi_head_attention\", not {given}",
                   "check()：problem 必须是题目 ID（字符串），例如 \"multi_head_attention\"，而不是 {given}")
NB_BAD_TIMEOUT = t("check(): timeout must be a number of seconds greater than 0, such as 5, not {given}",
                   "check()：timeout 必须是大于 0 的秒数，例如 5，而不是 {given}")
NB_BAD_LANG = t("check(): lang must be \"en\", \"zh\" or None (the default language), not {given}",
                "check()：lang 必须是 \"en\"、\"zh\" 或 None（默认语言），而不是 {given}")
ALREADY_EXISTS = t("{path} already exists; it was left untouched. Delete or rename it to start over.",
                   "{path} 已存在，未作改动。如要重新开始，请删除或重命名它。")

# ----------------------------------------------------------------------------- a class folder's odd entries
PLAN_SYMLINK = t("{name}: a symbolic link; not followed, not graded", "{name}：符号链接；不跟随，不评测")
DUPLICATE_FILE = t("{name}: another file for the same problem; only {graded} was graded",
                   "{name}：同一道题的另一个文件；只评测了 {graded}")
EMPTY_BESIDE_NOTEBOOK = t("{name}: empty, so the notebook {graded} was graded instead",
                          "{name}：文件为空，因此改为评测笔记本 {graded}")
STARTER_BESIDE_NOTEBOOK = t("{name}: the untouched starter file, so the notebook {graded} was graded instead",
                            "{name}：未改动的初始文件，因此改为评测笔记本 {graded}")
PLAN_LOOKALIKE_NAME = t("this student folder's name looks the same as {count} other(s) but is spelled apart "
                        "({spelled}): the same student handed in twice, or two students to tell apart",
                        "这个学生文件夹的名字看起来与另外 {count} 个相同，但写法不同（{spelled}）：可能是同一名学生"
                        "提交了两次，也可能是需要区分的两名学生")
PLAN_CASE_CLASH = t("this student folder's name differs from {others} only in case: in an output folder copied to "
                    "macOS or Windows their results are one folder; rename one of them",
                    "这个学生文件夹的名字与 {others} 只有大小写不同：输出文件夹复制到 macOS 或 Windows 后，"
                    "它们的结果会合并成一个文件夹；请给其中一个改名")
PLAN_FOLDER_HOLDS = t("{name}/: a folder holding {files}; not graded: move the files up into the student's folder",
                      "{name}/：文件夹，其中有 {files}；未评测：请把这些文件移到学生文件夹里")
PLAN_FOLDER = t("{name}/: a folder; not graded (a student's files go straight into the student's folder)",
                "{name}/：文件夹；未评测（学生的文件应直接放在学生文件夹中）")
PLAN_ARCHIVE = t("{name}: a {kind} archive; not graded: unpack it into the student's folder",
                 "{name}：{kind} 压缩包；未评测：请解压到学生文件夹中")
PLAN_NOT_A_PROBLEM = t("{name}: not a problem ID{hint}; not graded", "{name}：不是题目 ID{hint}；不评测")
PLAN_NOT_A_SUBMISSION = t("{name}: not graded; rename it {expected} (or hand in a .ipynb notebook)",
                          "{name}：未评测；请改名为 {expected}（或提交 .ipynb 笔记本）")
PLAN_NOT_A_NOTEBOOK = t("{name}: not graded; rename it {expected}", "{name}：未评测；请改名为 {expected}")
PLAN_EMPTY_FOLDER = t("an empty folder: nothing handed in", "空文件夹：没有提交任何文件")
PLAN_ONLY_PASSED_OVER = t("nothing handed in: the folder holds only {names}, which are never graded (hidden "
                          "files, and what tools leave, such as Jupyter's autosaves in .ipynb_checkpoints)",
                          "没有提交任何文件：文件夹里只有 {names}，这些从不评测（隐藏文件，以及工具留下的文件，"
                          "例如 Jupyter 在 .ipynb_checkpoints 中的自动保存）")
PLAN_MORE_FILES = t("and {count} more files not graded", "另有 {count} 个文件未评测")
PLAN_DID_YOU_MEAN = t(" (did you mean {name}?)", "（你是不是想写 {name}？）")
