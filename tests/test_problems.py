"""Every problem's content, graded through its own hidden and public tests.

The reference scores full marks, the stub scores zero with a clear message, and
every misconception reference scores below full marks and is diagnosed as its
own ID and no other.
"""

from __future__ import annotations

import ast
import re

import pytest

from grader import registry
from grader.grading import grade
from grader.hidden import hidden_cases, public_cases
from grader.references import misconception_variants, solution_source
from grader.trusted_runner import NamespaceRunner, TrustedRunner

SPEC_IDS = {
    "scaled_dot_product_attention": [
        "sdpa.no_scale", "sdpa.wrong_scale", "sdpa.softmax_query_axis", "sdpa.mask_inverted",
        "sdpa.mask_after_softmax", "sdpa.residual_added", "sdpa.unstable_softmax"],
    "self_attention": [
        "self_attention.scale_by_model_dim", "self_attention.causal_excludes_self",
        "self_attention.causal_flipped", "self_attention.weights_transposed",
        "self_attention.extra_layers", "self_attention.no_scale"],
    "multi_head_attention": [
        "mha.scale_by_embed_dim", "mha.scale_cancelled", "mha.split_sequence", "mha.no_head_split",
        "mha.bad_head_reshape", "mha.bad_head_merge", "mha.no_out_proj", "mha.mask_inverted"],
    "shared_qk_attention": [
        "shared_qk.separate_projections_ignored", "shared_qk.self_not_excluded",
        "shared_qk.no_fallback", "shared_qk.no_scale"],
    "grouped_query_attention": [
        "gqa.interleaved_groups", "gqa.scale_by_embed_dim", "gqa.causal_flipped"],
    "text_generation": [
        "gen.no_context_crop", "gen.temperature_after_softmax", "gen.top_p_excludes_boundary",
        "gen.eos_not_sticky", "gen.whole_sequence_logits"],
    "positional_encoding": [
        "pe.halves_not_interleaved", "pe.exponent_i_over_d", "pe.positions_from_one"],
}

PROBLEMS = [p for p in registry.all_problems()]
IDS = [p.id for p in PROBLEMS]
VARIANT_PARAMS = [
    pytest.param(p, mid, i, id=f"{mid}[{i}]")
    for p in PROBLEMS
    for mid, variants in misconception_variants(p.id).items()
    for i in range(len(variants))
]


def _grade(problem, runner, source="", public=False):
    return grade(problem=problem, source=source, filename=f"{problem.id}.py", runner=runner,
                 public=public)


def test_catalogue_is_complete():
    assert set(IDS) <= set(SPEC_IDS)
    for problem in PROBLEMS:
        assert problem.misconception_ids == SPEC_IDS[problem.id], problem.id
        assert sorted(misconception_variants(problem.id)) == sorted(SPEC_IDS[problem.id])


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_problem_files(problem):
    for path in (problem.statement_path, problem.statement_zh_path, problem.stub_path,
                 problem.public_tests_path):
        assert path.is_file(), f"missing {path.name}"
    assert 3 <= len(public_cases(problem)) <= 6
    assert len(hidden_cases(problem.id)) >= 12
    numbers = [c.number for c in hidden_cases(problem.id)]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith(f"{problem.order}.") for n in numbers)
    stub = ast.parse(problem.stub())
    defined = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert set(problem.symbols) <= defined
    assert "NotImplementedError" in problem.stub()
    assert problem.hints and len(problem.hints) == len(problem.hints_zh)
    zh = problem.statement("zh")
    assert re.search(r"[\u4e00-\u9fff]", zh), "the Chinese statement has no Chinese text"


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_reference_scores_full_marks(problem):
    for public in (False, True):
        result = _grade(problem, TrustedRunner(), solution_source(problem), public=public)
        failed = [(t["number"], t["output"]) for t in result["tests"] if t["status"] != "passed"]
        assert not failed, failed
        assert result["score"] == result["max_score"] > 0
        assert result["extra_data"]["diagnosis"] == []


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_reference_scores_full_marks_on_another_seed(problem):
    result = grade(problem=problem, source=solution_source(problem), filename="x.py",
                   runner=TrustedRunner(), seed=12345)
    assert result["score"] == result["max_score"]
    assert "seed" not in result["extra_data"] and result["extra_data"]["seed_fingerprint"]


@pytest.mark.parametrize("problem", PROBLEMS, ids=IDS)
def test_stub_scores_zero(problem):
    for public in (False, True):
        result = _grade(problem, TrustedRunner(), problem.stub(), public=public)
        assert result["score"] == 0
        assert all("not implemented" in t["output"] for t in result["tests"])


@pytest.mark.parametrize("problem,mid,index", VARIANT_PARAMS)
def test_misconception_is_diagnosed_as_itself(problem, mid, index):
    namespace = misconception_variants(problem.id)[mid][index]
    result = _grade(problem, NamespaceRunner(namespace))
    assert result["score"] < result["max_score"]
    assert result["extra_data"]["diagnosis"] == [mid]
    flagged = [t for t in result["tests"] if mid in t["extra_data"]["diagnosis"]]
    assert flagged and all(problem.misconception(mid).title in t["output"] for t in flagged)


def test_misconception_snippets_are_ours(problems):
    for problem in problems:
        for item in problem.misconceptions:
            assert item.mistake and item.fix and item.mistake != item.fix, item.id
            assert item.title and item.title_zh and item.explanation and item.explanation_zh
