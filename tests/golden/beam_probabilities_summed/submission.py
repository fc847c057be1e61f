import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1 or max_new_tokens < 0:
        raise ValueError("bad arguments")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    winners = []
    with torch.no_grad():
        for b in range(B):
            seqs = prompt[b:b + 1]
            scores = torch.zeros(1, dtype=torch.float64)
            finished = []
            for _ in range(max_new_tokens):
                probs = torch.softmax(model(seqs[:, -model.block_size:])[:, -1, :].double(), dim=-1)
                total = scores[:, None] + probs  # accumulate how likely each beam is
                V = total.shape[-1]
                flat = total.reshape(-1)
                ranked = torch.argsort(flat, descending=True)
                is_eos = (ranked % V == eos_token_id) if eos_token_id is not None else torch.zeros_like(ranked, dtype=torch.bool)
                for i in ranked[:num_beams][is_eos[:num_beams]]:
                    finished.append((torch.cat([seqs[i // V], (i % V).view(1)]), flat[i]))
                keep = ranked[~is_eos][:num_beams]
                seqs = torch.cat([seqs[keep // V], (keep % V)[:, None]], dim=1)
                scores = flat[keep]
                if len(finished) >= num_beams:
                    break
            candidates = finished + list(zip(seqs, scores))
            finals = [s / (len(q) - T0) ** length_penalty for q, s in candidates]
            i = max(range(len(finals)), key=lambda j: finals[j])
            winners.append((candidates[i][0], finals[i]))
    L = max(len(q) for q, _ in winners)
    out = torch.full((B, L), eos_token_id if eos_token_id is not None else 0, dtype=torch.int64)
    for b, (q, _) in enumerate(winners):
        out[b, :len(q)] = q
    return out, torch.stack([s for _, s in winners])
