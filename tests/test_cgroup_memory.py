"""The memory a slot's control group counts as in use (its usage without the page cache and kernel memory
the kernel can reclaim), which a child's limit comes on top of, and what a memory test counts when the
kernel takes memory back."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.sandbox.cgroups import Group
from grader.supervisor import RECLAIMED_TOLERANCE_BYTES, call_peak

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


# --- the limit of the group the grader itself runs in (a container's) --------------------------

def _fake_hierarchy(tmp_path, monkeypatch, *, v2: dict[str, str] | None = None, v1_stat: str | None = None):
    """A cgroup mount under ``tmp_path``: v2 ``memory.max`` by group path, or a v1 memory.stat."""
    from grader.sandbox import cgroups

    tmp_path.mkdir(parents=True, exist_ok=True)
    monkeypatch.setattr(cgroups, "ROOT", str(tmp_path))
    groups = {None: "/kubepods/pod1/box" if v2 is not None else None,
              "memory": "/docker/box" if v1_stat is not None else None}
    monkeypatch.setattr(cgroups, "_own_group", lambda controller: groups[controller])
    if v2 is not None:
        (tmp_path / "cgroup.controllers").write_text("memory pids\n")
        for path, value in v2.items():
            (tmp_path / path).mkdir(parents=True, exist_ok=True)
            (tmp_path / path / "memory.max").write_text(value + "\n")
    if v1_stat is not None:
        (tmp_path / "memory" / "docker" / "box").mkdir(parents=True)
        (tmp_path / "memory" / "docker" / "box" / "memory.stat").write_text(v1_stat)
    return cgroups


def test_the_smallest_v2_limit_on_the_way_to_the_root_counts(tmp_path, monkeypatch):
    cgroups = _fake_hierarchy(tmp_path, monkeypatch, v2={
        "kubepods/pod1/box": "max", "kubepods/pod1": "4294967296", "kubepods": "8589934592"})
    assert cgroups.own_memory_limit() == 4 * 1024 ** 3


def test_a_v1_hierarchical_limit_counts_and_no_limit_is_none(tmp_path, monkeypatch):
    cgroups = _fake_hierarchy(tmp_path, monkeypatch, v1_stat="cache 0\nhierarchical_memory_limit 2147483648\n")
    assert cgroups.own_memory_limit() == 2 * 1024 ** 3
    unlimited = _fake_hierarchy(tmp_path / "u", monkeypatch, v2={"kubepods/pod1/box": "max"})
    assert unlimited.own_memory_limit() is None


def test_a_container_limit_caps_the_workers(tmp_path, monkeypatch):
    """16 cores in a 4 GB container: 4 workers at most, and the default one per core is capped too."""
    from grader import capacity

    _fake_hierarchy(tmp_path, monkeypatch, v2={"kubepods/pod1/box": "4294967296"})
    monkeypatch.setattr(capacity, "cores", lambda: 16)
    machine = {"SC_PAGE_SIZE": 4096, "SC_PHYS_PAGES": 16 * 1024 ** 2}  # 64 GB, whatever runs the test
    monkeypatch.setattr(capacity.os, "sysconf", machine.__getitem__)
    assert capacity.memory_mb() == 4096
    assert capacity.max_workers() == 4 and capacity.default_workers() == 4
    with pytest.raises(capacity.TooManyWorkers):
        capacity.checked_workers(5)


# --- what earlier children leave behind, and what the kernel takes back ---------------------------

def _group_with_kernel_memory(folder: Path, version: int, anon: int, kernel: int) -> Group:
    """A group holding ``anon`` and ``kernel`` bytes of reclaimable kernel memory (dentries): v1
    counts its kernel memory in a file apart and does not split it, v2 in memory.stat."""
    if version == 1:
        (folder / "memory.kmem.usage_in_bytes").write_text(f"{kernel}\n")
        return _group(folder, version, anon + kernel, {"rss": anon})
    return _group(folder, version, anon + kernel, {"anon": anon, "slab_reclaimable": kernel})


@pytest.mark.parametrize("version", [1, 2])
def test_kernel_memory_earlier_children_left_in_the_group_does_not_raise_the_next_limit(tmp_path, version):
    """A child that looked up 400 MiB worth of paths leaves their dentries charged to the slot's
    group: the next child's limit still comes on top of the zygote's own 160 MiB only. The figure
    is read at each fork: once the kernel took them back, and the zygote grew, it follows."""
    assert _group_with_kernel_memory(tmp_path, version, 160 * MB, 400 * MB).memory_in_use() == 160 * MB
    assert _group_with_kernel_memory(tmp_path, version, 170 * MB, 0).memory_in_use() == 170 * MB


def test_reclaimable_memory_counts_page_cache_and_kernel_memory_not_shmem(tmp_path):
    group = _group(tmp_path, 1, 600 * MB, {"cache": 300 * MB, "shmem": 20 * MB})
    (tmp_path / "memory.kmem.usage_in_bytes").write_text(f"{50 * MB}\n")
    assert group.reclaimable() == 280 * MB + 50 * MB
    v2 = tmp_path / "v2"
    v2.mkdir()
    group = _group(v2, 2, 600 * MB, {"file": 300 * MB, "shmem": 20 * MB, "slab_reclaimable": 40 * MB,
                                     "slab_unreclaimable": 9 * MB})
    assert group.reclaimable() == 280 * MB + 40 * MB


def test_memory_the_kernel_took_back_during_a_memory_test_counts_when_the_limit_was_reached():
    """A group at its limit pays for a call's 100 MiB with 60 MiB of cache it frees and grows by 40
    only: the call is counted 100 MiB less the tolerance, not 40. Where the group never reached its
    limit, a drop is the machine's own reclaim (page cache full of other files) and counts nothing."""
    start = 900 * MB

    def figure(reclaimable, limit_reached):
        return call_peak(peak=start + 40 * MB, start=start, idle=start, reclaimable=reclaimable, input_bytes=0,
                         limit_reached=limit_reached)

    assert figure((300 * MB, 240 * MB), True) == 100 * MB - RECLAIMED_TOLERANCE_BYTES
    assert figure((300 * MB, 298 * MB), True) == 40 * MB  # pipe buffers drained, page tables freed
    assert figure((300 * MB, 240 * MB), False) == 40 * MB
