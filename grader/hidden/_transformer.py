"""Parameters, masks, designed scores and shared cases for the Transformer-layer problems (8 and 9).

Trusted side only. Every tensor is drawn from the case's seeded generator, with
two designs on top for the stability cases:

- :func:`amplify_scores` scales the query and key projections so that the
  attention scores reach about 1e4 before the softmax; what comes out is then
  normalised by a LayerNorm, and only finiteness is checked (values at that
  magnitude are not reproducible to the tolerance in float32).
- :func:`scores_just_below` makes every allowed scaled score exactly -1e4 or
  -1e4 - 100 (head_dim = 1, integer keys, queries from the bias alone), so a
  blocked key filled with a finite -1e4 competes with the allowed ones and
  changes the output, while -inf, -1e9 or the dtype's minimum do not. With
  :func:`blocked_above_zero` the blocked keys score 0 and above instead, so an
  added -1e4 (BERT's additive mask) changes the output too;
  :func:`position_scores_state` does the same for causal self-attention.
"""

from __future__ import annotations

import torch

from grader.cases import Case
from grader.checks import all_finite, raises
from grader.hidden._inputs import randint_float, randn
from grader.hidden._large_scores import reads_position
from grader.hidden._modules import linear_state
from grader.i18n import t

PROJECTIONS = ("q_proj", "k_proj", "v_proj", "out_proj")
SCORE_FLOOR = 100.0  # scores_just_below: queries are 100, keys -100 or -101


def layer_norm_state(rng: torch.Generator, name: str, dim: int, *,
                     dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """``{name}.weight`` around 1 and ``{name}.bias`` around 0, never the defaults.

    Non-default values make the two (or three) norms of a layer different
    functions, so a layer that uses one norm in two places computes something else.
    """
    weight = 1.0 + randn(rng, dim, dtype=torch.float64, scale=0.3)
    bias = randn(rng, dim, dtype=torch.float64, scale=0.3)
    return {f"{name}.weight": weight.to(dtype), f"{name}.bias": bias.to(dtype)}


def attention_state(rng: torch.Generator, prefix: str, d_model: int, *,
                    dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """The four biased projections of an attention submodule called ``prefix``."""
    state = {}
    for name in PROJECTIONS:
        state |= linear_state(rng, f"{prefix}.{name}", d_model, d_model, bias=True, dtype=dtype)
    return state


def layer_state(rng: torch.Generator, d_model: int, dim_feedforward: int, *,
                attentions: tuple[str, ...], norms: tuple[str, ...],
                dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    """A whole layer's state dict, named as the contract names it."""
    state = {}
    for prefix in attentions:
        state |= attention_state(rng, prefix, d_model, dtype=dtype)
    state |= linear_state(rng, "linear1", d_model, dim_feedforward, bias=True, dtype=dtype)
    state |= linear_state(rng, "linear2", dim_feedforward, d_model, bias=True, dtype=dtype)
    for name in norms:
        state |= layer_norm_state(rng, name, d_model, dtype=dtype)
    return state


def padding_mask(rng: torch.Generator, batch: int, length: int) -> torch.Tensor:
    """(B, 1, 1, L) bool: sequence b keeps its first n_b positions (True = may attend).

    Every sequence but the first is padded (1 <= n_b < L); the first one is full,
    as in a real batch padded to its longest sequence.
    """
    lengths = torch.randint(1, length, (batch,), generator=rng)
    lengths[0] = length
    return (torch.arange(length) < lengths[:, None]).view(batch, 1, 1, length)


def amplify_scores(state: dict, prefix: str, factor: float) -> dict:
    """The state with the query and key projections of ``prefix`` multiplied by ``factor``.

    Scores grow like ``factor ** 2``.
    """
    state = dict(state)
    for name in ("q_proj", "k_proj"):
        for part in ("weight", "bias"):
            state[f"{prefix}.{name}.{part}"] = state[f"{prefix}.{name}.{part}"] * factor
    return state


def binary_tokens(rng: torch.Generator, *shape: int,
                  dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Tokens whose features are 0 or 1 (exact in any float dtype)."""
    return randint_float(rng, 0, 2, *shape, dtype=dtype)


def scores_just_below(state: dict, prefix: str, d_model: int) -> dict:
    """Make every scaled score of ``prefix`` (head_dim = 1) -1e4 or -1e4 - 100, exactly.

    The query projection keeps only its bias (every query is 100 in every head),
    the key projection is -identity with bias -100, so a key whose feature h is 0
    or 1 (see :func:`binary_tokens`) scores -1e4 or -10100 in head h. The keys
    must be the raw input (post-norm self-attention, or cross-attention on
    memory) for the scores to be exact.
    """
    state = dict(state)
    like = state[f"{prefix}.q_proj.weight"]
    state[f"{prefix}.q_proj.weight"] = torch.zeros_like(like)
    state[f"{prefix}.q_proj.bias"] = torch.full((d_model,), SCORE_FLOOR, dtype=like.dtype)
    state[f"{prefix}.k_proj.weight"] = -torch.eye(d_model, dtype=like.dtype)
    state[f"{prefix}.k_proj.bias"] = torch.full((d_model,), -SCORE_FLOOR, dtype=like.dtype)
    return state


def blocked_above_zero(tokens: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """``tokens`` (B, L, E), 0 or 1, with every position where ``keep`` (B, L) is False moved to
    -100 - token (-100 or -101).

    Under :func:`scores_just_below` such a key is 0 or 1, so it scores 0 or 100, while the kept
    keys score -1e4 or -10100: a blocked key filled with -1e4, or shifted by an added -1e4
    (BERT's additive mask), then ties with or beats them.
    """
    return torch.where(keep.unsqueeze(-1), tokens, -SCORE_FLOOR - tokens)


def position_scores_state(state: dict, prefix: str, q: torch.Tensor, k: torch.Tensor, d_model: int) -> dict:
    """The state with the query and key projections of ``prefix`` reading position tokens.

    ``q`` and ``k`` are (H, L, head_dim), e.g. from :func:`~grader.hidden._large_scores.one_hot_keys`;
    a :func:`~grader.hidden._large_scores.position_tokens` token i is then projected to q[:, i]
    and k[:, i] (biases 0). The keys must be the raw input (post-norm self-attention).
    """
    heads, length, head_dim = q.shape
    state = dict(state)
    zeros = torch.zeros(d_model, dtype=q.dtype)
    for name, vectors in (("q_proj", q), ("k_proj", k)):
        state[f"{prefix}.{name}.weight"] = reads_position(vectors.transpose(0, 1).reshape(length, heads * head_dim),
                                                          d_model)
        state[f"{prefix}.{name}.bias"] = zeros
    return state


# ----------------------------------------------------------------------------- cases both layers share

LOW_SCORE_HINT = t("Fill blocked scores with -inf (or a value below any legal score, such as the "
                   "dtype's minimum); a finite -1e4 can tie with an allowed score.",
                   "被屏蔽的得分要填 -inf（或者比任何合法得分都小的值，例如该 dtype 的最小值）；"
                   "有限的 -1e4 可能和允许的得分一样大。")


def bad_d_model_case(number: str, make) -> Case:
    """d_model = 10 with 4 heads must raise ValueError."""
    return Case(number, t("d_model not divisible by num_heads raises ValueError",
                          "d_model 不能被 num_heads 整除时抛出 ValueError"),
                0.5, make,
                check=raises("ValueError", why=t("d_model=10 cannot be split into 4 heads",
                                                 "d_model=10 无法切分成 4 个头")),
                tags=("errors",),
                hint=t("Check d_model % num_heads in __init__ and raise ValueError.",
                       "在 __init__ 里检查 d_model % num_heads，不能整除就抛出 ValueError。"))


def large_scores_case(number: str, make) -> Case:
    """Scores near 1e4 (see :func:`amplify_scores`): outputs and gradients stay finite."""
    return Case(number, t("scores near 1e4 before a LayerNorm stay finite (gradients too)",
                          "进入层归一化之前的得分接近 1e4 时，输出和梯度仍是有限值"),
                1.0, make, check=all_finite(), tags=("stability",),
                hint=t("Use torch.softmax (or subtract each row's maximum before exp()).",
                       "使用 torch.softmax（或者在 exp() 之前减去每行的最大值）。"))
