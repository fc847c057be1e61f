"""The sandboxed child's view of the file system: an allow-list, built once per zygote.

The child sees exactly:

- the interpreter and its standard library (``lib-dynload`` included);
- the distributions it needs — torch, numpy and everything their package
  metadata requires — entry by entry, never the rest of any site-packages;
- the sandbox's own modules (``grader/__init__.py`` and ``grader/sandbox/``),
  never the rest of the grader package, its problem data or solutions;
- the directories of the shared libraries the zygote has loaded (and
  ``/etc/ld.so.cache``), so a library loaded lazily still resolves;
- ``/dev/null``, ``zero``, ``random``, ``urandom``; an empty ``/proc`` and
  ``/work`` that each child mounts for itself; ``/tmp`` pointing at ``/work``.
  Where the grader or its distributions are installed under ``/work`` (a
  container's working folder), the child's folder is another
  (:data:`WORK_DIRS`): mounted over them, it would hide every module the zygote
  had not imported yet (printing a tensor imports one).

Nothing of a site-packages or dist-packages directory, a user site, ``/usr/local``,
``/opt``, a home, the current directory or a class or output directory is
visible unless it is one of those entries. Where an allowed directory contains a
site directory (a Python installed with packages inside its standard library's
folder), that site directory is masked by an empty one and only the allowed
entries are mounted back inside it, however the grader was installed.

:func:`plan` computes the list (pure, testable); :func:`build_root` mounts it,
read-only, in the zygote's private mount namespace.
"""

from __future__ import annotations

import glob
import importlib.metadata
import os
import re
import sys
from dataclasses import dataclass

from grader.sandbox.syscalls import MS_BIND, MS_NODEV, MS_NOSUID, MS_RDONLY, MS_REC, MS_REMOUNT, mount

NEEDED_DISTRIBUTIONS = ("torch", "numpy")
DEVICES = ("null", "zero", "random", "urandom")
SITE_DIR_NAMES = ("site-packages", "dist-packages")
WORK_DIRS = ("/work", "/sandbox-work")  # the child's own folder: the first that no allowed path is under
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class MountPlan:
    """What the child's root holds.

    Attributes:
        binds: existing paths (directories or files) mounted read-only at the same place.
        masks: directories inside a bound one that are replaced by an empty
            read-only directory (allowed entries are bound back inside).
    """

    binds: tuple[str, ...]
    masks: tuple[str, ...]
    work: str = WORK_DIRS[0]  # where each child mounts its own empty folder


def _is_under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def _requirement_name(requirement: str) -> str | None:
    """The distribution a requirement names, or None for an optional (extra) one."""
    if "extra ==" in requirement.replace(" ", " ") or "extra==" in requirement.replace(" ", ""):
        return None
    match = _NAME.match(requirement.strip())
    return match.group(0) if match else None


def distribution_closure(names=NEEDED_DISTRIBUTIONS) -> list[importlib.metadata.Distribution]:
    """The installed distributions ``names`` need, with everything their metadata requires."""
    seen: dict[str, importlib.metadata.Distribution] = {}
    pending = list(names)
    while pending:
        name = pending.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = importlib.metadata.distribution(name)
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional or platform-specific requirement that is not installed
        seen[key] = dist
        pending.extend(n for n in (_requirement_name(r) for r in dist.requires or ()) if n)
    return list(seen.values())


def distribution_entries(dist: importlib.metadata.Distribution) -> set[str]:
    """The top-level files and folders a distribution installed in its site directory."""
    site = os.path.realpath(str(dist.locate_file("")))
    entries: set[str] = set()
    for file in dist.files or ():
        parts = file.parts
        if not parts or parts[0] in ("..", "/") or parts[0].endswith(".pth"):
            continue
        entries.add(os.path.join(site, parts[0]))
    if not entries:  # no RECORD (a system package): its import names and metadata folder
        top_level = dist.read_text("top_level.txt") or ""
        entries.update(os.path.join(site, name) for name in top_level.split() if name)
        meta = getattr(dist, "_path", None)
        if meta is not None:
            entries.add(os.path.realpath(str(meta)))
        for name in list(entries):
            if os.path.exists(name + ".py"):
                entries.add(name + ".py")
    return {e for e in entries if os.path.lexists(e)}


def _standard_library() -> set[str]:
    paths = {os.path.dirname(os.__file__)}
    for entry in sys.path:
        if entry.endswith("lib-dynload") or entry.endswith(".zip"):
            if os.path.exists(entry):
                paths.add(entry)
    paths.add(os.path.realpath(sys.executable))
    return {os.path.realpath(p) for p in paths}


def _loaded_library_dirs() -> set[str]:
    dirs = set()
    try:
        with open("/proc/self/maps") as fh:
            for line in fh:
                parts = line.split(maxsplit=5)
                if len(parts) == 6 and parts[5].startswith("/") and ".so" in parts[5]:
                    dirs.add(os.path.dirname(os.path.realpath(parts[5].strip())))
    except OSError:
        pass
    if os.path.exists("/etc/ld.so.cache"):
        dirs.add("/etc/ld.so.cache")
    return dirs


def site_directories() -> set[str]:
    """Every site-packages/dist-packages folder this interpreter (or its base) could use."""
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, "/usr", "/usr/local"}
    found = set()
    for prefix in prefixes:
        for pattern in ("lib*/python3*/*-packages", "lib*/python3/*-packages",
                        "local/lib*/python3*/*-packages"):
            found.update(glob.glob(os.path.join(prefix, pattern)))
    for entry in sys.path:
        if os.path.basename(entry.rstrip("/")) in SITE_DIR_NAMES:
            found.add(entry)
    try:
        import site

        found.update(site.getsitepackages())
        found.add(site.getusersitepackages())
    except (AttributeError, ImportError):  # a virtualenv's old site module
        pass
    return {os.path.realpath(p) for p in found if p}


def plan(*, package_root: str, distributions=NEEDED_DISTRIBUTIONS) -> MountPlan:
    """The allow-list for this interpreter and installation (see the module docstring)."""
    package_root = os.path.realpath(package_root)
    grader_dir = os.path.join(package_root, "grader")
    sandbox_modules = {os.path.join(grader_dir, "__init__.py"), os.path.join(grader_dir, "sandbox")}
    dist_entries = set()
    for dist in distribution_closure(distributions):
        dist_entries |= {os.path.realpath(e) for e in distribution_entries(dist)}
    # Never a distribution entry that is (or contains) the grader itself: a second copy.
    dist_entries = {e for e in dist_entries
                    if not (_is_under(e, grader_dir) or _is_under(grader_dir, e))}
    sites = site_directories()
    system = {d for d in _standard_library() | _loaded_library_dirs()
              if not any(_is_under(d, s) for s in sites) and not _is_under(d, package_root)}
    binds = system | dist_entries | sandbox_modules
    masks = {s for s in sites | {grader_dir} if any(_is_under(s, b) and s != b for b in binds)}
    # A bind inside another bind is redundant unless a mask lies between them.
    kept = set()
    for path in binds:
        ancestors = [b for b in binds if b != path and _is_under(path, b)]
        if any(not any(_is_under(path, m) and _is_under(m, a) for m in masks) for a in ancestors):
            continue
        kept.add(path)
    return MountPlan(binds=tuple(sorted(kept)), masks=tuple(sorted(masks)), work=work_dir(kept | masks))


def work_dir(taken: set[str]) -> str:
    """The first of :data:`WORK_DIRS` that neither holds nor lies inside a path of ``taken``."""
    for work in WORK_DIRS:
        if not any(_is_under(path, work) or _is_under(work, path) for path in taken):
            return work
    raise ValueError(f"every folder a child could work in ({', '.join(WORK_DIRS)}) holds an allowed path")


def _depth(path: str) -> int:
    return path.rstrip("/").count("/")


def _make_mount_point(target: str, source: str) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    elif not os.path.exists(target):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        open(target, "w").close()


def build_root(root: str, mount_plan: MountPlan) -> None:
    """Mount the plan under ``root`` (a tmpfs of the caller's private mount namespace), read-only.

    Creates ``/dev`` entries, the children's folder (``mount_plan.work``), ``/proc`` and
    ``/tmp`` pointing at that folder; the root itself and every mask end read-only. Raises
    OSError on any failure.
    """
    read_only = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=4m,mode=755")
    steps = [(p, "bind") for p in mount_plan.binds] + [(p, "mask") for p in mount_plan.masks]
    steps.sort(key=lambda step: (_depth(step[0]), step[1] == "bind"))
    for path, kind in steps:
        target = root + path
        if kind == "mask":
            os.makedirs(target, exist_ok=True)
            mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
            continue
        _make_mount_point(target, path)
        mount(path, target, None, MS_BIND | MS_REC)
        mount(None, target, None, read_only)
    os.makedirs(root + "/dev", exist_ok=True)
    for device in DEVICES:
        target = f"{root}/dev/{device}"
        open(target, "w").close()
        mount(f"/dev/{device}", target, None, MS_BIND)
    for folder in (mount_plan.work, "/proc"):
        os.makedirs(root + folder, exist_ok=True)
    if not os.path.lexists(root + "/tmp"):
        os.symlink(mount_plan.work, root + "/tmp")
    for mask in mount_plan.masks:
        mount(None, root + mask, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    mount(None, root, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
