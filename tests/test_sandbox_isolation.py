"""What a sandboxed submission can see, keep and reach, proved by attacking it.

Each class of weakness has an attacking submission in tests/attacks/: searching
the file system under every install layout, sweeping environment, stack, argv,
/proc and descriptors for planted secrets, forging replies on every descriptor,
reading its own memory for another job's data, holding memory across forked
processes, keeping a test alive with frames, denied system calls, the PID view.
Each test asserts what the attacker, the victims and the grader look like after.
"""

from __future__ import annotations

import ast
import glob
import os
import re
import secrets
import shutil
import signal
import site
import sys
import sysconfig
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from grader import registry
from grader.cases import call
from grader.grading import Suite, grade
from grader.pool import SandboxPool
from grader.references import solution_source
from grader.sandbox.filesystem import WORK_DIRS, work_dir
from grader.sandbox.isolation import CGROUP, PIDNS, SANDBOX_HOSTNAME, SECCOMP, STRONG, base_level
from grader.sandbox.messages import Limits
from grader.seedkey import fingerprint
from tests.sandboxing import FAST_LIMITS, attack_source, sandbox_processes

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

PROBLEM = registry.get("scaled_dot_product_attention")
SLOW_LIMITS = Limits(timeout=60.0, submission_timeout=120.0, memory_mb=1024)


def _found(results: dict, key: str = "FOUND"):
    """The value an attack reported as ``KEY=<python literal>`` in its exception message."""
    text = results["tests"][0]["output"]
    assert f"{key}=" in text, text
    line = text.split(f"{key}=")[1].split("\n")[0].strip()
    return ast.literal_eval(re.sub(r" \(line \d+\)$", "", line))


def _grade(pool, source: str, *, limits=FAST_LIMITS, suite=None, seed=0, key=None) -> dict:
    return grade(problem=PROBLEM, source=source, filename="scaled_dot_product_attention.py", runner=pool,
                 suite=suite or Suite(PROBLEM, seed=seed), limits=limits, seed=seed, seed_key=key)


@pytest.fixture(scope="module")
def canaries():
    """Copies of grader secrets planted where a second install or a user's files would be."""
    base = os.path.realpath(sys.base_prefix)
    base_site = sysconfig.get_paths(vars={"base": base, "platbase": base})["purelib"]
    tops = [Path(base_site) / "attn_canary_second_copy", Path(site.getusersitepackages()) / "attn_canary_user",
            Path(tempfile.gettempdir()) / "attn_canary_tmp", Path.home() / "attn_canary_home",
            Path("/opt") / "attn_canary_opt"]
    planted = []
    for top in tops:
        folder = top / "grader" / "_data" / "solutions"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "scaled_dot_product_attention.py").write_text(
                "# ATTN-CANARY\n" + solution_source(PROBLEM), encoding="utf-8")
            planted.append(top)
        except OSError:
            continue
    yield planted
    for top in planted:
        shutil.rmtree(top, ignore_errors=True)


@pytest.fixture(scope="module")
def planted_secret():
    secret = "ATTNSECRET" + secrets.token_hex(8)
    os.environ["ATTN_JUDGE_PLANTED_TOKEN"] = secret
    yield secret
    os.environ.pop("ATTN_JUDGE_PLANTED_TOKEN", None)


@pytest.fixture(scope="module")
def pool(canaries, planted_secret):
    # Started after the canaries and the secret exist, so that both could leak if they were able to.
    with SandboxPool(1) as pool:
        yield pool


def test_every_layer_of_isolation_is_in_force_here(pool):
    assert base_level(pool.level) == STRONG, pool.fallback_reason
    for feature in (PIDNS, SECCOMP, CGROUP):
        assert feature in pool.level.split("+"), (pool.level, pool.fallback_reason)
    results = _grade(pool, solution_source(PROBLEM))
    assert results["score"] == results["max_score"]
    assert results["extra_data"]["isolation"] == pool.level


PRINTS_A_TENSOR = """
import os
import torch


def scaled_dot_product_attention(q, k, v, mask=None):
    print(torch.ones(2, 3))  # printing a tensor imports modules of torch the zygote never loaded
    with open("scratch.txt", "w") as fh:
        fh.write("written")
    raise RuntimeError("FOUND=" + repr([os.getcwd(), sorted(os.listdir("."))]))
"""


def test_a_child_loads_what_the_zygote_never_imported_and_works_in_an_empty_folder(pool):
    """Wherever the grader is installed (under /work, a container's usual working folder, too), the
    child can import the rest of torch, and its own folder is an empty writable one."""
    results = _grade(pool, PRINTS_A_TENSOR)
    cwd, listing = _found(results)
    assert "tensor([[1., 1., 1.]," in results["extra_data"]["output"], results["extra_data"]["output"]
    assert listing == ["scratch.txt"] and cwd in WORK_DIRS


HOST_NAME = """
import os
import socket


def scaled_dot_product_attention(q, k, v, mask=None):
    raise RuntimeError("FOUND=" + repr([socket.gethostname(), os.uname().nodename]))
"""


def test_a_child_does_not_learn_the_machine_s_name(pool):
    names = _found(_grade(pool, HOST_NAME))
    assert names == [SANDBOX_HOSTNAME, SANDBOX_HOSTNAME], names


def test_the_child_s_folder_never_hides_an_allowed_path():
    assert work_dir({"/usr/lib/python3.11", "/opt/venv/lib/python3.11/site-packages/torch"}) == "/work"
    assert work_dir({"/work/course/.venv/lib/python3.11/site-packages/torch"}) == WORK_DIRS[1]
    with pytest.raises(ValueError):
        work_dir({"/work/a", WORK_DIRS[1] + "/b"})


def test_the_file_system_is_an_allow_list(pool, canaries):
    assert canaries, "no canary could be planted"
    found = _found(_grade(pool, attack_source("fs_search"), limits=SLOW_LIMITS))
    assert not [f for f in found if "CANARY" in f or "attn_canary" in f], found
    assert not [f for f in found if "/_data" in f or "solutions" in f or "/hidden" in f], found
    grader_files = [f for f in found if "/grader/" in f]
    assert all("/grader/sandbox" in f or f.endswith("/grader/__init__.py") for f in grader_files), found


def test_environment_argv_proc_descriptors_and_memory_hold_no_secret(pool, planted_secret):
    seed = 913579246
    key = secrets.token_bytes(32)
    results = _grade(pool, attack_source("secret_sweep"), limits=SLOW_LIMITS, seed=seed, key=key)
    text = results["tests"][0]["output"]
    found = _found(results)
    assert planted_secret not in found and str(seed) not in found, found
    descriptors = ast.literal_eval(text.split("FDS=")[1].split(" FOUND=")[0])
    assert len(descriptors) == 5 and descriptors[:3] == [0, 1, 2], descriptors  # + job input, result channel
    assert results["extra_data"]["seed_fingerprint"] == fingerprint(seed, key)
    assert str(seed) not in repr(results)


def test_forged_replies_on_every_descriptor_reach_nobody(pool):
    attacker = _grade(pool, attack_source("forge_fds"))
    assert attacker["score"] == 0
    for _ in range(2):  # the next jobs on the same slot get their own results, and only theirs
        victim = _grade(pool, "print('honest student')\n" + solution_source(PROBLEM))
        assert victim["score"] == victim["max_score"], victim["tests"][0]["output"]
        assert victim["extra_data"]["output"].strip() == "honest student"


def test_a_child_never_holds_another_jobs_data(pool):
    marker = "ATTNMARK" + secrets.token_hex(8)
    honest = _grade(pool, f"# {marker}\n" + solution_source(PROBLEM))
    assert honest["score"] == honest["max_score"]
    own = "ATTNMARK" + secrets.token_hex(8)
    found = _found(_grade(pool, f"# {own}\n" + attack_source("memory_marker"), limits=SLOW_LIMITS))
    assert own in found, found  # the scan works: it finds its own
    assert marker not in found, found


def test_memory_is_limited_for_the_whole_process_tree(pool):
    results = _grade(pool, attack_source("fork_memory"), limits=Limits(timeout=30.0, submission_timeout=60.0,
                                                                       memory_mb=1024))
    kind = (results["extra_data"]["error"] or {}).get("kind")
    text = results["tests"][0]["output"]
    held = int(text.split("HELD=")[1].split("MB")[0]) if "HELD=" in text else 0
    assert kind == "memory_limit" or held < 1024, (kind, text)
    again = _grade(pool, solution_source(PROBLEM))
    assert again["score"] == again["max_score"]


LARGE_FILES = """
import os


def scaled_dot_product_attention(q, k, v, mask=None):
    found, seen = [], set()
    for folder, _, names in os.walk("/"):
        if folder.startswith(("/proc", "/work", "/dev")):
            continue
        for name in names:
            try:
                info = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            if info.st_size >= 8 << 20 and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                found.append((info.st_size, os.path.join(folder, name)))
    raise RuntimeError("FILES=" + repr(sorted(found, reverse=True)[:12]))
"""

READ_FILES = """
import os


def scaled_dot_product_attention(q, k, v, mask=None):
    total = 0
    for path in PATHS:
        fd = os.open(path, os.O_RDONLY)
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
        os.close(fd)
    raise RuntimeError(f"READ={total}")
"""


def _cache_left_by_a_child(pool) -> int:
    """Bytes of page cache a child leaves charged to the slot's group: it reads large files of
    its root that were first dropped from the cache."""
    listed = _grade(pool, LARGE_FILES)["tests"][0]["output"]
    files = ast.literal_eval(listed.split("FILES=")[1].split(" (line")[0])
    paths = [path for _, path in files]
    for path in paths:  # the same paths outside: the root is made of read-only bind mounts
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)  # unmapped pages leave the cache
        finally:
            os.close(fd)
    read = _grade(pool, READ_FILES.replace("PATHS", repr(paths)), limits=SLOW_LIMITS)
    assert f"READ={sum(size for size, _ in files)}" in read["tests"][0]["output"], read["tests"][0]["output"]
    group = pool._all[0].group
    reclaimable_cache = group.reclaimable()
    assert reclaimable_cache > 200 << 20, ("too little of those files was left uncached", files)
    return reclaimable_cache


def test_page_cache_a_child_read_is_no_extra_memory_for_the_next(pool):
    # A submission that reads large files leaves their page cache charged to the slot's
    # group. The next child's limit must not count that cache as the zygote's own memory:
    # the kernel reclaims it on demand, so the child could hold it on top of its limit.
    _cache_left_by_a_child(pool)
    held_1200 = attack_source("fork_memory").replace("CHILDREN, EACH_MB = 4, 400", "CHILDREN, EACH_MB = 3, 400")
    results = _grade(pool, held_1200, limits=Limits(timeout=30.0, submission_timeout=60.0, memory_mb=1024))
    kind = (results["extra_data"]["error"] or {}).get("kind")
    text = results["tests"][0]["output"]
    held = int(text.split("HELD=")[1].split("MB")[0]) if "HELD=" in text else 0
    assert kind == "memory_limit" or held < 1024, (kind, text)


ALLOCATES = """
import torch


def allocate(mib):
    block = torch.ones(mib * 262144)  # float32, touched whole
    return float(block[-1])
"""


def test_cache_an_earlier_child_left_does_not_hide_a_memory_tests_allocation(pool):
    """An earlier child left its page cache charged to the slot's group, up near the next child's
    limit: the 100 MiB a measured call allocates are paid for by the kernel dropping that cache
    rather than by the group growing. They count all the same (before: about 20 MiB did)."""
    cache_mib = _cache_left_by_a_child(pool) >> 20
    measured = replace(call("allocate", 100), measure_memory=True)
    report = pool.run(source=ALLOCATES, filename="allocates.py", symbols=["allocate"], forbidden=[],
                      invocations=[measured], limits=replace(SLOW_LIMITS, memory_mb=cache_mib + 40))
    assert report.error is None and not report.test_errors, report
    peak = report.outcomes[0].peak_memory_bytes
    assert peak is not None and peak >= 90 << 20, peak


def test_frames_never_stretch_a_tests_deadline(pool):
    started = time.monotonic()
    results = _grade(pool, attack_source("frame_keepalive"))
    elapsed = time.monotonic() - started
    assert results["score"] == 0
    assert (results["extra_data"]["error"] or {}).get("kind") in ("timeout", "crash")
    assert elapsed < 20, elapsed  # the attack would keep going for 30 s per test


def test_the_seccomp_filter_denies_what_a_submission_has_no_use_for(pool):
    report = _found(_grade(pool, attack_source("seccomp_probe")), "SYSCALLS")
    allowed = {name for name, outcome in report.items() if outcome == "ALLOWED"}
    assert allowed == {"socketpair"}, report  # connected to each other only: Python's own machinery uses them
    assert all(outcome in ("EPERM", "ENOSYS") for name, outcome in report.items() if name != "socketpair"), report


def test_a_child_sees_only_its_own_process_tree(pool):
    text = _grade(pool, attack_source("pid_view"))["tests"][0]["output"]
    assert "PID=1 PPID=0" in text, text
    visible = ast.literal_eval(text.split("VISIBLE=")[1].split(" CHILD=")[0])
    assert visible == [1], visible


def test_the_supervisor_is_out_of_reach(pool):
    text = _grade(pool, attack_source("kill_parent"))["tests"][0]["output"]
    assert "ppid=0" in text and "killed" not in text, text
    again = _grade(pool, solution_source(PROBLEM))
    assert again["score"] == again["max_score"]


@pytest.mark.parametrize("attack", ["forbidden_c_entry", "forbidden_vars"])
def test_the_forbidden_kernel_is_caught_through_torch_C(pool, attack):
    results = _grade(pool, attack_source(attack))
    assert (results["extra_data"]["error"] or {}).get("kind") == "forbidden_api", results["output"]
    assert results["score"] == 0


def test_the_guard_keeps_nothing_it_replaced_within_reach(pool):
    """The child's guard holds no reference to the callables it blocked: asking it for one finds nothing."""
    results = _grade(pool, attack_source("forbidden_guard_originals"))
    assert results["score"] == 0, results["output"]
    assert "nothing kept" in results["tests"][0]["output"]


def test_a_killed_zygote_takes_its_running_child_with_it():
    # Two mechanisms, whichever acts first: the child's parent-death signal (it belongs to
    # the thread that forked it, the zygote's forking thread, which ends with the zygote)
    # and the trusted side, which kills a child whose zygote died.
    with SandboxPool(1) as pool:
        zygote = pool._all[0]
        with ThreadPoolExecutor(1) as runner:
            running = runner.submit(_grade, pool, attack_source("infinite_loop"))
            deadline = time.monotonic() + 30
            while not sandbox_processes() and time.monotonic() < deadline:
                time.sleep(0.05)
            assert sandbox_processes(), "the child never started"
            os.kill(zygote.pid, signal.SIGKILL)
            running.result(timeout=60)
        deadline = time.monotonic() + 10
        while sandbox_processes() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sandbox_processes() == []


def test_scratch_left_by_a_killed_grader_is_cleaned_at_the_next_start():
    with SandboxPool(1) as first:
        zygote = first._all[0]
        roots = glob.glob(os.path.join(tempfile.gettempdir(), f"attn-judge-root-{zygote.pid}-*"))
        group = zygote.group
        assert roots and group is not None
        os.kill(zygote.pid, signal.SIGKILL)
        zygote.proc.wait(timeout=10)
        assert os.path.isdir(roots[0]) and os.path.isdir(group.memory)
    with SandboxPool(1):
        assert not os.path.exists(roots[0])
        assert not os.path.exists(os.path.dirname(group.memory)) if group.version == 2 else \
            not os.path.exists(group.memory)


def test_two_slots_never_share_a_private_uid(monkeypatch):
    """A slot's uid comes from its zygote's pid: a new zygote whose uid another slot already has (pids
    4000 apart) is replaced, or the two slots' children would count and kill each other's processes."""
    from grader import pool as pool_module

    started: list = []
    real = pool_module.ZygoteProcess

    class Clashing(real):
        def __init__(self, **options):
            super().__init__(**options)
            if len(started) == 1:  # the second one started gets the first one's uid
                self.private_uid = started[0].private_uid
            started.append(self)

    monkeypatch.setattr(pool_module, "ZygoteProcess", Clashing)
    with SandboxPool(1) as pool:
        pool._add_zygote()
        uids = [zygote.private_uid for zygote in pool._all]
        if os.getuid() != 0:  # a user namespace's children keep the grader's own uid: nothing to clash
            assert len(started) == 2 and uids == [None, None]
            return
        assert len(started) == 3 and len(uids) == 2 and len(set(uids)) == 2 and None not in uids
        assert started[1] not in pool._all and started[1].proc.wait(timeout=30) is not None


def test_each_slot_shares_the_processor_as_one_group(pool):
    """A slot's zygote (and so every child it forks) is in a processor group of its own, which the
    scheduler weighs equally with the other slots' whatever number of processes or sessions a
    submission starts. The machines the project runs on have a cpu controller (v1 or v2)."""
    with open(f"/proc/{pool._all[0].pid}/cgroup") as fh:
        lines = [line.rstrip("\n").split(":", 2) for line in fh]
    v1 = [path for _, controllers, path in lines if "cpu" in controllers.split(",")]
    path = v1[0] if v1 else next(path for number, _, path in lines if number == "0")
    assert os.path.basename(path.removesuffix("/run")).startswith("attn-judge-"), lines


def test_a_closed_pool_leaves_no_control_group_behind():
    """A zygote deletes its slot's group when it ends, on v1 (a directory per controller) as on v2:
    nothing is left for a later pool to clear. The machines the project runs on have cgroups."""
    pool = SandboxPool(1)
    try:
        group = pool._all[0].group
        assert group is not None and group.directories, "the slot has no control group"
        directories = group.directories
        assert all(os.path.isdir(directory) for directory in directories)
    finally:
        pool.close(wait=True)
    assert [d for d in directories if os.path.exists(d)] == []
