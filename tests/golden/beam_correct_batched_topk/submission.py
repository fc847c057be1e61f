import torch


@torch.no_grad()
def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1:
        raise ValueError("need at least one beam")
    if max_new_tokens < 0:
        raise ValueError("max_new_tokens cannot be negative")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    # live[b] = (ids of the row's live beams (k, T), their scores (k,)); None once the row is done
    live = [(prompt[b:b + 1], torch.zeros(1, dtype=torch.float64)) for b in range(B)]
    finished = [[] for _ in range(B)]
    for _ in range(max_new_tokens):
        rows = [b for b in range(B) if live[b] is not None]
        if not rows:
            break
        ids = torch.cat([live[b][0] for b in rows])  # every live beam of every row: one call
        logp = model(ids[:, -model.block_size:])[:, -1, :].double().log_softmax(-1)
        V = logp.shape[-1]
        start = 0
        for b in rows:
            beams, scores = live[b]
            k = beams.shape[0]
            flat = (scores[:, None] + logp[start:start + k]).view(-1)
            start += k
            top = flat.topk(min(2 * num_beams, flat.numel()))
            kept_ids, kept_scores = [], []
            for rank, (value, index) in enumerate(zip(top.values, top.indices)):
                beam, token = divmod(int(index), V)
                seq = torch.cat([beams[beam], torch.tensor([token])])
                if token == eos_token_id:
                    if rank < num_beams:
                        finished[b].append((seq, value))
                elif len(kept_ids) < num_beams:
                    kept_ids.append(seq)
                    kept_scores.append(value)
            live[b] = (torch.stack(kept_ids), torch.stack(kept_scores))
            if len(finished[b]) >= num_beams:
                finished[b] += list(zip(*live[b]))
                live[b] = None
    winners = []
    for b in range(B):
        pool = finished[b] + (list(zip(*live[b])) if live[b] is not None else [])
        lengths = torch.tensor([len(s) - T0 for s, _ in pool], dtype=torch.float64)
        finals = torch.stack([v for _, v in pool]) / lengths ** length_penalty
        best = int(finals.argmax())  # finished ones come first, argmax keeps the first maximum
        winners.append((pool[best][0], finals[best]))
    width = max(len(s) for s, _ in winners)
    out = torch.full((B, width), eos_token_id if eos_token_id is not None else 0, dtype=torch.long)
    for b, (seq, _) in enumerate(winners):
        out[b, :len(seq)] = seq
    return out, torch.stack([score for _, score in winners])
