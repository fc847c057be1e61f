"""Where the shipped data lives: problems, reference solutions, site assets.

From a source checkout (or an editable install) they sit at the repository's top
level; a wheel carries them under ``grader/_data``. Nothing else in the package
hard-codes these locations.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def data_root() -> Path:
    """Return the directory that holds ``problems/``, ``solutions/`` and ``site/``."""
    bundled = _PACKAGE_DIR / "_data"
    if (bundled / "problems").is_dir():
        return bundled
    return _PACKAGE_DIR.parent


def problems_dir() -> Path:
    return data_root() / "problems"


def solutions_dir() -> Path:
    return data_root() / "solutions"


def site_assets_dir() -> Path:
    return data_root() / "site"


def package_dir() -> Path:
    return _PACKAGE_DIR
