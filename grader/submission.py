"""Reads a submission file safely and says clearly what is wrong with a bad one.

A submission is one UTF-8 ``.py`` file of at most 1 MiB (a BOM and CRLF line
endings are fine). Symlinks are never followed. Everything else is a
:class:`BadSubmission` whose message names the file, the problem and what to do.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 1024 * 1024
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_UTF8_NAMES = {"utf-8", "utf8", "utf_8", "utf-8-sig", "utf8-sig"}


class BadSubmission(ValueError):
    """A file that cannot be graded as a submission (error kind ``bad_submission``)."""

    kind = "bad_submission"


@dataclass(frozen=True)
class Submission:
    path: Path
    source: str  # decoded, BOM removed, line endings normalised to "\n"
    sha256: str  # of the bytes as submitted


def _open_no_follow(path: Path) -> bytes:
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise BadSubmission(f"{path}: no such file") from None
    except OSError as exc:
        raise BadSubmission(f"{path}: cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise BadSubmission(f"{path}: is a symbolic link, which is never followed; "
                            "submit the file itself")
    if stat.S_ISDIR(info.st_mode):
        raise BadSubmission(f"{path}: is a directory; a submission is a single .py file")
    if not stat.S_ISREG(info.st_mode):
        raise BadSubmission(f"{path}: is not a regular file")
    if info.st_size > MAX_BYTES:
        raise BadSubmission(f"{path}: is {info.st_size / 1024 / 1024:.1f} MiB; a submission "
                            "may be at most 1 MiB — remove data or generated code")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError as exc:
        raise BadSubmission(f"{path}: cannot be read ({exc.strerror})") from None
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise BadSubmission(f"{path}: is larger than 1 MiB")
    return data


def decode_source(data: bytes, path: Path) -> str:
    """Bytes of a submission -> source text, or :class:`BadSubmission`."""
    if data[:4] in (b"PK\x03\x04",) or b"\x00" in data:
        raise BadSubmission(f"{path}: is a binary file, not Python source")
    stripped = data.lstrip()
    if stripped.startswith(b"{") and b'"cells"' in data[:4096]:
        raise BadSubmission(f"{path}: is a Jupyter notebook; export it as a Python script "
                            "(File > Save and Export Notebook As > Executable Script) and submit the .py")
    for line in data.splitlines()[:2]:
        match = _COOKIE.match(line)
        if match and match.group(1).decode("ascii", "replace").lower() not in _UTF8_NAMES:
            raise BadSubmission(f"{path}: declares the encoding {match.group(1).decode('ascii', 'replace')!r}; "
                                "save it as UTF-8 and remove the coding line")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise BadSubmission(f"{path}: is not valid UTF-8 (byte {exc.start}); save it as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise BadSubmission(f"{path}: is empty; start from 'attn-judge start <problem>'")
    return text


def read_submission(path: Path) -> Submission:
    """Read and check one submission file."""
    path = Path(path)
    if path.suffix == ".ipynb":
        raise BadSubmission(f"{path}: is a Jupyter notebook; export it as a Python script "
                            "(File > Save and Export Notebook As > Executable Script) and submit the .py")
    data = _open_no_follow(path)
    source = decode_source(data, path)
    return Submission(path=path, source=source, sha256=hashlib.sha256(data).hexdigest())
