"""Misconception references for text_generation."""

from grader.misconceptions._generation import decode


def _variant(**mistake):
    def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None, top_p=None,
                 eos_token_id=None, generator=None):
        return decode(model, prompt, max_new_tokens, temperature, top_k, top_p, eos_token_id,
                      generator, **mistake)

    return {"generate": generate}


VARIANTS = {
    "gen.no_context_crop": [_variant(crop=False)],
    "gen.temperature_after_softmax": [_variant(temperature_on="probs")],
    "gen.top_p_excludes_boundary": [_variant(nucleus_boundary=False)],
    "gen.eos_not_sticky": [_variant(eos="stop_only"), _variant(eos="same_step")],
    "gen.whole_sequence_logits": [_variant(position=0), _variant(position="mean")],
}
