import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1 or max_new_tokens < 0:
        raise ValueError("bad arguments")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    best_rows, best_scores = [], []
    with torch.no_grad():
        for b in range(B):
            # step 1: the num_beams best first tokens
            logp = model(prompt[b:b + 1, -model.block_size:])[0, -1].double().log_softmax(-1)
            first = logp.argsort(descending=True)
            beams, finished = [], []
            for rank, tok in enumerate(first.tolist()):
                seq = torch.cat([prompt[b], torch.tensor([tok])])
                if tok == eos_token_id:
                    if rank < num_beams:
                        finished.append((seq, logp[tok]))
                elif len(beams) < num_beams:
                    beams.append((seq, logp[tok]))
            # later steps: every beam continues with its most likely token
            step = 1
            while step < max_new_tokens and len(finished) < num_beams and beams:
                step += 1
                still = []
                for seq, score in beams:
                    lp = model(seq[None, -model.block_size:])[0, -1].double().log_softmax(-1)
                    tok = int(lp.argmax())
                    new = (torch.cat([seq, torch.tensor([tok])]), score + lp[tok])
                    (finished if tok == eos_token_id else still).append(new)
                beams = still
            pool = [(seq, s / (len(seq) - T0) ** length_penalty) for seq, s in finished + beams]
            seq, score = max(pool, key=lambda p: p[1])
            best_rows.append(seq)
            best_scores.append(score)
    n = max(len(r) for r in best_rows)
    pad = eos_token_id if eos_token_id is not None else 0
    out = torch.stack([torch.cat([r, r.new_full((n - len(r),), pad)]) for r in best_rows])
    return out, torch.stack(best_scores)
