"""How many submissions a machine grades at once: the one definition of the default and the ceiling.

Each sandbox worker is a zygote holding its own torch (about 0.4 GB resident)
that forks a child per submission, and a Dask worker adds a trusted process of
the same size. More workers than cores only queue for the cores; far more
exhaust the memory and bring the machine down. So a machine runs at most
``WORKERS_PER_CORE`` workers per core and one per ``MB_PER_WORKER`` of its
memory (a container's limit where it has one), whatever is asked
(``--workers N``, ``--scheduler local:N``); by default one per core, within
that ceiling.
"""

from __future__ import annotations

import os

from grader.sandbox import cgroups

WORKERS_PER_CORE = 4
MB_PER_WORKER = 1024  # a sandbox worker and, on Dask, the trusted process beside it


class TooManyWorkers(Exception):
    """More workers were asked for than this machine can hold."""

    def __init__(self, asked: int, most: int):
        self.asked, self.most = asked, most
        super().__init__(f"{asked} workers asked, at most {self.most} on this machine")


def cores() -> int:
    return os.cpu_count() or 1


def memory_mb() -> int:
    """The machine's memory, or its control group's limit where lower (a container's)."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):  # not reported: the cores alone decide
        physical = MB_PER_WORKER * WORKERS_PER_CORE * cores() * 1024 * 1024
    limit = cgroups.own_memory_limit()
    return min(physical, limit if limit is not None else physical) // (1024 * 1024)


def default_workers() -> int:
    """One worker per core (within the ceiling)."""
    return min(cores(), max_workers())


def max_workers() -> int:
    return max(1, min(WORKERS_PER_CORE * cores(), memory_mb() // MB_PER_WORKER))


def pool_workers(asked: int | None) -> int:
    """A local pool's size: ``asked`` (``--workers``, checked), or the default."""
    return default_workers() if asked is None else checked_workers(asked)


def checked_workers(asked: int) -> int:
    """``asked``, or :class:`TooManyWorkers` above :func:`max_workers`."""
    most = max_workers()
    if asked > most:
        raise TooManyWorkers(asked, most)
    return asked
