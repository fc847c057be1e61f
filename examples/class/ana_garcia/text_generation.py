"""Text generation — Ana García."""

import torch


def _keep_top_k(logits, k):
    if k >= logits.shape[-1]:
        return logits
    kth = torch.topk(logits, k, dim=-1).values[:, -1:]
    return logits.masked_fill(logits < kth, float("-inf"))  # ties with the k-th stay


def _keep_top_p(logits, p):
    probs = torch.softmax(logits, dim=-1)
    desc = probs.sort(dim=-1, descending=True).values
    before = desc.cumsum(dim=-1) - desc  # mass of the more likely tokens
    last_needed = desc.masked_fill(before >= p, float("inf")).amin(dim=-1, keepdim=True)
    return logits.masked_fill(probs < last_needed, float("-inf"))


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    done = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids[:, -model.block_size:])[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    logits = _keep_top_k(logits, top_k)
                if top_p is not None:
                    logits = _keep_top_p(logits, top_p)
                nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)
            if eos_token_id is not None:
                nxt = nxt.masked_fill(done[:, None], eos_token_id)
                done = done | (nxt[:, 0] == eos_token_id)
            ids = torch.cat([ids, nxt], dim=1)
            if eos_token_id is not None and bool(done.all()):
                break
    return ids
