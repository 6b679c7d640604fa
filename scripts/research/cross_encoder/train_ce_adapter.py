"""Fit a same-story cross-encoder as an adapter of the product's int8 MiniLM (BitFit + LoRA + a linear head).

    /tmp/ft/bin/python scripts/research/cross_encoder/train_ce_adapter.py --half 0 -o /tmp/lab/ce.h0.npz

Scratch environment as in scripts/finetune_news_adapter.py (JAX on the CPU). Pairs as in train_ce.py: each
article of the half's stories against two others of its story and three of its 12 nearest other-story articles
(cross-fitted vectors, $LAB/train.cfvec.npy from vectors.py). An input is [CLS] A [SEP] B [SEP] with token types,
each side its title and text cut to --side tokens; the logit is a linear head on the mean-pooled last layer.
What trains: the 30,720 bias and LayerNorm numbers, a rank-R update of the 36 weight matrices, and the head.
The output holds the adapter's arrays under the int8 model's names (stages/adapter.py reads them) and the head
as ``head.w`` and ``head.b``.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parents[1])]
from ce_model import PairTokens  # noqa: E402
from finetune_news_adapter import (  # noqa: E402
    HIDDEN,
    fp32_weights,
    lora_init,
    mean_pooled,
    product_arrays,
    schedule,
    token_states,
    trained_names,
)
from train_ce import pairs_for_half  # noqa: E402


def pair_logits(w: dict, ids, types, mask):
    """The head's logit on the mean-pooled last layer (token types mark the second article)."""
    return mean_pooled(token_states(w, ids, mask, types), mask) @ w["head.w"] + w["head.b"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", type=int, default=0)
    ap.add_argument("--side", type=int, default=48)
    ap.add_argument("--rank", type=int, default=16)
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--lora-lr", type=float, default=5e-4)
    ap.add_argument("--head-lr", type=float, default=3e-3)
    ap.add_argument("-o", type=Path, required=True)
    args = ap.parse_args()
    pairs = pairs_for_half(args.half)
    steps = len(pairs) // args.batch * args.epochs
    print(f"{len(pairs)} pairs, {sum(y for _, y in pairs):.0f} positive, {steps} steps", flush=True)
    tok = PairTokens(args.side)
    weights = fp32_weights()
    model = {k: jnp.asarray(v) for k, v in weights.items()}
    names = trained_names()
    frozen = {k: v for k, v in model.items() if k not in names}
    trained = {**{k: model[k] for k in names}, **lora_init(weights, args.rank),
               "head.w": jnp.zeros(HIDDEN, jnp.float32), "head.b": jnp.zeros((), jnp.float32)}
    group = {k: "head" if k.startswith("head.") else "lora" if ".lora_" in k else "bitfit" for k in trained}
    optimiser = optax.chain(optax.clip_by_global_norm(1.0), optax.multi_transform(
        {"bitfit": optax.adamw(schedule(args.lr, steps), weight_decay=0.0),
         "lora": optax.adamw(schedule(args.lora_lr, steps), weight_decay=0.0),
         "head": optax.adam(schedule(args.head_lr, steps))}, group))
    state = optimiser.init(trained)

    def loss(trained, ids, types, mask, y):
        z = pair_logits({**frozen, **trained}, ids, types, mask)
        return optax.sigmoid_binary_cross_entropy(z, y).mean()

    @jax.jit
    def step(trained, state, ids, types, mask, y):
        value, grads = jax.value_and_grad(loss)(trained, ids, types, mask, y)
        updates, state = optimiser.update(grads, state, trained)
        return optax.apply_updates(trained, updates), state, value

    t0, run, done = time.time(), [], 0
    rng = np.random.default_rng(1)
    for _ in range(args.epochs):
        order = rng.permutation(len(pairs))
        for n in range(len(pairs) // args.batch):
            chunk = [pairs[i] for i in order[n * args.batch:(n + 1) * args.batch]]
            ids, types, mask = tok.batch([pq for pq, _ in chunk])
            y = jnp.asarray([y for _, y in chunk], jnp.float32)
            trained, state, value = step(trained, state, ids, types, mask, y)
            run.append(float(value))
            done += 1
            if done % 20 == 0 or done == steps:
                print(f"step {done}/{steps} loss {np.mean(run[-20:]):.4f} {time.time() - t0:.0f}s", flush=True)
    arrays = product_arrays({k: v for k, v in trained.items() if not k.startswith("head.")}, weights)
    arrays["head.w"], arrays["head.b"] = np.asarray(trained["head.w"]), np.asarray(trained["head.b"])
    np.savez(args.o, **arrays)
    print("saved", args.o, f"side {args.side}")


if __name__ == "__main__":
    main()
