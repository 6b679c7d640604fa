"""Fit the story clusterer's scorer on the AllSides train split and print the constants for cluster.py.

Usage: python scripts/fit_cluster_scorer.py [--train PATH] [--chunks 8]

0. Vectors: the product's story embedder (MiniLM with the news adapter), cross-fitted: each half of the train
   stories is embedded with the adapter fitted on the other half (scripts/data/news-bitfit-1.half*.npz).
1. Teacher-forced pass over train in file order: each article is compared with its candidate
   stories (the stories built so far from the gold labels), labelled 1 for its gold story.
2. L2-regularised logistic regression on those pairs (Newton's method, NumPy only).
3. Threshold: the one with the best mean BCubed F1 over dev-sized chunks of train (the number of
   competing stories drives precision, so clustering all of train at once is a different task).
The gold labels are read here only; the clusterer never sees them.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from newsweave import settings
from newsweave.evaluation.clustering import score_clustering
from newsweave.stages.cluster import (
    FEATURES,
    NumpyStoryIndex,
    OnlineClusterer,
    Scorer,
    StoryState,
    cluster_articles,
    evidence,
    read_signals,
)
from newsweave.stages.embed import DIM, CachedEmbedder, MiniLMEmbedder, article_text
from newsweave.stages.ingest import read_articles
from newsweave.stages.signals import TermStats
from newsweave.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "allsides" / "train.articles.jsonl"
HALF_ADAPTERS = [ROOT / "scripts" / "data" / f"news-bitfit-1.half{k}.npz" for k in (0, 1)]


def load(path: Path):
    with path.open("rb") as stream:
        return [p.article for p in read_articles(stream) if p.article]


def cross_fitted_vectors(articles, cache) -> np.ndarray:
    """Each article embedded with the news adapter fitted on the other half of the stories (their index in the
    file, mod 2; scripts/finetune_news_adapter.py --half), so the scorer never learns from similarities the
    adapter was trained to raise."""
    half_of = {story: k % 2 for k, story in enumerate(dict.fromkeys(a.label for a in articles))}
    vectors = np.zeros((len(articles), DIM), dtype=np.float32)
    for half, adapter in enumerate(HALF_ADAPTERS):
        rows = [i for i, a in enumerate(articles) if half_of[a.label] != half]
        embedder = CachedEmbedder(MiniLMEmbedder(adapter=adapter), cache)
        vectors[rows] = embedder.embed([article_text(articles[i].title, articles[i].text) for i in rows])
    return vectors


def teacher_pairs(articles, vectors, candidates: int = 10) -> tuple[np.ndarray, np.ndarray]:
    stats, index, stories = TermStats(), NumpyStoryIndex(), {}
    rows, labels = [], []
    for article, vector in zip(articles, vectors, strict=True):
        signals = read_signals(article, vector, stats)
        for story_id, similarity in index.nearest(signals.vector, candidates):
            rows.append(evidence(signals, stories[story_id], similarity))
            labels.append(story_id == article.label)
        story = stories.setdefault(article.label, StoryState(article.label, first_seq=len(stories)))
        story.add(signals)
        index.upsert(story.id, story.centroid())
    return np.vstack(rows), np.asarray(labels, dtype=float)


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float = 1.0, steps: int = 50) -> tuple[np.ndarray, float]:
    """argmin ½‖w‖² + c·Σ log-loss, intercept unpenalised (as scikit-learn's default), by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    theta = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) / c
    penalty[-1, -1] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ theta))
        gradient = design.T @ (p - y) + penalty @ theta
        hessian = design.T @ (design * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, gradient)
        theta -= step
        if np.abs(step).max() < 1e-8:
            break
    return theta[:-1], float(theta[-1])


def chunks(articles, count: int):
    stories = list(dict.fromkeys(a.label for a in articles))
    size = len(stories) // count
    for n in range(count):
        chosen = set(stories[n * size : (n + 1) * size])
        yield [i for i, a in enumerate(articles) if a.label in chosen]


def best_threshold(articles, vectors, weights, bias, count: int) -> tuple[float, float]:
    results = []
    for threshold in np.round(np.arange(0.03, 0.6, 0.02), 2):
        scorer = Scorer(tuple(weights), bias, float(threshold))
        f1s = []
        for rows in chunks(articles, count):
            part = [articles[i] for i in rows]
            predicted = cluster_articles(part, vectors[rows], OnlineClusterer(scorer))
            f1s.append(score_clustering({a.id: a.label for a in part}, predicted).bcubed.f1)
        results.append((float(np.mean(f1s)), float(threshold)))
        print(f"threshold {threshold:.2f}: mean chunk F1 {results[-1][0]:.4f}", file=sys.stderr)
    return max(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--chunks", type=int, default=8)
    args = parser.parse_args()
    articles = load(args.train)
    with SQLiteStore(settings.resolve("cache")) as cache:
        vectors = cross_fitted_vectors(articles, cache)
    x, y = teacher_pairs(articles, vectors)
    weights, bias = fit_logistic(x, y)
    f1, threshold = best_threshold(articles, vectors, weights, bias, args.chunks)
    print(json.dumps({"features": FEATURES, "weights": [round(w, 6) for w in weights], "bias": round(bias, 6),
                      "threshold": threshold, "train_chunk_f1": round(f1, 4), "pairs": len(y),
                      "positives": int(y.sum())}, indent=1))


if __name__ == "__main__":
    main()
