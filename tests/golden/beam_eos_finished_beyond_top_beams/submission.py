import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1:
        raise ValueError("num_beams must be >= 1")
    if max_new_tokens < 0:
        raise ValueError("max_new_tokens must be >= 0")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    results = []
    with torch.no_grad():
        for b in range(B):
            base = prompt[b].tolist()
            beams = [([], 0.0)]  # (generated tokens, cumulative log-prob)
            finished = []
            for step in range(max_new_tokens):
                cands = []
                for gen, sc in beams:
                    ctx = torch.tensor([base + gen], dtype=torch.long)[:, -model.block_size:]
                    lp = torch.log_softmax(model(ctx)[0, -1].double(), dim=-1).tolist()
                    for tok, l in enumerate(lp):
                        cands.append((gen + [tok], sc + l))
                cands.sort(key=lambda c: -c[1])
                new_beams = []
                for rank, (gen, sc) in enumerate(cands):
                    if eos_token_id is not None and gen[-1] == eos_token_id:
                        if rank < 2 * num_beams:
                            finished.append((gen, sc))
                    elif len(new_beams) < num_beams:
                        new_beams.append((gen, sc))
                beams = new_beams
                if len(finished) >= num_beams or not beams:
                    break
            best = None
            for gen, sc in finished + beams:
                f = sc / (len(gen) ** length_penalty)
                if best is None or f > best[1]:
                    best = (gen, f)
            results.append(best)
    n_max = max(len(g) for g, _ in results)
    seqs = []
    for b, (gen, _) in enumerate(results):
        pad = [eos_token_id] * (n_max - len(gen))
        seqs.append(prompt[b].tolist() + gen + pad)
    return torch.tensor(seqs, dtype=torch.int64), torch.tensor([f for _, f in results], dtype=torch.float64)
