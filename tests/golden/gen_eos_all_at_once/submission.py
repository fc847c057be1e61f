import torch


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    seq = prompt
    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(seq[:, -model.block_size:])[:, -1, :]
        if temperature == 0:
            new = logits.argmax(dim=-1, keepdim=True)
        else:
            logits = logits / temperature
            if top_k is not None and top_k < logits.shape[-1]:
                kth = torch.sort(logits, dim=-1, descending=True).values[:, top_k - 1:top_k]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            if top_p is not None and top_p < 1:
                probs = torch.softmax(logits, dim=-1)
                desc = torch.sort(probs, dim=-1, descending=True).values
                n_keep = (desc.cumsum(-1) < top_p).sum(-1, keepdim=True) + 1
                floor = desc.gather(-1, torch.clamp(n_keep, max=desc.shape[-1]) - 1)
                logits = logits.masked_fill(probs < floor, float("-inf"))
            new = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
        seq = torch.cat([seq, new], dim=1)
        if eos_token_id is not None and (new == eos_token_id).all():
            break
    return seq
