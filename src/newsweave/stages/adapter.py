"""Model adapters: fitted changes to MiniLM's numbers, applied as its ONNX session is built.

An adapter file (``.npz``, written by ``scripts/finetune_news_adapter.py``) holds two kinds of arrays:

- replacements (BitFit): an array named after one of the model's fp32 initializers (a bias or a LayerNorm
  weight, "inner.encoder.layer.0.attention.self.query.bias", …) takes its place as it is;
- low-rank updates (LoRA): ``M.lora_a`` (in × r) and ``M.lora_b`` (r × out) add ``A @ B`` to the weight
  matrix the model stores as ``M_q`` (int8) times ``M_scale`` (one fp32 scale per output column). The sum is
  quantised back the same way, so the adapted session is as small and as fast as the plain one.

The adapted model is built in memory (the model file itself is never changed) and handed to onnxruntime
as bytes: its initializer overrides would not do, since constant folding reads the file's own values for
the dequantised matrices.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from newsweave.errors import AdapterError

LORA_A, LORA_B = ".lora_a", ".lora_b"


def adapted_model(adapter: Path, model: Path) -> bytes:
    """``model`` (an ONNX file) with the initializers ``adapter`` gives it, serialised."""
    from onnx import numpy_helper

    proto = load_model(model)
    overrides = adapter_initializers(adapter, proto, model)
    for initializer in proto.graph.initializer:
        if initializer.name in overrides:
            initializer.CopyFrom(numpy_helper.from_array(overrides[initializer.name], initializer.name))
    return proto.SerializeToString()


def adapter_initializers(adapter: Path, proto, model: Path) -> dict[str, np.ndarray]:
    """The initializers that ``adapter`` gives the model ``proto`` (read from ``model``): name → array of the
    initializer's own dtype. Refused when the model lacks one of them: the adapter was fitted for another."""
    stored = _read(adapter)
    overrides = {n: np.ascontiguousarray(a, np.float32) for n, a in stored.items() if not n.endswith((LORA_A, LORA_B))}
    matrices = sorted({n[: -len(LORA_A)] for n in stored if n.endswith(LORA_A)})
    wanted = [*overrides, *(f"{m}{part}" for m in matrices for part in ("_q", "_scale"))]
    base = initializers(proto, wanted, adapter, model)
    for m in matrices:
        weight = base[f"{m}_q"].astype(np.float32) * base[f"{m}_scale"]
        weight += stored[m + LORA_A].astype(np.float32) @ stored[m + LORA_B].astype(np.float32)
        overrides[f"{m}_q"], overrides[f"{m}_scale"] = quantize_columns(weight)
    return overrides


def quantize_columns(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Symmetric int8 with one scale per column: ``weight ≈ q * scale``."""
    scale = np.abs(weight).max(axis=0, keepdims=True) / 127.0
    scale = np.where(scale > 0, scale, 1.0).astype(np.float32)
    return np.clip(np.rint(weight / scale), -127, 127).astype(np.int8), scale


def load_model(model: Path):
    """The ONNX model at ``model`` as a protobuf (``onnx.ModelProto``)."""
    import onnx

    return onnx.load(str(model))


def initializers(proto, names: list[str], adapter: Path, model: Path) -> dict[str, np.ndarray]:
    """The model's initializers of these names, as arrays; an AdapterError names the first one it lacks."""
    from onnx import numpy_helper

    wanted = set(names)
    found = {i.name: numpy_helper.to_array(i) for i in proto.graph.initializer if i.name in wanted}
    if missing := sorted(wanted - found.keys()):
        raise AdapterError(f"{adapter}: {model} has no initializer {missing[0]!r}: the adapter was fitted for "
                           "another model")
    return found


def _read(adapter: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(adapter) as arrays:
            return {name: arrays[name] for name in arrays.files}
    except (OSError, ValueError) as error:
        raise AdapterError(f"{adapter}: not a readable adapter file ({error})") from error
