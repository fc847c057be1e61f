import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1 or max_new_tokens < 0:
        raise ValueError("bad arguments")
    B, T0 = prompt.shape
    if max_new_tokens == 0:
        return prompt.clone(), torch.zeros(B, dtype=torch.float64)
    out_tokens, out_scores = [], []
    with torch.no_grad():
        for b in range(B):
            beams = prompt[b].unsqueeze(0).repeat(num_beams, 1)  # num_beams beams from the start
            scores = torch.zeros(num_beams, dtype=torch.float64)
            hyps = []
            for _ in range(max_new_tokens):
                logits = model(beams[:, -model.block_size:])[:, -1, :]
                cand = scores.unsqueeze(1) + torch.log_softmax(logits.double(), dim=-1)
                V = cand.shape[1]
                order = cand.flatten().argsort(descending=True)
                new_beams, new_scores = [], []
                for rank, i in enumerate(order.tolist()):
                    seq = torch.cat([beams[i // V], torch.tensor([i % V])])
                    if eos_token_id is not None and i % V == eos_token_id:
                        if rank < num_beams:
                            hyps.append((seq, cand.flatten()[i]))
                    else:
                        new_beams.append(seq)
                        new_scores.append(cand.flatten()[i])
                    if len(new_beams) == num_beams:
                        break
                beams, scores = torch.stack(new_beams), torch.stack(new_scores)
                if len(hyps) >= num_beams:
                    break
            pool = hyps + list(zip(beams, scores))
            finals = [s / (len(seq) - T0) ** length_penalty for seq, s in pool]
            best = max(range(len(pool)), key=lambda i: finals[i])
            out_tokens.append(pool[best][0])
            out_scores.append(finals[best])
    width = max(len(t) for t in out_tokens)
    padded = [torch.cat([t, torch.full((width - len(t),), eos_token_id if eos_token_id is not None else 0)])
              for t in out_tokens]
    return torch.stack(padded), torch.stack(out_scores)
