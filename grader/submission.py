"""Reads a submission file safely and says clearly what is wrong with a bad one.

A submission is one UTF-8 ``.py`` file of at most 1 MiB (a BOM and CRLF line
endings are fine), or a Jupyter notebook (``.ipynb``, at most 32 MiB with its
outputs, at most 1 MiB of code; :mod:`grader.notebooks` turns its code cells
into the module and records where each line came from). Symlinks are never
followed. Everything else is a :class:`BadSubmission` whose message (both
languages) names the file and says what to do. Reading is bounded: never more
than the limit + 1 byte is read.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import stat
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader import feedback as F
from grader.i18n import Text
from grader.jsonio import readable

if TYPE_CHECKING:
    from grader.notebooks import SourceMap
    from grader.registry import Problem

MAX_BYTES = 1024 * 1024
# byte-order marks of text saved in a wide encoding (Windows Notepad's "Unicode"); UTF-32 first,
# since its little-endian mark begins with UTF-16's
_WIDE_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
              (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))
_COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")
_UTF8_NAMES = {"utf-8", "utf8", "utf_8", "utf-8-sig", "utf8-sig"}


class BadSubmission(ValueError):
    """A file that cannot be graded as a submission (error kind ``bad_submission``).

    ``message`` is what the command line says; ``on_platform`` what a course
    platform's grader says (the exports), where the learner has no ``attn-judge``
    command to be advised: the same unless given.
    """

    kind = "bad_submission"

    def __init__(self, message: Text, *, on_platform: Text | None = None):
        self.message = message
        self.on_platform = message if on_platform is None else on_platform
        super().__init__(message.en)

    def __reduce__(self):  # pickled (a process pool, a cluster) with both languages, not the English alone
        return _rebuilt_bad_submission, (self.message, self.on_platform)


def _rebuilt_bad_submission(message: Text, on_platform: Text) -> BadSubmission:
    return BadSubmission(message, on_platform=on_platform)


@dataclass(frozen=True)
class Submission:
    path: Path
    source: str  # decoded, BOM removed, line endings normalised to "\n"
    sha256: str  # of the bytes as submitted
    data: bytes  # the bytes as submitted
    source_map: "SourceMap | None" = None  # a notebook's: which cell each line came from


def shown_name(path: Path) -> str:
    """How a message names a submission's file: by its name alone. The message reaches the
    student's results and report, where the folders above it (the instructor's) say nothing."""
    return readable(Path(path).name)


def _bad(template: Text, path: Path, **params) -> BadSubmission:
    return BadSubmission(template.format(path=shown_name(path), **params))


def empty_file(path: Path) -> BadSubmission:
    """An empty submission, told the command that writes its problem's stub (named by the file); on a
    course platform, told to start from the stub the course gave."""
    from grader.registry import problem_ids

    stem = Path(path).name.partition(".")[0].lower()
    problem = stem if stem in problem_ids() else "<problem_id>"
    if is_notebook_name(path):
        problem += " --notebook"
    return BadSubmission(F.EMPTY_FILE.format(path=shown_name(path), problem=problem),
                         on_platform=F.EMPTY_FILE_ON_PLATFORM.format(path=shown_name(path)))


def mib_over(size: int) -> str:
    """A size over a limit in MiB, rounded up to a tenth: 1.05 MiB over a 1 MiB limit reads 1.1, never 1.0."""
    return f"{math.ceil(size * 10 / 1024 / 1024) / 10:.1f}"


def read_bytes(path: Path, limit: int = MAX_BYTES, *, too_large: Text = F.TOO_LARGE) -> bytes:
    """The file's bytes (at most ``limit``), never through a symlink; :class:`BadSubmission` otherwise.

    Args:
        too_large: the message template (``{path}``, ``{size}``) for a file over ``limit``.
    """
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        raise _bad(F.NO_SUCH_FILE, path) from None
    except OSError as exc:
        raise _bad(F.CANNOT_READ, path, why=exc.strerror) from None
    if stat.S_ISLNK(info.st_mode):
        raise _bad(F.IS_SYMLINK, path)
    if stat.S_ISDIR(info.st_mode):
        raise _bad(F.IS_DIRECTORY, path)
    if not stat.S_ISREG(info.st_mode):
        raise _bad(F.NOT_REGULAR, path)
    if info.st_size > limit:
        raise _bad(too_large, path, size=mib_over(info.st_size))
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _bad(F.CANNOT_READ, path, why=exc.strerror) from None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):  # replaced since lstat
            raise _bad(F.NOT_REGULAR, path)
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise _bad(too_large, path, size=f"> {limit / 1024 / 1024:g}")
    return data


UNTOUCHED_MAX_BYTES = 64 * 1024  # larger than any starter file: someone's work


def untouched_file(path: Path, problem: "Problem") -> Text | None:
    """Why ``path``, a ``.py`` handed in beside the problem's notebook, holds no work: empty, or the
    problem's starter file as ``attn-judge start`` wrote it (a note with ``{name}`` and ``{graded}``);
    None when it may hold some, or cannot be read (grading it then says why)."""
    try:
        data = read_bytes(path, UNTOUCHED_MAX_BYTES)
    except BadSubmission:
        return None
    text = data.decode("utf-8", errors="replace").removeprefix("\ufeff").replace("\r\n", "\n").strip()
    if not text:
        return F.EMPTY_BESIDE_NOTEBOOK
    return F.STARTER_BESIDE_NOTEBOOK if text == problem.stub().strip() else None


def refuse_binary(data: bytes, path: Path) -> None:
    """:class:`BadSubmission` for a binary file (an archive, or anything holding NUL bytes); text
    saved as UTF-16 or UTF-32 (which hold NUL bytes too) is told to be saved as UTF-8."""
    for bom, encoding in _WIDE_BOMS:
        if data.startswith(bom):
            raise _bad(F.WIDE_ENCODING, path, encoding=encoding)
    if data[:4] in (b"PK\x03\x04",) or b"\x00" in data:
        raise _bad(F.IS_BINARY, path)


def utf8_text(data: bytes, path: Path) -> str:
    """The bytes decoded as UTF-8 (a BOM removed), or :class:`BadSubmission` naming the bad byte."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _bad(F.NOT_UTF8, path, offset=exc.start) from None


def decode_source(data: bytes, path: Path) -> str:
    """Bytes of a Python submission -> source text, or :class:`BadSubmission`."""
    refuse_binary(data, path)
    if data.lstrip().startswith(b"{") and b'"cells"' in data[:4096]:
        raise _bad(F.NOTEBOOK_AS_PY, path)
    for line in data.splitlines()[:2]:
        match = _COOKIE.match(line)
        if match and match.group(1).decode("ascii", "replace").lower() not in _UTF8_NAMES:
            raise _bad(F.OTHER_ENCODING, path, encoding=repr(match.group(1).decode("ascii", "replace")))
    text = utf8_text(data, path)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise empty_file(path)
    return text


def is_notebook_name(path) -> bool:
    """Whether the file is named as a notebook (``.ipynb``, in any case: ``.IPYNB`` too)."""
    return Path(path).suffix.lower() == ".ipynb"


def submitted_bytes(path: Path) -> bytes:
    """A submission file's bytes, bounded by its kind's limit (a notebook's is larger) and never
    through a symlink (:func:`read_bytes`); :class:`BadSubmission` otherwise."""
    if is_notebook_name(path):
        from grader.notebooks import MAX_NOTEBOOK_BYTES

        return read_bytes(path, MAX_NOTEBOOK_BYTES, too_large=F.NOTEBOOK_TOO_LARGE)
    return read_bytes(path)


def current_sha256(path: Path) -> str | None:
    """The ``sha256`` :func:`read_submission` would record for the file as it is now, read as it
    reads it (:func:`submitted_bytes`); None when it cannot be read so (too large, a symlink,
    gone, unreadable): results of such a file record no bytes of it."""
    try:
        return hashlib.sha256(submitted_bytes(path)).hexdigest()
    except BadSubmission:
        return None


def read_submission(path: Path, *, helpers=None) -> Submission:
    """Read and check one submission file (``.py``, or a notebook's code cells).

    A notebook is converted in a helper process within a time and memory budget, never in
    this process (:func:`grader.notebooks.read_notebook`), whoever's file it is.

    Args:
        helpers: the :class:`grader.bounded.BoundedPool` that converts a notebook (a class
            run's); without one, a helper is started for that notebook alone.
    """
    path = Path(path)
    data = submitted_bytes(path)
    if is_notebook_name(path):
        if not data.strip():  # said as for a .py, not as a notebook that is not JSON
            raise empty_file(path)
        from grader.bounded import BoundedPool
        from grader.notebooks import read_notebook

        with BoundedPool(1) if helpers is None else nullcontext(helpers) as pool:
            code = read_notebook(data, path, helpers=pool)
        return Submission(path=path, source=code.source, sha256=hashlib.sha256(data).hexdigest(), data=data,
                          source_map=code.source_map)
    source = decode_source(data, path)
    return Submission(path=path, source=source, sha256=hashlib.sha256(data).hexdigest(), data=data)
