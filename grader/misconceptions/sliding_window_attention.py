"""Misconception references for sliding_window_attention.

The right band is ``before = window - 1`` keys behind the query and ``after = 0``
(causal) or ``window - 1`` (not causal) ahead of it; each variant shifts it the
way the mistake does. Only ``swa.materialises_scores`` builds the (L, L) matrix.
"""

from grader.misconceptions._local_attention import band_attention, dense_band_attention

SYMBOL = "sliding_window_attention"


def _checked(window: int) -> None:
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")


def _off_by_one(q, k, v, window, causal=True):
    _checked(window)
    # i - window <= j (causal) and |i - j| <= window: one key too many on each open side.
    return band_attention(q, k, v, before=window, after=0 if causal else window)


def _symmetric_when_causal(q, k, v, window, causal=True):
    _checked(window)
    # The causal flag is ignored: window - 1 future keys are seen too.
    return band_attention(q, k, v, before=window - 1, after=window - 1)


def _no_scale(q, k, v, window, causal=True):
    _checked(window)
    return band_attention(q, k, v, before=window - 1, after=0 if causal else window - 1, scale=1.0)


def _materialised(q, k, v, window, causal=True):
    _checked(window)
    return dense_band_attention(q, k, v, before=window - 1, after=0 if causal else window - 1)


VARIANTS = {
    "swa.window_off_by_one": [{SYMBOL: _off_by_one}],
    "swa.symmetric_when_causal": [{SYMBOL: _symmetric_when_causal}],
    "swa.no_scale": [{SYMBOL: _no_scale}],
    "swa.materialises_scores": [{SYMBOL: _materialised}],
}
