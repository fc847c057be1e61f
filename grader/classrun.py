"""One class run: submissions streamed to an executor, results written as they arrive.

:func:`grader.services.grade_class` is the entry point; this module holds its
machinery. The main thread reads submissions (bounded: a notebook is converted
in a helper process within a time budget) and keeps the executor busy with a
bounded number of requests in flight; each graded submission goes to a writer
thread, which renders its report (in a bounded helper process) and then writes
its ``results.json`` atomically — the completion marker, always last — so that
writing never holds up grading. An interruption cancels what is not started,
lets every write in progress finish, and still writes the class outputs (once grading is done, it
abandons the similarity comparison, whose report an interrupted run never writes); so does
an executor that can grade no more (:class:`grader.runs.GradingStopped`), whose
submissions in flight are left for ``--resume``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from grader import installation, interrupts
from grader.batch import ClassPlan, ClassSummary, Entry, already_graded, graded_by_another_installation
from grader.bounded import BoundedPool, PoolClosed
from grader.executors import GradeRequest
from grader.fsutil import write_atomic
from grader.grading import Suite, add_source_map, grading_options, not_graded, seed_record
from grader.i18n import t
from grader.jsonio import dumps, readable
from grader.outpaths import report_path, results_path
from grader.reports.submission import write_report
from grader.runs import GradingStopped, SubmissionError
from grader.sandbox.messages import ErrorKind, Limits
from grader.similarity import compared_chars, remove_similarity, write_similarity
from grader.submission import BadSubmission, read_submission

log = logging.getLogger(__name__)

CLASS_STATIC_HREF = "../../static/"  # from OUT/<student>/<problem>/report.html
HELPERS = max(1, min(2, os.cpu_count() or 1))  # report pages, notebooks and similarity, side by side
GRADER_FAILED = t("the grader could not judge this submission ({why}); the rest of the class was graded",
                  "评测器无法评判这份提交（{why}）；班上其他提交照常评测")


def bad_submission_sha(exc: BadSubmission) -> str:
    """What identifies an unreadable submission in its results (and for --resume)."""
    return hashlib.sha256(f"bad:{exc.message.en}".encode()).hexdigest()


@dataclass(frozen=True)
class Settings:
    """What every submission of the run is graded with."""

    out: Path
    seed: int
    limits: Limits
    resume: bool
    allow_forbidden: frozenset[str]
    lang: str
    reports: bool
    seed_key: bytes | None
    only: frozenset[str] | None = None  # the problems graded (--problem); None: every problem handed in


@dataclass(frozen=True)
class Submitted:
    entry: Entry
    source: str
    sha256: str
    source_map: object | None


class ClassRun:
    """Grades ``plan`` with ``executor`` into ``settings.out``; see the module docstring."""

    def __init__(self, plan: ClassPlan, *, executor, settings: Settings,
                 on_progress: Callable[[Entry], None], while_comparing: Callable[[], None] = lambda: None):
        """``while_comparing``: work that needs every result saved but not the similarity
        report (the gradebooks), done here while the helpers compare the class."""
        self.plan, self.executor, self.settings, self.on_progress = plan, executor, settings, on_progress
        self.while_comparing = while_comparing
        self.summary = ClassSummary(isolation=executor.isolation, students=len(plan.roster))
        self.sources: dict[str, dict[str, str]] = {}  # problem -> student -> source (similarity)
        self.token_texts: dict[str, dict[str, str]] = {}  # the same, tokenised by the report helpers
        handed_in = Counter(entry.problem.id for entry in plan.entries)
        self.compared_chars = {problem: compared_chars(count) for problem, count in handed_in.items()}
        self.seed_record = seed_record(settings.seed, settings.seed_key)  # as the results record it
        # what graded: results of another installation (the grader upgraded or changed mid-class) are
        # graded again by --resume, so that one class never mixes two graders' verdicts and feedback
        self.installation = installation.digest()
        self.helpers = BoundedPool(HELPERS)
        self.writers = ThreadPoolExecutor(max_workers=HELPERS, thread_name_prefix="write")
        self.grading: dict[Future, Submitted] = {}
        self.writing: dict[Future, Entry] = {}
        self._entries = iter(plan.entries)
        self._lock = threading.Lock()

    def run(self) -> ClassSummary:
        start = time.perf_counter()
        if self.settings.reports:  # the helpers start while the first suites are computed
            self.helpers.start(ready=("similarity",))
        try:
            self._loop()
            # each submission once, however many times it was sent again
            self.summary.retried = list(dict.fromkeys(getattr(self.executor, "retried", [])))
            self.summary.retired = list(getattr(self.executor, "retired_during_run", []))
        except (KeyboardInterrupt, GradingStopped) as exc:
            self.summary.interrupted = True
            for future in self.grading:
                future.cancel()
            if isinstance(exc, GradingStopped):  # after what is finished is saved (below)
                raise
        finally:
            try:
                self.writers.shutdown(wait=True)  # whatever was graded is saved
                self._compare_and_prepare()
            finally:
                self.helpers.close()  # no helper outlives the run
            self.summary.seconds = time.perf_counter() - start
        return self.summary

    def _loop(self) -> None:
        while True:
            interrupts.raise_if_requested()  # a Ctrl-C whose KeyboardInterrupt was lost
            while len(self.grading) < self.executor.capacity and self._submit_next():
                pass
            if not self.grading and not self.writing:
                return
            done, _ = wait([*self.grading, *self.writing], timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                if future in self.grading:
                    self._graded(self.grading.pop(future), future)
                else:
                    entry = self.writing.pop(future)
                    future.result()  # a results file that cannot be written stops the run
                    self.on_progress(entry)

    def _submit_next(self) -> bool:
        settings = self.settings
        for entry in self._entries:
            try:
                submission = read_submission(entry.path, helpers=self.helpers)
            except BadSubmission as exc:
                sha = bad_submission_sha(exc)
                if self._skip(entry, sha, source=None):
                    continue
                results = not_graded(problem=entry.problem, suite=Suite(entry.problem, seed=settings.seed),
                                     seed=settings.seed,
                                     error=SubmissionError(ErrorKind.BAD_SUBMISSION, exc.message),
                                     source_sha256=sha, isolation=self.executor.isolation,
                                     lang=settings.lang, seed_key=settings.seed_key)
                self._write(Submitted(entry, "", sha, None), results)
                continue
            if self._skip(entry, submission.sha256, source=submission.source):
                continue
            request = GradeRequest(
                key=f"{entry.student}/{entry.problem.id}", problem_id=entry.problem.id,
                source=submission.source, filename=entry.path.name, sha256=submission.sha256,
                seed=settings.seed, limits=settings.limits,
                enforce_forbidden=entry.problem.id not in settings.allow_forbidden, lang=settings.lang,
                seed_key=settings.seed_key, source_map=submission.source_map)
            submitted = Submitted(entry, submission.source, submission.sha256, submission.source_map)
            self.grading[self.executor.submit(request)] = submitted
            return True
        return False

    def _skip(self, entry: Entry, sha: str, *, source: str | None) -> bool:
        """With --resume: True (and counted) when OUT already holds these bytes' results, graded with
        the same seed, options and language, and their report when reports are written (one deleted
        since is made again, by grading again)."""
        settings = self.settings
        recorded = dict(self.seed_record, lang=settings.lang, installation=self.installation,
                        options=grading_options(settings.limits, entry.problem.id not in settings.allow_forbidden))
        if not (settings.resume and already_graded(settings.out, entry, sha, recorded)):
            if settings.resume and graded_by_another_installation(settings.out, entry, sha, recorded):
                self.summary.other_installation += 1
            return False
        if settings.reports and not report_path(settings.out, entry.student, entry.problem.id).is_file():
            return False
        if source:
            self._remember(entry, source)
        self.summary.skipped += 1
        self.on_progress(entry)
        return True

    def _graded(self, submitted: Submitted, future: Future) -> None:
        try:
            results = future.result()
        except GradingStopped:  # not this submission's failure: nothing of it is written
            raise
        except Exception as exc:  # a failure of the trusted side costs this submission only
            results = self._grader_failed(submitted, exc)
        self._write(submitted, results)

    def _grader_failed(self, submitted: Submitted, exc: Exception) -> dict:
        entry, settings = submitted.entry, self.settings
        error = SubmissionError(ErrorKind.GRADER_ERROR,
                                GRADER_FAILED.format(why=readable(f"{type(exc).__name__}: {exc}"[:300])))
        return not_graded(problem=entry.problem, suite=Suite(entry.problem, seed=settings.seed),
                          seed=settings.seed, error=error, source_sha256=submitted.sha256,
                          isolation=self.executor.isolation, lang=settings.lang, seed_key=settings.seed_key)

    def _write(self, submitted: Submitted, results: dict) -> None:
        self.writing[self.writers.submit(self._save, submitted, results)] = submitted.entry

    def _save(self, submitted: Submitted, results: dict) -> None:
        """:meth:`_save_results`; one whose results cannot be written (the trusted side failing on
        what the submission produced) is saved as the grader's error, the others unharmed. A folder
        that cannot be written (OSError) stops the run."""
        try:
            self._save_results(submitted, results)
        except OSError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failure of the trusted side costs this submission only
            self._save_results(submitted, self._grader_failed(submitted, exc))

    def _save_results(self, submitted: Submitted, results: dict) -> None:
        """Report first, then results.json (the completion marker); in a writer thread."""
        entry, settings = submitted.entry, self.settings
        if submitted.source_map is not None:  # a notebook: its cells label the lines
            add_source_map(results, submitted.source_map, lang=settings.lang)
        results["extra_data"]["installation"] = self.installation
        target = results_path(settings.out, entry.student, entry.problem.id)
        target.parent.mkdir(parents=True, exist_ok=True)
        token_text = None
        if settings.reports:
            written = write_report(report_path(settings.out, entry.student, entry.problem.id), results=results,
                                   source=submitted.source, problem=entry.problem, static_href=CLASS_STATIC_HREF,
                                   helpers=self.helpers, token_text=self._compared_whole(submitted),
                                   student=readable(entry.student))
            token_text = written.token_text
        if submitted.source:
            self._remember(entry, submitted.source, token_text)
        write_atomic(target, dumps(results))
        kind = (results["extra_data"].get("error") or {}).get("kind")
        with self._lock:
            self.summary.graded += 1
            if kind:
                self.summary.errors[kind] = self.summary.errors.get(kind, 0) + 1

    def _compared_whole(self, submitted: Submitted) -> bool:
        """Whether the similarity report will compare this whole source, so that its token text,
        made by the report's helper, serves there; what is kept then stays within the report's
        own cap of characters per problem."""
        return 0 < len(submitted.source) <= self.compared_chars[submitted.entry.problem.id]

    def _remember(self, entry: Entry, source: str, token_text: str | None = None) -> None:
        with self._lock:
            self.sources.setdefault(entry.problem.id, {})[entry.student] = source
            tokenised = self.token_texts.setdefault(entry.problem.id, {})
            if token_text is None:
                tokenised.pop(entry.student, None)  # never one made of other bytes
            else:
                tokenised[entry.student] = token_text

    def _compare_and_prepare(self) -> None:
        """The similarity report (in the helpers, from a thread) and ``while_comparing`` here meanwhile.
        Ctrl-C meanwhile interrupts the run: :meth:`_abandon_similarity`."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="similarity") as side:
            comparing = side.submit(self._report_similarity)
            try:
                try:
                    self.while_comparing()
                except Exception as exc:  # noqa: BLE001 - its caller does the work again and meets the error
                    log.debug("preparing the class outputs failed: %s", exc)
                comparing.result()
            except KeyboardInterrupt:
                self.summary.interrupted = True
                self._abandon_similarity(comparing)

    def _abandon_similarity(self, comparing: Future) -> None:
        """Stop the comparison at once (its helpers killed, so that it ends without writing its report)
        and remove what it wrote: an interrupted run writes no similarity report."""
        self.helpers.close()
        comparing.result()
        remove_similarity(out=self.settings.out, only=self.settings.only)

    def _report_similarity(self) -> None:
        """The similarity report; it reads candidate sources, so it may fail without costing the class."""
        out, only = self.settings.out, self.settings.only
        if not self.settings.reports or self.summary.interrupted:
            remove_similarity(out=out, only=only)  # no report of this run: none of an earlier one either
            return
        try:
            write_similarity(out=out, submissions=self.sources, helpers=self.helpers, lang=self.settings.lang,
                             token_texts=self.token_texts, only=only)
        except PoolClosed:  # abandoned (Ctrl-C): the run removes what was written
            pass
        except Exception as exc:  # noqa: BLE001 - reported, never fatal
            log.warning("the similarity report could not be written: %s", exc)
