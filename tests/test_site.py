"""The study site: rendering helpers, figures, content files and a full build (no browser)."""

from __future__ import annotations

import json
import re

import pytest
import torch

from grader import registry
from grader.hidden import example as worked_example
from grader.sitegen import charmodel, charmodel_train, content, examples, figures, markup
from tests.site_support import broken_links, build, html_pages, parse


# --- Markdown, math, code -----------------------------------------------------

def test_inline_math_becomes_mathml():
    html = markup.markdown(r"Divide by $\sqrt{d_k}$ before the softmax.")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in html
    assert "<msqrt>" in html and "$" not in html


def test_display_math_becomes_block_mathml():
    html = markup.markdown(r"$$\operatorname{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V$$")
    assert 'display="block"' in html and "<mfrac>" in html


def test_display_math_inside_a_list_item_stays_valid_html():
    html = markup.markdown("1. Every head:\n   $$h = \\operatorname{softmax}(x)$$\n   with the softmax over the keys.")
    assert 'display="block"' in html and "<div" not in html
    assert "with the softmax over the keys" in html and "<mi>w</mi>" not in html


def test_math_next_to_chinese_text():
    html = markup.markdown(r"维度$d_k$的平方根")
    assert html.count("<math") == 1 and "维度" in html and "的平方根" in html


def test_dollar_amounts_are_not_math():
    assert "<math" not in markup.markdown("It costs $5 and $10.")


def test_bad_latex_falls_back_to_its_source():
    html = markup.markdown(r"broken $\frac{1$ here")
    assert "<math" not in html or "frac" in html  # never raises, never loses the text
    assert "here" in html


def test_a_minus_sign_is_set_against_its_operand():
    # latex2mathml spaces every minus as binary: "(1, − 1)", "− ∞".
    for latex in (r"(1, -1)", r"x = -1", r"[-1, 1]", r"-\infty", r"e^{-2}"):
        assert '<mo form="prefix">&#x02212;</mo>' in markup.math(latex, display=False), latex
    assert "<mi>&#x0221E;</mi>" in markup.math(r"-\infty", display=False)
    for latex in (r"a - b", r"(a) - b", r"|x| - 1", r"[a] - b", r"\left( x \right) - 1"):
        assert '<mo form="prefix">&#x02212;' not in markup.math(latex, display=False), latex


def test_code_fences_are_highlighted_with_pygments():
    html = markup.markdown("```python\ndef f(x):\n    return x @ w\n```")
    assert html.startswith('<div class="hl"><pre>')
    assert '<span class="k">def</span>' in html and '<span class="nf">f</span>' in html


def test_raw_html_is_escaped():
    html = markup.markdown("a <script>alert(1)</script> b")
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in markup.inline("shape <b>")


def test_tables_render():
    html = markup.markdown("| a | b |\n|---|---|\n| 1 | 2 |")
    assert "<table>" in html and "<td>1</td>" in html


def test_inline_text_keeps_shapes_literal():
    # Registry strings are plain text: the stars of (*B, L, D) are not emphasis.
    html = markup.inline("q is (*B, Lq, Dk) and k is (*B, Lk, Dk); use `x @ w`")
    assert "<em>" not in html and "(*B, Lq, Dk)" in html
    assert "<code>x @ w</code>" in html


def test_plain_text_for_search():
    text = markup.plain_text("## Title\n\nSome *bold* `code` and $x_i$.\n\n```python\ny = 1\n```")
    assert "Title" in text and "bold" in text and "code" in text and "x_i" in text and "y = 1" in text
    assert "*" not in text and "#" not in text


# --- the worked example as code, the stub's signature --------------------------------

def test_signature_keeps_headers_and_docstrings_only():
    source = '''
import torch

class Thing(torch.nn.Module):
    """A thing."""

    def __init__(self, n):
        """Make it."""
        super().__init__()
        raise NotImplementedError

    def forward(self, x,
                mask=None):
        raise NotImplementedError


def helper():
    pass
'''
    text = examples.signature(source, ("Thing",))
    assert "class Thing(torch.nn.Module):" in text and '"""Make it."""' in text
    assert "mask=None):" in text and "NotImplementedError" not in text and "helper" not in text


def test_python_literals():
    assert examples.python_literal(torch.tensor([[1.0, 0.5]])) == "torch.tensor([[1.0, 0.5]])"
    assert examples.python_literal(torch.tensor([1.0], dtype=torch.float64)).endswith("dtype=torch.float64)")
    assert examples.python_literal(torch.tensor([True, False])) == "torch.tensor([True, False])"
    assert "shape (10, 10)" in examples.python_literal(torch.zeros(10, 10))


def test_every_problem_with_an_example_runs_it_on_the_reference():
    for problem in registry.all_problems():
        if worked_example(problem) is None:
            continue
        example = examples.run_example(problem)
        assert example is not None, problem.id
        assert "result" in example.code and example.result.startswith("result")


# --- figures ----------------------------------------------------------------------

def test_attention_weights_become_a_heatmap_with_blocked_cells():
    weights = torch.tensor([[0.5, 0.0, 0.5], [0.25, 0.75, 0.0]])
    hm = figures.heatmap(weights)
    assert hm.kind == "attention" and len(hm.panels) == 1 and hm.panels[0].index is None
    assert (hm.vmin, hm.vmax) == (0.0, 1.0) and hm.has_blocked
    blocked = [c for c in hm.panels[0].cells if c.blocked]
    assert len(blocked) == 2 and all(c.text == "" for c in blocked)
    assert [c.text for c in hm.panels[0].cells if not c.blocked] == ["0.50", "0.50", "0.25", "0.75"]


def test_one_panel_per_head():
    weights = torch.softmax(torch.randn(3, 4, 5, generator=torch.Generator().manual_seed(0)), dim=-1)
    hm = figures.heatmap(weights)
    assert hm.kind == "attention" and [p.index for p in hm.panels] == [0, 1, 2]
    assert all(len(p.cells) == 20 for p in hm.panels)


def test_other_tables_use_a_diverging_scale():
    table = torch.tensor([[0.0, 1.0], [0.84, -0.54]])
    hm = figures.heatmap(table)
    assert hm.kind == "table" and hm.vmin == -1.0 and hm.vmax == 1.0 and not hm.has_blocked
    colours = {c.tip.split(":")[0]: c.fill for c in hm.panels[0].cells}
    assert colours["position 0, dimension 1"] == "#b2182b"  # +1: the red end


def test_large_tables_stay_within_the_page():
    hm = figures.heatmap(torch.randn(64, 128).tanh())
    panel = hm.panels[0]
    assert panel.width <= figures.MAX_PANEL_WIDTH + 60 and panel.height <= figures.MAX_PANEL_HEIGHT + 60
    assert all(c.text == "" for c in panel.cells)


def test_not_a_figure():
    assert figures.heatmap(torch.tensor([[1, 2], [3, 4]])) is None
    assert figures.heatmap(torch.zeros(2, 2, 2, 2)) is None


def _greedy_generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
                     eos_token_id=None, generator=None):
    ids = prompt
    for _ in range(max_new_tokens):
        logits = model(ids[:, -model.block_size:])[:, -1]
        ids = torch.cat([ids, logits.argmax(-1, keepdim=True)], dim=1)
    return ids


def test_generation_table_records_every_step(monkeypatch):
    problem = next((p for p in registry.all_problems() if p.kind == "generation"), None)
    if problem is None:
        pytest.skip("no generation problem in the registry")
    monkeypatch.setattr(figures, "solution_namespace", lambda p: {p.symbols[0]: _greedy_generate})
    g = figures.generation(problem)
    assert len(g.steps) == figures.NEW_TOKENS and g.text.startswith(figures.PROMPT)
    for step in g.steps:
        assert len(step.candidates) == figures.TOP_K
        assert abs(sum(c.prob for c in step.candidates) - 1.0) < 1e-6
        assert [c.chosen for c in step.candidates].count(True) == 1
        assert step.candidates[0].chosen  # greedy draws the most likely one


def test_generation_with_the_reference():
    problem = next((p for p in registry.all_problems() if p.kind == "generation"), None)
    if problem is None:
        pytest.skip("no generation problem in the registry")
    g = figures.generation(problem)
    assert g is not None and len(g.steps) == figures.NEW_TOKENS
    assert all(any(c.chosen for c in s.candidates) for s in g.steps)  # top-k never draws outside


# --- the character model -------------------------------------------------------------

def test_character_model_follows_the_generation_contract():
    model = charmodel.load()
    ids = model.encode("the query ")
    with torch.no_grad():
        logits = model(ids)
    assert logits.shape == (1, ids.shape[1], len(model.vocab))
    assert model.block_size == 32 and model.decode(ids[0]) == "the query "
    with pytest.raises(ValueError):
        model(torch.zeros(1, model.block_size + 1, dtype=torch.int64))


def test_character_model_has_learned_its_text():
    model = charmodel.load()
    text = charmodel.CORPUS_PATH.read_text(encoding="utf-8")[:200]
    ids = model.encode(text)[:, : model.block_size + 1]
    with torch.no_grad():
        logits = model(ids[:, :-1])
    loss = torch.nn.functional.cross_entropy(logits[0], ids[0, 1:])
    assert loss < 1.5  # a uniform guess over the vocabulary would be about 3.3


def test_training_is_deterministic():
    a, loss_a = charmodel_train.train(steps=3, seed=5)
    b, loss_b = charmodel_train.train(steps=3, seed=5)
    assert loss_a == loss_b
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


# --- content ------------------------------------------------------------------------

def test_questions_are_complete_and_bilingual():
    sources = content.load_sources()
    assert [s.id for s in sources] == ["000", "001", "002", "003", "004"]
    topics, questions = content.load_questions({s.id for s in sources})
    assert len(questions) >= 15
    for q in questions:
        assert q.question.en and q.question.zh and q.answer.en and q.answer.zh
        assert re.search(r"[\u4e00-\u9fff]", q.answer.zh), q.id
        for c in q.corrections:
            assert c.claim.en and c.claim.zh and c.why.en and c.why.zh
    ids = {q.id for q in questions}
    for needed in ("what-is-self-attention", "how-is-attention-computed", "multi-head-attention",
                   "positional-encoding", "encoder-decoder", "complexity", "shared-attention",
                   "advantages", "drawbacks"):
        assert needed in ids


def test_the_known_wrong_answers_are_corrected():
    _, questions = content.load_questions()
    by_id = {q.id: q for q in questions}
    claims = lambda qid: " ".join(c.claim.en + c.why.en for c in by_id[qid].corrections)
    assert "concatenated" in claims("positional-encoding")
    assert "O(1)" in claims("complexity")
    assert "sub-sequences" in claims("multi-head-attention")
    assert "too spread out" in claims("why-scale")


def test_answers_agree_with_the_articles_and_the_literature():
    _, questions = content.load_questions()
    by_id = {q.id: q for q in questions}
    text = lambda qid: " ".join([by_id[qid].answer.en, by_id[qid].answer.zh,
                                 *(c.claim.en + c.why.en + c.why.zh for c in by_id[qid].corrections)])
    assert "never runs" in text("multi-head-attention")  # 000's code calls self_attention with 4 arguments
    assert "view(B, L, h, d_h)" in text("multi-head-attention") and "transpose(1, 2)" in text("multi-head-attention")
    assert "O(L d + d^2)" in text("complexity")
    assert "causal mask" in text("what-is-self-attention") and "Haviv" in text("positional-encoding")
    assert r"\lVert q_j \rVert" in text("shared-attention")  # the Reformer normalises its keys
    assert "很小的负数" not in text("masking") and "绝对值很大的负数" in text("masking")


WAVE_TWO = ("transformer_encoder_layer", "transformer_decoder_layer", "rotary_embedding", "kv_cache",
            "flash_attention", "sliding_window_attention", "beam_search")


def test_every_tag_has_a_chinese_name():
    """Chinese pages show each tag by its Chinese name (site/content/tags.toml), and search finds it."""
    names = content.load_tag_names()
    unnamed = {(p.id, t) for p in registry.all_problems() for t in p.tags if t not in names}
    assert unnamed == set()


def test_every_new_problem_has_interview_questions():
    _, questions = content.load_questions()
    for problem_id in WAVE_TWO:
        assert any(problem_id in q.problems for q in questions), problem_id
    ids = {q.id for q in questions}
    for needed in ("multi-head-where", "bert-self-attention", "recursive-attention-and-fusion"):
        assert needed in ids


# --- the whole site -----------------------------------------------------------------

@pytest.fixture(scope="module")
def site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    index = build(out, tmp_path_factory.mktemp("home"))
    assert index == out / "index.html"
    return out


def test_a_page_per_problem(site):
    for problem in registry.all_problems():
        page = site / "problem" / f"{problem.id}.html"
        assert page.is_file(), problem.id
        html = page.read_text(encoding="utf-8")
        assert problem.title in html and problem.title_zh in html
        assert 'class="hints" data-hints' in html or not problem.hints
        assert '<details class="spoiler"' in html
        for m in problem.misconceptions:
            assert f'id="{m.id}"' in html
        assert f"<code>attn-judge start {problem.id}</code>" in html


def test_every_link_resolves_and_nothing_is_remote(site):
    assert broken_links(site) == []


def test_no_inline_scripts(site):
    # The shared layout's Content-Security-Policy allows scripts from files only.
    for page in html_pages(site):
        html = page.read_text(encoding="utf-8")
        for match in re.finditer(r"<script([^>]*)>", html):
            assert "src=" in match.group(1), page.name


def test_math_is_rendered_at_build_time(site):
    questions = (site / "questions.html").read_text(encoding="utf-8")
    assert questions.count("<math") > 20 and "$$" not in questions


def test_search_index_finds_multi_head_in_both_languages(site):
    script = (site / "static" / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(script[script.index("=") + 1:].strip().rstrip(";"))
    text = lambda e: (e["t"] + " " + e["tz"] + " " + e["x"] + " " + e["xz"]).lower()
    assert any("multi-head" in text(e) for e in entries)
    assert any("多头" in text(e) for e in entries)
    assert {e["k"] for e in entries} == {"problem", "mistake", "question"}
    # Each text is in its own language, so that a result can quote the reader's.
    for problem in registry.all_problems():
        entry = next(e for e in entries if e["u"] == f"problem/{problem.id}.html")
        assert problem.summary in entry["x"] and problem.summary_zh not in entry["x"], problem.id
        assert problem.summary_zh in entry["xz"] and problem.summary not in entry["xz"], problem.id
    targets = {e["u"].split("#")[0] for e in entries}
    assert all((site / t).is_file() for t in targets)
    kv = next(e for e in entries if e["u"] == "problem/kv_cache.html")
    assert "键值缓存" in kv["n"].split() and "kv-cache" in kv["n"].split()  # a tag in both languages


def test_every_mistake_is_found_by_its_id(site):
    script = (site / "static" / "search-index.js").read_text(encoding="utf-8")
    entries = json.loads(script[script.index("=") + 1:].strip().rstrip(";"))
    by_href = {e["u"]: e for e in entries}
    for problem in registry.all_problems():
        for m in problem.misconceptions:
            entry = by_href[f"problem/{problem.id}.html#{m.id}"]
            assert entry["k"] == "mistake" and m.id in entry["n"].split(), m.id


def test_progress_is_hidden_without_results(site):
    assert 'id="progress"' not in (site / "index.html").read_text(encoding="utf-8")


def test_progress_view_shows_solved_problems(tmp_path):
    from grader import progress

    first = registry.all_problems()[0]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ATTN_JUDGE_HOME", str(tmp_path / "home"))
        progress.record(first.id, score=5.0, max_score=5.0)
        progress.record("not_a_problem", score=1.0, max_score=5.0)
    build(tmp_path / "site", tmp_path / "home")
    html = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert 'id="progress"' in html
    total = len(registry.all_problems())
    assert f"1 of {total} problems solved" in html
    assert 'role="progressbar" aria-labelledby="progress-title"' in html
    card = html[html.index(f'id="p-{first.id}"'):]
    assert "✓ solved" in card[: card.index("</li>")]


def test_templates_escape_what_they_are_given(site):
    # Autoescaping is on: a title with markup would appear as text. The
    # statements and answers are rendered by markdown-it with HTML disabled.
    page = parse(site / "index.html")
    assert not any(ref.startswith("javascript:") for _, _, ref in page.refs)
    from grader.sitegen.build import _environment

    env = _environment()
    assert env.autoescape is True
    assert "&lt;b&gt;" in env.from_string("{{ x }}").render(x="<b>")
