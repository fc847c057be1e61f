"""A test's own hint is shown for the failure it is about, never for another one.

A test about inputs changed in place, about memory, about gradients or about a
required exception gives its hint only when it fails for that reason: a
submission whose values are wrong everywhere is not told to stop scaling q in
place, nor to keep one block of scores at a time. Graded through the real
sandbox on the hidden tests.
"""

from __future__ import annotations

import pytest

from grader import registry
from grader.grading import grade
from grader.references import solution_source

pytestmark = [pytest.mark.sandbox]

FLASH = registry.get("flash_attention")
IN_PLACE_HINT = "Scale the scores, not q in place"
MEMORY_HINT = "Keep only one (Lq, block_size) block of scores"


def _graded(pool, source: str) -> dict[str, dict]:
    results = grade(problem=FLASH, source=source, filename="flash_attention.py", runner=pool)
    return {test["number"]: test for test in results["tests"]}


def _variant(old: str, new: str) -> str:
    reference = solution_source(FLASH)
    assert old in reference
    return reference.replace(old, new)


def test_wrong_values_get_no_hint_meant_for_inputs_changed_or_memory(pool):
    tests = _graded(pool, _variant("torch.arange(start, end,", "torch.arange(0, end - start,"))  # keys misplaced
    for number in ("12.12", "12.20"):  # inputs left unchanged; memory, causal
        assert tests[number]["status"] == "failed"
        assert IN_PLACE_HINT not in tests[number]["output"] and MEMORY_HINT not in tests[number]["output"]
    value_tests = [t for t in tests.values() if t["status"] == "failed" and not {"inputs", "memory"} & set(t["tags"])]
    assert any("Hint: " in t["output"] for t in value_tests)  # a test about values still gives its hint


def test_inputs_changed_in_place_get_the_hint_of_the_test_about_them(pool):
    tests = _graded(pool, _variant(
        "    scale = 1.0 / math.sqrt(q.shape[-1])\n",
        "    scale = 1.0\n    q = q.mul_(1.0 / math.sqrt(q.shape[-1])) if not q.requires_grad else q / math.sqrt(q.shape[-1])\n"))
    unchanged = tests["12.12"]
    assert unchanged["status"] == "failed" and "in place" in unchanged["output"]
    assert IN_PLACE_HINT in unchanged["output"]


SDPA = registry.get("scaled_dot_product_attention")
PRECISION = "Every value is right to float32 precision but not to float64's"


def _sdpa_variant(old: str, new: str) -> str:
    reference = solution_source(SDPA)
    assert old in reference
    return reference.replace(old, new)


def test_only_a_float32_drift_is_told_it_drops_to_float32(pool):
    """A float32 scale (off by 3e-8 of itself) is told to keep the inputs' dtype; a wrong scale whose
    near one-hot weights are off by 1e-10 on one entry is wrong values, not float32 precision."""
    float32_scale = _sdpa_variant("/ math.sqrt(d_k)", "* torch.tensor(1 / math.sqrt(d_k))")  # a float32 0-dim
    wrong_scale = _sdpa_variant("/ math.sqrt(d_k)", "/ d_k")
    drifted = grade(problem=SDPA, source=float32_scale, filename="scaled_dot_product_attention.py", runner=pool)
    wrong = grade(problem=SDPA, source=wrong_scale, filename="scaled_dot_product_attention.py", runner=pool)
    told = [t["number"] for t in drifted["tests"] if PRECISION in t["output"]]
    assert told and all(t["status"] == "failed" for t in drifted["tests"] if t["number"] in told)
    failed = [t for t in wrong["tests"] if t["status"] == "failed"]
    assert failed and not [t["number"] for t in failed if PRECISION in t["output"]]


def test_nan_from_a_row_with_every_key_blocked_is_not_blamed_on_overflow_alone(pool):
    """Softmax over the queries' dim with a mask: whole columns are blocked and give nan on the
    large-scores test, where torch.softmax is already used; the message names that cause too."""
    wrong_dim = _sdpa_variant("torch.softmax(scores, dim=-1)", "torch.softmax(scores, dim=-2)")
    results = grade(problem=SDPA, source=wrong_dim, filename="scaled_dot_product_attention.py", runner=pool)
    not_finite = [t for t in results["tests"] if "gave nan or inf" in t["output"]]
    assert not_finite and all("every key blocked" in t["output"] for t in not_finite)


def test_an_eos_id_of_zero_taken_as_false_is_told_so(pool):
    """'if eos_token_id:' skips eos handling when the id is 0: the eos tests say that 0 is false,
    not that the learner's (present, never run) finished flag is missing."""
    generation = registry.get("text_generation")
    reference = solution_source(generation)
    assert reference.count("if eos_token_id is not None") == 2
    truthy = reference.replace("if eos_token_id is not None", "if eos_token_id")
    results = grade(problem=generation, source=truthy, filename="text_generation.py", runner=pool)
    told = [t for t in results["tests"] if "eos_token_id is 0 here and was ignored" in t["output"]]
    assert told and all("'eos_token_id is not None'" in t["output"] for t in told)
    assert all("Keep a boolean 'finished' per row" not in t["output"] for t in results["tests"])


def test_a_mask_changed_in_place_gets_the_hint_of_the_test_about_it(pool):
    """shared_qk_attention's 4.12 exists for a mask whose diagonal is written in place: that failure
    shows its hint (build a new mask)."""
    shared = registry.get("shared_qk_attention")
    reference = solution_source(shared)
    in_place = reference.replace("def shared_qk_attention(", "def _shared(", 1) + '''

def shared_qk_attention(x, w_qk, w_v, mask=None, exclude_self=False):
    if mask is not None and exclude_self:
        mask.diagonal(dim1=-2, dim2=-1).fill_(False)
    return _shared(x, w_qk, w_v, mask, exclude_self)
'''
    results = grade(problem=shared, source=in_place, filename="shared_qk_attention.py", runner=pool)
    (test,) = [t for t in results["tests"] if t["number"] == "4.12"]
    assert test["status"] == "failed" and "modified its input(s) in place" in test["output"]
    assert "Build a new mask (e.g. mask & ~eye)" in test["output"]


def test_a_test_explained_by_a_catalogued_mistake_names_it_rather_than_its_own_hint(pool):
    """Unscaled scores fail the large-scores-in-a-row test (1.10) as they fail every other: the
    test says which mistake it matches, not its own hint about subtracting the row maximum."""
    unscaled = _sdpa_variant(" / math.sqrt(d_k)", "")
    results = grade(problem=SDPA, source=unscaled, filename="scaled_dot_product_attention.py", runner=pool)
    assert results["extra_data"]["diagnosis"] == ["sdpa.no_scale"]
    matched = [t for t in results["tests"] if "(sdpa.no_scale)" in t["output"]]
    assert "1.10" in [t["number"] for t in matched]
    assert all("Hint:" not in t["output"] for t in matched)


def test_outputs_that_differ_for_the_same_inputs_point_at_randomness_or_mixed_batches(pool):
    """Dropout left on in multi-head attention: every test's values are off, and the test of batch
    independence, whose batch elements 0 and 2 are the same inputs, says what can make them differ."""
    heads = registry.get("multi_head_attention")
    reference = solution_source(heads)
    softmax = "weights = torch.softmax(scores, dim=-1)"
    assert softmax in reference
    dropout = reference.replace(softmax, softmax + "\n        weights = torch.nn.functional.dropout(weights, 0.1)")
    results = grade(problem=heads, source=dropout, filename="multi_head_attention.py", runner=pool)
    (test,) = [t for t in results["tests"] if t["name"] == "batch elements are independent"]
    assert test["status"] == "failed"
    assert "batch elements 0 and 2 hold the same inputs" in test["output"] and "dropout left on" in test["output"]


def test_max_new_tokens_counted_with_the_prompt_is_not_called_an_early_eos_stop(pool):
    """A loop that runs until the whole sequence has max_new_tokens tokens (max_length, as some
    libraries count) generates too few tokens; the greedy tests and the eos tests say why, rather
    than give a shape or blame eos."""
    generation = registry.get("text_generation")
    loop = "for _ in range(max_new_tokens):"
    reference = solution_source(generation)
    assert loop in reference
    total_length = reference.replace(loop, "while ids.shape[1] < max_new_tokens:")
    results = grade(problem=generation, source=total_length, filename="text_generation.py", runner=pool)
    told = [t for t in results["tests"] if "the prompt's" in t["output"] and "were counted in" in t["output"]]
    assert {"6.1", "6.2", "6.3", "6.9"} <= {t["number"] for t in told}  # greedy tests and an eos test
    assert all("never generated eos" not in t["output"] for t in results["tests"])


def test_a_generation_that_returns_only_its_new_tokens_is_told_so(pool):
    """Returning the new tokens without the prompt (as some libraries' generate can) is named as
    that, not as a prompt counted in max_new_tokens, on the hidden tests and the public ones."""
    generation = registry.get("text_generation")
    reference = solution_source(generation)
    assert "\n    return ids\n" in reference
    new_only = reference.replace("\n    return ids\n", "\n    return ids[:, prompt.shape[1]:]\n")
    results = grade(problem=generation, source=new_only, filename="text_generation.py", runner=pool)
    assert results["score"] == 0
    told = {t["number"] for t in results["tests"] if "returned only the" in t["output"]}
    assert {"6.1", "6.2", "6.3", "6.9"} <= told
    assert all("were counted in" not in t["output"] for t in results["tests"])
    public = grade(problem=generation, source=new_only, filename="text_generation.py", runner=pool, public=True)
    first = public["tests"][0]["output"]
    assert "its values are the expected ones' last" in first and ", without the first" in first, first


def test_an_input_changed_in_place_is_named_as_the_signature_names_it(pool):
    """'positional argument 1' read as k to a Python programmer counting from 0: an input changed in
    place, or one that gets no gradient, is named by its parameter, as the reference's signature has
    it, for calls, modules and generation."""
    from grader.references import positional_parameters

    assert positional_parameters("scaled_dot_product_attention", "call")[:3] == ("q", "k", "v")
    assert positional_parameters("MultiHeadAttention", "module")[:3] == ("query", "key", "value")
    assert positional_parameters("generate", "generate")[:2] == ("prompt", "max_new_tokens")
    scaled_in_place = _sdpa_variant("    d_k = q.shape[-1]\n", "    d_k = q.shape[-1]\n    q.add_(0.5)\n")
    results = grade(problem=SDPA, source=scaled_in_place, filename="scaled_dot_product_attention.py", runner=pool)
    changed = [t["output"] for t in results["tests"] if "in place" in t["output"]]
    assert changed and all("in place: argument 'q';" in output for output in changed)
    detached = _sdpa_variant("scores = q @ k", "scores = q.detach() @ k")
    results = grade(problem=SDPA, source=detached, filename="scaled_dot_product_attention.py", runner=pool)
    assert any("no gradient flows to input 'q'" in t["output"] for t in results["tests"])


def test_a_value_of_the_wrong_kind_gets_no_hint_about_computing_values(pool):
    """Returning the output alone where (output, weights) is the contract: every test says so, and
    none adds its hint on scaling, batch dimensions or masks."""
    output_alone = _sdpa_variant("return output, weights", "return output")
    results = grade(problem=SDPA, source=output_alone, filename="scaled_dot_product_attention.py", runner=pool)
    wrong_kind = [t for t in results["tests"] if "expected tuple of 2" in t["output"]]
    assert len(wrong_kind) >= 10 and all("Hint:" not in t["output"] for t in wrong_kind)


def _graded_reference_with(pool, problem_id: str, old: str, new: str) -> dict:
    """The hidden tests' results of the problem's reference with ``old`` replaced by ``new``."""
    problem = registry.get(problem_id)
    reference = solution_source(problem)
    assert old in reference
    return grade(problem=problem, source=reference.replace(old, new), filename=f"{problem_id}.py", runner=pool)


def test_beam_scores_taken_in_float32_are_told_so(pool):
    """Log-probabilities taken in float32 (a habit from other libraries' generation code) give the
    right winners with scores off by float32 rounding: the tests say that, not their own hints."""
    results = _graded_reference_with(pool, "beam_search", "torch.log_softmax(logits.double(), dim=-1)",
                                     "torch.log_softmax(logits.float(), dim=-1).double()")
    off = [t for t in results["tests"] if "the winners are right but not their final scores" in t["output"]]
    assert off and all(PRECISION in t["output"] and "Hint:" not in t["output"] for t in off)
    assert "Most tests fail only by float32 precision: the formula is right" in results["output"]
    assert "Most tests get wrong values" not in results["output"]  # not sent to look at the formula


def test_beam_winners_padded_with_another_token_than_eos_are_told_so(pool):
    """Rows that finished early padded with 0 are the right winners: they are told about the
    padding, with its hint, not that they hold another hypothesis."""
    results = _graded_reference_with(pool, "beam_search", "tokens.new_full((n_max - tokens.shape[0],), eos_token_id)",
                                     "tokens.new_zeros((n_max - tokens.shape[0],))")
    padded = [t for t in results["tests"] if "right up to where the winner ends, but the padding after it" in
              t["output"]]
    assert padded and all("padded with eos_token_id = " in t["output"] and "Hint: Fill the rest of a shorter "
                          "winner's row with eos_token_id" in t["output"] for t in padded)
    assert not any("another hypothesis" in t["output"] for t in results["tests"])


def test_token_ids_of_the_wrong_length_are_shown_beside_their_shapes(pool):
    """A beam search that never finishes a hypothesis at eos returns rows longer than the winners':
    the few token ids show where it ran on, which the two shapes alone do not."""
    beam = registry.get("beam_search")
    eos_ignored = solution_source(beam).replace("ends_in_eos = candidates[:, -1] == eos_token_id",
                                                "ends_in_eos = torch.zeros_like(order, dtype=torch.bool)")
    results = grade(problem=beam, source=eos_ignored, filename="beam_search.py", runner=pool, public=True)
    first = results["tests"][0]["output"]
    assert "sequences (output[0]): shape (1, 5), expected (1, 4); got [[1, 3, 4, 0, 1]], expected [[1, 3, 4, 0]]" \
        in first, first


def test_a_wrong_formula_that_large_scores_hide_is_not_called_a_float32_drift(pool):
    """With scores up to 1e4 one key takes almost all the weight, so a missing final division is off
    on a few entries only, by less than float32's tolerance: that test names the mistake, not a
    float32 constant."""
    divided = "output = acc / l.unsqueeze(-1)"
    source = solution_source(FLASH)
    assert divided in source
    tests = _graded(pool, source.replace(divided, "output = acc"))
    assert tests["12.16"]["status"] == "failed" and "flash.no_final_divide" in tests["12.16"]["output"]
    assert all(PRECISION not in test["output"] for test in tests.values())


def test_nan_from_a_mask_of_the_other_polarity_points_at_the_mask(pool):
    """A padding mask read as True = blocked (another library's convention) blocks every key of some
    rows: the tests whose output is nan say how a softmax makes nan, and what to check."""
    encoder = registry.get("transformer_encoder_layer")
    reference = solution_source(encoder)
    keep = 'scores.masked_fill(~mask, float("-inf"))'
    assert keep in reference
    results = grade(problem=encoder, source=reference.replace(keep, 'scores.masked_fill(mask, float("-inf"))'),
                    filename="transformer_encoder_layer.py", runner=pool)
    nan = [t for t in results["tests"] if "are nan or inf" in t["output"]]
    assert nan and all("check the mask's polarity (True = may attend)" in t["output"] for t in nan)


def test_a_returned_item_is_named_as_the_contract_names_it(pool):
    """'output[1][0]' makes a learner count brackets: an item of what the call returns is named as the
    contract's docstring has it ('Return (output, (k, v))'), beside its index, in the public tests
    (compared with written-out values) and the hidden ones (compared with the reference)."""
    kv = registry.get("kv_cache")
    reference = solution_source(kv)
    new_tokens_only = reference.replace("return self.out_proj(heads), (k, v)",
                                        "return self.out_proj(heads), (k[:, :, -T:], v[:, :, -T:])")
    assert new_tokens_only != reference
    public = grade(problem=kv, source=new_tokens_only, filename="kv_cache.py", runner=pool, public=True)
    failed = [t["output"] for t in public["tests"] if t["status"] == "failed"]
    assert failed and all("k (output[1][0]): shape" in output for output in failed), failed
    hidden = grade(problem=kv, source=new_tokens_only, filename="kv_cache.py", runner=pool)
    failed = [t["output"] for t in hidden["tests"] if t["status"] == "failed"]
    assert sum("k (output[1][0]): shape" in output for output in failed) >= 5, failed
    assert not any("output (output[0])" in output for output in failed)  # the output is output[0] already
    weights_wrong = _sdpa_variant("return output, weights", "return output, weights.transpose(-2, -1)")
    results = grade(problem=SDPA, source=weights_wrong, filename="scaled_dot_product_attention.py", runner=pool)
    assert any(t["output"].startswith("weights (output[1]): ") for t in results["tests"] if t["status"] == "failed")


ROPE = registry.get("rotary_embedding")
NORM_HINT = "Rotate adjacent features (2i, 2i+1) together"


def test_a_property_that_holds_is_said_to_hold_when_only_the_values_are_wrong(pool):
    """A rotation the wrong way keeps every norm and depends on m − n only: the invariant tests say
    so, name the values as what is wrong, and give no hint about keeping the norms."""
    reference = solution_source(ROPE)
    reversed_rotation = reference.replace("angle.sin().to(x.dtype)", "(-angle).sin().to(x.dtype)")
    assert reversed_rotation != reference
    results = grade(problem=ROPE, source=reversed_rotation, filename="rotary_embedding.py", runner=pool)
    tests = {test["number"]: test for test in results["tests"]}
    for number, held in (("10.8", "depends only on m − n for every pair of positions, but the values are wrong"),
                         ("10.9", "kept its norm, but the values are wrong")):
        assert tests[number]["status"] == "failed" and held in tests[number]["output"], tests[number]["output"]
    assert NORM_HINT not in tests["10.9"]["output"]
    flash = _graded(pool, _variant("torch.arange(start, end,", "torch.arange(0, end - start,"))
    assert "the inputs were left unchanged, but the values are wrong" in flash["12.12"]["output"]


FLOAT32_ANGLES = "the angles (or theta) are computed in float32"


def test_angles_computed_in_float32_are_told_so_at_large_positions(pool):
    """LLaMA's way (theta and the angles in float32) fails the float64 tests at large positions by
    more than float32's tolerance, yet by no more than angles rounded to float32 make: told so, and
    not to use the base argument or the exponent -2i/D, nor (10.8, whose dot products differ by a
    few 1e-7) to rotate by each token's own position. A wrong base is not told it."""
    reference = solution_source(ROPE)
    old = "    i = torch.arange(D // 2, dtype=torch.float64, device=x.device)  # pair index\n"
    assert old in reference and "positions.to(torch.float64)" in reference
    float32_angles = reference.replace(old, old.replace("torch.float64", "torch.float32")).replace(
        "positions.to(torch.float64)", "positions.to(torch.float32)")
    wrong_base = reference.replace("theta = base **", "theta = 10000.0 **")
    assert float32_angles != reference and wrong_base != reference
    for source, told in ((float32_angles, True), (wrong_base, False)):
        results = grade(problem=ROPE, source=source, filename="rotary_embedding.py", runner=pool)
        tests = {test["number"]: test for test in results["tests"]}
        for number in ("10.8", "10.10", "10.12", "10.13"):
            if told or tests[number]["status"] == "failed":
                assert tests[number]["status"] == "failed"
                assert (FLOAT32_ANGLES in tests[number]["output"]) == told, tests[number]["output"]
        assert told or tests["10.12"]["status"] == "failed"  # the wrong base shows on base = 500000


BROAD = "Most tests get wrong values and no known mistake matches"


def test_when_most_tests_get_wrong_values_no_tests_hint_about_its_own_case_is_shown(pool):
    """Flash attention without the 1/√D scale (no catalogued mistake of its problem) fails nearly
    every test on its values: it is not told about shorter last blocks, running-tensor dtypes or
    rescaling, but that the mistake is in what every call computes. Its public tests, the worked
    examples, keep their hints; a mistake confined to one case keeps that test's hint."""
    no_scale = _variant("    scale = 1.0 / math.sqrt(q.shape[-1])\n", "    scale = 1.0\n")
    results = grade(problem=FLASH, source=no_scale, filename="flash_attention.py", runner=pool)
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert len(failed) >= 10 and not any("Hint: " in test["output"] for test in failed)
    assert BROAD in results["output"]
    public = grade(problem=FLASH, source=no_scale, filename="flash_attention.py", runner=pool, public=True)
    assert BROAD not in public["output"] and any("Hint: " in test["output"] for test in public["tests"])
    tests = _graded(pool, _variant("torch.arange(start, end,", "torch.arange(0, end - start,"))
    assert any("Hint: " in test["output"] for test in tests.values() if test["status"] == "failed")


def test_a_broad_failure_counts_tests_whose_values_are_nan(pool):
    """A running maximum never updated overflows into nan on most tests: those are wrong values
    too, so the summary says the mistake is in every call, and no test's own hint is shown."""
    results = grade(problem=FLASH, source=_variant("        m = m_new\n", ""), filename="flash_attention.py",
                    runner=pool)
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert sum("nan or inf" in test["output"] for test in failed) >= 4
    assert BROAD in results["output"]
    assert not any("Create the running tensors with the inputs' dtype" in test["output"] for test in failed)


def test_a_broad_failure_leaves_out_a_value_checks_own_guess_too(pool):
    """A KV cache without out_proj fails nearly every test on its values; the summary says the
    mistake is in what every call computes and that the tests' hints are left out, and no test
    then tells it where a chunk's tokens sit (the chunk check's own guess)."""
    problem = registry.get("kv_cache")
    reference = solution_source(problem)
    projected = "return self.out_proj("
    assert reference.count(projected) == 1
    results = grade(problem=problem, source=reference.replace(projected, "return ("), filename="kv_cache.py",
                    runner=pool)
    failed = [test for test in results["tests"] if test["status"] == "failed"]
    assert BROAD in results["output"] and len(failed) >= 10
    assert not any("Hint: " in test["output"] for test in failed), [t["output"] for t in failed]


@pytest.mark.parametrize("problem_id, old, new", [
    ("sliding_window_attention", 's.masked_fill(~allowed, float("-inf"))', 's.masked_fill(allowed, float("-inf"))'),
    ("kv_cache", 'scores.masked_fill(~causal, float("-inf"))', 'scores.masked_fill(causal, float("-inf"))'),
])
def test_nan_from_keys_blocked_by_default_points_at_the_mask(pool, problem_id, old, new):
    """Keys blocked without any argument saying so (a sliding window, causal by default, a cache's
    new tokens) and the allowed set inverted: rows with no key left give nan, and the tests say how
    a softmax makes nan and what to check, as they do when a mask argument is passed."""
    problem = registry.get(problem_id)
    reference = solution_source(problem)
    assert reference.count(old) == 1
    results = grade(problem=problem, source=reference.replace(old, new), filename=f"{problem_id}.py", runner=pool)
    nan = [t for t in results["tests"] if "are nan or inf" in t["output"]]
    assert nan and all("check the mask's polarity (True = may attend)" in t["output"] for t in nan)


def test_blocks_summed_against_the_running_maximum_without_rescaling_are_named_as_such(pool):
    """Subtracting the running maximum but never rescaling the sums was named "each block normalised
    by its own maximum", which the code does not do: the mistake's name covers both."""
    flash = registry.get("flash_attention")
    never_rescaled = (solution_source(flash).replace("l = alpha * l + p.sum(dim=-1)", "l = l + p.sum(dim=-1)")
                      .replace("acc = alpha.unsqueeze(-1) * acc +", "acc = acc +"))
    results = grade(problem=flash, source=never_rescaled, filename="flash_attention.py", runner=pool, public=True)
    assert results["extra_data"]["diagnosis"] == ["flash.block_max_only"]
    assert "Blocks added up on different maxima" in results["output"]
    assert "the running one as it was then" in results["output"]
