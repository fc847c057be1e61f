import torch


def filter_top_k(logits, k):
    V = logits.size(-1)
    if k >= V:
        return logits
    # k-th largest = (V - k + 1)-th smallest
    kth = torch.kthvalue(logits, V - k + 1, dim=-1, keepdim=True).values
    return torch.where(logits >= kth, logits, torch.full_like(logits, float("-inf")))


def filter_top_p(logits, p):
    probs = logits.softmax(dim=-1)
    sorted_probs, _ = probs.sort(dim=-1, descending=True)
    mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs  # probability of the more likely tokens
    needed = mass_before < p  # still short of p before this token: it is needed
    # the least likely needed probability; every token at least that likely stays
    threshold = sorted_probs.masked_fill(~needed, float("inf")).min(dim=-1, keepdim=True).values
    return logits.masked_fill(probs < threshold, float("-inf"))


@torch.no_grad()
def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    seq = prompt
    done = torch.zeros(prompt.size(0), dtype=torch.bool, device=prompt.device)
    for _ in range(max_new_tokens):
        window = seq[:, max(0, seq.size(1) - model.block_size):]
        logits = model(window)[:, -1, :]
        if temperature == 0:
            nxt = torch.argmax(logits, dim=-1)
        else:
            logits = logits / temperature
            if top_k is not None:
                logits = filter_top_k(logits, top_k)
            if top_p is not None:
                logits = filter_top_p(logits, top_p)
            nxt = torch.multinomial(torch.softmax(logits, dim=-1), 1, generator=generator)[:, 0]
        if eos_token_id is not None:
            nxt = torch.where(done, torch.full_like(nxt, eos_token_id), nxt)
            done = done | (nxt == eos_token_id)
        seq = torch.cat([seq, nxt[:, None]], dim=1)
        if eos_token_id is not None and done.all():
            break
    return seq
