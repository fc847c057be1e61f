"""Dmitri Volkov — generate until every sequence has said eos."""

import torch


def generate(model, prompt, max_new_tokens, temperature=1.0, top_k=None,
             top_p=None, eos_token_id=None, generator=None):
    ids = prompt.clone()
    finished = torch.zeros(ids.shape[0], dtype=torch.bool)
    with torch.no_grad():
        while not finished.all():
            logits = model(ids[:, -model.block_size:])[:, -1, :]
            if temperature == 0:
                nxt = logits.argmax(-1, keepdim=True)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                nxt = torch.multinomial(probs, 1, generator=generator)
            ids = torch.cat([ids, nxt], dim=1)
            if eos_token_id is not None:
                finished |= nxt[:, 0] == eos_token_id
    return ids
