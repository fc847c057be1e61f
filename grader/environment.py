"""The environment of the processes the grader starts: an allow-list, never the grader's own.

Sandbox zygotes (and their children) and trusted helper processes get exactly
these variables at exec, so nothing of the instructor's environment — tokens,
paths, the seed of a class — exists anywhere in their memory.
"""

from __future__ import annotations

import os

ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONDONTWRITEBYTECODE": "1",
    "MALLOC_MMAP_THRESHOLD_": "131072",  # freed blocks go back to the system: stable memory figures
}
# Machine settings passed on when present (older OpenBLAS builds need them on some processors).
PASSED_THROUGH = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def minimal_environment() -> dict:
    env = dict(ENVIRONMENT)
    env.update({k: os.environ[k] for k in PASSED_THROUGH if k in os.environ})
    return env
