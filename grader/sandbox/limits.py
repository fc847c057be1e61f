"""Resource limits of one submission: the one definition of their defaults.

Kept apart from :mod:`grader.sandbox.messages` (which needs torch) so that the
command line can show the defaults in its help without importing torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class Limits:
    """Resource limits of one submission (seconds, megabytes, bytes): the one set of defaults."""

    timeout: float = 10.0  # per test, from the moment the test starts
    submission_timeout: float = 60.0  # all tests of one submission together
    memory_mb: int = 1024  # the submission's whole process tree
    max_output_bytes: int = 1024 * 1024  # captured stdout+stderr before the child is stopped
    max_result_bytes: int = 32 * 1024 * 1024  # one test's result
    max_results_bytes: int = 64 * 1024 * 1024  # every test's results together (the trusted side holds them)
    max_processes: int = 16  # processes and threads of the submission
    max_written_bytes: int = 16 * 1024 * 1024  # files it writes, together
    SUBMISSION_TESTS: ClassVar[int] = 6  # a whole submission gets this many tests' worth of time

    @classmethod
    def for_timeout(cls, timeout: float, memory_mb: int | None = None) -> "Limits":
        """Limits for a per-test timeout: the whole submission gets six tests' worth, at least 60 s."""
        return cls(timeout=timeout, memory_mb=cls.memory_mb if memory_mb is None else memory_mb,
                   submission_timeout=max(cls.submission_timeout, cls.SUBMISSION_TESTS * timeout))

    @classmethod
    def longest_timeout(cls, submission_timeout: float) -> float:
        """The longest per-test timeout whose submission (:meth:`for_timeout`) gets at most
        ``submission_timeout`` seconds."""
        return submission_timeout / cls.SUBMISSION_TESTS
