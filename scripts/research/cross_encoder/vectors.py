"""Inputs of the cross-encoder experiment, written to $LAB (default /tmp/lab); run with the project's venv.

    NEWSWEAVE_CACHE=/tmp/nwcache.db .venv/bin/python scripts/research/cross_encoder/vectors.py

train.cfvec.npy: train embedded cross-fitted (as scripts/fit_cluster_scorer.py does); dev.vec.npy, crawl.vec.npy:
the product's story embedder; dev.13/14/15.jsonl: dev shuffled (as README.md shows) and their vectors.
"""
import os
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "scripts"))
from fit_cluster_scorer import cross_fitted_vectors, load  # noqa: E402

from newsweave import settings  # noqa: E402
from newsweave.stages.embed import CachedEmbedder, article_text, story_embedder  # noqa: E402
from newsweave.store import SQLiteStore  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "allsides"
LAB = Path(os.environ.get("LAB", "/tmp/lab"))


def main() -> None:
    LAB.mkdir(parents=True, exist_ok=True)
    lines = (DATA / "dev.articles.jsonl").read_text().splitlines(keepends=True)
    for seed in (13, 14, 15):
        shuffled = list(lines)
        random.Random(seed).shuffle(shuffled)
        (LAB / f"dev.{seed}.jsonl").write_text("".join(shuffled))
    with SQLiteStore(settings.resolve("cache")) as cache:
        np.save(LAB / "train.cfvec.npy", cross_fitted_vectors(load(DATA / "train.articles.jsonl"), cache))
        embedder = CachedEmbedder(story_embedder(), cache)
        for name, path in [("dev", DATA / "dev.articles.jsonl"), ("crawl", DATA / "crawl.articles.jsonl"),
                           *((f"dev{s}", LAB / f"dev.{s}.jsonl") for s in (13, 14, 15))]:
            articles = load(path)
            np.save(LAB / f"{name}.vec.npy", embedder.embed([article_text(a.title, a.text) for a in articles]))


if __name__ == "__main__":
    main()
