"""Misconception references for transformer_encoder_layer (problem 8).

Each variant subclasses the reference (so its constructor, submodules and
strict state-dict loading are the contract's) and rewires the forward pass with
:mod:`grader.misconceptions._transformer`. Where an ID covers several programs
(which sub-layer lacks its residual, which norm is shared) there is one variant
per reading.
"""

from grader.misconceptions._transformer import feed_forward, norm_order, sublayer
from grader.references import solution_module

SYMBOL = "TransformerEncoderLayer"
_REFERENCE = getattr(solution_module("transformer_encoder_layer"), SYMBOL)


class _ConfigurableEncoderLayer(_REFERENCE):
    """An encoder layer with switchable mistakes (all defaults: correct).

    Class attributes:
        placement: the norm order computed, see :func:`norm_order`.
        residuals: the residual of (attention, feed-forward), see :func:`sublayer`.
        activation: False drops the ReLU of the feed-forward network.
        norms: the LayerNorm each sub-layer uses, (attention, feed-forward).
    """

    placement = "asked"
    residuals = ("add", "add")
    activation = True
    norms = ("norm1", "norm2")

    def forward(self, x, mask=None):
        norm_first = norm_order(self.norm_first, self.placement)
        attention_norm, ff_norm = (getattr(self, name) for name in self.norms)
        x = sublayer(x, lambda h: self.self_attn(h, h, h, mask), attention_norm,
                     norm_first=norm_first, residual=self.residuals[0])
        return sublayer(x, lambda h: feed_forward(self, h, activation=self.activation), ff_norm,
                        norm_first=norm_first, residual=self.residuals[1])


def _variant(**mistake):
    return {SYMBOL: type(SYMBOL, (_ConfigurableEncoderLayer,), dict(mistake))}


VARIANTS = {
    "encoder.no_residual": [
        _variant(residuals=("none", "add")),  # attention's input not added back
        _variant(residuals=("add", "none")),  # feed-forward's input not added back (003)
        _variant(residuals=("none", "none")),  # neither
    ],
    "encoder.norm_placement": [
        _variant(placement="post"),  # norm_first ignored: always post-norm
        _variant(placement="pre"),  # norm_first ignored: always pre-norm
        _variant(placement="flipped"),  # norm_first read the wrong way round
    ],
    "encoder.ffn_no_activation": [
        _variant(activation=False),
    ],
    "encoder.residual_doubles": [
        _variant(residuals=("double", "add")),  # 003: x = attn(x); x = x + x
        _variant(residuals=("add", "double")),
        _variant(residuals=("double", "double")),
    ],
    "encoder.shared_norm": [
        _variant(norms=("norm1", "norm1")),  # the first block's norm copied into the second
        _variant(norms=("norm2", "norm2")),
    ],
}
