"""TOML reading on every supported Python: ``tomllib`` (3.11+) or its backport ``tomli`` (3.10).

The package's only way to read TOML; ``tests/test_compat.py`` runs it on the
fallback path too.
"""

from __future__ import annotations

try:
    import tomllib as _toml
except ModuleNotFoundError:  # Python 3.10
    import tomli as _toml

load = _toml.load
loads = _toml.loads
TOMLDecodeError = _toml.TOMLDecodeError
BACKEND = _toml.__name__
