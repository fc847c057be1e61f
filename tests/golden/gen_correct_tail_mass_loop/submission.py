import torch


def next_token_probs(logits, temperature, top_k, top_p):
    """Sampling distribution over the vocabulary for each row of logits (B, V)."""
    probs = torch.softmax(logits / temperature, dim=-1)
    if top_k is not None and top_k < probs.shape[-1]:
        kth_prob = probs.topk(top_k, dim=-1).values[:, -1:]
        probs = torch.where(probs >= kth_prob, probs, torch.zeros_like(probs))
        probs = probs / probs.sum(dim=-1, keepdim=True)
    if top_p is not None and top_p < 1.0:
        ascending = probs.sort(dim=-1).values
        tail = ascending.cumsum(dim=-1)  # mass of this token and every less likely one
        # a token is needed while the mass of the tokens more likely than it
        # (1 - tail) is still below top_p
        needed = (1.0 - tail) < top_p
        smallest_needed = torch.where(needed, ascending, torch.ones_like(ascending)).amin(-1, keepdim=True)
        probs = torch.where(probs >= smallest_needed, probs, torch.zeros_like(probs))
    return probs


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    tokens = prompt.clone()
    finished = [False] * prompt.shape[0]
    step = 0
    with torch.no_grad():
        while step < max_new_tokens:
            context = tokens if tokens.shape[1] <= model.block_size else tokens[:, -model.block_size:]
            last = model(context)[:, -1, :]
            if temperature == 0:
                chosen = last.argmax(dim=-1, keepdim=True)
            else:
                probs = next_token_probs(last, temperature, top_k, top_p)
                chosen = torch.multinomial(probs, num_samples=1, generator=generator)
            if eos_token_id is not None:
                for row in range(len(finished)):
                    if finished[row]:
                        chosen[row, 0] = eos_token_id
                    elif chosen[row, 0].item() == eos_token_id:
                        finished[row] = True
            tokens = torch.cat((tokens, chosen), dim=1)
            step += 1
            if eos_token_id is not None and all(finished):
                break
    return tokens
