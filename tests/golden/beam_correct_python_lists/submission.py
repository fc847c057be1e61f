import torch


def beam_search(model, prompt, max_new_tokens, num_beams, eos_token_id=None, length_penalty=1.0):
    if num_beams < 1 or max_new_tokens < 0:
        raise ValueError("num_beams must be >= 1 and max_new_tokens >= 0")
    results = []
    with torch.no_grad():
        for row in prompt.tolist():
            beams = [(0.0, [])]  # (log-probability, generated tokens)
            done = []
            for step in range(max_new_tokens):
                candidates = []
                for score, generated in beams:
                    context = torch.tensor([(row + generated)[-model.block_size:]])
                    logp = torch.log_softmax(model(context)[0, -1].double(), dim=0)
                    for token in range(logp.shape[0]):
                        candidates.append((score + logp[token].item(), generated + [token]))
                candidates.sort(key=lambda c: c[0], reverse=True)
                for rank, (score, generated) in enumerate(candidates):
                    if generated[-1] == eos_token_id and rank < num_beams:
                        done.append((score, generated))
                beams = [c for c in candidates if c[1][-1] != eos_token_id][:num_beams]
                if len(done) >= num_beams:
                    break
            if max_new_tokens == 0:
                results.append((0.0, []))
                continue
            best = None
            for score, generated in done + beams:
                final = score / len(generated) ** length_penalty
                if best is None or final > best[0]:
                    best = (final, generated)
            results.append(best)
    longest = max(len(g) for _, g in results)
    sequences = [row + g + [eos_token_id] * (longest - len(g)) for row, (_, g) in zip(prompt.tolist(), results)]
    return torch.tensor(sequences, dtype=torch.long), torch.tensor([s for s, _ in results], dtype=torch.float64)
