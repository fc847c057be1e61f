"""Service functions behind the CLI: keyword-only, testable without click.

User mistakes raise :class:`UserError`: one clear line in both languages (the
messages are in :mod:`grader.user_errors`), which the CLI prints in the user's
language with exit code 2. :func:`grade_class` is the one way a class is graded,
whatever executes the submissions (the local sandbox pool or a Dask cluster):
it plans the class once, streams submissions to the executor, writes each
one's report and ``results.json`` atomically as it finishes, and always writes
the class outputs, after an interruption too.
"""

from __future__ import annotations

import errno
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from grader import capacity, progress, registry
from grader import user_errors as UE
from grader.batch import (ClassPlan, ClassSummary, Entry, archive_kind, plan_class, recorded_extra,
                          remove_stale_temporaries)
from grader.classrun import ClassRun, Settings, bad_submission_sha
from grader.executors import LocalExecutor, WeakIsolationRefused
from grader.grading import (DEFAULT_SEED, NOT_RUN_ISOLATION, SEED_FINGERPRINT, SEED_RECORDS, Suite, grade,
                            not_graded, seed_record)
from grader.i18n import DEFAULT_LANG, Text, TextError, join
from grader.jsonio import dumps, readable
from grader.notebooks import SourceMap
from grader.outlock import OutputInUse, OutputLock, holder_of, lock_output
from grader.outpaths import CLASS_FILES, RESULTS, STATE_DIR, results_path, student_folder
from grader.pool import SandboxUnavailable
from grader.zygote_launch import BadSetting, weak_forced
from grader.registry import Problem, UnknownProblemError
from grader.reports.classroom import ClassOutputs, Current
from grader.runs import GradingStopped, SubmissionError
from grader.sandbox.messages import ErrorKind, Limits
from grader.seedkey import (NOT_A_KEY, PER_FILE, SHARED, KeyUnusable, class_key, class_key_path, existing_class_key,
                            file_seed, user_key)
from grader.submission import BadSubmission, read_submission


class UserError(TextError):
    """Something the user can fix; the message (``text``) says what and how, in both languages."""


class IsolationRefused(UserError):
    """No sandbox as strong as required here; ``why`` says what is missing, without the command-line
    advice of ``text`` (an autograder tells its students in its own words)."""

    def __init__(self, text: Text, why: Text):
        super().__init__(text)
        self.why = why


def find_problem(problem_id: str) -> Problem:
    try:
        return registry.get(problem_id)
    except UnknownProblemError as exc:
        raise UserError(exc.text) from None


def infer_problem(path: Path, problem_id: str | None) -> Problem:
    """The problem named by ``--problem``, or by the file name (``<id>.py``); :class:`UserError` for
    an archive (a class or a submission as an LMS exports it), which is never opened."""
    kind = archive_kind(path.name)
    if kind:
        raise UserError(UE.ARCHIVE_GIVEN.format(path=readable(str(path)), kind=kind))
    if problem_id:
        return find_problem(problem_id)
    stem = path.name.split(".")[0]
    if stem in registry.problem_ids():
        return registry.get(stem)
    if not os.path.lexists(path):  # named as missing, whatever its name
        raise UserError(UE.NO_SUCH_FILE.format(path=readable(str(path))))
    suffix = ".ipynb" if path.name.lower().endswith(".ipynb") else ".py"
    close = registry.close_matches(stem)
    names = join(UE.LIST_SEPARATOR, (name + suffix for name in close))
    hint = UE.DID_YOU_MEAN.format(names=names) if close else ""
    raise UserError(UE.CANNOT_TELL_PROBLEM.format(path=readable(str(path)), close=hint, suffix=suffix))


def start_problem(*, problem_id: str, directory: Path) -> Path:
    """Write ``directory/<id>.py`` from the stub; never overwrite."""
    problem = find_problem(problem_id)
    return write_starter(Path(directory), f"{problem.id}.py", problem.stub)


def write_starter(directory: Path, name: str, text: Callable[[], str]) -> Path:
    """Write ``directory/name`` with ``text()``, making ``directory`` if needed; never overwrite.
    :class:`UserError` for a file already there, or a folder that cannot be made or written in."""
    target = directory / name
    if target.exists() or target.is_symlink():
        raise UserError(UE.ALREADY_EXISTS.format(path=readable(str(target))))
    content = text()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with open(target, "x", encoding="utf-8") as fh:
            fh.write(content)
    except FileExistsError:
        if target.exists() or target.is_symlink():  # appeared since the check above
            raise UserError(UE.ALREADY_EXISTS.format(path=readable(str(target)))) from None
        raise UserError(UE.START_NOT_WRITABLE.format(directory=readable(str(directory)), path=name,
                                                     why=os.strerror(errno.ENOTDIR))) from None
    except OSError as exc:
        raise UserError(UE.START_NOT_WRITABLE.format(directory=readable(str(directory)), path=name,
                                                     why=os_reason(exc))) from None
    return target


def open_executor(*, workers: int | None = None, allow_weak: bool, scheduler: str | None = None,
                  quick_start: bool = False):
    """The local executor (``workers``: one per core by default), or a Dask one for ``scheduler``;
    its ``warning`` says when only weak isolation exists. ``quick_start``: it will grade one
    submission (see :func:`grader.zygote_launch.launch`)."""
    try:
        if scheduler is not None:
            return _dask_executor(scheduler, allow_weak=allow_weak)
        executor = LocalExecutor(
            workers=capacity.pool_workers(workers),
            allow_weak=allow_weak, force_weak=weak_forced(), quick_start=quick_start)
    except capacity.TooManyWorkers as exc:
        raise UserError(_too_many(f"--workers {exc.asked}" if scheduler is None else f"--scheduler {scheduler}",
                                  exc)) from None
    except WeakIsolationRefused as exc:
        raise IsolationRefused(UE.WEAK_ISOLATION_REFUSED.format(detail=exc.text), why=exc.text) from None
    except (SandboxUnavailable, BadSetting) as exc:
        raise _sandbox_unavailable(exc) from None
    return executor


def _dask_executor(scheduler: str, *, allow_weak: bool):
    try:
        from grader.dask_backend import WORKERS_SECONDS, NoWorkerCanGrade, NoWorkers, WorkersStuck, open_dask_executor
    except ImportError:
        raise UserError(UE.DASK_MISSING) from None
    try:
        return open_dask_executor(scheduler, allow_weak=allow_weak, force_weak=weak_forced())
    except ValueError:  # a malformed address
        raise UserError(UE.NOT_A_SCHEDULER.format(scheduler=scheduler)) from None
    except NoWorkers:
        raise UserError(UE.NO_DASK_WORKERS.format(scheduler=scheduler, seconds=WORKERS_SECONDS)) from None
    except WorkersStuck as exc:
        raise UserError(UE.WORKERS_STUCK.format(scheduler=scheduler, detail=exc.detail)) from None
    except NoWorkerCanGrade as exc:
        raise UserError(UE.NO_WORKER_CAN_GRADE.format(scheduler=scheduler, detail=exc.detail)) from None
    except OSError as exc:
        raise UserError(UE.SCHEDULER_UNREACHABLE.format(scheduler=scheduler, detail=str(exc))) from None


def _too_many(option: str, exc: capacity.TooManyWorkers) -> Text:
    return UE.TOO_MANY_WORKERS.format(option=option, most=exc.most, cores=capacity.cores(),
                                      memory_gb=round(capacity.memory_mb() / 1024))


def _sandbox_unavailable(exc: Exception) -> UserError:
    return UserError(UE.SANDBOX_UNAVAILABLE.format(detail=str(exc)))


@contextmanager
def _sandbox_lost_said():
    """A sandbox lost while it ran one submission, none to replace it: one message, as when none starts."""
    try:
        yield
    except GradingStopped as exc:
        raise _sandbox_unavailable(exc) from None


def check_file(*, path: Path, problem_id: str | None, timeout: float = Limits.timeout,
               lang: str = DEFAULT_LANG) -> dict:
    """Run the public tests on a learner's file (``.py`` or ``.ipynb``); record progress; return the results."""
    path = Path(path)
    problem = infer_problem(path, problem_id)
    try:
        submission = read_submission(path)
    except BadSubmission as exc:
        raise UserError(exc.message) from None
    return check_source(source=submission.source, problem_id=problem.id, filename=path.name,
                        source_sha256=submission.sha256, source_map=submission.source_map,
                        timeout=timeout, lang=lang)


def check_source(*, source: str, problem_id: str, filename: str, source_sha256: str | None = None,
                 source_map: SourceMap | None = None, timeout: float = Limits.timeout,
                 lang: str = DEFAULT_LANG) -> dict:
    """Run the public tests on source text (e.g. code taken from a live notebook); record progress.

    The same sandbox and the same results as :func:`check_file`.

    Args:
        source: the module to check.
        problem_id: the problem it solves (:class:`UserError` when unknown).
        filename: the name its tracebacks carry.
        source_sha256: recorded in the results (default: the hash of ``source``).
        source_map: where its lines came from, when it was assembled from notebook cells.
    """
    problem = find_problem(problem_id)
    executor = open_executor(workers=1, allow_weak=True, quick_start=True)
    try:
        with _sandbox_lost_said():
            results = grade(problem=problem, source=source, filename=filename, runner=executor.pool,
                            public=True, source_sha256=source_sha256, limits=Limits.for_timeout(timeout),
                            lang=lang, source_map=source_map)
    finally:
        executor.close(wait=False)  # one submission, finished: the zygote exits on its own
    results["extra_data"]["isolation_warning"] = executor.warning.get(lang) if executor.warning else None
    progress.record(problem.id, score=results["score"], max_score=results["max_score"])
    return results


def grade_file(*, path: Path, problem_id: str | None, seed: int = DEFAULT_SEED,
               limits: Limits = Limits(), allow_weak: bool = False,
               allow_forbidden: frozenset[str] = frozenset(), lang: str = DEFAULT_LANG,
               inputs: str = SHARED, on_platform: bool = False) -> dict:
    """Grade one submission on the hidden tests and return its results.

    Args:
        inputs: :data:`~grader.seedkey.PER_FILE` draws the hidden inputs from ``seed`` and the
            file's digest and name (:func:`~grader.seedkey.file_seed`); the results say so.
        on_platform: graded by a course platform's autograder (:mod:`grader.exports`), whose learners
            have no ``attn-judge`` command: a file that cannot be read is told what to do there
            (:attr:`~grader.submission.BadSubmission.on_platform`).
    """
    path = Path(path)
    problem = infer_problem(path, problem_id)
    try:
        seed_key = None if seed == DEFAULT_SEED else user_key()
    except KeyUnusable as exc:
        raise UserError(UE.USER_KEY_UNUSABLE.format(path=readable(str(exc.path)), why=exc.why)) from None
    executor = open_executor(workers=1, allow_weak=allow_weak, quick_start=True)
    try:
        try:
            submission = read_submission(path)
        except BadSubmission as exc:
            return not_graded(problem=problem, suite=Suite(problem, seed=seed), seed=seed,
                              error=SubmissionError(ErrorKind.BAD_SUBMISSION,
                                                    exc.on_platform if on_platform else exc.message),
                              source_sha256=bad_submission_sha(exc), isolation=NOT_RUN_ISOLATION, lang=lang,
                              seed_key=seed_key)
        inputs_seed = file_seed(seed, problem.id, submission.sha256, path.name) if inputs == PER_FILE else seed
        with _sandbox_lost_said():
            results = grade(problem=problem, source=submission.source, filename=path.name,
                            runner=executor.pool, seed=inputs_seed, limits=limits, figure=True,
                            source_sha256=submission.sha256, lang=lang, seed_key=seed_key,
                            enforce_forbidden=problem.id not in allow_forbidden,
                            source_map=submission.source_map)
    finally:
        executor.close(wait=False)  # one submission, finished: the zygote exits on its own
    if executor.warning:
        results["extra_data"]["isolation_warning"] = executor.warning.get(lang)
    if inputs == PER_FILE:  # recorded: the seed given, one for a whole bundle, and how inputs came from it
        for key in SEED_RECORDS:
            results["extra_data"].pop(key, None)
        results["extra_data"].update(seed_record(seed, seed_key), inputs=PER_FILE)
    return results


def grade_class(
    *,
    root: Path,
    out: Path,
    executor,
    seed: int = DEFAULT_SEED,
    limits: Limits = Limits(),
    resume: bool = False,
    only: tuple[Problem, ...] = (),
    allow_forbidden: frozenset[str] = frozenset(),
    lang: str = DEFAULT_LANG,
    reports: bool = True,
    on_plan: Callable[[ClassPlan], None] = lambda plan: None,
    on_progress: Callable[[Entry], None] = lambda entry: None,
    plan: ClassPlan | None = None,
) -> tuple[ClassPlan, ClassSummary]:
    """Grade every submission under ``root`` into ``out`` with ``executor``.

    Args:
        executor: :class:`grader.executors.LocalExecutor` or a
            :class:`grader.dask_backend.DaskExecutor` (anything with ``submit``,
            ``capacity`` and ``isolation``); each computes a problem's references
            when a submission of it first needs them.
        resume: skip submissions whose results in ``out`` record the same bytes and seed.
        reports: write each submission's ``report.html`` (and the class overview).
        on_plan, on_progress: called with the plan once, and with each finished entry.
        plan: what :func:`class_plan` found before the executor started (planned here otherwise).

    A notebook is converted in a helper process within a time budget
    (:func:`grader.notebooks.read_notebook`); its results record which cell
    each line came from.

    The class outputs count only results of each file as it is now and of this
    run's seed (:func:`current_of`): what an earlier run left of another version
    or seed is shown as not graded yet, with a note.

    Returns:
        The plan and a summary. After Ctrl-C the summary says ``interrupted``;
        everything finished is saved and the class outputs are written.
    """
    if plan is None:
        root, out, plan = class_plan(root, out, only=only)
    else:
        root, out = class_folders(root, out)
    with claim_output(out):
        remove_stale_temporaries(out)
        check_seeds(root, out, plan, seed, resume=resume, only=only)  # before Settings makes OUT's key
        on_plan(plan)
        settings = Settings(out=out, seed=seed, limits=limits, resume=resume, allow_forbidden=allow_forbidden,
                            lang=lang, reports=reports,
                            seed_key=_class_key(out) if seed != DEFAULT_SEED else None,
                            only=frozenset(p.id for p in only) or None)
        shown = _shown_in_outputs(root, out, plan, only)
        outputs = ClassOutputs(out, problems=problems_of(shown), roster=shown.roster, overview=reports, lang=lang,
                               ignored=shown.ignored, others=results_of_others(out, shown.roster, only=only),
                               current=current_of(shown, settings))
        run = ClassRun(plan, executor=executor, settings=settings, on_progress=on_progress,
                       while_comparing=outputs.prepare)
        try:
            try:
                summary = run.run()
            finally:
                cut_short = _write_outputs(outputs)
            summary.interrupted = summary.interrupted or cut_short
        except GradingStopped as exc:  # every sandbox gone, the cluster lost: the submissions in flight wait
            raise UserError(UE.GRADING_STOPPED.format(why=str(exc))) from None
        except OSError as exc:  # a file under OUT could not be written (the disk full, a folder gone)
            raise UserError(UE.OUT_WRITE_FAILED.format(path=readable(str(exc.filename or out)),
                                                       why=os_reason(exc))) from None
        return plan, summary


def _write_outputs(outputs: ClassOutputs) -> bool:
    """Write the class outputs, whole even when Ctrl-C comes meanwhile (any later one only says that
    what is finished is being saved): True when it came, which interrupts the run."""
    try:
        outputs.write()
    except KeyboardInterrupt:
        outputs.write()
        return True
    return False


def current_of(shown: ClassPlan, settings: Settings) -> Current:
    """What the class outputs count as current: results of the run's seed and of the bytes each
    file handed in (the planner's paths) holds when the outputs are written; the others (an
    earlier version's, another seed's, left by an interrupted or ``--problem`` run) are not."""
    return Current(seed=seed_record(settings.seed, settings.seed_key),
                   files={(e.student, e.problem.id): e.path for e in shown.entries})


def check_seeds(root: Path, out: Path, plan: ClassPlan, seed: int, *, resume: bool,
                only: tuple[Problem, ...], by_default: bool = False) -> None:
    """:class:`UserError` when the run would leave OUT's gradebooks mixing results of two seeds:
    resumed with another seed (:func:`check_resumed_seed`), or a ``--problem`` run keeping results
    of other problems graded with another seed (:func:`check_kept_seeds`); or when the seed of
    results in OUT cannot be checked, their key gone. Said before any sandbox starts, naming OUT as
    :func:`named` does."""
    if seed != DEFAULT_SEED and existing_class_key(out) is None:  # none yet, or something else in its place
        key = class_key_path(out)
        if key.exists() or key.is_symlink():
            raise UserError(UE.CLASS_KEY_UNUSABLE.format(path=readable(str(key)), why=NOT_A_KEY))
    if resume:
        check_resumed_seed(out, plan, seed)
    check_kept_seeds(root, out, plan, seed, only, by_default=by_default)


def check_resumed_seed(out: Path, plan: ClassPlan, seed: int) -> None:
    """:class:`UserError` when the first finished results found in ``out`` were graded with another
    seed: resuming with another one (a secret ``--seed`` forgotten) would grade everything again.

    Cheap (it reads one results file), so the command says it before any sandbox starts."""
    run = _run_seed(out, seed)
    for entry in plan.entries:
        recorded = _recorded_seed(out, entry)
        if recorded is not None:
            if _other_seed(out, recorded, run):
                raise UserError(UE.RESUME_OTHER_SEED.format(out=readable(str(out))))
            return


def check_kept_seeds(root: Path, out: Path, plan: ClassPlan, seed: int, only: tuple[Problem, ...], *,
                     by_default: bool = False) -> None:
    """:class:`UserError` naming the problems whose results a ``--problem`` run (``only``) keeps in
    OUT's gradebooks (:func:`_shown_in_outputs`) when any of them was graded with another seed."""
    if not only:
        return
    run, asked, other = _run_seed(out, seed), {p.id for p in only}, set()
    for entry in _shown_in_outputs(root, out, plan, only).entries:
        if entry.problem.id in asked | other:
            continue
        recorded = _recorded_seed(out, entry)
        if recorded is not None and _other_seed(out, recorded, run):
            other.add(entry.problem.id)
    if other:
        problems = join(UE.LIST_SEPARATOR, (p for p in registry.problem_ids() if p in other))
        raise UserError(UE.KEPT_OTHER_SEED.format(out=named(out, by_default=by_default), problems=problems))


def _recorded_seed(out: Path, entry: Entry) -> dict | None:
    """How OUT's results of ``entry`` record their seed (:data:`SEED_RECORDS`); None when no
    results there record one."""
    extra = recorded_extra(out, entry)
    recorded = {key: extra[key] for key in SEED_RECORDS if key in extra} if extra is not None else {}
    return recorded or None


def _class_key(out: Path) -> bytes:
    """:func:`class_key`; :class:`UserError` when OUT holds something else where the key goes."""
    try:
        return class_key(out)
    except KeyUnusable as exc:
        raise UserError(UE.CLASS_KEY_UNUSABLE.format(path=readable(str(exc.path)), why=exc.why)) from None


def _run_seed(out: Path, seed: int) -> dict | None:
    """How this run's results in ``out`` record ``seed`` (:func:`seed_record`); None for a secret
    seed when ``out`` has no key (yet, or any more: never made here)."""
    if seed == DEFAULT_SEED:
        return seed_record(seed, None)
    key = existing_class_key(out)
    return None if key is None else seed_record(seed, key)


def _other_seed(out: Path, recorded: dict, run: dict | None) -> bool:
    """Whether results recording their seed as ``recorded`` were graded with another seed than the
    run's (``run``, from :func:`_run_seed`). :class:`UserError` when that cannot be told: they
    record a fingerprint, the run a secret seed, and OUT's key of fingerprints is gone."""
    if run is None:
        if SEED_FINGERPRINT in recorded:
            raise UserError(UE.SEED_KEY_MISSING.format(out=readable(str(out)),
                                                       key=readable(str(class_key_path(out)))))
        return True  # the default seed, recorded as it is
    return any(recorded.get(key) != value for key, value in run.items())


def named(out: Path, *, by_default: bool = False) -> Text:
    """How the messages name the output folder ``out``: ``--out OUT``, or (``by_default``: the
    command was given no ``--out``) as :data:`grader.outpaths.DEFAULT_CLASS_OUT`, used instead."""
    return UE.out_named(readable(str(out)), by_default=by_default)


def _in_use(out: Path, holder: str, by_default: bool) -> UserError:
    return UserError(UE.OUT_IN_USE.format(out=named(out, by_default=by_default), pid=holder))


def refuse_output_in_use(out: Path, *, by_default: bool = False) -> None:
    """:class:`UserError` when another run writes into ``out`` now (:func:`grader.outlock.holder_of`):
    said before any sandbox starts. Nothing is taken: :func:`claim_output` does that."""
    holder = holder_of(out)
    if holder is not None:
        raise _in_use(out, holder, by_default)


def claim_output(out: Path, *, by_default: bool = False) -> OutputLock:
    """The lock of ``out`` (:mod:`grader.outlock`), so that no other run writes there meanwhile;
    :class:`UserError` when another run holds it."""
    try:
        return lock_output(out)
    except OutputInUse as exc:
        raise _in_use(out, exc.pid, by_default) from None
    except OSError as exc:  # its state folder cannot be made (a file in the way, no room left)
        raise UserError(UE.OUT_NOT_WRITABLE.format(out=named(out, by_default=by_default),
                                                   why=os_reason(exc))) from None


def _shown_in_outputs(root: Path, out: Path, plan: ClassPlan, only: tuple[Problem, ...]) -> ClassPlan:
    """What the class outputs show: ``plan``, and after a ``--problem`` run also the class's other
    problems that OUT holds results of (graded by an earlier run, they stay in the gradebooks); a
    problem nobody's results are in yet is left out, not shown as missing for every student."""
    if not only:
        return plan
    whole = plan_class(root)
    kept = {p.id for p in only} | {e.problem.id for e in whole.entries
                                   if results_path(out, e.student, e.problem.id).is_file()}
    roster = {name: {**info, "graded": [p for p in info["graded"] if p in kept]} for name, info in whole.roster.items()}
    return ClassPlan([e for e in whole.entries if e.problem.id in kept], roster, whole.ignored)


def results_of_others(out: Path, roster: dict[str, dict], *, only: tuple[Problem, ...] = ()) -> list[str]:
    """The results in ``out`` that the class no longer hands in: the folders of students not in
    ``roster`` (shown names), and ``student/problem`` for a student in it whose file for that
    problem is gone (of the problems in ``only``, when given: a ``--problem`` run keeps the others).
    Left by an earlier run, of another class or before a student left this one or took a file back.
    They are kept, and are in no gradebook; the instructor is told, since they look like this
    class's."""
    handed_in = {student_folder(name): set(info["graded"]) for name, info in roster.items()}
    asked = {problem.id for problem in only}
    try:
        names = sorted(os.listdir(out))
    except OSError:  # no OUT yet
        return []
    others = []
    for name in names:
        folder = Path(out) / name
        if name in CLASS_FILES or name.startswith(".") or folder.is_symlink() or not folder.is_dir():
            continue
        if name not in handed_in:
            if next(folder.glob(f"*/{RESULTS}"), None) is not None:
                others.append(readable(name))
            continue
        gone = {path.parent.name for path in folder.glob(f"*/{RESULTS}")} - handed_in[name]
        others += [f"{readable(name)}/{problem}" for problem in sorted(gone) if not asked or problem in asked]
    return others


def class_plan(root: Path, out: Path, *, only: tuple[Problem, ...] = (),
               by_default: bool = False) -> tuple[Path, Path, ClassPlan]:
    """:func:`class_folders` and the class's plan; :class:`UserError` when ``root`` holds no student
    folder (most likely the wrong folder, or one of loose files). Cheap: it lists folders only."""
    root, out = class_folders(root, out, by_default=by_default)
    plan = plan_class(root, only=only)
    if not plan.roster:
        passed = UE.PASSED_OVER.format(names=UE.listed(plan.ignored)) if plan.ignored else ""
        raise UserError(UE.NO_STUDENT_FOLDERS.format(root=readable(str(root)), passed=passed))
    handed_in = {e.problem.id for e in plan.entries}
    for problem in only:
        if problem.id not in handed_in:
            raise UserError(UE.PROBLEM_NOT_HANDED_IN.format(problem=problem.id, root=readable(str(root))))
    return root, out, plan


def class_folders(root: Path, out: Path, *, by_default: bool = False) -> tuple[Path, Path]:
    """The class folder and the output folder, absolute, once OUT is known to be a place outside
    the class where results can be written (:func:`check_writable_folder`); :class:`UserError` if not,
    naming OUT as the default when ``by_default`` (:func:`named`).

    Absolute, because helper processes (reports, notebooks) run from another directory."""
    root, out = Path(root).resolve(), Path(out).resolve()
    said = named(out, by_default=by_default)
    if out == root or root in out.parents:
        raise UserError(UE.OUT_INSIDE_CLASS.format(out=said, root=readable(str(root))))
    if out in root.parents:
        raise UserError(UE.OUT_CONTAINS_CLASS.format(out=said, root=readable(str(root)),
                                                     suggested=readable(str(root.with_name(root.name + "-results")))))
    check_writable_folder(out, by_default=by_default)
    if not _class_output_or_new(out):
        raise UserError(UE.OUT_HOLDS_OTHER_FILES.format(out=said))
    return root, out


def _class_output_or_new(out: Path) -> bool:
    """Whether ``out`` is missing, empty, or holds what a class run writes (its state folder or a
    submission's results): a class run rewrites index.html, the gradebooks and static/ there."""
    try:
        if not out.is_dir() or (out / STATE_DIR).is_dir() or next(out.iterdir(), None) is None:
            return True
        return next(out.glob(f"*/*/{RESULTS}"), None) is not None
    except OSError:  # a folder that cannot be listed: check_writable_folder has had its say
        return True


def check_report_folder(out: Path, file: Path) -> None:
    """:class:`UserError` unless one submission's report can go to ``out`` (``grade FILE --out``):
    a folder this process may write in (:func:`check_writable_folder`) that does not hold the
    folder of ``file`` (a class directory: the report's folder, ``out/<problem_id>``, would be taken
    for a student's) and is not a class run's output folder or inside one (taken for a student's
    results). The folder holding ``file``, or one inside it, is allowed: a learner's
    ``grade x.py --out report`` (in a class, the report's folder is noted as a folder, not graded)."""
    check_writable_folder(out)
    out, file = Path(out).resolve(), Path(file).absolute()
    folder = file.parent.resolve()
    if out in folder.parents:
        raise UserError(UE.OUT_HOLDS_SUBMISSION.format(out=readable(str(out)), file=readable(str(file))))
    output = _class_output_around(out)
    if output is not None:
        raise UserError(UE.OUT_IN_CLASS_OUTPUT.format(out=readable(str(out)), output=readable(str(output))))


def _class_output_around(folder: Path) -> Path | None:
    """The class run's output folder (it holds the run's state folder) that ``folder`` is, or is
    inside; None when there is none."""
    for output in (folder, *folder.parents):
        try:
            if (output / STATE_DIR).is_dir():
                return output
        except OSError:  # a folder this process may not look into: no class run wrote there
            continue
    return None


def os_reason(exc: OSError) -> str:
    """What went wrong, as the system says it ("Permission denied"), for a message to a person."""
    return exc.strerror or str(exc)


def check_writable_folder(out: Path, *, by_default: bool = False) -> None:
    """:class:`UserError` unless ``out`` is a folder this process may write in, or can be made
    one (its nearest existing parent is such a folder). Creates nothing."""
    try:
        existing = Path(out).absolute()
        while not existing.exists() and existing.parent != existing:
            existing = existing.parent
        if not existing.is_dir():
            why = os.strerror(errno.ENOTDIR)
        elif not os.access(existing, os.W_OK | os.X_OK):
            why = os.strerror(errno.EACCES)
        else:
            return
    except OSError as exc:  # a parent this process may not look into
        why = os_reason(exc)
    raise UserError(UE.OUT_NOT_WRITABLE.format(out=named(out, by_default=by_default), why=why))


def problems_of(plan: ClassPlan) -> list[Problem]:
    """The gradebook's columns: every problem someone handed in, in catalogue order."""
    handed_in = {e.problem.id for e in plan.entries}
    return [p for p in registry.all_problems() if p.id in handed_in]


def list_problems() -> list[dict]:
    return [
        {"id": p.id, "title": p.title, "title_zh": p.title_zh, "difficulty": p.difficulty,
         "tags": list(p.tags), "sources": list(p.sources)}
        for p in registry.all_problems()
    ]


def results_json(results: dict) -> str:
    return dumps(results)
