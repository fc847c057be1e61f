"""What the command line itself says besides errors, in both languages.

The lines ``attn-judge`` prints around its results (where a report or the
class overview is, how a class run went, what an export wrote) are each a
:class:`grader.i18n.Text` here; the commands print the side of the user's
language. The errors a user can cause are in :mod:`grader.user_errors`;
the words the command line shares with the learner feedback (a warning, the
isolation label) stay in :mod:`grader.feedback`. This module imports nothing
heavy: the command line reads it before it imports torch.
"""

from __future__ import annotations

from grader.i18n import t

# ----------------------------------------------------------------------------- any command
ERROR_LINE = t("Error: {message}", "错误：{message}")
USAGE_LINE = t("Usage: {usage}", "用法：{usage}")  # a usage error's first line (grader.cli_usage)
STDOUT_UNWRITABLE = t("cannot write to standard output: {reason}", "无法写入标准输出：{reason}")  # grader.console
TRY_HELP = t("Try '{command}' for help.", "运行 '{command}' 查看帮助。")

# ------------------------------------------------------------------- show, grade FILE, isolation, site
PROBLEM_TAGS = t("{id} · tags: {tags}", "{id} · 标签：{tags}")
DIFFICULTY = {"easy": t("easy", "简单"), "medium": t("medium", "中等"), "hard": t("hard", "困难")}
REPORT_AT = t("Report: {path}", "报告：{path}")
NOT_STRONGER = t("not stronger because: {reason}", "未能提供更强隔离的原因：{reason}")
STUDY_SITE_AT = t("Study site: {path}", "学习网站：{path}")

# ----------------------------------------------------------------------------- grading a class
ISOLATION_OF_RUN = t("Isolation: {level} — {description}", "隔离：{level} — {description}")
DASHBOARD_AT = t("Dask dashboard: {link}", "Dask 仪表盘：{link}")
RESULTS_OF_OTHERS = t("Kept in OUT from an earlier run, and in no gradebook (students not in this class, or "
                      "files no longer handed in): {names}.",
                      "OUT 中保留了之前评测的结果，不在任何成绩表中（不属于本班的学生，或已不再提交的文件）：{names}。")
NOT_STUDENT_FOLDERS = t("Not graded (not student folders): {names}.", "未评测（不是学生文件夹）：{names}。")
GRADING = t("Grading", "评测中")
INTERRUPTED = t("Interrupted.", "已中断。")
STILL_SAVING = t("Stopping: saving what is finished first (a few seconds).", "正在停止：先保存已完成的结果（需要几秒钟）。")
INTERRUPTED_SAVED = t("Interrupted. Everything finished so far is saved; run the same command with --resume "
                      "to continue. Until then gradebook-canvas.csv leaves the submissions not yet graded blank: "
                      "do not import it yet.",
                      "已中断。到目前为止完成的部分都已保存；加上 --resume 选项再次运行同一命令即可继续。在此之前，"
                      "gradebook-canvas.csv 中尚未评测的提交留空：请先不要导入。")
CLASS_SUMMARY = t("Submissions graded: {graded} ({skipped} already done); students: {students}; time: "
                  "{seconds} s. Errors among those graded now: {errors}.",
                  "已评测 {students} 名学生的 {graded} 份提交（其中 {skipped} 份此前已完成），用时 {seconds} 秒。"
                  "本次评测中的错误：{errors}。")
ERROR_COUNT = t("{kind}: {count}", "{kind}：{count}")  # one item of the {errors} of CLASS_SUMMARY
NO_ERRORS = t("none", "无")
GRADED_AGAIN = t("Graded again on another worker (theirs was lost or could not grade): {count} submission(s).",
                 "因原工作进程丢失或无法评测而在其他工作进程上重新评测的提交：{count} 份。")
OTHER_INSTALLATION = t("Graded again as another installation of attention-judge had graded them (its code, "
                       "problems or torch differed): {count} submission(s).",
                       "因此前由另一套 attention-judge 安装（代码、题目或 torch 不同）评测而重新评测的提交：{count} 份。")
WORKERS_RETIRED_DURING = t("Dask workers retired during the run, as they could not grade: {detail}.",
                           "运行中因无法评测而退出的 Dask 工作进程：{detail}。")
CLASS_OVERVIEW_AT = t("Class overview: {path}", "班级概览：{path}")

# ----------------------------------------------------------------------------- export
GRADESCOPE_WRITTEN = t("Gradescope autograder: {path} ({problems})", "Gradescope 自动评分包：{path}（{problems}）")
PRAIRIELEARN_WRITTEN = t("PrairieLearn questions and grader image: {path} ({problems})",
                         "PrairieLearn 题目和评测镜像：{path}（{problems}）")
SEED_DRAWN = t("Seed: {seed} (drawn at random and stored in the bundle, readable by root only). Keep it "
               "secret; re-grade locally with: {command}",
               "种子：{seed}（随机抽取，保存在评测包中，只有 root 可读）。请保密；"
               "在本地重新评测：{command}")
GRADESCOPE_GRADED = t("score {score} of {max_score}; {tests} tests; results in {path}",
                      "得分 {score}，满分 {max_score}；{tests} 个测试；结果在 {path}")
PRAIRIELEARN_GRADED = t("score {score} (gradable: {gradable}); results in {path}",
                        "得分 {score}（可评分：{gradable}）；结果在 {path}")
