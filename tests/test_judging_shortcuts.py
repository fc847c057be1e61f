"""Shortcuts the trusted side takes to judge faster give the answers of the long way.

- Diagnosis compares a large tensor on a sample of entries first
  (:func:`grader.checks._all_close`): a sample that matches must never be
  taken for a match of the whole.
- A tensor comparison first tests every entry the quick way and reuses that
  test when it fails (:func:`grader.checks.compare_tensors`): it must pass
  exactly what ``torch.isclose`` passes, with the same largest error, and
  count the same wrong entries.
- The text-generation checks keep next-token distributions by content
  (:mod:`grader.hidden.text_generation.expectations`): what they return must
  be what a fresh model computes, for any context, and the memory they keep
  is bounded whatever the contexts.
"""

from __future__ import annotations

import torch

import pytest

from grader.checks import PROBE_ENTRIES, _all_close, compare_tensors, tolerance
from grader.i18n import same
from grader.hidden.text_generation import expectations
from grader.hidden.text_generation.sampling import next_token_probs
from grader.sandbox import toy_models


def test_a_sample_that_matches_is_not_taken_for_the_whole():
    want = torch.randn(64, 512, dtype=torch.float64)
    got = want.clone()
    got.reshape(-1)[1] += 1.0  # between two sampled entries
    assert _all_close(got, want, rtol=1e-7, atol=1e-9) is False
    assert _all_close(want.clone(), want, rtol=1e-7, atol=1e-9) is True
    small = torch.randn(2 * PROBE_ENTRIES)
    assert _all_close(small + 1.0, small, rtol=1e-5, atol=1e-6) is False


def test_a_far_off_sample_settles_it_and_nan_equals_nan():
    want = torch.randn(10_000)
    assert _all_close(want + 1.0, want, rtol=1e-5, atol=1e-6) is False
    with_nan = want.clone()
    with_nan[::7] = float("nan")
    assert _all_close(with_nan.clone(), with_nan, rtol=1e-5, atol=1e-6) is True


def _edge_cases():
    want = torch.randn(6, 5)
    rtol, atol = tolerance(torch.float32)
    bound = atol + rtol * want.double().abs()
    cases = {"equal": (want.clone(), want), "empty": (torch.empty(0, 3), torch.empty(0, 3))}
    cases["at the bound"] = ((want.double() + bound).float(), want)
    cases["past the bound"] = ((want.double() + 1.5 * bound).float(), want)
    for name, value in (("nan", float("nan")), ("inf", float("inf")), ("-inf", -float("inf"))):
        got = want.clone()
        got[2, 3] = value
        cases[f"{name} where a number is expected"] = (got, want)
        cases[f"{name} where {name} is expected"] = (got, got.clone())
    both = want.clone()
    both[0, 0] = float("inf")
    flipped = both.clone()
    flipped[0, 0] = -float("inf")
    cases["-inf where inf is expected"] = (flipped, both)
    precise = torch.randn(4, 4, dtype=torch.float64)
    cases["float64 computed in float32"] = (precise.float().double(), precise)
    return cases


EDGE_CASES = _edge_cases()


@pytest.mark.parametrize("name", sorted(EDGE_CASES))
@pytest.mark.parametrize("equal_nan", [False, True])
def test_quick_tensor_comparison_passes_what_isclose_passes(name, equal_nan):
    got, want = EDGE_CASES[name]
    rtol, atol = tolerance(want.dtype)
    verdict = compare_tensors(got, want, what=same("output"), equal_nan=equal_nan)
    close = torch.isclose(got.double(), want.double(), rtol=rtol, atol=atol, equal_nan=equal_nan)
    expected = bool(close.all())
    assert verdict.passed is expected
    if " entries off" in verdict.message.en:  # the count of wrong entries is isclose's
        assert verdict.message.en.startswith(f"output: {int((~close).sum())} of {want.numel()} entries off")
    if expected and want.numel():
        diff = (got.double() - want.double()).abs()
        finite = torch.where(torch.isfinite(diff), diff, torch.full_like(diff, float("inf")))
        assert verdict.max_error == float(finite.max())


def _spec(seed: int) -> dict:
    rng = torch.Generator().manual_seed(seed)
    return toy_models.table_model(torch.randn(13, 11, generator=rng, dtype=torch.float64), block_size=6,
                                  window=3, mult=5, shift=1)


def test_remembered_distributions_are_what_a_fresh_model_computes():
    spec = _spec(0)
    rng = torch.Generator().manual_seed(1)
    for settings in ({"temperature": 0.7, "top_k": 4, "top_p": None},
                     {"temperature": 1.0, "top_k": None, "top_p": 0.8},
                     {"temperature": 0, "top_k": None, "top_p": None}):
        for _ in range(5):
            context = torch.randint(0, 11, (3, 4), generator=rng)
            for _ in range(2):  # the second call is answered from memory
                logits, probs = expectations.next_distribution(spec, context, settings)
                fresh = toy_models.build(spec)(context)[:, -1, :]
                assert torch.equal(logits, fresh)
                assert torch.equal(probs, next_token_probs(fresh, settings["temperature"], settings["top_k"],
                                                           settings["top_p"]))
    other = _spec(2)  # same shape, other table: never answered with the first model's rows
    context = torch.zeros(1, 2, dtype=torch.int64)
    settings = {"temperature": 1.0, "top_k": None, "top_p": None}
    first = expectations.next_distribution(spec, context, settings)[0]
    second = expectations.next_distribution(other, context, settings)[0]
    assert torch.equal(second, toy_models.build(other)(context)[:, -1, :])
    assert not torch.equal(first, second)


def test_a_remembered_distribution_answers_only_its_own_settings_and_shape():
    spec = _spec(4)
    tokens = torch.tensor([3, 1, 4, 1, 5, 9, 2, 6])  # the same bytes as (1, 8), (2, 4) and (4, 2)
    all_kept = {"temperature": 1.0, "top_k": None, "top_p": None}
    # the last pass asks again for what the first kept, after other settings for the same tokens
    for settings in (all_kept, {"temperature": 0.5, "top_k": 2, "top_p": None}, all_kept):
        for shape in ((1, 8), (2, 4), (4, 2)):
            context = tokens.reshape(shape)
            logits, probs = expectations.next_distribution(spec, context, settings)
            fresh = toy_models.build(spec)(context)[:, -1, :]
            assert torch.equal(logits, fresh)
            assert torch.equal(probs, next_token_probs(fresh, settings["temperature"], settings["top_k"],
                                                       settings["top_p"]))


def test_the_memory_kept_is_bounded():
    spec = _spec(3)
    settings = {"temperature": 1.0, "top_k": None, "top_p": None}
    for n in range(expectations.MAX_ENTRIES + 50):
        context = torch.tensor([[n % 11, (n // 11) % 11, (n // 121) % 11, n // 1331]])
        expectations.next_distribution(spec, context, settings)
    assert len(expectations._distributions) == expectations.MAX_ENTRIES
