import torch
import torch.nn.functional as F


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    finished = torch.zeros(ids.size(0), dtype=torch.bool, device=ids.device)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(ids[:, -model.block_size:])
            logits = logits.mean(dim=1)  # (B, V) one prediction for the whole context
            if temperature == 0:
                nxt = torch.argmax(logits, dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = torch.topk(logits, min(top_k, logits.size(-1)), dim=-1).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                if top_p is not None and top_p < 1:
                    probs = F.softmax(logits, dim=-1)
                    sp = torch.sort(probs, dim=-1, descending=True).values
                    k = ((sp.cumsum(-1) < top_p).sum(-1, keepdim=True) + 1).clamp(max=sp.size(-1))
                    logits = logits.masked_fill(probs < sp.gather(-1, k - 1), float("-inf"))
                nxt = torch.multinomial(F.softmax(logits, dim=-1), 1, generator=generator)
            if eos_token_id is not None:
                nxt = torch.where(finished[:, None], torch.full_like(nxt, eos_token_id), nxt)
                finished = finished | (nxt[:, 0] == eos_token_id)
            ids = torch.cat([ids, nxt], dim=1)
            if eos_token_id is not None and finished.all():
                break
    return ids
