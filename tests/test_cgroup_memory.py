"""The memory a slot's control group counts as in use: its usage without reclaimable page cache."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.sandbox.cgroups import Group

MB = 1 << 20


def _group(folder: Path, version: int, usage: int, stat: dict[str, int]) -> Group:
    name = "memory.current" if version == 2 else "memory.usage_in_bytes"
    (folder / name).write_text(f"{usage}\n")
    (folder / "memory.stat").write_text("".join(f"{key} {value}\n" for key, value in stat.items()))
    return Group(version=version, memory=str(folder), pids=str(folder), cpu=str(folder))


@pytest.mark.parametrize("version, cache_key", [(2, "file"), (1, "cache")])
def test_page_cache_is_not_in_use_but_shmem_is(tmp_path, version, cache_key):
    group = _group(tmp_path, version, 600 * MB, {"anon": 160 * MB, cache_key: 430 * MB, "shmem": 30 * MB})
    assert group.memory_usage() == 600 * MB
    assert group.memory_in_use() == 600 * MB - 400 * MB  # 430 of cache, of which 30 shmem, stay


def test_without_cache_figures_everything_is_in_use(tmp_path):
    group = _group(tmp_path, 2, 200 * MB, {"anon": 200 * MB})
    assert group.memory_in_use() == 200 * MB


def test_a_stat_larger_than_the_usage_never_gives_a_negative_figure(tmp_path):
    group = _group(tmp_path, 1, 100 * MB, {"cache": 300 * MB})  # v1's usage is approximate
    assert group.memory_in_use() == 0
