"""Train the study site's tiny character model and write ``data/charmodel.pt``.

    python -m grader.sitegen.charmodel_train [--steps N] [--seed S] [--out PATH]

Deterministic for a given seed on one machine: fixed seeds, one CPU thread,
batches drawn from a seeded generator. It takes a few seconds on a laptop CPU.
The site build only loads the committed weights; it never trains.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from grader.sitegen.charmodel import CORPUS_PATH, WEIGHTS_PATH, CharTransformer, vocabulary

STEPS = 1000
SEED = 0
BATCH = 32


def train(*, steps: int = STEPS, seed: int = SEED, text: str | None = None) -> tuple[CharTransformer, float]:
    """Train a fresh model on ``text`` (default: the shipped corpus); return it and its last loss."""
    text = CORPUS_PATH.read_text(encoding="utf-8") if text is None else text
    torch.manual_seed(seed)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # summation order, hence the weights, must not depend on the core count
    try:
        model = CharTransformer(vocabulary(text))
        data = model.encode(text)[0]  # (N,)
        T = model.block_size
        generator = torch.Generator().manual_seed(seed)
        optimiser = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
        schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, T_max=steps, eta_min=3e-4)
        loss = torch.tensor(float("nan"))
        model.train()
        for _ in range(steps):
            starts = torch.randint(0, len(data) - T - 1, (BATCH,), generator=generator)
            x = torch.stack([data[s:s + T] for s in starts.tolist()])  # (B, T)
            y = torch.stack([data[s + 1:s + T + 1] for s in starts.tolist()])  # (B, T), shifted by one
            logits = model(x)  # (B, T, V)
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
        return model.eval(), loss.item()
    finally:
        torch.set_num_threads(threads)


def save(model: CharTransformer, path: Path) -> None:
    state = {k: v.detach().clone().contiguous() for k, v in model.state_dict().items()}
    torch.save({"config": model.config(), "state_dict": state}, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=STEPS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--out", type=Path, default=WEIGHTS_PATH)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model, loss = train(steps=args.steps, seed=args.seed)
    save(model, args.out)
    params = sum(p.numel() for p in model.parameters())
    print(f"trained {params} parameters for {args.steps} steps in "
          f"{time.perf_counter() - start:.1f} s; final loss {loss:.3f}; wrote {args.out}")


if __name__ == "__main__":
    main()
