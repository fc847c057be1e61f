"""The Dask workers' side of :mod:`grader.dask_backend`: a worker's sandbox pool, its grading task.

Each worker starts its sandbox pool once (:class:`SandboxPlugin`, a worker
plugin), unless it runs another installation than the client
(:mod:`grader.installation`) or its sandboxes cannot start: it then records why
and grades nothing; a task that reaches it raises :class:`WorkerCannotGrade`,
which the client answers by retiring the worker and sending the task elsewhere.
So does a worker whose sandboxes are gone for good in the middle of a class.
"""

from __future__ import annotations

from distributed import WorkerPlugin, get_worker

from grader import installation
from grader.executors import GradeRequest, SuiteCache, grade_request

PLUGIN_NAME = "attn-judge-sandbox"
MAX_FAILURE_CHARS = 500


class SandboxPlugin(WorkerPlugin):
    """A Dask worker plugin: one sandbox pool (a slot per worker thread) and its suites."""

    name = PLUGIN_NAME

    def __init__(self, force_weak: bool = False, client_installation: str = ""):
        self.force_weak = force_weak
        self.client_installation = client_installation  # grader.installation.digest() on the client
        self.pool = None
        self.suites = None
        self.failure = ""  # why this worker cannot grade

    def setup(self, worker) -> None:
        from grader.pool import SandboxPool

        if self.client_installation and installation.digest() != self.client_installation:
            self.failure = other_installation(installation.summary(), self.client_installation)
            return
        try:
            self.pool = SandboxPool(worker.state.nthreads, force_weak=self.force_weak)
        except Exception as exc:  # noqa: BLE001 - this worker then grades nothing (see grade_on_worker)
            self.failure = f"its sandboxes did not start: {type(exc).__name__}: {exc}"[:MAX_FAILURE_CHARS]
            return
        self.suites = SuiteCache()

    def teardown(self, worker) -> None:
        if self.pool is not None:
            self.pool.close()


def _plugin() -> SandboxPlugin:
    return get_worker().plugins[PLUGIN_NAME]


class WorkerCannotGrade(RuntimeError):
    """The worker a task reached cannot grade: the client retires it and sends the task elsewhere."""

    def __init__(self, address: str, failure: str):
        super().__init__(address, failure)
        self.address, self.failure = address, failure

    def __str__(self) -> str:
        return f"{self.address}: {self.failure}"


def grade_on_worker(request: GradeRequest) -> dict:
    """The task a Dask worker runs: grade one request on its own sandbox pool."""
    from grader.pool import SandboxUnavailable

    plugin = _plugin()
    if plugin.pool is None:
        raise WorkerCannotGrade(get_worker().address, plugin.failure)
    try:
        return grade_request(request, runner=plugin.pool, suites=plugin.suites)
    except SandboxUnavailable as exc:  # its sandboxes are gone for good: this worker grades no more
        pool, plugin.pool = plugin.pool, None
        plugin.failure = f"its sandboxes stopped: {exc}"[:MAX_FAILURE_CHARS]
        pool.close(wait=False)
        raise WorkerCannotGrade(get_worker().address, plugin.failure) from None


def other_installation(theirs: str, ours: str) -> str:
    """Why a worker that runs ``theirs`` (:func:`grader.installation.summary`) cannot grade for a
    command that runs ``ours`` (its summary, or its digest alone)."""
    return (f"it runs {theirs}, another installation than the command's ({ours}): install the same "
            f"attention-judge and torch on every machine")


def worker_installation() -> tuple[str, str]:
    """What a worker runs: its installation's digest and summary (:mod:`grader.installation`)."""
    return installation.digest(), installation.summary()


def worker_isolation(dask_worker) -> tuple[str, str, str]:
    """A worker's isolation level and why it is not stronger, or ``("", "", failure)``."""
    plugin = dask_worker.plugins[PLUGIN_NAME]
    if plugin.pool is None:
        return "", "", plugin.failure
    return plugin.pool.level, plugin.pool.fallback_reason, ""
