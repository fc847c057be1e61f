import torch


@torch.no_grad()
def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool, device=ids.device)
    for _ in range(max_new_tokens):
        logits = model(ids[:, -model.block_size:])[:, -1, :]
        if temperature == 0:
            nxt = logits.argmax(dim=-1, keepdim=True)
        else:
            probs = torch.softmax(logits / temperature, dim=-1)
            # work on the sorted distribution and map the draw back to token ids
            sorted_probs, sorted_ids = probs.sort(dim=-1, descending=True)
            keep = torch.ones_like(sorted_probs, dtype=torch.bool)
            if top_k is not None:
                keep &= sorted_probs >= sorted_probs[:, min(top_k, probs.shape[-1]) - 1:][:, :1]
            if top_p is not None:
                kept = sorted_probs * keep
                kept = kept / kept.sum(-1, keepdim=True)
                before = kept.cumsum(-1) - kept
                needed = keep & (before < top_p)
                smallest = kept.masked_fill(~needed, 2.0).amin(-1, keepdim=True)
                keep &= kept >= smallest
            sorted_probs = sorted_probs * keep
            choice = torch.multinomial(sorted_probs, 1, generator=generator)
            nxt = sorted_ids.gather(-1, choice)
        if eos_token_id is not None:
            nxt = nxt.masked_fill(finished[:, None], eos_token_id)
            finished |= nxt[:, 0] == eos_token_id
        ids = torch.cat([ids, nxt], dim=1)
        if eos_token_id is not None and finished.all():
            break
    return ids
