"""Helpers for tests that run submissions through the real sandbox."""

from __future__ import annotations

import os
from pathlib import Path

from grader.grading import Limits

ATTACKS = Path(__file__).parent / "attacks"
FAST_LIMITS = Limits(timeout=2.0, submission_timeout=12.0, memory_mb=512)
# This test session's own sandbox uids (set in conftest), so that graders run by
# others on the same machine are never mistaken for ours.
UID_BASE = int(os.environ.setdefault("ATTN_JUDGE_UID_BASE", str(100000 + (os.getpid() % 400) * 5000)))
SANDBOX_UIDS = range(UID_BASE, UID_BASE + 4000)


def attack_source(name: str, **fill: str) -> str:
    source = (ATTACKS / f"{name}.py").read_text(encoding="utf-8")
    for key, value in fill.items():
        source = source.replace(f"@{key}@", value)
    return source


def sandbox_processes() -> list[int]:
    """PIDs of processes (zombies included) still present under a sandbox uid."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.stat(f"/proc/{entry}").st_uid in SANDBOX_UIDS:
                    found.append(int(entry))
            except OSError:
                pass
    return found


def outputs(results: dict) -> str:
    return "\n".join(t["output"] for t in results["tests"])
