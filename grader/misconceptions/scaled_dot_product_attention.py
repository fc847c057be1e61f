"""Misconception references for scaled_dot_product_attention."""

import math

from grader.misconceptions._attention import attention


def _variant(**mistake):
    def scaled_dot_product_attention(q, k, v, mask=None):
        return attention(q, k, v, mask, **mistake)

    return {"scaled_dot_product_attention": scaled_dot_product_attention}


def _scaled_by(size_of):
    def scaled_dot_product_attention(q, k, v, mask=None):
        return attention(q, k, v, mask, scale=size_of(q, k, v))

    return {"scaled_dot_product_attention": scaled_dot_product_attention}


def _with_residual(q, k, v, mask=None):
    output, weights = attention(q, k, v, mask)
    return output + q, weights


VARIANTS = {
    "sdpa.no_scale": [_variant(scale=1.0)],
    "sdpa.wrong_scale": [
        _scaled_by(lambda q, k, v: float(q.shape[-1])),  # Dk
        _scaled_by(lambda q, k, v: math.sqrt(v.shape[-1])),  # sqrt(Dv)
        _scaled_by(lambda q, k, v: math.sqrt(k.shape[-2])),  # sqrt(Lk)
    ],
    "sdpa.softmax_query_axis": [_variant(softmax_dim=-2)],
    "sdpa.mask_inverted": [_variant(mask_mode="inverted")],
    "sdpa.mask_after_softmax": [_variant(mask_mode="after")],
    "sdpa.residual_added": [{"scaled_dot_product_attention": _with_residual}],
    "sdpa.unstable_softmax": [_variant(stable=False)],
    "sdpa.finite_mask_fill": [
        _variant(masked_value=-1e4),  # masked_fill(~mask, -10000.0)
        _variant(mask_mode="added", masked_value=-1e4),  # BERT: scores + (1 - mask) * -10000.0
    ],
}
