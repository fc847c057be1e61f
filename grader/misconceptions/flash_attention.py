"""Misconception references for flash_attention.

Every variant streams over key blocks like a learner's solution would, except
``flash.materialises_scores``, which returns the right values through the full
score matrix and is caught by the memory test alone.
"""

from grader.misconceptions._online_softmax import blockwise_attention, dense_attention

SYMBOL = "flash_attention"


def _variant(**mistake):
    def flash_attention(q, k, v, causal=False, block_size=64):
        return blockwise_attention(q, k, v, causal, block_size, **mistake)

    return {SYMBOL: flash_attention}


VARIANTS = {
    "flash.no_rescale": [_variant(rescale_output=False)],
    "flash.denominator_not_rescaled": [_variant(rescale_denominator=False)],
    "flash.block_max_only": [
        _variant(per_block_max=True),  # lse from the row's running maximum
        _variant(per_block_max=True, lse_max="last_block"),  # lse from the last block's maximum
    ],
    "flash.no_final_divide": [_variant(final_divide=False)],
    "flash.lse_without_max": [_variant(lse_max="none")],
    "flash.materialises_scores": [{SYMBOL: dense_attention}],
}
