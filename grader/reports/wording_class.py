"""The fixed wording of a class run's pages, each message once in English and in Chinese.

The class overview (``index.html``), its similarity section and the page of a
flagged pair (``similarity/<problem>/<n>.html``) read these messages through the
one :class:`grader.reports.wording.Wording` lookup, exactly as the submission
report reads its own: :mod:`grader.reports.wording` takes every message of this
module into its catalogue, so a name is unique across both modules.

The notes the overview makes in Python (a result that is missing…) and the
limits of the similarity comparison are here too; the gradebook CSV and
``similarity.json`` keep their English side, the pages show the page's language.
"""

from __future__ import annotations

from grader.i18n import t

# ----------------------------------------------------------------------------- navigation and stats
SCORES = t("Scores", "得分")
CHECKS = t("Checks", "测试")
MISCONCEPTIONS = t("Misconceptions", "常见错误")
ERRORS = t("Errors", "错误")
STUDENTS = t("Students", "学生")
SIMILAR_SUBMISSIONS = t("Similar submissions", "相似的提交")
STAT_STUDENTS = t("students", "学生")
STAT_GRADED = t("submissions graded", "已评测的提交")
STAT_MEAN = t("mean total of those graded", "已评测学生的平均总分")
STAT_ERRORS = t("submission errors", "出错的提交")
STAT_NOTES = t("students with notes", "有备注的学生")
NOT_STUDENT_FOLDERS = t("Not graded (beside the student folders, but not student folders themselves): {names}.",
                        "未评测（位于学生文件夹旁边，但本身不是学生文件夹）：{names}。")
RESULTS_OF_OTHERS = t("Kept from an earlier run, and in no gradebook (students not in this class, or files "
                      "no longer handed in): {names}.",
                      "保留自之前的评测，不在任何成绩表中（不属于本班的学生，或已不再提交的文件）：{names}。")
RESULTS_PENDING = t("Submissions handed in without results yet: {count}. The run was interrupted, or they changed "
                    "since they were graded (the notes say which); grade again with --resume to complete the results.",
                    "已提交但还没有结果的提交：{count} 份。评测被中断了，或者它们在评测之后被修改过（备注中写明了是哪些）；"
                    "请加上 --resume 重新评测以补全结果。")
GRADEBOOKS = t("Gradebooks: {gradebook} (a column per problem, total and maximum) and {canvas} "
               "(for Canvas's gradebook import).",
               "成绩表：{gradebook}（每道题一列，另有总分和满分）和 {canvas}（用于导入 Canvas 的成绩册）。")

# ----------------------------------------------------------------------------- score distribution
SCORE_DISTRIBUTION = t("Score distribution", "得分分布")
TOTAL = t("Total", "总分")
TOTAL_HISTOGRAM = t("Total scores of the class, in tenths of the maximum", "全班总分的分布，每档为满分的十分之一")
PROBLEM_HISTOGRAM = t("{problem}: scores in tenths of the maximum", "{problem}：得分分布，每档为满分的十分之一")
TOTAL_NOTE = t("{graded} students with something graded, out of {points} points.",
               "{graded} 名学生有已评测的提交，满分 {points} 分。")
SUBMITTED_OF = t("{submitted} of {students} students submitted", "{students} 名学生中有 {submitted} 名提交")
NOT_GRADED_YET = t(" ({count} not graded yet)", "（其中 {count} 名尚未评测）")  # after SUBMITTED_OF
PROBLEM_NOTE = t("{submitted} · mean {mean} · median {median} · {full} scored full marks ({points} points)",
                 "{submitted} · 平均 {mean} · 中位数 {median} · {full} 名学生得满分（满分为 {points} 分）")
NOBODY_SUBMITTED = t("Nobody submitted this problem.", "没有人提交这道题。")
BARS_KEY = t("Bars: share of the maximum score in steps of 10%; the green bar is full marks.",
             "柱子：得分占满分的比例，每档 10%；绿色柱子表示满分。")
FULL_MARKS = t("full", "满分")

# ----------------------------------------------------------------------------- checks and mistakes
CHECKS_FAILED_MOST = t("Checks the class failed most", "全班最常未通过的测试")
CHECK = t("Check", "测试")
CHECK_POINTS = t("Points", "分值")
PASS_RATE = t("Pass rate", "通过率")
PASSED_COUNT = t("Passed", "通过数")
TEST_NUMBER = t("test {number}", "测试 {number}")
EVERY_CHECK = t("Every check of {problem} ({count})", "{problem}的全部测试（{count} 个）")
NOTHING_WAS_GRADED = t("No submission was graded.", "没有评测任何提交。")
MISCONCEPTIONS_SEEN = t("Misconceptions seen", "出现过的常见错误")
MISCONCEPTION = t("Mistake", "常见错误")
STUDENT_COUNT = t("Students", "学生数")
SHARE_OF_SUBMISSIONS = t("Share of submissions", "占提交的比例")
SHOW_THESE_STUDENTS = t("show these students", "显示这些学生")
SUBMISSION_ERRORS = t("Submission errors", "提交错误")
KIND = t("Kind", "类型")
SUBMISSION_COUNT = t("Submissions", "提交数")
PROBLEMS = t("Problems", "题目")
IN_BRACKETS = t("{text} ({detail})", "{text}（{detail}）")
FORBIDDEN_RULE = t("Forbidden APIs are a teaching rule, not a security boundary.",
                   "禁止使用的 API 是一条教学规则，不是安全边界。")

# ----------------------------------------------------------------------------- the student table
SEARCH_STUDENTS = t("Search students", "搜索学生")
SEARCH_PLACEHOLDER = t("Search names and notes", "搜索姓名和备注")
SHOW = t("Show", "显示")
ALL_STUDENTS = t("All students", "全部学生")
WITH_NOTES = t("With notes", "有备注")
NOTHING_GRADED = t("Nothing graded", "没有已评测的提交")
ANY_ERROR = t("Any submission error", "有提交出错")
ERROR_OPTION = t("Error: {kind}", "错误：{kind}")
MISTAKE_OPTION = t("Mistake: {title} ({problem})", "常见错误：{title}（{problem}）")
STUDENTS_ALL = t("{count} students", "{count} 名学生")
STUDENTS_SHOWN = t("{shown} of {count} students", "显示 {shown} 名学生（共 {count} 名）")
STUDENT = t("Student", "学生")
NOTES = t("Notes", "备注")
TABLE_KEY = t("Scores link to each student's report. “–” means not submitted, or no results of the file as it is "
              "now (the notes say which); “!” marks a submission that could not be graded normally.",
              "分数链接到每名学生的报告。“–”表示没有提交，或者没有该文件当前版本的结果（备注中写明了是哪种）；"
              "“!”表示这份提交无法正常评测。")

# ----------------------------------------------------------------------------- notes made by the overview
RESULTS_MISSING = t("{problem}: results missing; grade again (with --resume) to complete it",
                    "{problem}：结果缺失；请重新评测（加上 --resume）补全")
RESULTS_UNREADABLE = t("{problem}: results unreadable; grade again (with --resume) to complete it",
                       "{problem}：结果无法读取；请重新评测（加上 --resume）补全")
RESULTS_STALE = t("{problem}: results are of an earlier version of the file (or another seed); grade again "
                  "(with --resume) to bring them up to date",
                  "{problem}：结果属于这个文件的早先版本（或另一个种子）；请重新评测（加上 --resume）以更新结果")
NOT_GRADED_NORMALLY = t("{problem}: {kind}: {message}", "{problem}：{kind}：{message}")
NOT_IN_RUN = t("{problem}: not a problem of this run", "{problem}：不是本次评测的题目")
NAME_NOT_FOLDER = t("{problem}: results not read (the student name is not a folder name)",
                    "{problem}：没有读取结果（学生名不是一个文件夹名）")

# ----------------------------------------------------------------------------- similarity section
NO_SIMILARITY = t("No similarity report for this run: it is written at the end of a class run that was not "
                  "interrupted, with the reports.",
                  "本次评测没有相似度报告：只有没被中断的班级评测才会在结束时连同报告一起写出它。")
SIMILARITY_UNREADABLE = t("The similarity report (similarity.json) could not be read; grade the class again to "
                          "write it.",
                          "无法读取相似度报告（similarity.json）；请重新评测全班以写出它。")
SIMILARITY_METHOD = t(
    "For each problem, pairs of students whose submissions are more alike than the rest of the class, most "
    "alike first. The score is the mean of two shares: the part of each student's code that is also found in "
    "the other's, with names, comments, strings and spacing ignored, and with the stub and the idioms most of "
    "the class shares set aside. A pair is flagged when its score is at least {floor} and, in a class of "
    "{min_students} students or more, far above the class's median pair (by {spread} robust standard "
    "deviations; a pair at {ceiling} or more is always flagged). Each pair has a page with both sources side "
    "by side. A flag is a reason to read the code, not a verdict.",
    "每道题列出提交比班上其他人更相似的学生对，最相似的排在前面。得分是两个比例的平均值：每名学生的代码中"
    "也出现在对方代码里的部分；比较时忽略名称、注释、字符串和空白，并把题目模板和全班大多数人共有的惯用写法"
    "排除在外。得分至少为 {floor}，并且（在 {min_students} 名学生及以上的班级中）远高于全班学生对得分的中位数"
    "（高出 {spread} 个稳健标准差）时，这一对就会被标记；得分达到 {ceiling} 及以上的总会被标记。每一对都有"
    "一个页面，把两份源代码并排显示。标记只是去读代码的理由，不是结论。")
CANNOT_SEE = t("What the comparison cannot see", "比较发现不了的情况")
PROBLEM = t("Problem", "题目")
PAIRS = t("Pairs", "学生对数")
MEDIAN_PAIR = t("Median pair", "中位数")
THRESHOLD = t("Threshold", "阈值")
FLAGGED = t("Flagged", "被标记")
NOT_COMPARED = t("not compared", "未比较")
ALONE = t("one submission: no pair", "只有一份提交：没有可比较的对")  # a summary row in place of its figures
NOT_COMPARED_BECAUSE = t("Not compared: {error}. The rest of the class was graded and compared as usual.",
                         "未比较：{error}。班上其他提交照常评测和比较。")
ALIKE = t("Alike", "相似度")
SIDE_BY_SIDE = t("Side by side", "并排对照")
AND_WORD = t("and", "和")  # between the two names of a pair
COMPARE = t("compare", "对照")
NO_PAGE = t("no page", "没有页面")
UNLISTED = t("{count} more pairs are above the threshold and not listed; so many usually means a shared "
             "outside source or a common approach the discount did not catch.",
             "另有 {count} 对高于阈值但没有列出；这么多通常意味着有共同的外部来源，或者有一种常见做法没有被排除。")
ONLY_ONE = t("Only one submission: nothing to compare.", "只有一份提交：没有可比较的对象。")
NO_PAIR_ABOVE = t("No pair above the threshold.", "没有高于阈值的学生对。")
COMPARED_SUMMARY = t("Students: {students}; pairs compared: {pairs}; median pair {median}, threshold {threshold}",
                     "{students} 名学生，比较了 {pairs} 对；中位数 {median}，阈值 {threshold}")
COMPARED_LEFT_OUT = t("; {count} submissions left out (their text could not be tokenised within its time "
                      "budget)",
                      "；{count} 份提交未参与比较（无法在时间预算内完成词法分析）")
COMPARED_CUT = t("; {count} compared only in their first {kib} KiB characters",
                 "；{count} 份只比较了前 {kib} KiB 字符")
NOTHING_TO_COMPARE = t("No problem had submissions to compare.", "没有哪道题有可比较的提交。")
CANNOT_SEE_REWRITTEN = t("logic rewritten in other words (other loops, other library calls, another order "
                         "inside a function)",
                         "换一种写法表达的同一逻辑（换用其他循环、其他库函数调用，或改变函数内部的顺序）")
CANNOT_SEE_SHORT = t("submissions with fewer than {min_matched} characters of token text beyond the stub",
                     "除题目模板外，词法单元文本不到 {min_matched} 个字符的提交")
CANNOT_SEE_SOURCE = t("an outside source: students who copied the same tutorial or answer are flagged as a "
                      "pair (it cannot tell copying each other from copying the same page), and a source most "
                      "of the class used, each student changing it, is discounted like an idiom",
                      "外部来源：抄了同一篇教程或同一份答案的学生会被标记为一对（它分不清互相抄袭和抄同一个页面），"
                      "而全班大多数人各自改动后使用的来源会像惯用写法一样被排除")
CANNOT_SEE_AI = t("code written with an AI assistant, unless two students got the same code",
                  "借助 AI 助手写出的代码，除非两名学生得到了相同的代码")
CANNOT_SEE_LONG = t("anything after the first {kib} Ki characters of a submission (fewer when a problem has "
                    "more than {submissions} submissions)",
                    "提交中前 {kib} Ki 个字符之后的内容（一道题的提交超过 {submissions} 份时，比较的字符更少）")

# ----------------------------------------------------------------------------- the page of a flagged pair
PAIR_TITLE = t("Similar submissions {number} — {problem}", "相似的提交 {number} — {problem}")
SIMILARITY_OVERVIEW = t("Similarity overview", "相似度概览")
FLAGGED_PAIR = t("flagged pair {number} of {listed}", "被标记的第 {number} 对（共 {listed} 对）")
ALIKE_SCORE = t("alike", "相似")
THRESHOLD_FOR = t("Threshold for {problem}", "{problem}的阈值")
CLASS_MEDIAN_PAIR = t("Median pair of the class", "全班学生对得分的中位数")
STUDENTS_COMPARED = t("Students compared", "参与比较的学生")
SHARE_IN_OTHER = t("Share of their code in the other's", "其代码出现在对方代码中的比例")
CHARACTERS_IN_COMMON = t("Characters in common", "相同的字符数")
WHAT_SCORE_MEANS = t("What the score means", "得分的含义")
SCORE_MEANS = t("{score} is the mean of two shares: the part of each student's code (after the stub and the "
                "idioms most of the class shares are set aside) that is also found in the other's. Names of "
                "variables, functions and classes, the text of strings and comments, and spacing are ignored, "
                "so renaming and re-commenting do not lower it. For {problem} a pair is flagged from "
                "{threshold}:",
                "{score} 是两个比例的平均值：每名学生的代码（排除题目模板和全班大多数人共有的惯用写法之后）中也出现在"
                "对方代码里的部分。变量、函数和类的名称，字符串和注释的内容，以及空白都会被忽略，所以改名和改注释"
                "不会让它降低。对{problem}来说，一对学生的得分从 {threshold} 起就会被标记：")
FLOOR_ONLY = t(" with fewer than {min_students} students the spread of the class says little, so the floor of "
               "{floor} applies.",
               "不到 {min_students} 名学生时，全班的离散程度说明不了什么，所以采用下限 {floor}。")
FLOOR_OR_SPREAD = t(" the larger of a floor of {floor} and the class's median pair ({median}) plus {spread} "
                    "robust standard deviations, never above {ceiling}.",
                    "取下限 {floor} 与“全班学生对得分的中位数（{median}）加 {spread} 个稳健标准差”中较大的一个，"
                    "但不超过 {ceiling}。")
MIN_MATCHED_NOTE = t(" Each student must also share at least {min_matched} characters of token text with the "
                     "other.",
                     "此外，每名学生与对方相同的词法单元文本都必须至少有 {min_matched} 个字符。")
NOT_A_VERDICT = t("This is a pointer, not a verdict: read both sources before drawing a conclusion, and talk "
                  "with the students. Shared regions are {marked}; unmarked code differs or is common to the "
                  "class. A marked region runs from the first to the last matched token, so comments and blank "
                  "lines inside it are marked with it.",
                  "这只是一条线索，不是结论：下结论之前请读完两份源代码，并和学生谈一谈。相同的部分已{marked}；没有"
                  "标出的代码要么不同，要么是全班共有的。一个标出的部分从第一个匹配的词法单元延伸到最后一个，所以其中"
                  "的注释和空行也一并标出。")
MARKED = t("marked", "标出")
COMPARED_WITH = t("Compared with {tool} {version}: winnowing over Python tokens, runs of {noise} characters of "
                  "token text, any shared run of {guarantee} found.",
                  "用 {tool} {version} 比较：对 Python 词法单元做 winnowing，每段为 {noise} 个字符的词法单元文本，"
                  "任何长度达到 {guarantee} 的相同片段都能找到。")
SOURCE_OF = t("Source of {name}", "{name} 的源代码")
REPORT = t("report", "报告")
COMPARED_PART = t("The submission is longer: only the part shown was compared.", "这份提交更长：只比较了显示的部分。")
BACK_TO_SIMILARITY = t("Back to the similarity overview", "返回相似度概览")
SIMILARITY = t("similarity", "相似度")
