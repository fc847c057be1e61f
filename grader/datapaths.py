"""Where the shipped data lives: problems, reference solutions, site assets; and which of it no
submission may read (:func:`answer_folders`).

From a source checkout (or an editable install) they sit at the repository's top
level; a wheel carries them under ``grader/_data``. Nothing else in the package
hard-codes these locations.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

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


def answer_folders() -> list[Path]:
    """What no submission may read: the reference solutions, hidden tests and misconception references."""
    return [solutions_dir(), _PACKAGE_DIR / "hidden", _PACKAGE_DIR / "misconceptions"]


def keep_answers_private() -> None:
    """Make :func:`answer_folders` their owner's alone (mode 0700): for a sandbox at the weak level,
    whose children run as a uid of their own and read whatever every user may (a platform's image
    installs the package readable by all). The grader, root or the owner, still reads them. Where
    the mode cannot be changed, nothing changes.
    """
    for folder in answer_folders():
        try:
            folder.chmod(0o700)
        except OSError as exc:
            log.warning("could not make %s private: %s", folder, exc)
