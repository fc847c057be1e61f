"""Beam search: fill in the function below."""

import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    """Return (sequences, scores): the best hypothesis of each row.

    Args:
        model: maps int64 ids of shape (N, T) to logits of shape (N, T, V);
            ``model.block_size`` is the longest context it accepts (feed each
            beam's last min(T, block_size) tokens, under torch.no_grad()).
        prompt: int64 token ids, shape (B, T0) with T0 >= 1; each row is
            searched on its own. Do not modify it.
        max_new_tokens: the most tokens to generate per row (>= 0, else ValueError).
        num_beams: how many live beams each row keeps (>= 1, else ValueError).
        eos_token_id: None, or the token that finishes a hypothesis (an eos
            inside the prompt does not count).
        length_penalty: a hypothesis of n generated tokens (eos included) with
            summed log-probability s has the final score s / n ** length_penalty.

    Returns:
        sequences: int64 tensor of shape (B, T0 + n_max), each row's prompt
            followed by its winner, n_max the longest winner's length
            (shorter winners padded with eos_token_id).
        scores: float64 tensor of shape (B,), the winners' final scores.
    """
    raise NotImplementedError("implement beam_search")
