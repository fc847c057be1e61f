"""What a user is told when a command cannot do what was asked, in both languages.

Each message is a :class:`grader.i18n.Text` with ``{placeholders}`` for the
paths, names and option values it mentions; a raise site fills it in
(``raise UserError(UE.NO_SUCH_PATH.format(path=...))``) and the command line
prints the side of the user's language. Command names, options, file names,
IDs and numbers read the same in both languages. A message the learner
feedback already declares (:mod:`grader.feedback`) is named here, not written
again. This module imports nothing heavy: the command line reads it before it
imports torch.
"""

from __future__ import annotations

from grader import feedback as F
from grader.i18n import Text, join, same, t

SHOWN_AND_MORE = t("{names} and {count} more", "{names} 等，另有 {count} 个")  # a long list of names, cut


def listed(names: list[str], shown: int = 10) -> Text:
    """Names for one line: the first ``shown`` of them, and how many more there are."""
    first = join(LIST_SEPARATOR, names[:shown])
    return first if len(names) <= shown else SHOWN_AND_MORE.format(names=first, count=len(names) - shown)


def out_named(path: str, *, by_default: bool = False) -> Text:
    """The {out} of a message about the output folder ``path`` (shown as given)."""
    return OUT_BY_DEFAULT.format(path=path) if by_default else same(f"--out {path}")


# ----------------------------------------------------------------------------- shared with the feedback
ALREADY_EXISTS = F.ALREADY_EXISTS
NO_SUCH_FILE = F.NO_SUCH_FILE
LIST_SEPARATOR = F.LIST_SEPARATOR

# ----------------------------------------------------------------------------- problems and files
UNKNOWN_PROBLEM = t("unknown problem {name}.{close} Run 'attn-judge list' to see all problems.",
                    "没有题目 {name}。{close}运行 'attn-judge list' 可查看全部题目。")
# the {close} of UNKNOWN_PROBLEM and CANNOT_TELL_PROBLEM, when some names are close to the one given
DID_YOU_MEAN = t(" Did you mean {names}?", "你是不是想找 {names}？")
ARCHIVE_GIVEN = t("{path}: a {kind} archive, which attn-judge does not open; unpack it, then grade the folder "
                  "(attn-judge grade FOLDER) or one file in it.",
                  "{path}：这是 {kind} 压缩包，attn-judge 不会打开它；请先解压，再评测文件夹（attn-judge grade FOLDER）"
                  "或其中的一个文件。")
CANNOT_TELL_PROBLEM = t("{path}: cannot tell the problem from the file name.{close} Rename the file to "
                        "<problem_id>{suffix} or pass --problem (see 'attn-judge list').",
                        "{path}：无法从文件名判断是哪道题目。{close}请把文件改名为 <problem_id>{suffix}，"
                        "或使用 --problem 选项（见 'attn-judge list'）。")
NO_SUCH_PATH = t("{path}: no such file or directory", "{path}：文件或文件夹不存在")
# the {out} of the messages about the output folder (out_named) when a class run was given no --out
OUT_BY_DEFAULT = t("the default output folder {path} (used without --out; pass --out to put the results elsewhere)",
                   "默认输出文件夹 {path}（未给 --out 时使用；可用 --out 把结果放到别处）")
OUT_INSIDE_CLASS = t("{out} is inside the class directory {root}; choose another place so that "
                     "results are never taken for submissions",
                     "{out} 位于班级文件夹 {root} 之内；请另选位置，以免评测结果被当作提交")
OUT_CONTAINS_CLASS = t("{out} holds the class directory {root}: results would be written among the "
                       "submissions; choose a folder beside the class, such as {suggested}",
                       "{out} 包含班级文件夹 {root}：评测结果会与提交混在一起；请另选班级之外的文件夹，例如 "
                       "{suggested}")
OUT_HOLDS_OTHER_FILES = t("{out} already holds files that no class run wrote (a class run would replace its "
                          "index.html, gradebooks and static/); choose a new or empty folder",
                          "{out} 中已有并非班级评测写入的文件（班级评测会替换其中的 index.html、成绩表和 "
                          "static/）；请另选一个新的或空的文件夹")
SITE_OUT_HOLDS_OTHER_FILES = t("{out} already holds files that no site build wrote (a build would replace its "
                               "index.html and more); choose a new or empty folder",
                               "{out} 中已有并非网站生成写入的文件（生成网站会替换其中的 index.html 等文件）；"
                               "请另选一个新的或空的文件夹")
SITE_WRITE_FAILED = t("could not write the study site into {out} ({why}); free some space or choose another folder, "
                      "then build it again",
                      "无法把学习网站写入 {out}（{why}）；请腾出空间或另选文件夹，然后重新生成")
OUT_HOLDS_SUBMISSION = t("--out {out} holds {file}: the report would be written among the submissions (in a class "
                         "directory, taken for a student's folder); choose a folder that does not hold it",
                         "--out {out} 包含 {file}：报告会写在提交之间（在班级文件夹中会被当作学生文件夹）；"
                         "请选择不包含它的文件夹")
OUT_IN_CLASS_OUTPUT = t("--out {out} is in the output folder of a class run ({output}): the class run would take "
                        "the report for a student's results; choose another folder",
                        "--out {out} 位于一次班级评测的输出文件夹（{output}）中：班级评测会把报告当作某个学生的结果；"
                        "请另选文件夹")
RESUME_OTHER_SEED = t("--resume: the results in {out} were graded with another seed; give the same --seed to "
                      "continue them, or leave out --resume to grade everything again with this one",
                      "--resume：{out} 中的结果是用另一个种子评测的；请给出相同的 --seed 以继续，或去掉 --resume "
                      "用这个种子重新评测全部提交")
KEPT_OTHER_SEED = t("{out} holds results of {problems} graded with another seed, which a run of --problem "
                    "keeps in its gradebooks beside the problems it grades: give the --seed they were graded with, "
                    "or grade into another --out, or grade every problem again (leave out --problem)",
                    "{out} 中 {problems} 的结果是用另一个种子评测的，而 --problem 会把它们和本次评测的题目一起"
                    "保留在成绩册中：请给出评测它们时用的 --seed，或另选 --out，或去掉 --problem 重新评测全部题目")
SEED_KEY_MISSING = t("the results in {out} record a secret seed by its fingerprint, but the key of those "
                     "fingerprints ({key}) is gone (the results copied without their dot-files?), so their seed "
                     "cannot be checked: restore that file from where the results came from, or grade every "
                     "problem again without --resume or --problem, or grade into another --out",
                     "{out} 中的结果以指纹记录了一个保密种子，但这些指纹的密钥（{key}）已不在（复制结果时漏掉了以点开头"
                     "的文件？），因此无法核对它们的种子：请从结果的原处恢复这个文件，或去掉 --resume 和 --problem "
                     "重新评测全部题目，或另选 --out")
OUT_IN_USE = t("{out} is being written by another attn-judge grade (process {pid}); wait until it "
               "finishes, or choose another --out",
               "{out} 正由另一个 attn-judge grade（进程 {pid}）写入；请等它结束，或另选 --out")
ONE_PROBLEM_FOR_A_FILE = t("{path} is one file, so one problem: give --problem once.",
                           "{path} 是一个文件，只对应一道题：请只给一次 --problem。")
INPUTS_FOR_ONE_FILE = t("--inputs {inputs} grades one file (to re-grade what a Gradescope or PrairieLearn bundle "
                        "graded); a class is graded with inputs shared by every submission: leave it out.",
                        "--inputs {inputs} 只用于评测单个文件（重新评测 Gradescope 或 PrairieLearn 评测包评过的提交）；"
                        "评测整个班级时所有提交共用同一组输入：请去掉这个选项。")
SCHEDULER_FOR_A_CLASS = t("--scheduler grades a class (a folder of student folders) on Dask workers; one file is "
                          "graded on this machine: leave --scheduler out, or give the class's folder.",
                          "--scheduler 用于在 Dask 工作进程上评测整个班级（一个包含学生文件夹的文件夹）；单个文件在本机"
                          "评测：请去掉 --scheduler，或给出班级的文件夹。")
WORKERS_WITH_SCHEDULER = t("--workers sets this machine's pool; with --scheduler the Dask workers grade (local:N "
                           "starts N of them): give one of the two.",
                           "--workers 设置本机评测池的大小；使用 --scheduler 时由 Dask 工作进程评测（local:N 会启动 N 个）："
                           "两者只能给一个。")
JSON_FOR_ONE_FILE = t("--json prints one file's results.json; a class's results are files under --out (each "
                      "student's results.json, the gradebooks): leave out --json, or give one file's path.",
                      "--json 只打印单个文件的 results.json；班级的结果是 --out 下的文件（每个学生的 results.json 和"
                      "成绩册）：请去掉 --json，或给出单个文件的路径。")
PROBLEM_NOT_HANDED_IN = t("--problem {problem}: no student under {root} handed in {problem}.py or {problem}.ipynb; "
                          "check the problem ID ('attn-judge list') or leave out --problem",
                          "--problem {problem}：{root} 下没有学生提交 {problem}.py 或 {problem}.ipynb；请检查题目 ID"
                          "（'attn-judge list'），或去掉 --problem")
NO_STUDENT_FOLDERS = t("{root} holds no student folder: a class is one folder per student, each holding "
                       "<problem_id>.py or .ipynb files (such as {root}/ana/self_attention.py); to grade one "
                       "file, give its path instead{passed}",
                       "{root} 中没有学生文件夹：班级文件夹里每个学生一个子文件夹，其中放 <problem_id>.py 或 "
                       ".ipynb 文件（例如 {root}/ana/self_attention.py）；要评测单个文件，请直接给出它的路径{passed}")
# the {passed} of NO_STUDENT_FOLDERS, when the folder holds something the plan passed over
PASSED_OVER = t(". Passed over: {names} (a name starting with '.' is hidden, never a student; a file is not a "
                "student folder)",
                "。已跳过：{names}（以 '.' 开头的名字是隐藏的，不会当作学生；文件不是学生文件夹）")
START_NOT_WRITABLE = t("--dir {directory}: cannot write {path} there ({why}); choose a folder you can write to",
                       "--dir {directory}：无法在此写入 {path}（{why}）；请选择一个可以写入的文件夹")
USER_KEY_UNUSABLE = t("cannot use {path} as the key of secret seeds' fingerprints ({why}): set ATTN_JUDGE_HOME "
                      "to a folder you can write to, or move that file away",
                      "无法把 {path} 用作秘密种子指纹的密钥（{why}）：请把 ATTN_JUDGE_HOME 设为你可以写入的文件夹，"
                      "或把该文件移走")
CLASS_KEY_UNUSABLE = t("cannot use {path} as the key of this class's secret-seed fingerprints ({why}); it travels "
                       "with the results for --resume: restore it from a copy of the results, or remove it and grade "
                       "the class again without --resume",
                       "无法把 {path} 用作本班秘密种子指纹的密钥（{why}）；它随评测结果一起供 --resume 使用："
                       "请从结果的副本中恢复它，或删除它后不加 --resume 重新评测全班")
OUT_NOT_WRITABLE = t("{out}: cannot write there ({why}); choose a folder you can write to",
                     "{out}：无法在此写入（{why}）；请选择一个可以写入的文件夹")
OUT_WRITE_FAILED = t("could not write {path} ({why}), so grading stopped. Everything finished before it is "
                     "saved: fix the cause, then run the same command with --resume to continue.",
                     "无法写入 {path}（{why}），评测因此停止。此前完成的部分都已保存：解决问题后，加上 --resume "
                     "选项再次运行同一命令即可继续。")
GRADING_STOPPED = t("grading stopped: {why}. Everything finished before it is saved: fix the cause, then run the "
                    "same command with --resume to continue.",
                    "评测停止：{why}。此前完成的部分都已保存：解决问题后，加上 --resume 选项再次运行同一命令即可继续。")

# ----------------------------------------------------------------------------- the sandbox and the scheduler
SANDBOX_UNAVAILABLE = t("cannot start the sandbox: {detail}", "无法启动沙箱：{detail}")
# {detail}: why only weak isolation exists, as the sandbox reports it (one sentence, no full stop)
# {detail}: one of the WEAK_* sentences below
WEAK_ISOLATION_REFUSED = t("{detail} Run as root or enable user namespaces, or pass --allow-weak-isolation "
                           "to grade anyway (the results will say so).",
                           "{detail}请以 root 身份运行或启用用户命名空间，"
                           "或者加上 --allow-weak-isolation 选项照常评测（评测结果会注明这一点）。")
# {why}: the sandbox's own reason (in English, as the kernel and the sandbox report it), in WHY_WEAK
WEAK_HERE = t("Only weak isolation is available on this machine{why}: submissions run with resource limits "
              "but can read the grader user's files.",
              "这台机器只有弱隔离{why}：提交在资源限制下运行，但能读取评测器所属用户的文件。")
WEAK_ON_WORKERS = t("Only weak isolation is available on some Dask workers{why}: submissions run with "
                    "resource limits but can read the worker user's files.",
                    "部分 Dask 工作进程只有弱隔离{why}：提交在资源限制下运行，但能读取工作进程所属用户的文件。")
WHY_WEAK = t(" ({reason})", "（{reason}）")
WORKERS_RETIRED = t("{count} of {total} Dask workers cannot grade and were retired ({detail}); the others "
                    "grade the class.",
                    "{total} 个 Dask 工作进程中有 {count} 个无法评测，已让其退出（{detail}）；由其余工作进程评测全班。")
DASK_MISSING = t("--scheduler needs Dask: install the extra with pip install 'attention-judge[dask]'",
                 "--scheduler 选项需要 Dask：请用 pip install 'attention-judge[dask]' 安装这个附加组件")
NOT_A_SCHEDULER = t("--scheduler {scheduler}: not a scheduler address; give tcp://HOST:PORT, or local:N "
                    "for N local workers (N at least 1)",
                    "--scheduler {scheduler}：不是调度器地址；请给出 tcp://HOST:PORT，"
                    "或 local:N 表示 N 个本地工作进程（N 至少为 1）")
TOO_MANY_WORKERS = t("{option}: at most {most} workers on this machine ({cores} cores, {memory_gb} GB of memory; "
                     "each worker holds its own copy of torch): ask for {most} or fewer",
                     "{option}：这台机器最多 {most} 个工作进程（{cores} 个核心，{memory_gb} GB 内存；"
                     "每个工作进程各自载入一份 torch）：请设为 {most} 或更少")
SCHEDULER_UNREACHABLE = t("--scheduler {scheduler}: cannot reach the Dask scheduler ({detail})",
                          "--scheduler {scheduler}：无法连接 Dask 调度器（{detail}）")
WORKERS_STUCK = t("--scheduler {scheduler}: {detail}: a Dask worker that could not load attention-judge stays "
                  "closing until the scheduler drops it (within minutes), and until then Dask gives the grader to "
                  "no worker, good ones included; stop it (kill -9: it ignores Ctrl-C and SIGTERM), then run the "
                  "command again",
                  "--scheduler {scheduler}：{detail}：无法加载 attention-judge 的 Dask 工作进程会一直处于关闭中，直到调度器"
                  "将其移除（几分钟内）；在此之前 Dask 不会把评测器交给任何工作进程，正常的也不例外。请停止它（kill -9："
                  "它不响应 Ctrl-C 和 SIGTERM），然后再次运行命令")
NO_WORKER_CAN_GRADE = t("--scheduler {scheduler}: no Dask worker can grade ({detail}); fix the workers "
                        "(see docs/cluster.md), then run the command again",
                        "--scheduler {scheduler}：没有一个 Dask 工作进程能评测（{detail}）；请先修好工作进程"
                        "（见 docs/cluster.md），然后再次运行命令")
NO_DASK_WORKERS = t("--scheduler {scheduler}: the Dask scheduler has no worker (none came within {seconds} s); "
                    "start some with 'dask worker {scheduler}' (see docs/cluster.md), then run the command again",
                    "--scheduler {scheduler}：Dask 调度器没有工作进程（{seconds} 秒内一个也没有连上）；"
                    "请用 'dask worker {scheduler}' 启动工作进程（见 docs/cluster.md），然后再次运行命令")

# ----------------------------------------------------------------------------- writing a bundle
NO_PROBLEM_TO_EXPORT = t("name at least one problem to export (see 'attn-judge list')",
                         "请至少指定一道要导出的题目（见 'attn-judge list'）")
NOT_A_WHEEL = t("--wheel {path}: not a wheel of attention-judge (attention_judge-<version>-py3-none-any.whl)",
                "--wheel {path}：不是 attention-judge 的 wheel 文件（应为 "
                "attention_judge-<version>-py3-none-any.whl）")
WHEEL_NOT_FOUND = t("--wheel {path}: no such file", "--wheel {path}：文件不存在")
WHEEL_UNREADABLE = t("--wheel {path}: not a readable wheel (a zip holding attention_judge-<version>.dist-info/"
                     "METADATA); build it again with 'pip wheel --no-deps' in the project's folder",
                     "--wheel {path}：不是可读的 wheel 文件（应是含有 attention_judge-<version>.dist-info/METADATA "
                     "的 zip）；请在项目文件夹中用 'pip wheel --no-deps' 重新构建")
WHEEL_RENAMED = t("--wheel {path}: its file name says version {named}, but it holds attention-judge {version}: "
                  "pip refuses a renamed wheel; pass the file as it was built",
                  "--wheel {path}：文件名写的是版本 {named}，但其中是 attention-judge {version}：pip 不接受改过名的 "
                  "wheel；请给出构建时的原文件")
WHEEL_OTHER_VERSION = t("--wheel {path}: holds attention-judge {version}, but this command is attention-judge "
                        "{ours}: the bundle would grade with another version than the one that wrote it. Pass the "
                        "wheel of {ours}, or export with the attn-judge of {version}",
                        "--wheel {path}：其中是 attention-judge {version}，而本命令是 attention-judge {ours}："
                        "评测包将用与写出它的不同的版本评测。请给出 {ours} 的 wheel，或用 {version} 版的 attn-judge 导出")
NO_CHECKOUT_FOR_WHEEL = t("attn-judge is installed from a wheel, so the bundle's wheel cannot be built here: "
                          "pass the wheel you installed with --wheel PATH",
                          "attn-judge 是从 wheel 安装的，无法在这里构建评测包所需的 wheel："
                          "请用 --wheel PATH 选项给出你安装的那个 wheel 文件")
WHEEL_BUILD_FAILED = t("building the wheel failed ({why})", "构建 wheel 失败（{why}）")
PIP_WHEEL_FAILED = t("'pip wheel --no-deps {project}' failed: {detail}",
                     "'pip wheel --no-deps {project}' 失败：{detail}")
OUT_IS_FOLDER = t("--out {out}: is a folder; give the path of the zip to write",
                  "--out {out}：是一个文件夹；请给出要写入的 zip 文件的路径")
OUT_NOT_ZIP = t("--out {out}: Gradescope takes the autograder as a .zip file; give a name ending in .zip ({suggested})",
                "--out {out}：Gradescope 需要 .zip 格式的自动评分器文件；请给出以 .zip 结尾的文件名（{suggested}）")
OUT_FILE_EXISTS = t("--out {out}: exists; give the path of a new file (an export never replaces one: it may be "
                    "another zip, with the secret seed its course uses, or any file of yours)",
                    "--out {out}：已存在；请给出一个新文件的路径（导出从不覆盖已有文件：它可能是另一个 zip，"
                    "带着课程所用的秘密种子，也可能是你的任何文件）")
OUT_NOT_EMPTY = t("--out {out}: exists and is not an empty folder; choose a new folder (an export never "
                  "mixes with older files)",
                  "--out {out}：已存在且不是空文件夹；请另选一个新文件夹（导出的文件从不与旧文件混在一起）")
OUT_UNDER_A_FILE = t("--out {out}: {file} is a file, not a folder, so nothing can be written under it; give a path "
                     "in a folder",
                     "--out {out}：{file} 是文件而不是文件夹，无法在其下写入；请给出位于文件夹中的路径")
OUT_CANNOT_BE_CREATED = t("--out {out}: cannot be created there ({why}); give a path in a folder you can write to",
                          "--out {out}：无法在此创建（{why}）；请给出位于你可以写入的文件夹中的路径")
EXPORT_WRITE_FAILED = t("--out {out}: writing it failed ({why}), so nothing was written; free some space or choose "
                        "another place, then export again",
                        "--out {out}：写入失败（{why}），因此什么也没有写入；请腾出空间或另选位置，然后重新导出")
TIMEOUT_TOO_LONG_FOR_PRAIRIELEARN = t("--timeout {timeout}: too long for PrairieLearn, which stops a grading job "
                                      "after {limit} s: a submission that used up its time would get no result at "
                                      "all; give --timeout {most} or less",
                                      "--timeout {timeout}：对 PrairieLearn 来说太长，它在 {limit} 秒后就会停止评测"
                                      "任务：用尽时间的提交将得不到任何结果；请把 --timeout 设为 {most} 或更小")
NOT_AN_IMAGE_NAME = t("--image {image}: not a Docker image name; give one such as {example}, or leave out --image "
                      "for that name",
                      "--image {image}：不是 Docker 镜像名；请给出类似 {example} 的名字，或去掉 --image 以使用这个名字")
PROBLEM_NAMED_TWICE = t("{name} is named twice; name each problem once (another problem meant? see 'attn-judge list')",
                        "题目 {name} 出现了两次；每道题目只写一次（是不是想写另一道题目？见 'attn-judge list'）")

# ----------------------------------------------------------------------------- reading a bundle
BUNDLE_UNKNOWN_PROBLEM = t("this bundle grades {name}, which attention-judge {version} does not know "
                           "(the bundle was written by {written_by})",
                           "这个评测包要评测题目 {name}，但 attention-judge {version} 没有这道题目"
                           "（评测包由 {written_by} 版写成）")
# {why}: the empty Text, or IN_PARENTHESES around what was wrong
NOT_BUNDLE_SETTINGS = t("{path}: not the settings of an attn-judge export{why}",
                        "{path}：不是 attn-judge 导出的设置文件{why}")
IN_PARENTHESES = t(" ({detail})", "（{detail}）")
BUNDLE_FILE_UNREADABLE = t("{path}: cannot be read ({why}); is this an attn-judge export?",
                           "{path}：无法读取（{why}）；这是 attn-judge 导出的评测包吗？")
BUNDLE_FILE_TOO_LARGE = t("{path}: too large to be part of an attn-judge export",
                          "{path}：文件太大，不会是 attn-judge 导出的评测包的一部分")
EXPORT_PUBLIC_SEED = t("--seed {seed} is the default seed of 'attn-judge grade', which anyone who installs "
                       "attention-judge can use: the hidden tests' inputs would be no secret. Choose another seed, "
                       "or leave out --seed to draw one",
                       "--seed {seed} 是 'attn-judge grade' 的默认种子，任何安装了 attention-judge 的人都能使用："
                       "隐藏测试的输入就不再保密。请另选一个种子，或去掉 --seed 让程序随机抽取一个")
NOT_A_SEED = t("{path}: not a seed", "{path}：不是有效的种子")
