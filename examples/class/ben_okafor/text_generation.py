"""Ben Okafor: sampling with temperature, top-k and top-p."""

import torch
import torch.nn.functional as F


def _filter(logits, top_k, top_p):
    if top_k is not None:
        kth = torch.topk(logits, min(top_k, logits.size(-1))).values[:, -1:]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p is not None:
        sorted_logits, order = logits.sort(dim=-1, descending=True)
        running = F.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
        # running total of each token, back in vocabulary order
        total = torch.empty_like(running).scatter_(-1, order, running)
        best = logits == sorted_logits[:, :1]
        logits = logits.masked_fill((total > top_p) & ~best, float("-inf"))
    return logits


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    done = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids[:, -model.block_size:])[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                probs = F.softmax(_filter(logits / temperature, top_k, top_p), dim=-1)
                nxt = torch.multinomial(probs, 1, generator=generator)
            if eos_token_id is not None:
                nxt = nxt.masked_fill(done[:, None], eos_token_id)
                done |= nxt[:, 0] == eos_token_id
            ids = torch.cat([ids, nxt], dim=1)
            if eos_token_id is not None and done.all():
                break
    return ids
