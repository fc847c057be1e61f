"""What a suite has already judged: an outcome seen before is not judged again.

Every student of a class runs the same tests on the same inputs, and many of
them return exactly the same outcome: a right answer written the usual way, a
common mistake, the untouched stub. A test's verdict, and which misconceptions
explain a failed test, depend on nothing but the outcome (the test, its inputs
and the reference's outcome are the suite's own), so a suite that judges a
class (``Suite(remember=True)``, as :class:`grader.executors.SuiteCache` makes
them) keeps them by a digest of the outcome, and a repeat costs the digest
instead of the comparisons. A suite made for one run makes no digest at all.

The digest is SHA-256 over every field of the outcome a check can read (the
learner's exception untruncated, the measured peak memory; not the call's
duration, which no check reads): the fields pickled with each tensor replaced
by its dtype and shape, then each tensor's bytes, read in place. Pickling
plain data is exact and can be read back, so two outcomes share a digest only
when they are the same data, to the bit: a submission cannot borrow another's
verdict by crafting its output. Outcomes from the sandbox hold nothing but
plain data; an outcome holding anything else (trusted code run in process may
return any object) gets no digest and is judged as usual.

Only what the checks see goes into the key: messages that name a notebook's
cells depend on the notebook too, so runs with a source map are not
remembered (:func:`grader.grading.results_from_report`), nor are tests that
raised (judged quickly anyway, and their messages quote the learner's
exception at length). Each test keeps at most :data:`MAX_PER_TEST` outcomes,
the first ones met: the outcomes many students share turn up early in any
class, and a class of unique answers costs a bounded amount of memory (a
remembered verdict is a few hundred bytes of our own messages).
"""

from __future__ import annotations

import hashlib
import io
import pickle
import threading
from typing import Callable, TypeVar

import torch

from grader.sandbox.messages import Outcome
from grader.sandbox.protocol import GeneratorSeed, Unsupported, tensor_buffer

MAX_PER_TEST = 64
_PLAIN = frozenset({type(None), bool, int, float, str, list, tuple, dict})

Remembered = TypeVar("Remembered")


class _NotPlain(Exception):
    """The outcome holds an object that is not the wire format's plain data."""


class _FieldPickler(pickle.Pickler):
    """Pickles the plain data of an outcome, setting its tensors aside in order."""

    def __init__(self, file, tensors: list[torch.Tensor]):
        super().__init__(file, protocol=5)
        self.tensors = tensors

    def persistent_id(self, obj):
        kind = type(obj)
        if kind in _PLAIN:
            return None
        if isinstance(obj, torch.Tensor):
            self.tensors.append(obj)
            return ("tensor", str(obj.dtype), tuple(obj.shape))
        if kind is Unsupported:
            return ("unsupported", obj.type_name)
        if kind is GeneratorSeed:
            return ("generator", obj.seed)
        if kind is torch.dtype:
            return ("dtype", str(obj))
        raise _NotPlain(kind.__name__)


def outcome_digest(outcome: Outcome) -> bytes | None:
    """SHA-256 of everything a check can read of ``outcome``; None where it is not plain data."""
    error = outcome.error
    judged = (outcome.value, outcome.grads, outcome.param_grads, tuple(outcome.mutated), outcome.stats,
              outcome.peak_memory_bytes,
              None if error is None else (error.type, error.message, tuple(error.lines), error.forbidden,
                                           tuple(error.bases)))
    fields, tensors = io.BytesIO(), []
    try:
        _FieldPickler(fields, tensors).dump(judged)
        digest = hashlib.sha256(fields.getbuffer())
        for tensor in tensors:
            digest.update(tensor_buffer(tensor)[1])
    except Exception:  # not plain data (_NotPlain), or a tensor with no plain bytes (sparse...): judged afresh
        return None
    return digest.digest()


class JudgementMemo:
    """Per test of one suite: outcome digest -> what was worked out about it, under several kinds."""

    def __init__(self, max_per_test: int = MAX_PER_TEST):
        self.max_per_test = max_per_test
        self._kept: dict[tuple[str, int], dict[bytes, object]] = {}
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def recall(self, kind: str, index: int, digest: bytes | None,
               work_out: Callable[[], Remembered]) -> Remembered:
        """What ``work_out()`` gave for this test and digest before, or its answer now (kept)."""
        if digest is None:
            return work_out()
        kept = self._kept.get((kind, index))
        if kept is not None and digest in kept:
            with self._lock:
                self.hits += 1
            return kept[digest]
        answer = work_out()
        with self._lock:
            self.misses += 1
            kept = self._kept.setdefault((kind, index), {})
            if len(kept) < self.max_per_test:
                kept[digest] = answer
        return answer
