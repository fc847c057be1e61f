"""What each isolation level and feature does, in both languages (the trusted side's wording).

The levels themselves are :mod:`grader.sandbox.isolation`'s; this module stays out of the
sandbox, which imports nothing of the grader's trusted side.
"""

from __future__ import annotations

from grader.i18n import Text, join, same, t
from grader.sandbox.isolation import CGROUP, PIDNS, SECCOMP, STRONG, UID, USERNS, WEAK, base_level

LEVEL_DESCRIPTIONS = {
    STRONG: t("Linux namespaces (mount, network, IPC, UTS), an allow-listed read-only root, "
              "an unprivileged uid, resource limits",
              "Linux 命名空间（挂载、网络、IPC、UTS）、按允许清单挂载的只读根目录、非特权 uid、资源限制"),
    USERNS: t("a Linux user namespace with mount, network, IPC and UTS namespaces, an "
              "allow-listed read-only root, resource limits (same uid as the grader outside)",
              "Linux 用户命名空间及挂载、网络、IPC、UTS 命名空间、按允许清单挂载的只读根目录、资源限制"
              "（在命名空间外与评测程序是同一个 uid）"),
    WEAK: t("resource limits and a temporary directory only (no namespaces): the submission "
            "can read files the grader's user can read",
            "只有资源限制和临时目录（没有命名空间）：提交能读取评测程序所属用户可读的文件"),
}
FEATURE_DESCRIPTIONS = {
    UID: t("a private unprivileged uid instead of root's", "以私有的非特权 uid 代替 root 运行"),
    PIDNS: t("its own PID namespace", "独立的 PID 命名空间"),
    SECCOMP: t("a seccomp filter", "seccomp 过滤器"),
    CGROUP: t("a control group limiting memory and processes of the whole submission",
              "限制整份提交的内存和进程数的控制组（cgroup）"),
}
_DESCRIPTION_SEPARATOR = t("; ", "；")


def describe(name: str) -> Text:
    """What an isolation level (as results record it) does, in both languages."""
    level = base_level(name)
    features = [FEATURE_DESCRIPTIONS[f] for f in name[len(level):].split("+") if f in FEATURE_DESCRIPTIONS]
    return join(_DESCRIPTION_SEPARATOR, [LEVEL_DESCRIPTIONS.get(level, same(level)), *features])
