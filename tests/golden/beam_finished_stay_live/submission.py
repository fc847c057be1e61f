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
                logp = torch.log_softmax(model(seqs[:, -model.block_size:])[:, -1, :].double(), dim=-1)
                V = logp.shape[-1]
                flat = (scores[:, None] + logp).reshape(-1)
                top = torch.topk(flat, min(num_beams, flat.numel())).indices
                seqs = torch.cat([seqs[top // V], (top % V)[:, None]], dim=1)
                scores = flat[top]
                for seq, score in zip(seqs, scores):
                    if eos_token_id is not None and seq[-1] == eos_token_id:
                        finished.append((seq, score))  # done; the beam itself carries on
                if len(finished) >= num_beams:
                    break
            pool = finished + list(zip(seqs, scores))
            finals = torch.stack([s / (len(q) - T0) ** length_penalty for q, s in pool])
            best = int(finals.argmax())
            winners.append((pool[best][0], finals[best]))
    L = max(len(q) for q, _ in winners)
    out = torch.full((B, L), eos_token_id if eos_token_id is not None else 0, dtype=torch.int64)
    for b, (q, _) in enumerate(winners):
        out[b, :len(q)] = q
    return out, torch.stack([s for _, s in winners])
