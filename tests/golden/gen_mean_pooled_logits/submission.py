import torch


def _filtered(logits, top_k, top_p):
    """Keep the top_k largest logits, then the smallest set whose probability reaches top_p."""
    if top_k is not None:
        cutoff = logits.topk(min(top_k, logits.shape[-1]), dim=-1).values[..., -1:]
        logits = torch.where(logits < cutoff, torch.full_like(logits, -torch.inf), logits)
    if top_p is not None and top_p < 1:
        probs = logits.softmax(-1)
        ranked = probs.sort(dim=-1, descending=True).values
        last = (ranked.cumsum(-1) < top_p).sum(-1, keepdim=True).clamp(max=ranked.shape[-1] - 1)
        logits = logits.masked_fill(probs < ranked.gather(-1, last), -torch.inf)  # ties with it stay
    return logits


@torch.no_grad()
def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    out = prompt.clone()
    done = torch.zeros(len(out), dtype=torch.bool)
    for step in range(max_new_tokens):
        window = out[:, -model.block_size:]
        scores = model(window).mean(dim=1)  # one prediction pooled over the context, (B, V)
        if temperature == 0:
            token = scores.argmax(-1)
        else:
            probs = _filtered(scores / temperature, top_k, top_p).softmax(-1)
            token = torch.multinomial(probs, 1, generator=generator).squeeze(-1)
        if eos_token_id is not None:
            token[done] = eos_token_id
            done |= token == eos_token_id
        out = torch.cat((out, token.unsqueeze(-1)), dim=-1)
        if eos_token_id is not None and bool(done.all()):
            break
    return out
