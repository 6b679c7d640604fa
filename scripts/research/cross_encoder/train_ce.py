"""Fine-tune MiniLM as a same-story cross-encoder on one half of train's stories (index in the file, mod 2).

    /tmp/ft/bin/python train_ce.py --half 0 -o ce.h0.npz     # 18,390 pairs, 574 steps of 32: ~33 min on 2 cores

Each article of the half gives two pairs with other articles of its story and three with articles of other
stories drawn from its 12 nearest (cross-fitted vectors from vectors.py), sides in random order. All weights
train (AdamW, lr 5e-5, warm-up and cosine decay); the new linear head needs its own, larger rate (3e-3):
at one rate the loss stayed at chance.
"""
import argparse
import os
import time
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from ce_model import PairTokens, load_base, logits, read_jsonl, save, side_text

ROOT = Path(__file__).resolve().parents[3]
TRAIN = ROOT.parent / "shared" / "data" / "allsides" / "train.articles.jsonl"
LAB = Path(os.environ.get("LAB", "/tmp/lab"))


def pairs_for_half(half, seed=0, positives=2, negatives=3, pool=12):
    arts = read_jsonl(TRAIN)
    vec = np.load(LAB / "train.cfvec.npy")
    stories = list(dict.fromkeys(a["story"] for a in arts))
    keep = {s for k, s in enumerate(stories) if k % 2 == half}
    rows = [i for i, a in enumerate(arts) if a["story"] in keep]
    arts, vec = [arts[i] for i in rows], vec[rows]
    label = np.array([hash(a["story"]) for a in arts])
    rng = np.random.default_rng(seed)
    sims = vec @ vec.T
    out = []
    for i in range(len(arts)):
        same = np.flatnonzero((label == label[i]) & (np.arange(len(arts)) != i))
        other = np.flatnonzero(label != label[i])
        near = other[np.argsort(-sims[i, other])[:pool]]
        for j in rng.choice(same, min(positives, len(same)), replace=False) if len(same) else []:
            out.append((i, int(j), 1.0))
        for j in rng.choice(near, negatives, replace=False):
            out.append((i, int(j), 0.0))
    rng.shuffle(out)
    texts = [side_text(a) for a in arts]
    pairs = [((texts[i], texts[j]) if rng.random() < 0.5 else (texts[j], texts[i]), y) for i, j, y in out]
    return pairs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--half", type=int, default=0)
    ap.add_argument("--lr", type=float, default=5e-5)
    ap.add_argument("--head-lr", type=float, default=3e-3)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--side", type=int, default=62)
    ap.add_argument("-o", required=True)
    args = ap.parse_args()
    pairs = pairs_for_half(args.half)
    steps = len(pairs) // args.batch
    print(f"{len(pairs)} pairs, {sum(y for _, y in pairs):.0f} positive, {steps} steps", flush=True)
    tok = PairTokens(args.side)
    params = load_base(args.layers)

    def sched(lr):
        return optax.warmup_cosine_decay_schedule(0.0, lr, max(1, steps // 10), steps, lr * 0.05)

    labels = jax.tree.map(lambda _: "body", params)
    labels["head"] = jax.tree.map(lambda _: "head", params["head"])
    opt = optax.multi_transform({"body": optax.adamw(sched(args.lr), weight_decay=0.01),
                                 "head": optax.adam(sched(args.head_lr))}, labels)
    state = opt.init(params)

    def loss_fn(p, ids, types, mask, y):
        z = logits(p, ids, types, mask)
        return optax.sigmoid_binary_cross_entropy(z, y).mean()

    @jax.jit
    def step(p, s, ids, types, mask, y):
        loss, g = jax.value_and_grad(loss_fn)(p, ids, types, mask, y)
        upd, s = opt.update(g, s, p)
        return optax.apply_updates(p, upd), s, loss

    t0, run = time.time(), []
    for n in range(steps):
        chunk = pairs[n * args.batch:(n + 1) * args.batch]
        ids, types, mask = tok.batch([pq for pq, _ in chunk])
        y = jnp.asarray([y for _, y in chunk], jnp.float32)
        params, state, loss = step(params, state, ids, types, mask, y)
        run.append(float(loss))
        if n % 20 == 0 or n == steps - 1:
            print(f"step {n}/{steps} loss {np.mean(run[-20:]):.4f} {time.time() - t0:.0f}s", flush=True)
        if n and n % 200 == 0:
            save(params, args.o)
    save(params, args.o)
    print("saved", args.o)


if __name__ == "__main__":
    main()
