"""Grading on a Dask cluster: same results as the local pool, lost workers cost nothing.

Uses a LocalCluster of two worker processes (each hosting its own sandbox pool)
through the same service the CLI calls, and a worker killed with SIGKILL in
the middle of a class.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import Future
from pathlib import Path

import pytest
from distributed import LocalCluster

from grader import dask_backend, registry, services
from grader.dask_backend import DaskExecutor, open_dask_executor
from grader.dask_worker import PLUGIN_NAME, WorkerCannotGrade, grade_on_worker
from grader.executors import GradeRequest, LocalExecutor
from grader.outpaths import results_path
from grader.references import solution_source
from grader.services import grade_class

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]

SDPA = "scaled_dot_product_attention"
MHA = "multi_head_attention"


def _class(root: Path, students: int) -> None:
    for i in range(students):
        for problem_id, source in ((SDPA, solution_source(registry.get(SDPA))),
                                   (MHA, registry.get(MHA).stub() if i % 3 == 0 else solution_source(registry.get(MHA)))):
            path = root / f"s{i:02d}" / f"{problem_id}.py"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# student {i}\n" + source, encoding="utf-8")


def _verdicts(out: Path) -> dict[str, tuple]:
    found = {}
    for path in sorted(out.glob("*/*/results.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        extra = data["extra_data"]
        found[f"{path.parent.parent.name}/{path.parent.name}"] = (
            data["score"], data["max_score"], tuple(extra["diagnosis"]), (extra["error"] or {}).get("kind"),
            tuple((t["number"], t["status"]) for t in data["tests"]))
    return found


@pytest.fixture(scope="module")
def dask_executor():
    executor = open_dask_executor("local:2", allow_weak=False)
    yield executor
    executor.close()


def test_a_class_graded_on_dask_equals_the_local_pool(tmp_path, dask_executor):
    root = tmp_path / "class"
    _class(root, 6)
    with LocalExecutor(workers=2, allow_weak=False) as local:
        grade_class(root=root, out=tmp_path / "local", executor=local, reports=False)
    plan, summary = grade_class(root=root, out=tmp_path / "dask", executor=dask_executor, reports=True)
    assert summary.graded == len(plan.entries) == 12 and not summary.retried
    assert _verdicts(tmp_path / "dask") == _verdicts(tmp_path / "local")
    assert (tmp_path / "dask" / "index.html").is_file() and (tmp_path / "dask" / "gradebook.csv").is_file()
    assert dask_executor.isolation.startswith("namespaces+uid")


def test_a_worker_killed_mid_class_loses_nothing_and_nothing_is_graded_twice(tmp_path, dask_executor):
    root, out = tmp_path / "class", tmp_path / "out"
    _class(root, 10)
    for path in root.glob(f"*/{SDPA}.py"):  # slow enough that the kill lands on running work
        path.write_text("import time\ntime.sleep(0.4)\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    workers = dask_executor.client.run(os.getpid)
    victim = sorted(workers.values())[0]
    writes: list[str] = []

    def kill_after_three(entry) -> None:
        writes.append(f"{entry.student}/{entry.problem.id}")
        if len(writes) == 3:
            os.kill(victim, signal.SIGKILL)

    plan, summary = grade_class(root=root, out=out, executor=dask_executor, reports=False,
                                on_progress=kill_after_three)
    assert sorted(writes) == sorted(f"{e.student}/{e.problem.id}" for e in plan.entries)
    assert len(writes) == len(set(writes)) == 20  # every submission written once
    assert summary.retried, "the killed worker's submissions were not graded again"
    for entry in plan.entries:
        data = json.loads(results_path(out, entry.student, entry.problem.id).read_text(encoding="utf-8"))
        assert data["extra_data"]["error"] is None
    deadline = time.monotonic() + 60
    while len(dask_executor.client.nthreads()) < 2 and time.monotonic() < deadline:
        time.sleep(0.5)  # the nanny restarts the worker for the next test


def _kills_its_worker_for(key: str):
    def task(request):
        if request.key == key:
            os.kill(os.getpid(), signal.SIGKILL)
        return grade_on_worker(request)

    return task


def test_a_submission_that_kills_workers_is_marked_crash_after_bounded_tries(tmp_path, dask_executor):
    """Without the scheduler's own ERROR line for each lost worker: the run did not fail, and the
    result and the summary say what happened."""
    root, out = tmp_path / "class", tmp_path / "out"
    _class(root, 2)
    executor = DaskExecutor(dask_executor.client, allow_weak=False, task=_kills_its_worker_for(f"s01/{SDPA}"),
                            max_tries=3)
    logged: list[str] = []  # what the scheduler (in this process) lets through to its handlers
    handler = logging.Handler()
    handler.emit = lambda record: logged.append(record.getMessage())
    logging.getLogger("distributed.scheduler").addHandler(handler)
    try:
        plan, summary = grade_class(root=root, out=out, executor=executor, reports=False)
    finally:
        logging.getLogger("distributed.scheduler").removeHandler(handler)
    crashed = json.loads(results_path(out, "s01", SDPA).read_text(encoding="utf-8"))
    assert crashed["extra_data"]["error"]["kind"] == "crash" and crashed["score"] == 0
    assert "lost 3 times" in crashed["extra_data"]["error"]["message"]
    others = [e for e in plan.entries if (e.student, e.problem.id) != ("s01", SDPA)]
    for entry in others:
        data = json.loads(results_path(out, entry.student, entry.problem.id).read_text(encoding="utf-8"))
        assert data["extra_data"]["error"] is None
    assert summary.retried.count(f"s01/{SDPA}") == 1  # sent again twice, one submission graded again
    assert not any("workers died" in message for message in logged), logged


class _Finished:
    """What a Dask future answers once done: a value, or the exception it raises."""

    def __init__(self, value=None, error: BaseException | None = None):
        self.value, self.error = value, error

    def result(self):
        if self.error is not None:
            raise self.error
        return self.value


@pytest.mark.parametrize("finished", [_Finished({"score": 1}), _Finished(error=RuntimeError("worker failed"))])
def test_an_answer_to_a_cancelled_request_is_dropped_quietly(dask_executor, finished):
    # Ctrl-C in a class run cancels what is in flight; the cluster's answers still arrive
    # and used to raise InvalidStateError in Dask's callback (a traceback on the terminal)
    request = GradeRequest(key=f"s01/{SDPA}", problem_id=SDPA, source="", filename=f"{SDPA}.py", sha256="0")
    result = Future()
    assert result.cancel()
    dask_executor._answered(finished, request, result, tries=1)
    assert result.cancelled()
    answered = Future()
    dask_executor._answered(finished, request, answered, tries=1)
    if finished.error is None:
        assert answered.result(timeout=0) == {"score": 1}
    else:
        assert isinstance(answered.exception(timeout=0), RuntimeError)


def test_a_scheduler_without_workers_gets_one_message(monkeypatch):
    monkeypatch.setattr(dask_backend, "WORKERS_SECONDS", 1)
    with LocalCluster(n_workers=0, processes=False, dashboard_address=":0") as cluster:
        with pytest.raises(services.UserError) as caught:
            services.open_executor(scheduler=cluster.scheduler_address, allow_weak=False)
    message = caught.value.text.en
    assert f"--scheduler {cluster.scheduler_address}: the Dask scheduler has no worker" in message
    assert f"dask worker {cluster.scheduler_address}" in message


# How long a worker may take to join or to be restarted by its nanny: it starts a sandbox pool
# before it takes a task, which takes seconds alone and minutes on a machine loaded 15 times over.
WORKER_START_SECONDS = 300
NO_UID_BASE = {"ATTN_JUDGE_UID_BASE": "abc"}  # a real reason for a worker's sandboxes not to start
NO_UID_BASE_WHY = "its sandboxes did not start: SandboxUnavailable: ATTN_JUDGE_UID_BASE='abc' is not a uid base"


def test_a_cluster_whose_workers_cannot_grade_gets_one_message(monkeypatch):
    monkeypatch.setenv("ATTN_JUDGE_UID_BASE", NO_UID_BASE["ATTN_JUDGE_UID_BASE"])
    with pytest.raises(services.UserError) as caught:
        services.open_executor(scheduler="local:1", allow_weak=False)
    message = caught.value.text.en
    assert message.startswith("--scheduler local:1: no Dask worker can grade (tcp://"), message
    assert NO_UID_BASE_WHY in message and "docs/cluster.md" in message


def _start_worker(scheduler: str, env: dict, cwd: Path | None = None) -> subprocess.Popen:
    """A worker joining the cluster as an administrator starts one (``dask worker ADDRESS``), under a
    name of its own (``process.worker_name``)."""
    name = f"test-worker-{uuid.uuid4().hex[:8]}"
    process = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--nthreads", "1",
                                "--no-dashboard", "--name", name], env={**os.environ, **env}, cwd=cwd,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    process.worker_name = name
    return process


def _joined(client, process: subprocess.Popen) -> str:
    """The address of the worker ``process`` once it has joined (not that of a worker the cluster
    restarted meanwhile)."""
    deadline = time.monotonic() + WORKER_START_SECONDS
    while time.monotonic() < deadline:
        for address, info in client.scheduler_info()["workers"].items():
            if info.get("name") == process.worker_name:
                return address
        time.sleep(0.2)
    raise AssertionError("the worker never joined the cluster")


def _whole(executor: DaskExecutor) -> DaskExecutor:
    """The module's cluster once both its workers run again (a test before may have killed one)."""
    executor.client.wait_for_workers(2, timeout=WORKER_START_SECONDS)
    return executor


def _ends(process: subprocess.Popen) -> int:
    try:
        return process.wait(timeout=60)
    finally:
        process.kill()


def test_workers_that_cannot_grade_are_retired_and_grade_nothing(tmp_path, dask_executor):
    """One broken worker among good ones: retired at the start and named; one that joins later
    is retired at its first task, which another worker grades."""
    client = _whole(dask_executor).client
    broken = _start_worker(client.scheduler.address, NO_UID_BASE)
    address = _joined(client, broken)
    executor = DaskExecutor(client, allow_weak=False)
    assert executor.notice.en.startswith(f"1 of 3 Dask workers cannot grade and were retired "
                                         f"({address}: {NO_UID_BASE_WHY}")
    assert "工作进程" in executor.notice.zh
    assert executor.dashboard is None  # a scheduler not started by the command: its dashboard is not ours to give
    assert _ends(broken) == 0 and address not in client.scheduler_info()["workers"]
    assert executor.isolation.startswith("namespaces+uid")

    late = _start_worker(client.scheduler.address, NO_UID_BASE)
    address = _joined(client, late)
    request = GradeRequest(key=f"s00/{SDPA}", problem_id=SDPA, source=solution_source(registry.get(SDPA)),
                           filename=f"{SDPA}.py", sha256="0" * 64)
    pinned = client.submit(grade_on_worker, request, workers=[address], allow_other_workers=False, pure=False)
    with pytest.raises(WorkerCannotGrade) as caught:
        pinned.result(timeout=120)
    assert str(caught.value).startswith(f"{address}: {NO_UID_BASE_WHY}")
    answered = Future()
    executor._answered(_Finished(error=caught.value), request, answered, tries=1)
    assert answered.result(timeout=120)["extra_data"]["error"] is None  # graded by another worker
    assert executor.retried == [request.key]
    assert executor.retired_during_run == [f"{address}: {caught.value.failure}"]  # named, not only counted
    assert _ends(late) == 0 and address not in client.scheduler_info()["workers"]

    late = _start_worker(client.scheduler.address, NO_UID_BASE)
    _joined(client, late)
    root, out = tmp_path / "class", tmp_path / "out"
    _class(root, 4)
    plan, summary = grade_class(root=root, out=out, executor=executor, reports=False)
    assert summary.graded == len(plan.entries) == 8
    for entry in plan.entries:
        data = json.loads(results_path(out, entry.student, entry.problem.id).read_text(encoding="utf-8"))
        assert data["extra_data"]["error"] is None and data["extra_data"]["isolation"].startswith("namespaces+uid")
    assert set(summary.retried) <= {f"{e.student}/{e.problem.id}" for e in plan.entries}
    assert summary.retired[0] == f"{address}: {caught.value.failure}"
    late.kill()
    late.wait(timeout=60)


def test_a_local_cluster_serves_its_dashboard_on_this_machine_only(dask_executor):
    """On a free port of 127.0.0.1 (it bound 8787 on every interface), and said only where it can show
    something (Dask's dashboard needs bokeh)."""
    import importlib.util
    import socket

    port = dask_executor.client.scheduler_info()["services"]["dashboard"]
    assert port != 8787 and _listening_on(port) == {"0100007F"}  # 127.0.0.1, as the kernel lists it
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    if importlib.util.find_spec("bokeh") is None:
        assert dask_executor.dashboard is None
    else:
        assert dask_executor.dashboard == f"http://127.0.0.1:{port}/status"


def _listening_on(port: int) -> set[str]:
    """The local addresses of this machine's listening TCP sockets on ``port`` (IPv6 ones too)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_a_worker_of_another_installation_is_retired_before_grading(tmp_path, dask_executor):
    """A worker whose hidden cases, references or code differ would grade its share of the class
    differently: it grades nothing, and the command says which worker and what it runs."""
    import shutil

    from grader.datapaths import data_root

    other = tmp_path / "other-install"
    for part in ("grader", "problems", "solutions"):
        shutil.copytree(data_root() / part, other / part, ignore=shutil.ignore_patterns("__pycache__"))
    reference = other / "solutions" / f"{SDPA}.py"
    reference.write_text(reference.read_text(encoding="utf-8") + "\n# changed since\n", encoding="utf-8")
    client = _whole(dask_executor).client
    stale = _start_worker(client.scheduler.address, {"PYTHONPATH": str(other)}, cwd=other)
    address = _joined(client, stale)
    assert client.run(lambda: __import__("grader").__file__, workers=[address])[address].startswith(str(other))
    executor = DaskExecutor(client, allow_weak=False)
    assert executor.notice.en.startswith(f"1 of 3 Dask workers cannot grade and were retired ({address}: it runs "
                                         "attention-judge ")
    assert "another installation than the command's" in executor.notice.en
    assert _ends(stale) == 0 and address not in client.scheduler_info()["workers"]


def _bare_install(tmp_path: Path) -> dict:
    """The environment of a worker that cannot load attention-judge (a module of that name shadows it)."""
    bare = tmp_path / "bare"
    bare.mkdir()
    (bare / "grader.py").write_text("# not attention-judge\n")
    return {"PYTHONPATH": str(bare)}


def test_a_worker_without_attention_judge_is_retired_before_the_plugin_reaches_it(tmp_path):
    """A worker that cannot load attention-judge hangs on unpickling the plugin, and Dask's
    registration with it (for as long as the scheduler keeps the worker: minutes): it is asked
    first, retired and named, and the others grade."""
    from distributed import Client

    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        stranger = _start_worker(client.scheduler.address, _bare_install(tmp_path), cwd=tmp_path)
        address = _joined(client, stranger)
        executor = DaskExecutor(client, allow_weak=False)
        assert executor.notice.en.startswith(
            f"1 of 2 Dask workers cannot grade and were retired ({address}: it cannot load attention-judge "
            "(no module named grader.dask_worker): install the same attention-judge"), executor.notice.en
        assert _ends(stranger) == 0 and address not in client.scheduler_info()["workers"]
        assert executor.isolation.startswith("namespaces+uid")


def test_a_worker_stuck_closing_stops_the_command_at_once_with_its_name(tmp_path, dask_executor):
    """Joining a cluster whose scheduler holds the plugin already, such a worker fails to start and
    stays 'closing' until the scheduler drops it; a new command would wait for it to take the plugin.
    It stops within seconds instead, naming the worker."""
    from distributed import Client

    client = _whole(dask_executor).client
    stranger = _start_worker(client.scheduler.address, _bare_install(tmp_path), cwd=tmp_path)
    try:
        address = _joined(client, stranger)
        with pytest.raises(dask_backend.WorkersStuck) as caught:
            DaskExecutor(Client(client.scheduler.address), allow_weak=False)  # its own client: closed on failure
        assert caught.value.detail == f"{address}: stuck closing", caught.value.detail
    finally:
        stranger.kill()
        stranger.wait(timeout=60)


@pytest.mark.parametrize("answer", [("namespaces+uid", ""), AttributeError("no worker_isolation"), None],
                         ids=["two-values", "error", "nothing"])
def test_a_worker_that_answers_as_an_older_installation_cannot_grade(answer):
    """An older attention-judge on a worker answers the isolation question otherwise, or not at all."""
    from grader.dask_backend import OLDER_INSTALLATION, _isolation_answer

    assert _isolation_answer(answer) == ("", "", OLDER_INSTALLATION)
    assert _isolation_answer(("namespaces+uid", "", "")) == ("namespaces+uid", "", "")
    assert _isolation_answer(["namespaces+uid", "", ""]) == ("namespaces+uid", "", "")  # as a list over the wire


def test_a_lost_scheduler_stops_the_class_with_one_message_and_nothing_false_is_written(tmp_path):
    """The scheduler killed mid-class: what finished is saved, the submissions in flight are not
    written as failures (a --resume would have skipped them), and the local pool finishes the class."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    scheduler = subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    worker = None
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        worker = _start_worker(address, {})
        root, out = tmp_path / "class", tmp_path / "out"
        _class(root, 10)
        for path in root.glob(f"*/{SDPA}.py"):
            path.write_text("import time\ntime.sleep(0.3)\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
        executor = services.open_executor(scheduler=address, allow_weak=False)
        written: list[str] = []

        def kill_after_three(entry) -> None:
            written.append(f"{entry.student}/{entry.problem.id}")
            if len(written) == 3:
                scheduler.kill()

        try:
            with pytest.raises(services.UserError) as caught:
                grade_class(root=root, out=out, executor=executor, reports=False, on_progress=kill_after_three)
        finally:
            executor.close()
    finally:
        scheduler.kill()
        if worker is not None:
            worker.kill()
            worker.wait(timeout=60)
    assert caught.value.text.en == (f"grading stopped: the Dask scheduler {address} was lost; its workers end "
                                    "with it: start the scheduler and the workers again. Everything finished "
                                    "before it is saved: fix the cause, then run the same command with --resume to "
                                    "continue.")
    finished = _verdicts(out)
    assert 3 <= len(finished) < 20 and all(kind is None for (_, _, _, kind, _) in finished.values()), finished
    with LocalExecutor(workers=2, allow_weak=False) as local:
        _, summary = grade_class(root=root, out=out, executor=local, reports=False, resume=True)
    assert summary.skipped == len(finished) and summary.graded == 20 - len(finished)


def test_a_worker_that_cannot_grade_costs_the_submission_none_of_its_tries(dask_executor):
    """A submission sent to a worker that cannot grade did nothing wrong: even on its last try it is
    sent to another worker, never marked crash."""
    request = GradeRequest(key=f"s02/{SDPA}", problem_id=SDPA, source=solution_source(registry.get(SDPA)),
                           filename=f"{SDPA}.py", sha256="0" * 64)
    answered = Future()
    refusal = WorkerCannotGrade("tcp://127.0.0.1:9", "its sandboxes stopped: made up")
    dask_executor._answered(_Finished(error=refusal), request, answered, tries=dask_backend.MAX_TRIES)
    data = answered.result(timeout=120)
    assert data["extra_data"]["error"] is None and data["score"] == data["max_score"]


def test_the_last_worker_that_could_grade_retired_stops_the_class_with_one_message(tmp_path):
    """Every worker's sandboxes gone for good: the class stops and says why instead of waiting for a
    worker forever; nothing is written as the students' failure, and --resume finishes it."""
    executor = open_dask_executor("local:1", allow_weak=False)
    try:
        client = executor.client
        (address,) = client.scheduler_info()["workers"]
        client.run(_lose_sandboxes_for_good)
        root, out = tmp_path / "class", tmp_path / "out"
        _class(root, 3)
        with pytest.raises(services.UserError) as caught:
            grade_class(root=root, out=out, executor=executor, reports=False)
    finally:
        executor.close()
    assert caught.value.text.en.startswith(f"grading stopped: no Dask worker left can grade ({address}: its "
                                           f"sandboxes stopped: ")
    assert caught.value.text.en.endswith("run the same command with --resume to continue.")
    assert _verdicts(out) == {}
    with LocalExecutor(workers=2, allow_weak=False) as local:
        _, summary = grade_class(root=root, out=out, executor=local, reports=False, resume=True)
    assert summary.graded == 6 and all(kind is None for (_, _, _, kind, _) in _verdicts(out).values())


def _lose_sandboxes_for_good(dask_worker) -> None:
    """On a worker: its zygotes killed (as the OOM killer would), and none can start again."""
    os.environ["ATTN_JUDGE_UID_BASE"] = "abc"
    for zygote in dask_worker.plugins[PLUGIN_NAME].pool._all:
        zygote.proc.kill()


def test_a_worker_whose_sandboxes_die_for_good_is_retired_and_its_share_graded_elsewhere(tmp_path):
    executor = open_dask_executor("local:2", allow_weak=False)
    try:
        client = executor.client
        victim = sorted(client.scheduler_info()["workers"])[0]
        client.run(_lose_sandboxes_for_good, workers=[victim])
        root, out = tmp_path / "class", tmp_path / "out"
        _class(root, 5)
        plan, summary = grade_class(root=root, out=out, executor=executor, reports=False)
        assert summary.graded == len(plan.entries) == 10
        verdicts = _verdicts(out)
        assert len(verdicts) == 10 and all(kind is None for (_, _, _, kind, _) in verdicts.values()), verdicts
        deadline = time.monotonic() + 60
        while victim in client.scheduler_info()["workers"] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert victim not in client.scheduler_info()["workers"]
    finally:
        executor.close()


def test_ctrl_c_in_a_terminal_stops_a_local_cluster_run_with_its_one_message(tmp_path):
    """A terminal's Ctrl-C reaches the whole process group, the local cluster's workers too: they
    leave it to the command, which saves what is finished and says so in one message; no worker's
    traceback, no scheduler error about workers that died."""
    root, out = tmp_path / "class", tmp_path / "out"
    _class(root, 10)
    for path in root.glob(f"*/{SDPA}.py"):
        path.write_text("import time\ntime.sleep(0.5)\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    run = subprocess.Popen([sys.executable, "-m", "grader.cli", "grade", str(root), "--out", str(out),
                            "--scheduler", "local:2", "--seed", "3"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/*/results.json"))) < 2 and time.monotonic() < deadline and run.poll() is None:
        time.sleep(0.1)
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=180)
    assert run.returncode == 130, stderr
    assert "--resume" in stderr and "Traceback" not in stderr and "ERROR" not in stderr, stderr
