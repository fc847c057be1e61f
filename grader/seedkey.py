"""Fingerprints of secret seeds that nobody can turn back into the seed, and seeds of one file.

Results handed to students name a non-default seed only by a fingerprint, so
that a run can be recognised (``--resume``) without revealing the seed. A plain
hash of a nine-digit seed is brute-forced in seconds, so the fingerprint is an
HMAC under a random key the students never see: kept next to a class's results
(``OUT/.attn-judge/seed-key``, which travels with them for ``--resume``) or in
the user's data folder for single files (``$ATTN_JUDGE_HOME/seed-key``).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from grader.outpaths import STATE_DIR
from grader.progress import home

DEFAULT_SEED = 0  # of the hidden tests' random inputs, unless the instructor picks another
MAX_SEED = (1 << 63) - 1  # seeds run from 0 to this: a generator's seed, the range file_seed draws from
# How a seed draws the hidden inputs: one set for every submission, or one for each file handed in.
SHARED, PER_FILE = "shared", "per-file"
INPUTS = (SHARED, PER_FILE)

KEY_BYTES = 32
KEY_FILE = "seed-key"
NOT_A_KEY = f"it is not a key of {KEY_BYTES} bytes"  # why a file (or a folder) in a key's place is refused


class KeyUnusable(Exception):
    """A seed key that can be neither read nor made: ``path``, and why (as the system says it)."""

    def __init__(self, path: Path, why: str):
        super().__init__(f"{path}: {why}")
        self.path, self.why = path, why


def _load(path: Path) -> bytes | None:
    """The key in ``path``; None when there is none (or it is not a key)."""
    try:
        key = path.read_bytes()
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


def _load_or_create(path: Path) -> bytes:
    """The key in ``path``, made first when there is none; :class:`KeyUnusable` when something else
    is there (a folder, a file of another size: never taken for a key, never replaced) or the
    folder cannot hold one."""
    key = _load(path)
    if key is not None:
        return key
    try:
        if path.exists() or path.is_symlink():  # a key another process has just made reads as one now
            key = _load(path)
            if key is None:
                raise KeyUnusable(path, NOT_A_KEY)
            return key
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(secrets.token_bytes(KEY_BYTES))
        try:
            os.link(tmp, path)  # first writer wins; a concurrent one reads the winner's key
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise KeyUnusable(path, exc.strerror or type(exc).__name__) from None
    key = _load(path)
    if key is None:
        raise KeyUnusable(path, NOT_A_KEY)
    return key


def user_key() -> bytes:
    return _load_or_create(home() / KEY_FILE)


def class_key_path(out: Path) -> Path:
    """Where the key of a class's results in ``out`` is kept."""
    return Path(out) / STATE_DIR / KEY_FILE


def class_key(out: Path) -> bytes:
    """The key of a class's results in ``out``; a new one when ``out`` has none."""
    return _load_or_create(class_key_path(out))


def existing_class_key(out: Path) -> bytes | None:
    """The key of the class's results in ``out``; None when it has none (never creates one)."""
    return _load(class_key_path(out))


def fingerprint(seed: int, key: bytes | None = None) -> str:
    """A short keyed fingerprint of ``seed`` (the user's key when none is given)."""
    key = user_key() if key is None else key
    return hmac.new(key, f"attn-judge-seed:{seed}".encode(), hashlib.sha256).hexdigest()[:16]


def file_seed(seed: int, problem_id: str, source_sha256: str, filename: str) -> int:
    """The seed of one file's hidden inputs under ``--inputs per-file``: drawn from ``seed``, the
    file's digest and its name (which the code can read too: ``__file__``). What a file learns of
    its own inputs (by printing them) is no use to any other file, not even one that differs by a
    byte or is handed in under another name, while the same file always gets the same inputs."""
    message = f"attn-judge-inputs:{problem_id}:{source_sha256}:{filename}".encode("utf-8", "surrogateescape")
    digest = hmac.new(str(seed).encode(), message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "little") & MAX_SEED
