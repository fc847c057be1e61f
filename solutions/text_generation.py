"""Reference solution: autoregressive text generation.

At every step, with ``ids`` the tokens so far (prompt included):

    z = model(ids[:, -block_size:])[:, -1, :]      logits of the next token, (B, V)
    temperature == 0:   next = argmax_i z_i          (the first index on ties)
    otherwise:          z = z / temperature
        top_k:          z_i = -inf  where z_i < (k-th largest z)      (ties kept)
        top_p:          p = softmax(z); S = the smallest set of most likely tokens
                        with sum_{i in S} p_i >= top_p, plus every token tied with
                        the least likely member of S; z_i = -inf outside S
                        next ~ softmax(z)            (torch.multinomial, one draw)
    a row that has produced eos_token_id keeps producing it; stop once all have.
"""

import torch


def _keep_top_k(logits, k):
    """Mask all but the k largest logits of each row (values tied with the k-th stay)."""
    k = min(k, logits.shape[-1])  # top_k >= V keeps everything
    kth = torch.topk(logits, k, dim=-1).values[:, -1:]  # (B, 1) the k-th largest logit
    return logits.masked_fill(logits < kth, float("-inf"))


def _keep_nucleus(logits, top_p):
    """Mask all but the smallest set of most likely tokens whose probability reaches top_p."""
    probs = torch.softmax(logits, dim=-1)  # (B, V)
    sorted_probs = torch.sort(probs, dim=-1, descending=True).values  # (B, V)
    cumulative = sorted_probs.cumsum(dim=-1)  # (B, V)
    # The tokens whose running total is still below top_p, plus the one that crosses it.
    n_keep = (cumulative < top_p).sum(dim=-1, keepdim=True) + 1  # (B, 1), at least one
    n_keep = n_keep.clamp(max=logits.shape[-1])
    smallest_kept = sorted_probs.gather(-1, n_keep - 1)  # (B, 1)
    return logits.masked_fill(probs < smallest_kept, float("-inf"))  # ties with it stay


def _next_token(logits, temperature, top_k, top_p, generator):
    """One token per row from the last-position logits (B, V); returns (B, 1)."""
    if temperature == 0:
        return logits.argmax(dim=-1, keepdim=True)  # argmax takes the first index on ties
    logits = logits / temperature
    if top_k is not None:
        logits = _keep_top_k(logits, top_k)
    if top_p is not None and top_p < 1:  # top_p = 1 keeps every token
        logits = _keep_nucleus(logits, top_p)
    probs = torch.softmax(logits, dim=-1)  # (B, V), zero outside top-k and the nucleus
    return torch.multinomial(probs, 1, generator=generator)  # (B, 1)


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    """Extend ``prompt`` (B, T0) by up to ``max_new_tokens`` tokens; return (B, T0 + steps)."""
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0, got {temperature}")
    if top_k is not None and top_k < 1:
        raise ValueError(f"top_k must be >= 1, got {top_k}")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    ids = prompt.clone()  # (B, T0)
    finished = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)  # (B,)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            context = ids[:, -model.block_size:]  # (B, <= block_size)
            logits = model(context)[:, -1, :]  # (B, V) the last position only
            next_token = _next_token(logits, temperature, top_k, top_p, generator)  # (B, 1)
            if eos_token_id is not None:
                # A finished row keeps producing eos; an eos in the prompt does not count.
                next_token = next_token.masked_fill(finished.unsqueeze(-1), eos_token_id)
                finished = finished | (next_token[:, 0] == eos_token_id)
            ids = torch.cat([ids, next_token], dim=1)  # (B, T + 1)
            if eos_token_id is not None and bool(finished.all()):
                break
    return ids
