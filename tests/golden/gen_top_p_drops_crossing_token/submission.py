import torch
import torch.nn.functional as F


def top_k_top_p(logits, top_k=None, top_p=None):
    if top_k is not None:
        k = min(top_k, logits.size(-1))
        threshold = torch.topk(logits, k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < threshold, float("-inf"))
    if top_p is not None:
        sorted_logits, sorted_idx = torch.sort(logits, descending=True, dim=-1)
        cumulative = F.softmax(sorted_logits, dim=-1).cumsum(dim=-1)
        keep_sorted = cumulative <= top_p
        keep_sorted[..., 0] = True  # always keep the best token
        keep = torch.zeros_like(keep_sorted).scatter(-1, sorted_idx, keep_sorted)
        logits = logits.masked_fill(~keep, float("-inf"))
    return logits


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    done = torch.zeros(ids.size(0), dtype=torch.bool, device=ids.device)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids[:, -model.block_size:])[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = top_k_top_p(logits / temperature, top_k, top_p)
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            if eos_token_id is not None:
                nxt[done] = eos_token_id
                done = done | (nxt.squeeze(1) == eos_token_id)
            ids = torch.cat([ids, nxt], dim=1)
            if eos_token_id is not None and done.all():
                break
    return ids
