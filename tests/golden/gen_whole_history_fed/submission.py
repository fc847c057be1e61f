import torch
import torch.nn.functional as F


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids)[:, -1, :]  # the model sees everything generated so far
            if temperature == 0:
                next_id = logits.argmax(-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    v, _ = torch.topk(logits, min(top_k, logits.size(-1)))
                    logits[logits < v[:, [-1]]] = float("-inf")
                if top_p is not None and top_p < 1:
                    probs = F.softmax(logits, dim=-1)
                    sorted_probs, _ = torch.sort(probs, descending=True)
                    cum = torch.cumsum(sorted_probs, dim=-1)
                    n = (cum < top_p).sum(-1, keepdim=True) + 1
                    cutoff = sorted_probs.gather(-1, n.clamp(max=probs.size(-1)) - 1)
                    logits[probs < cutoff] = float("-inf")
                next_id = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            if eos_token_id is not None:
                next_id[finished] = eos_token_id
                finished |= next_id[:, 0] == eos_token_id
            ids = torch.cat([ids, next_id], dim=1)
            if eos_token_id is not None and finished.all():
                break
    return ids
