"""Text generation: fill in the function below."""

import torch


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    """Autoregressive decoding.

    Args:
        model: maps int64 ids of shape (B, T) to logits of shape (B, T, V);
            ``model.block_size`` is the longest context it accepts.
        prompt: int64 token ids, shape (B, T0) with T0 >= 1. Do not modify it.
        max_new_tokens: the most tokens to append to each sequence (>= 0).
        temperature: 0 for greedy decoding (argmax, first index on ties);
            otherwise the logits are divided by it before sampling (> 0).
        top_k: None, or keep only the k largest logits (values tied with the
            k-th largest are kept; k >= V keeps everything).
        top_p: None, or keep the smallest set of most likely tokens whose
            probability reaches top_p, plus tokens tied with the last one kept
            (0 < top_p <= 1; never fewer than one token).
        eos_token_id: None, or a token id that finishes a sequence: once a
            sequence has generated it, it keeps producing it, and decoding stops
            when every sequence has generated it.
        generator: the torch.Generator to pass to
            ``torch.multinomial(probs, 1, generator=generator)``.

    Returns:
        int64 tensor of shape (B, T0 + steps), the prompt followed by the
        generated tokens, with steps <= max_new_tokens.
    """
    raise NotImplementedError("implement generate")
