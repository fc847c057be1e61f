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


# What builds the study site only (its code, content and page templates, installed under the package):
# editing it changes no grade, and must not make --resume grade a class again.
STUDY_SITE_ONLY = ("sitegen", "_data/site/content", "_data/site/templates/site")


def _files(root: Path, leave_out: tuple[str, ...] = ()):
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).as_posix()
        if (path.is_file() and "__pycache__" not in path.parts
                and not any(relative.startswith(folder + "/") for folder in leave_out)):
            yield path


@lru_cache(maxsize=None)
def digest() -> str:
    """The first 16 hex digits of a SHA-256 over the versions and every file of the grader's
    package (but the study site's own files, :data:`STUDY_SITE_ONLY`), problems and reference
    solutions (their paths and bytes)."""
    import numpy
    import torch

    hasher = hashlib.sha256()
    versions = f"attention-judge {__version__}; torch {torch.__version__}; numpy {numpy.__version__}; " \
               f"python {sys.version_info.major}.{sys.version_info.minor}"
    hasher.update(versions.encode())
    for root, leave_out in ((package_dir(), STUDY_SITE_ONLY), (problems_dir(), ()), (solutions_dir(), ())):
        for path in _files(root, leave_out):
            hasher.update(b"\0" + path.relative_to(root).as_posix().encode() + b"\0")
            hasher.update(path.read_bytes())
    return hasher.hexdigest()[:16]


def summary() -> str:
    """What a person compares: the digest and the versions it covers."""
    import torch

    return f"attention-judge {__version__} ({digest()}), torch {torch.__version__}"
