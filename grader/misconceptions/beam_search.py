"""Misconception references for beam_search."""

from grader.misconceptions._beam import search

# Each misconception ID and the keywords of `search` that make its mistake.
MISTAKES = {
    "beam.duplicate_start": {"duplicate_start": True},
    "beam.no_length_penalty": {"penalise": False},
    "beam.finished_keep_expanding": {"eos_stays_live": True},
    "beam.probabilities_added": {"add": "probabilities"},
    "beam.top1_per_beam": {"expand": "own_best"},
}


def _variant(mistake: dict) -> dict:
    def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None,
                    length_penalty=1.0):
        return search(model, prompt, max_new_tokens, num_beams, eos_token_id, length_penalty,
                      **mistake)

    return {"beam_search": beam_search}


VARIANTS = {mid: [_variant(mistake)] for mid, mistake in MISTAKES.items()}
