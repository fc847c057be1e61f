"""A module whose parameters differ from the contract is told so once, from its side.

PyTorch's ``load_state_dict`` error ("Missing key(s)... Unexpected key(s)...")
used to be every module test's feedback; now the summary says what the
contract allows and what the module has too many or too few of, each test
points at it, and a forged or garbled report falls back to the plain message.
"""

from __future__ import annotations

import json

import pytest

from grader import registry
from grader.grading import Suite, grade
from grader.pool import SandboxPool
from grader.references import solution_source
from grader.sandbox.state_dicts import MAX_NAMES, mismatch_from_message

pytestmark = [pytest.mark.sandbox]
MHA = registry.get("multi_head_attention")


@pytest.fixture(scope="module")
def pool():
    with SandboxPool(1) as pool:
        yield pool


def _grade(pool, source: str, lang: str = "en") -> dict:
    return grade(problem=MHA, source=source, filename="mha.py", runner=pool, suite=Suite(MHA),
                 figure=False, lang=lang)


def _renamed_with_a_norm() -> str:
    source = solution_source(MHA).replace("out_proj", "o_proj")
    marker = "self.o_proj = "
    assert marker in source
    return source.replace(marker, "self.norm = torch.nn.LayerNorm(embed_dim)\n        " + marker, 1)


def test_the_summary_names_what_is_extra_and_what_is_missing_once(pool):
    results = _grade(pool, _renamed_with_a_norm())
    summary = results["output"]
    assert "too many: norm.bias, norm.weight, o_proj.bias, o_proj.weight." in summary
    assert "It lacks: out_proj.bias, out_proj.weight." in summary
    assert summary.count("do not match the contract") == 1
    assert "Missing key" not in json.dumps(results)
    loading = [t for t in results["tests"] if "reference weights could not be loaded" in t["output"]]
    assert len(loading) >= 5  # every test that loads weights points at the summary
    assert all("Hint" not in t["output"] and "提示" not in t["output"] for t in loading)
    assert results["score"] < results["max_score"]


def test_the_same_in_chinese(pool):
    summary = _grade(pool, _renamed_with_a_norm(), lang="zh")["output"]
    assert "多出了：norm.bias、norm.weight、o_proj.bias、o_proj.weight。" in summary
    assert "缺少：out_proj.bias、out_proj.weight。" in summary


def test_a_differently_shaped_parameter_is_named_with_both_shapes(pool):
    source = solution_source(MHA).replace("self.out_proj = torch.nn.Linear(embed_dim, embed_dim",
                                          "self.out_proj = torch.nn.Linear(embed_dim, 2 * embed_dim", 1)
    assert "2 * embed_dim" in source
    summary = _grade(pool, source)["output"]
    assert "Shaped differently: out_proj.bias is (" in summary
    assert "out_proj.weight is (" in summary and "the contract's is (" in summary


def test_a_non_persistent_buffer_is_allowed_as_the_message_says(pool):
    marker = "self.out_proj = "
    source = solution_source(MHA).replace(
        marker, "self.register_buffer('scratch', torch.zeros(3), persistent=False)\n        " + marker, 1)
    results = _grade(pool, source)
    assert results["score"] == results["max_score"], results["output"]


def test_a_forged_mismatch_reads_as_any_other_exception(pool):
    source = solution_source(MHA).replace(
        "def forward(self,", "def forward(self, *a, **k):\n"
        "        raise ParameterMismatch('{\"extra\": 7}')\n\n    def _unused(self,", 1)
    source = "class ParameterMismatch(Exception):\n    pass\n\n" + source
    results = _grade(pool, source)
    outputs = " ".join(t["output"] for t in results["tests"])
    assert "raised ParameterMismatch" in outputs
    assert "do not match the contract" not in results["output"]


@pytest.mark.parametrize("message", [
    "", "not json", "[" * 10_000, json.dumps({"extra": ["a"]}),
    json.dumps({"extra": ["a"] * (MAX_NAMES + 1), "missing": [], "reshaped": [], "more": 0}),
    json.dumps({"extra": [1], "missing": [], "reshaped": [], "more": 0}),
    json.dumps({"extra": ["x" * 1000], "missing": [], "reshaped": [], "more": 0}),
    json.dumps({"extra": [], "missing": [], "reshaped": [["w", [2 ** 41], [1]]], "more": 0}),
    json.dumps({"extra": [], "missing": [], "reshaped": [["w", [1], [1]]], "more": True}),
    json.dumps({"extra": [], "missing": [], "reshaped": [], "more": 0}),
    "9" * 5000,
])
def test_a_hostile_report_is_not_parsed_as_a_mismatch(message):
    assert mismatch_from_message(message) is None
