import torch


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    x = prompt.clone()
    seen_eos = torch.zeros(x.shape[0], dtype=torch.bool)
    with torch.no_grad():
        for _ in range(max_new_tokens):
            logits = model(x[:, -model.block_size:])[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(dim=-1, keepdim=True)
            else:
                logits = logits / temperature
                if top_k is not None:
                    kth = logits.topk(min(top_k, logits.shape[-1]), dim=-1).values[:, -1:]
                    logits = logits.masked_fill(logits < kth, float("-inf"))
                if top_p is not None and top_p < 1:
                    p = logits.softmax(-1)
                    sp = p.sort(-1, descending=True).values
                    cut = sp.gather(-1, ((sp.cumsum(-1) < top_p).sum(-1, keepdim=True)).clamp(max=sp.shape[-1] - 1))
                    logits = logits.masked_fill(p < cut, float("-inf"))
                nxt = torch.multinomial(logits.softmax(-1), 1, generator=generator)
            x = torch.cat([x, nxt], dim=1)
            if eos_token_id is not None:
                seen_eos |= nxt[:, 0] == eos_token_id
                if seen_eos.all():  # every sequence has finished
                    break
    return x
