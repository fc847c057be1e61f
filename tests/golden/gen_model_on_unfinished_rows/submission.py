import torch


def _sample(logits, temperature, top_k, top_p, generator):
    if temperature == 0:
        return logits.argmax(dim=-1)
    logits = logits / temperature
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None and top_p < 1:
        probs = torch.softmax(logits, dim=-1)
        sorted_probs = probs.sort(dim=-1, descending=True).values
        n_keep = (sorted_probs.cumsum(dim=-1) < top_p).sum(dim=-1, keepdim=True) + 1
        smallest = sorted_probs.gather(-1, n_keep.clamp(max=logits.shape[-1]) - 1)
        logits = logits.masked_fill(probs < smallest, float("-inf"))
    return torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)[:, 0]


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    B = ids.shape[0]
    finished = torch.zeros(B, dtype=torch.bool)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            context = ids[:, -model.block_size:]
            active = ~finished
            # rows that are done only get eos: run the model on the others
            out = model(context[active])[:, -1, :]
            logits = out.new_zeros(B, out.shape[-1])
            logits[active] = out
            tokens = _sample(logits, temperature, top_k, top_p, generator)
            if eos_token_id is not None:
                tokens = tokens.masked_fill(finished, eos_token_id)
                finished = finished | (tokens == eos_token_id)
            ids = torch.cat([ids, tokens[:, None]], dim=1)
            if eos_token_id is not None and finished.all():
                break
    return ids
