"""What the Gradescope and PrairieLearn exports share.

On the instructor's machine: the bundle's settings (``config.json``), the secret
seed in a file of its own, the key that fingerprints it, the package's wheel and
the bundle's templates (``site/templates/exports/``). Inside the platform's
container: reading them back, finding the learner's files by name, grading each
problem with the full sandbox (:func:`grader.services.grade_file`) and keeping
the platform's results file within its size limit.

Never: write the seed anywhere but :data:`SEED_FILE` (readable by root only; not
in ``config.json``, a command line, an environment variable, a template or a
result); read a submission folder or a bundle file without a bound; let one
problem's failure cost another problem of the same submission.
"""

from __future__ import annotations

import email.parser
import hashlib
import itertools
import json
import logging
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Callable, Iterable, Sequence

import jinja2
from markupsafe import Markup

from grader import __version__, registry, services
from grader import user_errors as UE
from grader.batch import archive_kind, misnamed_note
from grader.feedback import DUPLICATE_FILE
from grader.datapaths import package_dir, site_assets_dir
from grader.fsutil import write_atomic
from grader.grading import DEFAULT_SEED, NOT_RUN_ISOLATION, Suite, not_graded
from grader.i18n import DEFAULT_LANG, EMPTY, LANGS, Text, t
from grader.jsonio import dumps, readable
from grader.registry import Problem
from grader.runs import SubmissionError
from grader.sandbox.messages import ErrorKind, Limits
from grader.submission import untouched_file
from grader.seedkey import INPUTS, KEY_BYTES, KEY_FILE, MAX_SEED, PER_FILE, SHARED, user_key

log = logging.getLogger(__name__)

CONFIG_FILE = "config.json"
SEED_FILE = "seed"  # the seed alone, mode 0600: the only place a bundle keeps it
HOME_DIR = "home"  # the graders' ATTN_JUDGE_HOME: the key of the seed's fingerprint (mode 0700)
NOT_GRADED_FILE = "not-graded.json"  # what the runner script writes when the grader cannot run at all
TORCH_SPEC = "torch==2.13.0"
TORCH_INDEX = "https://download.pytorch.org/whl/cpu"  # PyTorch's CPU builds: no CUDA download
MAX_METADATA_BYTES = 1024 * 1024  # of a wheel's METADATA read to check its name and version
WHEEL_NAME = re.compile(r"^attention_judge-[A-Za-z0-9_.+]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+-[A-Za-z0-9_.]+\.whl$")
MAX_SMALL_FILE = 64 * 1024  # config.json and the seed are tiny; anything larger is not ours
WHEEL_BUILD_TIMEOUT = 600.0

# A submission folder is whatever the learner uploaded: it is looked at to a bounded depth
# and number of entries, never through a symbolic link to a folder.
MAX_DEPTH = 3  # a submission's files are graded down to this many levels (two folders)
LOOKED_DEEPER = 2  # levels below those listed only to name a problem's file found there
MAX_ENTRIES = 2000
MAX_NOTES = 20
SUBMISSION_SUFFIXES = (".py", ".ipynb")
IGNORED_NAMES = ("__pycache__", "__MACOSX")

# Free text in results (test outputs, messages, captured output) is cut to a budget of
# characters; the budget shrinks until the whole file fits the platform's limit.
BUDGETS = (8000, 2000, 500, 100, 0)
CAPTURED_SHARE = 4  # captured output may take this many budgets

TOO_DEEP = t("{name}: not graded, nested more than {depth} folders deep; put it at the top of your submission",
             "{name}：未评测，嵌套超过 {depth} 层文件夹；请把它放在提交的最上层")
NO_FILE = t("no file named {expected} in your submission (or {notebook}, a notebook); "
            "name your file exactly so and submit again",
            "你的提交里没有名为 {expected} 的文件（或名为 {notebook} 的笔记本）；请按这个名字命名文件后重新提交")
MISNAMED_GRADED = t("{name}: graded as {expected}, the only problem of this assignment; "
                    "name your file {expected} next time",
                    "{name}：已按 {expected} 评测（本次作业只有这一道题）；下次请把文件命名为 {expected}")
NOT_GRADED_NAME = t("{name}: not a file this assignment grades{hint}; it was not graded",
                    "{name}：不是本次作业评测的文件{hint}；没有评测")
ARCHIVE_NOT_GRADED = t("{name}: a {kind} archive; not graded: hand in the files it holds instead",
                       "{name}：{kind} 压缩包；未评测：请改为提交其中的文件")
DID_YOU_MEAN = t(" (did you mean {expected}?)", "（是不是想用 {expected}？）")
FOLDER_LINK = t("{name}: a link to a folder, which is never followed; put the files themselves in your submission",
                "{name}：这是指向文件夹的链接，评测时不会跟随；请把文件本身放进提交")
FOLDER_NOT_FILE = t("{name}: a folder, not a file; hand in the file itself, not a folder of that name",
                    "{name}：这是文件夹，不是文件；请提交文件本身，而不是同名的文件夹")
NOTEBOOK_GRADED = t("{name}: a notebook; its code cells were graded one after another, without "
                    "IPython magics and shell lines (%, !)",
                    "{name}：这是笔记本；评测的是按顺序连接起来的代码单元格，不含 IPython 魔法命令和 shell 行（%、!）")
TOO_MANY_FILES = t("the submission holds more than {count} files and folders; only the first were looked at",
                   "提交中的文件和文件夹超过 {count} 个；只查看了前面的部分")
MORE_NOTES = t("… and {count} more notes like these", "……还有 {count} 条类似的说明")
WEAK_GRADED = t("Only weak isolation was available in this grading container (no Linux namespaces); "
                "the instructor chose to grade anyway. Your code ran with resource limits only.",
                "这个评测容器只提供弱隔离（没有 Linux 命名空间）；教师选择照常评测。你的代码只受资源限制约束。")
SANDBOX_REFUSED = t("Not graded: the grading container could not isolate your code. Your instructor has to "
                    "fix the autograder (its log says why); your submission can then be graded again.",
                    "未评测：评测容器无法隔离你的代码。需要教师修复自动评分器（其日志写明了原因），之后可以重新评测你的提交。")
GRADER_FAILED = t("the grader could not judge this problem ({why}); ask your instructor to look at the "
                  "autograder's log",
                  "评测器无法评判这道题（{why}）；请让教师查看自动评分器的日志")
CUT = t("[… {count} more characters cut]", "［……其余 {count} 个字符已截去］")


@dataclass(frozen=True)
class Exported:
    """What an export wrote, for the command line to report."""

    path: Path
    seed: int
    seed_chosen: bool  # True when the seed was drawn at random (the instructor did not give one)
    problems: tuple[str, ...]
    inputs: str  # how the bundle draws each submission's hidden inputs (grader.seedkey.INPUTS)


class BundleError(services.UserError):
    """A bundle that cannot be read: missing, damaged or not an export of this package."""


@dataclass(frozen=True)
class Settings:
    """How a bundle grades: everything but the seed."""

    problems: tuple[str, ...]
    lang: str = DEFAULT_LANG
    timeout: float = Limits.timeout
    memory_mb: int = Limits.memory_mb
    allow_weak: bool = False
    grader_version: str = __version__
    inputs: str = PER_FILE  # how the seed draws each submission's hidden inputs (grader.seedkey.INPUTS)

    @property
    def limits(self) -> Limits:
        return Limits.for_timeout(self.timeout, self.memory_mb)

    def problem_objects(self) -> list[Problem]:
        try:
            return [registry.get(problem_id) for problem_id in self.problems]
        except registry.UnknownProblemError as exc:
            raise BundleError(UE.BUNDLE_UNKNOWN_PROBLEM.format(name=repr(exc.problem_id), version=__version__,
                                                               written_by=self.grader_version)) from None

    def write(self, folder: Path) -> None:
        write_atomic(Path(folder) / CONFIG_FILE, dumps(asdict(self)))

    @classmethod
    def read(cls, folder: Path) -> "Settings":
        try:
            raw = json.loads(_read_small(Path(folder) / CONFIG_FILE))
            settings = cls(problems=tuple(str(p) for p in raw["problems"]), lang=str(raw["lang"]),
                           timeout=float(raw["timeout"]), memory_mb=int(raw["memory_mb"]),
                           allow_weak=bool(raw["allow_weak"]), grader_version=str(raw["grader_version"]),
                           inputs=str(raw.get("inputs", SHARED)))  # bundles written before: shared
        except (ValueError, KeyError, TypeError) as exc:
            why = UE.IN_PARENTHESES.format(detail=type(exc).__name__)
            raise BundleError(_not_settings(folder, why)) from None
        if settings.lang not in LANGS or not settings.problems or settings.inputs not in INPUTS:
            raise BundleError(_not_settings(folder, EMPTY))
        return settings


def _not_settings(folder: Path, why: Text) -> Text:
    return UE.NOT_BUNDLE_SETTINGS.format(path=readable(str(Path(folder) / CONFIG_FILE)), why=why)


def _read_small(path: Path) -> bytes:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SMALL_FILE + 1)
    except OSError as exc:
        raise BundleError(UE.BUNDLE_FILE_UNREADABLE.format(path=readable(str(path)),
                                                           why=exc.strerror)) from None
    if len(data) > MAX_SMALL_FILE:
        raise BundleError(UE.BUNDLE_FILE_TOO_LARGE.format(path=readable(str(path))))
    return data


def resolve_problems(problem_ids: Iterable[str]) -> list[Problem]:
    """The problems named, in the order given; :class:`services.UserError` for an unknown one, or one
    named twice (likely a slip for another, which the bundle would lack)."""
    problems: list[Problem] = []
    for problem_id in problem_ids:
        problem = services.find_problem(problem_id)
        if problem in problems:
            raise services.UserError(UE.PROBLEM_NAMED_TWICE.format(name=problem.id))
        problems.append(problem)
    if not problems:
        raise services.UserError(UE.NO_PROBLEM_TO_EXPORT)
    return problems


def choose_seed(seed: int | None) -> int:
    """``seed``, or a fresh random one of the whole range: never the public default, which anyone can
    reproduce (:class:`grader.services.UserError` when it is given)."""
    if seed == DEFAULT_SEED:
        raise services.UserError(UE.EXPORT_PUBLIC_SEED.format(seed=seed))
    if seed is not None:
        return seed
    return secrets.randbelow(MAX_SEED) + 1


# ----------------------------------------------------------------------------- where the export goes

def out_problem(out: Path, exc: OSError) -> services.UserError:
    """Why ``out`` cannot be created, named as the user gave it (never by a temporary name)."""
    shown = readable(str(out))
    in_the_way = next((p for p in Path(out).parents if os.path.lexists(p)), None)  # the nearest that exists
    if in_the_way is not None and not in_the_way.is_dir():
        return services.UserError(UE.OUT_UNDER_A_FILE.format(out=shown, file=readable(str(in_the_way))))
    return services.UserError(UE.OUT_CANNOT_BE_CREATED.format(out=shown, why=services.os_reason(exc)))


def write_problem(out: Path, exc: OSError) -> services.UserError:
    """Why writing ``out`` failed once it could be created (a full disk, a quota)."""
    return services.UserError(UE.EXPORT_WRITE_FAILED.format(out=readable(str(out)), why=services.os_reason(exc)))


def make_parents(out: Path) -> list[Path]:
    """Make the missing folders above ``out``, before the slow part of an export: a place that cannot
    be written is said at once.

    Returns:
        The folders made, innermost first, for :func:`remove_made` when the export fails.

    Raises:
        services.UserError: they cannot be made (:func:`out_problem`).
    """
    missing = list(itertools.takewhile(lambda p: not os.path.lexists(p), Path(out).parents))
    try:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        remove_made(missing)
        raise out_problem(out, exc) from None
    return missing


def remove_made(folders: list[Path]) -> None:
    """Remove the folders :func:`make_parents` made, innermost first, as long as they are empty."""
    for folder in folders:
        try:
            folder.rmdir()
        except OSError:
            return


# ----------------------------------------------------------------------------- secrets

def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.chmod(path, 0o600)  # also when the file existed with looser bits


def write_secrets(folder: Path, seed: int) -> None:
    """The seed and a fresh fingerprint key in ``folder``, readable by their owner (root) only."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    _write_private(folder / SEED_FILE, f"{seed}\n".encode("ascii"))
    home = folder / HOME_DIR
    home.mkdir(mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    _write_private(home / KEY_FILE, secrets.token_bytes(KEY_BYTES))


def read_seed(folder: Path) -> int:
    """The bundle's seed: a whole number in the range the export takes, or :class:`BundleError`."""
    data = _read_small(Path(folder) / SEED_FILE)
    try:
        seed = int(data.decode("ascii").strip())
    except (UnicodeDecodeError, ValueError):
        seed = -1
    if not 0 <= seed <= MAX_SEED:
        raise BundleError(UE.NOT_A_SEED.format(path=readable(str(Path(folder) / SEED_FILE))))
    return seed


# ----------------------------------------------------------------------------- the wheel

def check_wheel(wheel: Path) -> None:
    """:class:`grader.services.UserError` unless ``wheel`` is a wheel of this very version of
    attention-judge: its name, and the name and version its metadata records (a junk or renamed
    file would only fail when the service installs it)."""
    shown = readable(str(wheel))
    if not wheel.is_file():
        raise services.UserError(UE.WHEEL_NOT_FOUND.format(path=shown))
    if not WHEEL_NAME.match(wheel.name):
        raise services.UserError(UE.NOT_A_WHEEL.format(path=shown))
    metadata = _wheel_metadata(wheel)
    if metadata is None or metadata.get("Name", "").replace("-", "_").lower() != "attention_judge":
        raise services.UserError(UE.WHEEL_UNREADABLE.format(path=shown))
    named, version = wheel.name.split("-")[1], metadata.get("Version", "?")
    if named != version:
        raise services.UserError(UE.WHEEL_RENAMED.format(path=shown, named=named, version=version))
    if version != __version__:
        raise services.UserError(UE.WHEEL_OTHER_VERSION.format(path=shown, version=version, ours=__version__))


def _wheel_metadata(wheel: Path) -> dict | None:
    """The fields of a wheel's ``*.dist-info/METADATA`` (its first MAX_METADATA_BYTES); None when the
    file is no zip or holds no such file."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            names = [n for n in archive.namelist() if re.fullmatch(r"[^/]+\.dist-info/METADATA", n)]
            if len(names) != 1:
                return None
            with archive.open(names[0]) as fh:
                text = fh.read(MAX_METADATA_BYTES).decode("utf-8", errors="replace")
    except (OSError, zipfile.BadZipFile, ValueError):
        return None
    return dict(email.parser.Parser().parsestr(text, headersonly=True).items())


def provide_wheel(*, dest: Path, wheel: Path | None) -> str:
    """Put this package's wheel into ``dest`` and return its file name.

    Args:
        wheel: a wheel built beforehand; without one, ``pip wheel --no-deps`` builds
            it from the source checkout this package runs from.

    Raises:
        services.UserError: no wheel given and no source checkout, or the build failed.
    """
    dest = Path(dest)
    if wheel is not None:
        wheel = Path(wheel)
        check_wheel(wheel)
        shutil.copyfile(wheel, dest / wheel.name)
        return wheel.name
    project = package_dir().parent
    if not (project / "pyproject.toml").is_file():
        raise services.UserError(UE.NO_CHECKOUT_FOR_WHEEL)
    with tempfile.TemporaryDirectory(prefix="attn-judge-wheel-") as build:
        try:
            done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", build,
                                   str(project)], capture_output=True, text=True, timeout=WHEEL_BUILD_TIMEOUT)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise services.UserError(UE.WHEEL_BUILD_FAILED.format(why=type(exc).__name__)) from None
        built = [p for p in Path(build).iterdir() if WHEEL_NAME.match(p.name)]
        if done.returncode != 0 or len(built) != 1:
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no wheel was written"]
            raise services.UserError(UE.PIP_WHEEL_FAILED.format(project=readable(str(project)),
                                                                detail=tail[0]))
        shutil.copyfile(built[0], dest / built[0].name)
        return built[0].name


# ----------------------------------------------------------------------------- templates

def shell_word(value) -> Markup:
    """``value`` quoted as one shell word (Markup only so that HTML escaping leaves it alone)."""
    import shlex

    return Markup(shlex.quote(str(value)))


def mustache_safe(html) -> Markup:
    """HTML whose braces are character references, so that a mustache renderer leaves it as is."""
    return Markup(str(html).replace("{", "&#123;").replace("}", "&#125;"))


@lru_cache(maxsize=None)
def _environment() -> jinja2.Environment:
    from grader.templating import make_environment

    return make_environment(filters={"sh": shell_word, "mustache_safe": mustache_safe},
                            keep_trailing_newline=True)


def render(template: str, **context) -> str:
    """Render ``site/templates/exports/<template>``."""
    return _environment().get_template(f"exports/{template}").render(**context)


def copy_template(template: str, target: Path) -> None:
    """Copy ``site/templates/exports/<template>`` as it is."""
    shutil.copyfile(site_assets_dir() / "templates" / "exports" / template, target)


# ----------------------------------------------------------------------------- finding the files

@dataclass
class Found:
    """The files of a submission, by problem, and what the learner should know about them."""

    files: dict[str, Path] = field(default_factory=dict)
    notes: list[Text] = field(default_factory=list)
    shown: dict[str, str] = field(default_factory=dict)  # each file as the notes name it


@dataclass
class _Listing:
    """What :func:`_list_files` found."""

    files: list[Path] = field(default_factory=list)  # files and links to files, shallowest first
    misnamed_folders: list[Path] = field(default_factory=list)  # folders named like a submission's file
    folder_links: list[Path] = field(default_factory=list)  # links to folders (never followed)
    truncated: bool = False  # the listing was cut short at MAX_ENTRIES


def _list_files(folder: Path) -> _Listing:
    """Files (and links) under ``folder``, shallowest first, down to :data:`MAX_DEPTH` +
    :data:`LOOKED_DEEPER` levels (the deepest only to be named)."""
    listing = _Listing()
    queue = [(0, Path(folder))]
    seen = 0
    while queue:
        depth, current = queue.pop(0)
        try:
            with os.scandir(current) as scan:
                entries = sorted(itertools.islice(scan, MAX_ENTRIES - seen + 1), key=lambda e: e.name)
        except OSError:
            continue
        for entry in entries:
            seen += 1
            if seen > MAX_ENTRIES:
                listing.truncated = True
                return listing
            if entry.name.startswith(".") or entry.name in IGNORED_NAMES:
                continue
            try:
                is_folder = entry.is_dir(follow_symlinks=False)
                is_folder_link = not is_folder and entry.is_symlink() and entry.is_dir()  # the link's target: a stat
            except OSError:
                continue
            if is_folder:
                if depth + 1 < MAX_DEPTH + LOOKED_DEEPER:
                    queue.append((depth + 1, Path(entry.path)))
                if entry.name.endswith(SUBMISSION_SUFFIXES):
                    listing.misnamed_folders.append(Path(entry.path))
            elif is_folder_link:
                listing.folder_links.append(Path(entry.path))
            else:
                listing.files.append(Path(entry.path))
    return listing


def find_submission_files(folder: Path, problems: Sequence[Problem]) -> Found:
    """Each problem's file in a submission folder: ``<problem_id>.py`` or ``<problem_id>.ipynb``.

    The shallowest file wins, a ``.py`` before a notebook unless it is empty or the
    untouched starter file; other candidates are named in a note, and so is a
    problem's file nested too deep to be graded. When the bundle grades a single
    problem and the folder holds no file of that name but exactly one ``.py`` or
    ``.ipynb`` file, that file is graded as the problem's, with a note asking for
    the right name next time; otherwise a misnamed file is only reported, with
    the close match.
    """
    folder = Path(folder)
    ids = [p.id for p in problems]
    listing = _list_files(folder)

    def shown(path: Path) -> str:
        return readable(str(path.relative_to(folder)))

    def rank(path: Path):
        return len(path.relative_to(folder).parts), path.suffix != ".py", str(path)

    found, others, candidates, too_deep, unusable = Found(), [], {}, [], []
    for path in sorted(listing.files, key=rank):
        stem, suffix = os.path.splitext(path.name)
        if suffix not in SUBMISSION_SUFFIXES:
            if len(path.relative_to(folder).parts) <= MAX_DEPTH:
                unusable.append(path)
            continue
        if len(path.relative_to(folder).parts) > MAX_DEPTH:
            too_deep.append(path)
            continue
        if stem in ids:
            candidates.setdefault(stem, []).append(path)
        else:
            others.append(path)
    for stem, paths in candidates.items():
        first = paths[0]
        notebook = next((p for p in paths if p.suffix == ".ipynb"), None)
        untouched = untouched_file(first, registry.get(stem)) if notebook and first.suffix == ".py" else None
        found.files[stem] = notebook if untouched else first
        for path in paths:
            if path != found.files[stem]:
                note = untouched if path == first and untouched else DUPLICATE_FILE
                found.notes.append(note.format(name=shown(path), graded=shown(found.files[stem])))
    if len(ids) == 1 and not found.files and len(others) == 1:
        found.files[ids[0]] = others[0]
        found.notes.append(MISNAMED_GRADED.format(name=shown(others[0]), expected=ids[0] + others[0].suffix))
    else:
        for path in others:
            stem, suffix = os.path.splitext(path.name)
            close = [c for c in registry.close_matches(stem) if c in ids]
            hint = DID_YOU_MEAN.format(expected=close[0] + suffix) if close else EMPTY
            found.notes.append(NOT_GRADED_NAME.format(name=shown(path), hint=hint))
    for path in too_deep:
        if os.path.splitext(path.name)[0] in ids:
            found.notes.append(TOO_DEEP.format(name=shown(path), depth=MAX_DEPTH - 1))
    for path in unusable:
        note = _unusable_note(path.name, shown(path), ids)
        if note is not None:
            found.notes.append(note)
    found.shown = {stem: shown(path) for stem, path in found.files.items()}
    for path in listing.misnamed_folders:
        if os.path.splitext(path.name)[0] in ids and len(path.relative_to(folder).parts) <= MAX_DEPTH:
            found.notes.append(FOLDER_NOT_FILE.format(name=shown(path)))
    for path in listing.folder_links:
        if len(path.relative_to(folder).parts) <= MAX_DEPTH:
            found.notes.append(FOLDER_LINK.format(name=shown(path)))
    if listing.truncated:
        found.notes.append(TOO_MANY_FILES.format(count=MAX_ENTRIES))
    if len(found.notes) > MAX_NOTES:
        found.notes[MAX_NOTES:] = [MORE_NOTES.format(count=len(found.notes) - MAX_NOTES)]
    return found


def _unusable_note(name: str, shown: str, ids: list[str]) -> Text | None:
    """The note on a file no problem's name fits that the student meant to hand in: an archive, or a
    problem's file under another extension (``.PY``, ``.py.txt`` as some editors save it)."""
    kind = archive_kind(name)
    if kind:
        return ARCHIVE_NOT_GRADED.format(name=shown, kind=kind)
    return misnamed_note(name, ids, shown)


# ----------------------------------------------------------------------------- grading

@dataclass
class Graded:
    """One problem of a submission: its ``results.json`` content, and whether the sandbox ran it."""

    problem: Problem
    results: dict
    ran: bool


def _not_graded(problem: Problem, *, seed: int, settings: Settings, kind: ErrorKind, message: Text,
                isolation: str) -> dict:
    seed_key = None if seed == DEFAULT_SEED else user_key()
    sha = hashlib.sha256(f"not graded:{message.en}".encode("utf-8")).hexdigest()
    return not_graded(problem=problem, suite=Suite(problem, seed=seed), seed=seed,
                      error=SubmissionError(kind, message), source_sha256=sha, isolation=isolation,
                      lang=settings.lang, seed_key=seed_key)


def grade_submission(*, found: Found, settings: Settings, seed: int) -> tuple[list[Graded], list[Text]]:
    """Grade every problem of the bundle, each on its own.

    A found file is graded in the sandbox; a problem without a file scores 0 with
    a ``bad_submission`` message naming the file expected. When the container
    cannot give the sandbox the isolation the bundle requires, no problem is run
    and each says why. A failure of the trusted side costs that problem only.

    Returns:
        The results of each problem, in the bundle's order, and notes about the run.
    """
    graded: list[Graded] = []
    notes: list[Text] = []
    refused: Text | None = None
    for problem in settings.problem_objects():
        path = found.files.get(problem.id)
        if path is None:
            message = NO_FILE.format(expected=f"{problem.id}.py", notebook=f"{problem.id}.ipynb")
            graded.append(Graded(problem, _not_graded(problem, seed=seed, settings=settings,
                                                      kind=ErrorKind.BAD_SUBMISSION, message=message,
                                                      isolation=NOT_RUN_ISOLATION), ran=False))
            continue
        if refused is None:
            try:
                results = services.grade_file(path=path, problem_id=problem.id, seed=seed,
                                              limits=settings.limits, allow_weak=settings.allow_weak,
                                              lang=settings.lang, inputs=settings.inputs, on_platform=True)
            except services.UserError as exc:  # no sandbox that this container allows
                why = exc.why if isinstance(exc, services.IsolationRefused) else exc.text  # not the CLI's advice
                log.error("the sandbox cannot run here, so nothing is graded: %s", why.en)  # the instructor's
                refused = SANDBOX_REFUSED
            except Exception as exc:  # noqa: BLE001 - costs this problem only; logged for the instructor
                log.exception("grading %s failed", problem.id)
                results = _not_graded(problem, seed=seed, settings=settings, kind=ErrorKind.GRADER_ERROR,
                                      message=GRADER_FAILED.format(why=type(exc).__name__),
                                      isolation=NOT_RUN_ISOLATION)
                graded.append(Graded(problem, results, ran=False))
                continue
            else:
                if results["extra_data"].pop("isolation_warning", None) and WEAK_GRADED not in notes:
                    notes.append(WEAK_GRADED)
                ran = results["extra_data"]["isolation"] != NOT_RUN_ISOLATION  # not a file it could not read
                if ran and path.suffix == ".ipynb":
                    notes.append(NOTEBOOK_GRADED.format(name=found.shown[problem.id]))
                graded.append(Graded(problem, results, ran=ran))
                continue
        graded.append(Graded(problem, _not_graded(problem, seed=seed, settings=settings,
                                                  kind=ErrorKind.GRADER_ERROR, message=refused,
                                                  isolation=NOT_RUN_ISOLATION), ran=False))
    return graded, notes


# ----------------------------------------------------------------------------- size

def clip(text: str, limit: int, lang: str) -> str:
    """``text`` cut to ``limit`` characters, saying how much was cut."""
    if len(text) <= limit:
        return text
    return text[:limit] + "\n" + CUT.format(count=len(text) - limit).get(lang)


def fitted(build: Callable[[int], dict], *, max_bytes: int) -> dict:
    """``build(budget)`` for the largest budget of :data:`BUDGETS` whose JSON fits ``max_bytes``.

    ``build`` cuts every free text (captured output, test outputs, messages) to
    the budget; the last budget (0) keeps only what the grader wrote itself.
    """
    results: dict = {}
    for budget in BUDGETS:
        results = build(budget)
        if len(dumps(results).encode("utf-8")) <= max_bytes:
            return results
    log.warning("results stay above %d bytes even without free text", max_bytes)
    return results


def problem_title(problem: Problem, lang: str) -> str:
    return Text(problem.title, problem.title_zh).get(lang)


def captured_output(results: dict, *, budget: int, lang: str) -> str:
    """The submission's captured output under its heading, cut to its share of the budget ("" if none)."""
    from grader import feedback as F

    extra = results["extra_data"]
    if not extra.get("output"):
        return ""
    more = F.TRUNCATED if extra.get("output_truncated") else EMPTY
    heading = F.CAPTURED_OUTPUT.format(more=more).get(lang)
    return heading + "\n" + clip(extra["output"], CAPTURED_SHARE * budget, lang)


# The per-problem facts that travel with a platform's results (never the figure or the output itself).
KEPT_EXTRA = ("problem", "submission_sha256", "seed", "seed_fingerprint", "inputs", "diagnosis", "error",
              "isolation", "suite", "lang", "output_truncated", "grader_version")


def kept_extra(results: dict) -> dict:
    extra = results["extra_data"]
    kept = {key: extra[key] for key in KEPT_EXTRA if key in extra}
    kept.update(score=results["score"], max_score=results["max_score"])
    return kept
