import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1 or max_new_tokens < 0:
        raise ValueError("bad arguments")
    results = []
    with torch.no_grad():
        for row in prompt:
            beams = [(row, 0.0)]
            complete = []
            for _ in range(max_new_tokens):
                cands = []
                batch = torch.stack([seq for seq, _ in beams])
                logp = torch.log_softmax(model(batch[:, -model.block_size:])[:, -1].double(), -1)
                for (seq, score), row_logp in zip(beams, logp):
                    for tok, lp in enumerate(row_logp.tolist()):
                        cands.append((torch.cat([seq, torch.tensor([tok])]), score + lp))
                cands.sort(key=lambda c: -c[1])
                complete += [c for c in cands[:num_beams] if int(c[0][-1]) == eos_token_id]
                beams = [c for c in cands if int(c[0][-1]) != eos_token_id][:num_beams]
                if len(complete) >= num_beams:
                    break
            best_seq, best_score = max(complete + beams, key=lambda c: c[1])  # the most likely one
            results.append((best_seq, best_score))
    width = max(len(seq) for seq, _ in results)
    sequences = torch.stack([torch.cat([seq, seq.new_full((width - len(seq),), eos_token_id or 0)])
                             for seq, _ in results])
    return sequences, torch.tensor([score for _, score in results], dtype=torch.float64)
