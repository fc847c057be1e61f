"""A digest of what decides a grade here: attention-judge's code and data, torch's and numpy's versions.

A class graded on a Dask cluster must be graded by one installation: a worker
with other hidden cases, references, tolerances or judging code would grade its
share of the class differently, and nothing in the results would show it. The
client compares its digest with each worker's (:mod:`grader.dask_backend`).
"""

from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path

from grader import __version__
from grader.datapaths import package_dir, problems_dir, solutions_dir


def _files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            yield path


@lru_cache(maxsize=None)
def digest() -> str:
    """The first 16 hex digits of a SHA-256 over the versions and every file of the grader's
    package, problems and reference solutions (their paths and bytes)."""
    import numpy
    import torch

    hasher = hashlib.sha256()
    versions = f"attention-judge {__version__}; torch {torch.__version__}; numpy {numpy.__version__}; " \
               f"python {sys.version_info.major}.{sys.version_info.minor}"
    hasher.update(versions.encode())
    for root in (package_dir(), problems_dir(), solutions_dir()):
        for path in _files(root):
            hasher.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
            hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


def summary() -> str:
    """What a person compares: the digest and the versions it covers."""
    import torch

    return f"attention-judge {__version__} ({digest()}), torch {torch.__version__}"
