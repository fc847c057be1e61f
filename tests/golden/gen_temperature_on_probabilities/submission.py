import torch


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    out = prompt
    finished = torch.zeros(prompt.shape[0], dtype=torch.bool, device=prompt.device)
    for _ in range(max_new_tokens):
        with torch.no_grad():
            logits = model(out[:, -model.block_size:])[:, -1, :]
        if temperature == 0:
            token = torch.argmax(logits, dim=-1, keepdim=True)
        else:
            if top_k is not None:
                kth = torch.topk(logits, min(top_k, logits.shape[-1])).values[:, -1:]
                logits = logits.masked_fill(logits < kth, float("-inf"))
            probs = torch.softmax(logits, dim=-1)
            if top_p is not None and top_p < 1:
                s = probs.sort(dim=-1, descending=True).values
                before = s.cumsum(-1) - s
                last_needed = s.masked_fill(before >= top_p, 2.0).min(-1, keepdim=True).values
                probs = probs.masked_fill(probs < last_needed, 0.0)
            probs = probs / temperature  # sharpen (T < 1) or flatten (T > 1)
            token = torch.multinomial(probs, 1, generator=generator)
        if eos_token_id is not None:
            token = token.masked_fill(finished[:, None], eos_token_id)
            finished = finished | (token[:, 0] == eos_token_id)
        out = torch.cat([out, token], dim=-1)
        if eos_token_id is not None and bool(finished.all()):
            break
    return out
