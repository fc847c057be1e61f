"""Names the misconception behind wrong outputs (trusted side only).

For each failed test the misconception references run on the same inputs; a
misconception *explains* the failure when one of its variants returns what the
submission returned while the reference returns something else. A submission is
diagnosed with every misconception that explains at least one failure and whose
set of explained failures is not strictly contained in another's (so that a
mistake that coincides with a bigger one on a few inputs is not reported), and
that explains at least one failed test in :data:`COINCIDENCE_SHARE` (a mistake
matched on one test among many failures coincides there with another). A
mistake none of whose tests is its alone (another explains each of them too)
must explain at least one failed test in :data:`SHARED_SHARE`: two mistakes that
both return what a third one does on a single test of several tell nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from grader.checks import values_close
from grader.sandbox.messages import Outcome

# A misconception named must explain at least one failed test in this many: one that matches a
# single test among many failures coincides there with a different mistake.
COINCIDENCE_SHARE = 4
# ... and one whose every explained test another misconception explains as well, one in this many
SHARED_SHARE = 2


@dataclass(frozen=True)
class TestEvidence:
    number: str
    candidate: Outcome
    expected: Outcome
    # misconception ID -> the outcomes of its variants that differ from the reference's
    # on this test (an error or a right answer can explain no failure)
    telling_outcomes: dict[str, list[Outcome]]
    similar: Callable[[Outcome, Outcome], bool] | None = None
    suggested: tuple[str, ...] = ()  # IDs the test's check recognised by itself


def telling(variant_outcomes: dict[str, list[Outcome]], expected: Outcome,
            similar: Callable[[Outcome, Outcome], bool] | None) -> dict[str, list[Outcome]]:
    """The variant outcomes that could explain a failure: no error, not the reference's answer.

    The same for every submission of a class, so the suite computes it once per test.
    """
    similar = similar or values_close
    kept = {mid: [o for o in outcomes if not o.error and not similar(o, expected)]
            for mid, outcomes in variant_outcomes.items()}
    return {mid: outcomes for mid, outcomes in kept.items() if outcomes}


def explained_by(evidence: TestEvidence) -> list[str]:
    """Misconception IDs whose output matches the submission's on this failed test."""
    similar = evidence.similar or values_close
    matches = list(evidence.suggested)
    for mid, outcomes in evidence.telling_outcomes.items():
        if mid not in matches and any(similar(evidence.candidate, o) for o in outcomes):
            matches.append(mid)
    return matches


def diagnose(evidence: list[TestEvidence], order: list[str], *,
             explain: Callable[[TestEvidence], list[str]] = explained_by) -> tuple[list[str], dict[str, list[str]]]:
    """Return (diagnosed IDs in catalogue order, per-test matches).

    ``explain`` gives a failed test's matches (:func:`explained_by`, or what it gave before).
    """
    per_test = {e.number: explain(e) for e in evidence}
    explains: dict[str, set[str]] = {}
    for number, mids in per_test.items():
        for mid in mids:
            explains.setdefault(mid, set()).add(number)

    def shared(mid: str) -> bool:
        return all(any(number in tests for o, tests in explains.items() if o != mid) for number in explains[mid])

    kept = [
        mid for mid, tests in explains.items()
        if not any(tests < other for o, other in explains.items() if o != mid)
        and len(tests) * (SHARED_SHARE if shared(mid) else COINCIDENCE_SHARE) >= len(evidence)
    ]
    kept.sort(key=lambda m: order.index(m) if m in order else len(order))
    per_test = {n: [m for m in mids if m in kept] for n, mids in per_test.items()}
    return kept, per_test
