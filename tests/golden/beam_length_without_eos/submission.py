import heapq

import torch
import torch.nn.functional as F


def _step(model, hyps):
    """Every one-token extension of every hypothesis: (score, tokens)."""
    batch = torch.stack([tokens for _, tokens in hyps])
    logits = model(batch[:, -model.block_size:])[:, -1, :]
    logp = F.log_softmax(logits.to(torch.float64), dim=-1)
    for (score, tokens), row in zip(hyps, logp):
        for token, value in enumerate(row.tolist()):
            yield score + value, torch.cat([tokens, torch.tensor([token])])


def _length(tokens, start, eos):
    # the eos token is not a word of the answer, so it is not counted
    n = len(tokens) - start
    if eos is not None and n > 0 and int(tokens[-1]) == eos:
        n -= 1
    return max(n, 1)


@torch.no_grad()
def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1:
        raise ValueError("num_beams has to be at least 1")
    if max_new_tokens < 0:
        raise ValueError("max_new_tokens has to be non-negative")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    best_rows = []
    for b in range(B):
        hyps, done = [(0.0, prompt[b])], []
        for _ in range(max_new_tokens):
            ranked = heapq.nlargest(num_beams + len(hyps), _step(model, hyps), key=lambda c: c[0])
            hyps = []
            for rank, (score, tokens) in enumerate(ranked):
                if eos_token_id is not None and int(tokens[-1]) == eos_token_id:
                    if rank < num_beams:
                        done.append((score, tokens))
                elif len(hyps) < num_beams:
                    hyps.append((score, tokens))
            if len(done) >= num_beams or not hyps:
                break
        candidates = [(s / _length(t, T0, eos_token_id) ** length_penalty, t) for s, t in done + hyps]
        best_rows.append(max(candidates, key=lambda c: c[0]))
    width = max(len(t) for _, t in best_rows)
    pad = eos_token_id if eos_token_id is not None else 0
    sequences = torch.stack([torch.cat([t, t.new_full((width - len(t),), pad)]) for _, t in best_rows])
    return sequences.long(), torch.tensor([s for s, _ in best_rows], dtype=torch.float64)
