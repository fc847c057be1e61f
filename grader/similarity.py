"""Which students' submissions of a problem are more alike than the class explains.

At the end of a class run :func:`write_similarity` compares, problem by
problem, every pair of submissions, and writes ``OUT/similarity.json`` and, for
each flagged pair, ``OUT/similarity/<problem>/<n>.html`` with the two sources
side by side and the matched regions marked. It points a person at pairs worth
reading; it never decides that anyone copied.

How a pair is scored
    With copydetect (winnowing, as in MOSS) over the token text of
    :mod:`grader.similarity_tokens`: names of variables, functions, classes
    and attributes and each string become one letter each, comments and
    whitespace disappear, so renaming, re-commenting and re-spacing change
    nothing. Every run of
    ``NOISE_THRESHOLD`` characters of that token text is a fingerprint
    (copydetect's defaults; a window of 1, so that scores do not depend on
    Python's per-process string hashing), and reordering functions only loses
    the runs that straddle a boundary. Two kinds of fingerprints are discounted
    before comparing: the stub's (everyone starts from it) and those found in
    at least ``COMMON_SHARE`` of the class and ``MIN_COMMON_STUDENTS`` students:
    attention solutions are short, and the idioms of a problem
    (``softmax(scores, dim=-1)``, the split into heads…) are written alike by
    everyone. Submissions with the same token text count once there, so that
    a group of copies is flagged rather than discounted as an idiom. A student's *share* is copydetect's similarity: the part of their
    remaining code found in the other's. The pair's score is the mean of the
    two shares, so a short submission inside a long one is not enough.

How the threshold is chosen (per problem, from the class's own scores)
    ``threshold = max(SCORE_FLOOR, min(SCORE_CEILING, median + SPREAD * sd))``
    over the scores of every pair of the problem (pairs sharing nothing score
    0), where ``sd`` is the robust standard deviation, 1.4826 × the median
    absolute deviation; with fewer than ``MIN_STUDENTS_FOR_SPREAD`` students
    the spread of so few pairs says little and the floor alone applies. A pair
    is flagged when its score reaches the threshold and each side has at least
    ``MIN_MATCHED`` characters of token text in common with the other. So a
    flagged pair stands far above the rest of its class and above an absolute
    floor, and in a class where everyone is alike, a pair sharing
    ``SCORE_CEILING`` of its code is still flagged. Calibration
    (``tests/test_similarity.py``, on the project's golden submissions and
    references): independently written solutions of the same problem score at
    most about 0.62, disguised copies (renamed, reordered, re-commented,
    re-spaced) 0.92 or more.

What it cannot see
    Logic rewritten in other words (other loops, other library calls), code
    shorter than ``MIN_MATCHED`` beyond the stub, and an outside source:
    students who copied the same tutorial are flagged as a pair (copying each
    other and copying the same page look alike), and a source most of the class
    used, each student changing it, is discounted like an idiom. Code written with an AI assistant is seen
    only when two students got the same code. Only the first
    ``MAX_COMPARED_CHARS`` characters of a submission are compared (fewer in a
    very large class: ``MAX_PROBLEM_CHARS`` per problem).

Bounds
    Reading candidate sources can be heavy and super-linear (pygments, which
    reads what the standard tokenizer refuses, is quadratic on runs of
    whitespace-only lines; O(n²) pairs), so comparing a problem runs
    in a :class:`grader.bounded.BoundedPool` helper with a time budget
    (:func:`problem_budget`) and the helper's memory limit; inside it,
    tokenising one submission has its own budget (``TOKENISE_SECONDS``) and a
    submission over it is left out. A problem that fails or runs over budget
    gets ``"error"`` in the JSON and a line on the overview; the run goes on.
    This module never runs or imports candidate code, and in the grading
    process it does only linear work on capped texts.

Where the tokenising happens
    In a class run, the helper that writes a submission's report has just read
    its source with the tokenizer for the listing, and hands back its token
    text too (:func:`grader.similarity_tokens.tokenizer_token_text`). The
    comparison at the end of the run then fingerprints those texts directly:
    it tokenises only the sources that came without one (the tokenizer refused
    them, a page ran over its budget, a resumed run did not write the report,
    or the class is so large that less than the whole source is compared), and,
    for their marked regions, the sources of the pairs it lists.
"""

from __future__ import annotations

import io
import logging
import math
import re
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np

from grader import registry
from grader.bounded import BoundedCallFailed, BoundedPool, PoolClosed
from grader.copydetect_loader import copydetect
from grader.fsutil import write_atomic
from grader.i18n import DEFAULT_LANG
from grader.jsonio import dumps, load_object, readable
from grader.outpaths import MAX_RESULTS_BYTES, REPORT, student_folder, submission_dir
from grader.reports.classroom import (SIMILARITY_JSON, SIMILARITY_LISTED, SIMILARITY_PAGES, cannot_see,
                                      similarity_page, student_order)
from grader.reports.render import render, url_part
from grader.reports.submission import MAX_SOURCE_LINES
from grader.reports.wording import Wording
from grader.similarity_tokens import MAX_COMPARED_CHARS, TokenText, compared_text, token_text

log = logging.getLogger(__name__)

# copydetect's settings: the shortest run of token text that counts as shared,
# and the run length that is always found (window = guarantee - noise + 1).
NOISE_THRESHOLD = 25
GUARANTEE_THRESHOLD = 25
WINDOW = GUARANTEE_THRESHOLD - NOISE_THRESHOLD + 1
# A fingerprint this many students share is an idiom of the problem, not evidence.
COMMON_SHARE = 0.25
MIN_COMMON_STUDENTS = 5
# The threshold (see the module docstring).
SCORE_FLOOR = 0.75
SCORE_CEILING = 0.95
SPREAD = 4.0
MIN_STUDENTS_FOR_SPREAD = 20  # below, a robust spread of so few pairs says little: the floor alone
MIN_MATCHED = 75  # characters of token text each side shares with the other

MAX_PROBLEM_CHARS = 8 * 1024 * 1024  # of a problem's submissions together (~150 bytes each in the helper)
MAX_LISTED = SIMILARITY_LISTED  # flagged pairs listed (and given a page) per problem
# Time budget of one problem's comparison: pairs cost about 0.1 ms each (1,000 students: 500,000 pairs).
PROBLEM_SECONDS = 120.0
PAIR_SECONDS = 0.0005
TOKENISE_SECONDS = 5.0  # time budget of tokenising one submission, inside the helper

# In both languages for the pages; similarity.json records the English side.
CANNOT_SEE = tuple(cannot_see(min_matched=MIN_MATCHED, compared_chars=MAX_COMPARED_CHARS,
                              problem_chars=MAX_PROBLEM_CHARS))
WHAT_IT_CANNOT_SEE = tuple(item.en for item in CANNOT_SEE)


class _TokeniseTimeout(BaseException):
    """Tokenising one submission ran over TOKENISE_SECONDS.

    Not an ``Exception``: the lexer reads any ``Exception`` inside the tokenizer
    as text it cannot read and hands the text to pygments, which would then run
    without a budget.
    """


# ---------------------------------------------------------------------------
# In the helper process: fingerprints, pairs, threshold.
# ---------------------------------------------------------------------------

def compare_problem_task(*, stub: str, sources: list[str], token_texts: list[str | None] | None = None) -> dict:
    """Compare every pair of one problem's submissions (run in a bounded helper).

    Args:
        stub: the problem's stub; its fingerprints are discounted.
        sources: each student's compared text (see :func:`compared_text`), in
            the caller's order; students are named by their index only, so
            that names never cross the process boundary.
        token_texts: for each source, its token text when already made (by
            the helper that wrote its report, see
            :func:`grader.similarity_tokens.tokenizer_token_text`), else None;
            only a flagged pair's sources are tokenised again, for the regions.

    Returns:
        Plain JSON: ``students``, ``pairs``, ``left_out`` (``[index, reason]``),
        ``common`` (idiom fingerprints discounted), ``distribution``,
        ``threshold``, ``flagged_total`` and ``flagged``, the first
        :data:`MAX_LISTED` flagged pairs, most alike first, each with ``pair``
        (two indices), ``score``, ``shares``, ``matched`` and ``regions`` (for
        each side, ``[start, end)`` character ranges of its text).
    """
    # copydetect is loaded in the helper only (see _winnowed), never in the grading process
    stub_hashes = _winnowed(token_text(stub).text, 1).hashes
    prints, left_out = {}, []
    for index, text in enumerate(sources):
        try:
            given = token_texts[index] if token_texts else None
            prints[index] = _fingerprint(text) if given is None else (_winnowed(given, WINDOW), None)
        except _TokeniseTimeout:
            left_out.append([index, f"tokenising took over {TOKENISE_SECONDS:g} s"])
        except RecursionError:
            left_out.append([index, "could not be tokenised"])
    common = _common_hashes([fp for fp, _ in prints.values()])
    for fp, _ in prints.values():
        _discount(fp, stub_hashes | common)

    scored = _score_pairs(prints)
    pairs = len(sources) * (len(sources) - 1) // 2
    distribution = _distribution([s["score"] for s in scored], pairs)
    threshold = _threshold(distribution, len(sources))
    flagged = [s for s in scored if s["score"] >= threshold and min(s["matched"]) >= MIN_MATCHED]
    flagged.sort(key=lambda s: (-s["score"], -min(s["matched"]), s["pair"]))
    listed = flagged[:MAX_LISTED]
    for index in {i for entry in listed for i in entry["pair"]}:
        fp, compared = prints[index]
        if compared is None:  # a token text made elsewhere has no map to the source: made again, once
            prints[index] = (fp, token_text(sources[index]))
    for entry in listed:
        entry["regions"] = _regions(prints, entry["pair"])
    return {"students": len(sources), "pairs": pairs, "left_out": left_out, "common": len(common),
            "distribution": distribution, "threshold": threshold, "flagged_total": len(flagged),
            "flagged": flagged[:MAX_LISTED]}


@contextmanager
def _time_limit(seconds: float):
    """Raise :class:`_TokeniseTimeout` in this block after ``seconds`` (main thread only).

    The tokenizer and pygments spend their time in many short steps, so the
    signal is usually handled within milliseconds; it can be lost when it lands in a
    finaliser (whose exceptions Python ignores), so callers check the time
    afterwards too. Elsewhere than the main thread (a test calling the task from
    a thread) the block runs unlimited; the helper's own time budget still holds.
    """
    def expire(signum, frame):
        raise _TokeniseTimeout

    try:
        previous = signal.signal(signal.SIGALRM, expire)
    except ValueError:
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def load_comparison() -> None:
    """Import what comparing a problem needs (copydetect, numpy): a class run's helpers do it
    at the start of the run (:meth:`grader.bounded.BoundedPool.start`)."""
    copydetect()


def _fingerprint(text: str):
    """copydetect's fingerprint of one submission's token text, and the token text."""
    started = time.monotonic()
    with _time_limit(TOKENISE_SECONDS):
        compared = token_text(text)
    if time.monotonic() - started > TOKENISE_SECONDS:  # the signal came late, or in a finaliser
        raise _TokeniseTimeout
    return _winnowed(compared.text, WINDOW), compared


def _winnowed(text: str, window: int):
    """copydetect's fingerprint of a token text (made by :func:`token_text`, not by copydetect)."""
    return copydetect().CodeFingerprint("submission.py", NOISE_THRESHOLD, window, filter=False,
                                        fp=io.StringIO(text))


def _common_hashes(prints) -> set:
    """Fingerprints found in at least max(MIN_COMMON_STUDENTS, COMMON_SHARE × versions) versions of
    the code, where submissions with the same token text (copies, renamed or not) are one version:
    an idiom is what students write alike on their own, and five copies of one solution must not
    discount themselves as one."""
    from collections import Counter

    versions = {fp.filtered_code: fp.hashes for fp in prints}
    limit = max(MIN_COMMON_STUDENTS, math.ceil(COMMON_SHARE * len(versions)))
    counts = Counter(h for hashes in versions.values() for h in hashes)
    return {h for h, count in counts.items() if count >= limit}


def _discount(fingerprint, drop: set) -> None:
    """Remove ``drop`` from a fingerprint (done by hand, with copydetect's own coverage count).

    copydetect takes boilerplate when a fingerprint is made, as a fixed list,
    and removes it with ``np.intersect1d(assume_unique=True)`` on hashes that
    can repeat, which also drops positions of repeated non-boilerplate code.
    The common idioms are known only once the whole class is fingerprinted, so
    both are removed here, from the documented attributes.
    """
    fingerprint.hashes = fingerprint.hashes - drop
    fingerprint.hash_idx = {h: i for h, i in fingerprint.hash_idx.items() if h in fingerprint.hashes}
    fingerprint.token_coverage = copydetect().utils.get_token_coverage(
        fingerprint.hash_idx, fingerprint.k, len(fingerprint.filtered_code))


def _score_pairs(prints: dict) -> list[dict]:
    """copydetect's comparison of every pair that shares a fingerprint (the others score 0)."""
    compare_files = copydetect().compare_files
    postings: dict[int, list[int]] = {}
    for index, (fp, _) in prints.items():
        for h in fp.hashes:
            postings.setdefault(h, []).append(index)
    postings = {h: np.array(p) for h, p in postings.items() if len(p) > 1}
    scored = []
    for a, (fp, _) in prints.items():
        lists = [postings[h] for h in fp.hashes if h in postings]
        if not lists:
            continue
        for b in np.unique(np.concatenate(lists)):
            b = int(b)
            if b <= a:
                continue
            other = prints[b][0]
            _, (share_a, share_b), _ = compare_files(fp, other)
            share_a, share_b = min(float(share_a), 1.0), min(float(share_b), 1.0)
            scored.append({"pair": [a, b], "score": round((share_a + share_b) / 2, 4),
                           "shares": [round(share_a, 4), round(share_b, 4)],
                           "matched": [round(share_a * fp.token_coverage),
                                       round(share_b * other.token_coverage)]})
    return scored


def _distribution(scores: list[float], pairs: int) -> dict:
    """Summary of every pair's score, where the pairs not in ``scores`` (sharing no fingerprint)
    score 0: worked out from the sorted scores and the count of zeros, never an array of every
    pair (10,000 students are 50 million pairs, most of them zeros)."""
    if not pairs:
        return {"median": 0.0, "mad": 0.0, "sd": 0.0, "q90": 0.0, "q99": 0.0, "max": 0.0}
    zeros = pairs - len(scores)
    ordered = np.sort(np.asarray(scores, dtype=float))
    median = _quantile(ordered, zeros, 0.0, 0.5)
    # each zero deviates from the median by the median itself
    mad = _quantile(np.sort(np.abs(ordered - median)), zeros, median, 0.5)
    highest = float(ordered[-1]) if len(ordered) and ordered[-1] > 0 else 0.0
    return {"median": round(median, 4), "mad": round(mad, 4), "sd": round(1.4826 * mad, 4),
            "q90": round(_quantile(ordered, zeros, 0.0, 0.9), 4),
            "q99": round(_quantile(ordered, zeros, 0.0, 0.99), 4), "max": round(highest, 4)}


def _quantile(ordered: np.ndarray, copies: int, constant: float, q: float) -> float:
    """The ``q`` quantile (numpy's default, linear) of ``ordered`` (sorted) with ``copies`` more
    values equal to ``constant``."""
    count = len(ordered) + copies
    position = q * (count - 1)
    low = math.floor(position)
    value = _order_statistic(ordered, copies, constant, low)
    if position == low:
        return value
    following = _order_statistic(ordered, copies, constant, min(low + 1, count - 1))
    return value + (following - value) * (position - low)


def _order_statistic(ordered: np.ndarray, copies: int, constant: float, index: int) -> float:
    """The ``index``-th smallest of ``ordered`` (sorted) with ``copies`` values ``constant`` among them."""
    before = int(np.searchsorted(ordered, constant, side="left"))
    if index < before:
        return float(ordered[index])
    if index < before + copies:
        return float(constant)
    return float(ordered[index - copies])


def _threshold(distribution: dict, students: int) -> float:
    if students < MIN_STUDENTS_FOR_SPREAD:
        return SCORE_FLOOR
    outlier = distribution["median"] + SPREAD * distribution["sd"]
    return round(max(SCORE_FLOOR, min(SCORE_CEILING, outlier)), 4)


def _regions(prints: dict, pair: list[int]) -> list[list[list[int]]]:
    """For each side, the merged ``[start, end)`` ranges of its text that match the other."""
    (fp_a, compared_a), (fp_b, compared_b) = prints[pair[0]], prints[pair[1]]
    _, _, (slices_a, slices_b) = copydetect().compare_files(fp_a, fp_b)
    return [_to_text(slices_a, compared_a), _to_text(slices_b, compared_b)]


def _to_text(slices, compared: TokenText) -> list[list[int]]:
    """copydetect's slices (positions in the token text) as merged ranges of the source."""
    length = len(compared.text)
    if len(slices) == 0 or length == 0:
        return []
    ranges = []
    for start, end in sorted(zip(slices[0].tolist(), slices[1].tolist())):
        start, end = min(max(int(start), 0), length - 1), min(max(int(end), 1), length)
        if end <= start:
            continue
        first, last = int(compared.starts[start]), int(compared.ends[end - 1])
        if ranges and first <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], last)
        else:
            ranges.append([first, last])
    return ranges


# ---------------------------------------------------------------------------
# In the grading process: linear work only, on capped texts.
# ---------------------------------------------------------------------------

def write_similarity(*, out: Path, submissions: dict[str, dict[str, str]], helpers=None,
                     lang: str = DEFAULT_LANG, token_texts: dict[str, dict[str, str]] | None = None,
                     only: frozenset[str] | None = None) -> dict:
    """Write ``OUT/similarity.json`` and the pages of flagged pairs; return the report (as written).
    :class:`grader.bounded.PoolClosed` when ``helpers`` is closed meanwhile: no report is written
    (pages may be, which :func:`remove_similarity` removes).

    Args:
        out: the class output folder.
        submissions: problem ID -> {student: source} of every readable submission.
        helpers: a :class:`grader.bounded.BoundedPool` to run comparisons with a time budget
            (without one, a pool of one helper is opened for the call).
        lang: the language of the pair pages (the JSON is the same in both).
        token_texts: problem ID -> {student: token text} of the sources already
            tokenised, each by :func:`grader.similarity_tokens.tokenizer_token_text`
            (a class run gets them from the helpers that write the reports); the
            others are tokenised here, in the comparison's helper.
        only: the problems this run compares (a run of one problem, ``--problem``); the report's
            entries and pages of the others, from an earlier run, are kept. None: every problem.
    """
    out = Path(out)
    own_pool = helpers is None
    pool = BoundedPool(1) if own_pool else helpers
    compared = _compared(only)
    kept = _earlier_entries(out, compared)
    handed_in = [p for p in compared if submissions.get(p.id)]
    for problem in compared:
        if problem not in handed_in:
            _remove_pages(out, problem.id, keep=0)
    try:
        # one problem per helper: a pool of several helpers compares several problems at once
        with ThreadPoolExecutor(max_workers=max(1, getattr(pool, "size", 1))) as threads:
            entries = threads.map(lambda p: _compare_safely(out, p, submissions[p.id], pool, lang,
                                                            (token_texts or {}).get(p.id) or {}), handed_in)
            made = {p.id: entry for p, entry in zip(handed_in, entries)}
    finally:
        if own_pool:
            pool.close()
    report = _report({p.id: made.get(p.id, kept.get(p.id)) for p in registry.all_problems()
                      if p.id in made or p.id in kept})
    write_atomic(out / SIMILARITY_JSON, dumps(report))
    return report


def _report(problems: dict) -> dict:
    return {"problems": problems, "tool": dict(_tool()), "settings": _settings(),
            "cannot_see": list(WHAT_IT_CANNOT_SEE)}


def remove_similarity(*, out: Path, only: frozenset[str] | None = None) -> None:
    """Remove the report of an earlier run (for a run that writes none, so none is shown stale):
    of the problems in ``only`` alone when given, the others' entries kept."""
    out = Path(out)
    compared = _compared(only)
    kept = _earlier_entries(out, compared)
    if kept:
        write_atomic(out / SIMILARITY_JSON, dumps(_report(kept)))
    else:
        (out / SIMILARITY_JSON).unlink(missing_ok=True)
    for problem in compared:
        _remove_pages(out, problem.id, keep=0)


def _compared(only: frozenset[str] | None) -> list:
    return [p for p in registry.all_problems() if only is None or p.id in only]


def _earlier_entries(out: Path, compared: list) -> dict:
    """The entries of an earlier ``similarity.json`` for the problems not ``compared`` now (bounded,
    taken as data: the overview checks each again)."""
    ids = {p.id for p in compared}
    if len(ids) == len(registry.problem_ids()):
        return {}
    earlier = load_object(Path(out) / SIMILARITY_JSON, MAX_RESULTS_BYTES) or {}
    problems = earlier.get("problems") if isinstance(earlier.get("problems"), dict) else {}
    return {pid: entry for pid, entry in problems.items() if pid in registry.problem_ids() and pid not in ids}


@lru_cache(maxsize=1)
def _tool() -> dict:
    try:
        version = metadata.version("copydetect")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"name": "copydetect", "version": version, "noise_threshold": NOISE_THRESHOLD,
            "guarantee_threshold": GUARANTEE_THRESHOLD,
            "window": WINDOW, "language": "python",
            "identifiers_normalised": True, "tokens": "tokenize"}


def _settings() -> dict:
    return {"score": "mean of the two students' shares", "score_floor": SCORE_FLOOR,
            "score_ceiling": SCORE_CEILING, "spread": SPREAD,
            "min_students_for_spread": MIN_STUDENTS_FOR_SPREAD, "min_matched": MIN_MATCHED,
            "common_share": COMMON_SHARE, "min_common_students": MIN_COMMON_STUDENTS,
            "max_compared_chars": MAX_COMPARED_CHARS, "max_problem_chars": MAX_PROBLEM_CHARS,
            "max_listed": MAX_LISTED, "problem_seconds": PROBLEM_SECONDS, "pair_seconds": PAIR_SECONDS,
            "tokenise_seconds": TOKENISE_SECONDS,
            "threshold": "max(score_floor, min(score_ceiling, median + spread * sd)) over the "
                         "problem's pairs, sd = 1.4826 * median absolute deviation; score_floor "
                         "alone below min_students_for_spread students"}


def _compare_safely(out: Path, problem, by_student: dict[str, str], pool, lang: str,
                    tokenised: dict[str, str]) -> dict:
    """:func:`_compare_problem`; whatever goes wrong costs this problem only."""
    try:
        return _compare_problem(out, problem, by_student, pool, lang, tokenised)
    except PoolClosed:  # the run abandons its report: nothing is written
        raise
    except Exception as exc:  # noqa: BLE001 - reported in the JSON and on the overview
        log.warning("similarity of %s not computed: %s", problem.id, exc)
        return {"students": len(by_student), "pairs": len(by_student) * (len(by_student) - 1) // 2,
                "flagged": [], "error": f"the comparison failed ({type(exc).__name__})"}


def _compare_problem(out: Path, problem, by_student: dict[str, str], pool, lang: str,
                     tokenised: dict[str, str]) -> dict:
    """One problem: the bounded comparison, then the pages (in ``lang``); a failure ends in ``"error"``."""
    names = sorted(by_student, key=student_order)
    limit = compared_chars(len(names))
    compared = [compared_text(by_student[name], limit) for name in names]
    texts = [text for text, _ in compared]
    # a token text made of a whole source serves only where this class compares the whole source
    token_texts = [_usable(tokenised.get(name), text, cut) for name, (text, cut) in zip(names, compared)]
    entry = {"students": len(names), "pairs": len(names) * (len(names) - 1) // 2, "flagged": [],
             "compared_chars": limit, "cut": [readable(n) for n, (_, cut) in zip(names, compared) if cut]}
    if len(names) < 2:  # the keys of a compared problem, with nothing compared: no pair, no threshold
        _remove_pages(out, problem.id, keep=0)
        return {**entry, "left_out": [], "common": 0, "distribution": _distribution([], 0), "threshold": None,
                "flagged_total": 0}
    started = time.monotonic()
    try:
        result = _checked(pool.call("similarity", problem_budget(len(names)), stub=problem.stub(),
                                    sources=texts, token_texts=token_texts), texts)
    except PoolClosed:
        raise
    except BoundedCallFailed as exc:
        result = {"error": f"the comparison stopped: {exc}"}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        result = {"error": f"the comparison returned something unexpected ({type(exc).__name__})"}
    if "error" in result:
        _remove_pages(out, problem.id, keep=0)
        return {**entry, **result}
    entry.update(result, seconds=round(time.monotonic() - started, 2))
    entry["left_out"] = [{"student": readable(names[i]), "why": why} for i, why in result["left_out"]]
    entry["flagged"] = [{"students": [readable(names[i]) for i in found["pair"]], "score": found["score"],
                         "shares": found["shares"], "matched": found["matched"],
                         "regions": found["regions"], "page": similarity_page(problem.id, number)}
                        for number, found in enumerate(result["flagged"], 1)]
    for number, (found, flagged) in enumerate(zip(result["flagged"], entry["flagged"]), 1):
        sides = [(names[i], compared[i]) for i in found["pair"]]
        try:
            _write_pair_page(out, problem, entry, number, sides, lang)
        except Exception as exc:  # noqa: BLE001 - costs this page only
            log.warning("similarity page %s not written: %s", flagged["page"], exc)
            flagged["page"] = None
    _remove_pages(out, problem.id, keep=len(entry["flagged"]))
    return entry


def compared_chars(students: int) -> int:
    """How many characters of each submission a problem of ``students`` submissions compares."""
    return max(1024, min(MAX_COMPARED_CHARS, MAX_PROBLEM_CHARS // max(students, 1)))


def _usable(token_text_made: str | None, text: str, cut: bool) -> str | None:
    """A token text made elsewhere, if it can be the token text of ``text`` (never longer than it)."""
    if cut or not isinstance(token_text_made, str) or len(token_text_made) > len(text):
        return None
    return token_text_made


def problem_budget(students: int) -> float:
    """Seconds allowed for comparing one problem of ``students`` submissions."""
    return PROBLEM_SECONDS + PAIR_SECONDS * students * (students - 1) / 2


def _checked(result: dict, texts: list[str]) -> dict:
    """The helper's answer, checked to hold only what the pages may index (in range, sorted)."""
    students = len(texts)
    checked = {"common": int(result["common"]), "threshold": float(result["threshold"]),
               "flagged_total": int(result["flagged_total"])}
    checked["distribution"] = {str(k): float(v) for k, v in dict(result["distribution"]).items()}
    checked["left_out"] = [[int(i), str(why)[:200]] for i, why in result["left_out"]
                           if 0 <= int(i) < students]
    flagged = []
    for found in result["flagged"][:MAX_LISTED]:
        a, b = (int(i) for i in found["pair"])
        if not 0 <= a < b < students:
            raise ValueError("a pair out of range")
        regions = [_clean_regions(side, texts[i]) for side, i in zip(found["regions"], (a, b))]
        flagged.append({"pair": [a, b], "score": float(found["score"]),
                        "shares": [float(x) for x in found["shares"][:2]],
                        "matched": [int(x) for x in found["matched"][:2]], "regions": regions})
    checked["flagged"] = flagged
    return checked


def _clean_regions(regions, text: str) -> list[list[int]]:
    """Ranges of ``text`` clamped, sorted, disjoint (what :func:`listing` relies on), and widened
    to whole words: copydetect maps a match back to the source only approximately, and a mark
    that starts inside a name reads as a different name. Linear: a range widens only up to its
    neighbours."""
    ranges = []
    for start, end in sorted((max(0, int(s)), min(len(text), int(e))) for s, e in regions):
        if end <= start:
            continue
        if ranges and start <= ranges[-1][1]:
            ranges[-1][1] = max(ranges[-1][1], end)
        else:
            ranges.append([start, end])
    for i, bounds in enumerate(ranges):
        floor = ranges[i - 1][1] if i else 0
        ceiling = ranges[i + 1][0] if i + 1 < len(ranges) else len(text)
        while bounds[0] > floor and _word(text[bounds[0] - 1]) and _word(text[bounds[0]]):
            bounds[0] -= 1
        while bounds[1] < ceiling and _word(text[bounds[1] - 1]) and _word(text[bounds[1]]):
            bounds[1] += 1
    merged = []
    for bounds in ranges:
        if merged and bounds[0] <= merged[-1][1]:
            merged[-1][1] = bounds[1]
        else:
            merged.append(bounds)
    trimmed = (_trimmed(text, start, end) for start, end in merged)
    return [[start, end] for start, end in trimmed if end > start]


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """A range without the whitespace and whole-line comments at its edges.

    copydetect maps the edges of a match to the source through the characters
    it removed, which puts a comment that follows (or precedes) the last (or
    first) matched token inside the range; no token of it matched.
    """
    while start < end:
        if text[start].isspace():
            start += 1
        elif text[start] == "#" and not text[text.rfind("\n", 0, start) + 1:start].strip():
            newline = text.find("\n", start, end)
            start = end if newline < 0 else newline + 1
        else:
            break
    while end > start:
        while end > start and text[end - 1].isspace():
            end -= 1
        line_start = max(start, text.rfind("\n", start, end) + 1)
        if end > start and text[line_start:end].lstrip().startswith("#"):
            end = line_start
        else:
            break
    return start, end


def _word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _remove_pages(out: Path, problem_id: str, *, keep: int) -> None:
    """Remove the pages of an earlier run that this one did not write again."""
    folder = out / SIMILARITY_PAGES / problem_id
    if not folder.is_dir() or folder.is_symlink():
        return
    for page in folder.iterdir():
        match = re.fullmatch(r"([0-9]+)\.html", page.name)
        if match and int(match.group(1)) > keep and not page.is_dir():
            page.unlink(missing_ok=True)
    for emptied in (folder, folder.parent):  # no empty folder left where there is no page (Ctrl-C, none flagged)
        try:
            emptied.rmdir()
        except OSError:  # not empty: other pages, another problem's folder, or a file of the user's
            return


def _write_pair_page(out: Path, problem, entry: dict, number: int, sides: list, lang: str) -> None:
    """The page of one flagged pair, in ``lang``; ``sides`` holds each student's name and (text, cut)."""
    flagged = entry["flagged"][number - 1]
    views = []
    for side, (name, (text, cut)) in enumerate(sides):
        has_report = (submission_dir(out, name, problem.id) / REPORT).is_file()
        views.append({
            "name": readable(name), "share": flagged["shares"][side], "matched": flagged["matched"][side],
            "report_href": (f"../../{url_part(student_folder(name))}/{url_part(problem.id)}/{REPORT}"
                            if has_report else None),
            "cut": cut, **listing(text, flagged["regions"][side]),
        })
    wording = Wording(lang)
    html = render("report/similarity_pair.html", root="../../", lang=wording.lang, t=wording, problem=problem,
                  number=number, listed=len(entry["flagged"]), score=flagged["score"],
                  threshold=entry["threshold"], distribution=entry["distribution"], students=entry["students"],
                  sides=views, settings=_settings(), tool=_tool(), cannot_see=CANNOT_SEE)
    write_atomic(out / similarity_page(problem.id, number), html)


def listing(text: str, regions: list[list[int]]) -> dict:
    """A text as numbered lines of ``(text, matched)`` segments (the template escapes them).

    At most MAX_SOURCE_LINES lines are shown. Linear in the text and the regions
    (which are sorted and disjoint).
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    rows, position, first = [], 0, 0
    for number, line in enumerate(lines[:MAX_SOURCE_LINES], 1):
        start, end = position, position + len(line)
        while first < len(regions) and regions[first][1] <= start:
            first += 1
        segments, cursor, k = [], start, first
        while k < len(regions) and regions[k][0] < end:
            a, b = max(regions[k][0], cursor), min(regions[k][1], end)
            if a == start:  # a region carried over from the line above: its indentation is no match
                a = min(b, start + len(line) - len(line.lstrip()))
            if a > cursor:
                segments.append((text[cursor:a], False))
            if b > a:
                segments.append((text[a:b], True))
                cursor = b
            k += 1
        if cursor < end or not segments:
            segments.append((text[cursor:end], False))
        rows.append({"number": number, "segments": segments, "matched": any(m for _, m in segments)})
        position = end + 1
    return {"rows": rows, "lines": len(lines), "lines_cut": len(lines) > MAX_SOURCE_LINES}
