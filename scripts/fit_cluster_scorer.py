"""Fit the story clusterer's scorers on the AllSides train split and print the constants for cluster.py.

Usage: python scripts/fit_cluster_scorer.py [--train PATH] [--chunks 8]
                                           [--review [--c 0.01,0.1,1] [--online 0.09,0.3,0.5,0.7]]

0. Vectors: the product's story embedder (MiniLM with the news adapter), cross-fitted: each half of the train
   stories is embedded with the adapter fitted on the other half (scripts/data/news-bitfit-1.half*.npz).
1. Teacher-forced pass over train in file order: each article is compared with its candidate
   stories (the stories built so far from the gold labels), labelled 1 for its gold story.
2. L2-regularised logistic regression on those pairs (Newton's method, NumPy only).
3. Threshold: the one with the best mean BCubed F1 over dev-sized chunks of train (the number of
   competing stories drives precision, so clustering all of train at once is a different task).
With --review, the review's scorer instead (REVIEW_SCORER; the online one stays as it is):
1. Leave-one-out pairs in each dev-sized chunk of train: every article against its own gold story without
   it (labelled 1) and against the other gold stories whose centroids are nearest it, as a review sees them.
2. The same logistic regression on standardised features, for each regularisation strength c.
3. The c, the review's threshold and the online pass's threshold with it (``--online``: with a review to mend
   its splits, the online pass can start a story more readily) with the best mean chunk BCubed F1 of the batch
   form (online pass and review), the chunks read in file order and shuffled (a live feed interleaves stories;
   the file lists them one by one), among those that leave all of train clustered at once (2,452 stories
   competing, a big active set) no worse than the online pass alone: a lower threshold wins on dev-sized
   chunks and merges too much there. ``--c 0.1`` (the c the whole grid chose before) took 37 minutes here, on
   a busy machine; the whole grid takes about three times that.
The gold labels are read here only; the clusterer never sees them.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from newsweave import settings
from newsweave.evaluation.clustering import score_clustering
from newsweave.stages.cluster import (
    DEFAULT_SCORER,
    FEATURES,
    ClusterConfig,
    NumpyStoryIndex,
    OnlineClusterer,
    Scorer,
    StoryState,
    cluster_articles,
    evidence,
    processing_order,
    read_signals,
)
from newsweave.stages.embed import DIM, CachedEmbedder, MiniLMEmbedder, article_text
from newsweave.stages.ingest import read_articles
from newsweave.stages.signals import TermStats
from newsweave.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "data" / "allsides" / "train.articles.jsonl"
#: Online thresholds weighed with the review's (--review): with a review to mend its splits, the online pass can
#: afford to start a story more readily.
ONLINE_THRESHOLDS = (0.09, 0.3, 0.5, 0.7)
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


def mean_chunk_f1(articles, vectors, parts, clusterer) -> float:
    """Mean BCubed F1 of the batch form over the chunks (rows of articles), each with a fresh ``clusterer()``."""
    f1s = []
    for rows in parts:
        part = [articles[i] for i in rows]
        predicted = cluster_articles(part, vectors[rows], clusterer())
        f1s.append(score_clustering({a.id: a.label for a in part}, predicted).bcubed.f1)
    return float(np.mean(f1s))


def best_threshold(articles, vectors, weights, bias, count: int) -> tuple[float, float]:
    results, parts = [], list(chunks(articles, count))
    for threshold in np.round(np.arange(0.03, 0.6, 0.02), 2):
        scorer = Scorer(tuple(weights), bias, float(threshold))
        results.append((mean_chunk_f1(articles, vectors, parts, lambda s=scorer: OnlineClusterer(s)), float(threshold)))
        print(f"threshold {threshold:.2f}: mean chunk F1 {results[-1][0]:.4f}", file=sys.stderr)
    return max(results)


def review_pairs(articles, vectors) -> tuple[np.ndarray, np.ndarray]:
    """Leave-one-out pairs of one chunk: each article against the stories near it, its own without it."""
    config, stats = ClusterConfig(), TermStats()
    signals = {articles[i].id: read_signals(articles[i], vectors[i], stats) for i in processing_order(articles)}
    members: dict[str, list[str]] = {}
    for article in articles:
        members.setdefault(article.label, []).append(article.id)

    def story(label: str, without: str | None = None) -> StoryState:
        state = StoryState(label)
        for member in members[label]:
            if member != without:
                state.add(signals[member])
        return state

    full = {label: story(label) for label in members}
    labels = list(full)
    centroids = np.stack([full[label].centroid() for label in labels])
    rows, truth = [], []
    for article in articles:
        own = story(article.label, without=article.id)
        stories = {**full, article.label: own}
        similarity = centroids @ signals[article.id].vector
        similarity[labels.index(article.label)] = own.centroid() @ signals[article.id].vector if own.size else -1
        for k in np.argsort(-similarity, kind="stable")[: config.candidates]:
            if similarity[k] >= config.min_similarity:
                rows.append(evidence(signals[article.id], stories[labels[k]], float(similarity[k])))
                truth.append(labels[k] == article.label)
    return np.vstack(rows), np.asarray(truth, dtype=float)


def fit_review(articles, vectors, count: int, strengths: tuple[float, ...] = (0.01, 0.1, 1.0),
               online_thresholds: tuple[float, ...] = ONLINE_THRESHOLDS) -> dict:
    parts = list(chunks(articles, count))
    shuffled = [shuffled_rows(rows) for rows in parts]
    pairs = [review_pairs([articles[i] for i in rows], vectors[rows]) for rows in parts]
    x, y = np.vstack([p[0] for p in pairs]), np.concatenate([p[1] for p in pairs])
    mean, spread = x.mean(axis=0), x.std(axis=0) + 1e-9
    gold = {a.id: a.label for a in articles}

    def all_at_once(clusterer: OnlineClusterer) -> float:
        return score_clustering(gold, cluster_articles(articles, vectors, clusterer)).bcubed.f1

    online_only = all_at_once(OnlineClusterer(DEFAULT_SCORER, ClusterConfig(review_rounds=0)))
    print(f"online pass alone, all of train at once: F1 {online_only:.4f}", file=sys.stderr)
    results = []
    for c in strengths:
        weights, bias = fit_logistic((x - mean) / spread, y, c=c)
        weights, bias = weights / spread, bias - float(weights / spread @ mean)
        for online_threshold in online_thresholds:
            online = replace(DEFAULT_SCORER, threshold=online_threshold)
            for threshold in (0.03, 0.05, 0.1, 0.15, 0.2, 0.3):
                review = Scorer(tuple(weights), bias, threshold)
                make = lambda o=online, r=review: OnlineClusterer(o, review_scorer=r)  # noqa: E731
                in_file = mean_chunk_f1(articles, vectors, parts, make)
                in_shuffle = mean_chunk_f1(articles, vectors, shuffled, make)
                at_once = all_at_once(make())
                results.append(((in_file + in_shuffle) / 2, at_once, c, online_threshold, threshold, in_file,
                                in_shuffle, [round(float(w), 6) for w in weights], round(bias, 6)))
                print(f"c {c} online {online_threshold:.2f} review {threshold:.2f}: mean chunk F1 {in_file:.4f} in "
                      f"file order, {in_shuffle:.4f} shuffled; all at once {at_once:.4f}", file=sys.stderr)
    f1, at_once, c, online_threshold, threshold, in_file, in_shuffle, weights, bias = max(
        (r for r in results if r[1] >= online_only), key=lambda r: r[0])
    return {"features": FEATURES, "weights": weights, "bias": bias, "threshold": threshold, "c": c,
            "online_threshold": online_threshold, "train_chunk_f1": round(f1, 4), "in_file_order": round(in_file, 4),
            "shuffled": round(in_shuffle, 4), "train_f1_all_at_once": round(at_once, 4),
            "online_only_all_at_once": round(online_only, 4), "pairs": len(y), "positives": int(y.sum())}


def shuffled_rows(rows: list[int], seed: int = 13) -> list[int]:
    """A chunk's rows in a random order: a live feed interleaves stories, the file lists them one by one."""
    order = list(rows)
    random.Random(seed).shuffle(order)
    return order


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--review", action="store_true", help="Fit the review's scorer instead.")
    parser.add_argument("--c", default="0.01,0.1,1", help="--review: regularisation strengths to weigh.")
    parser.add_argument("--online", default=",".join(map(str, ONLINE_THRESHOLDS)),
                        help="--review: online thresholds to weigh with the review's.")
    args = parser.parse_args()
    articles = load(args.train)
    with SQLiteStore(settings.resolve("cache")) as cache:
        vectors = cross_fitted_vectors(articles, cache)
    if args.review:
        strengths, online = (tuple(map(float, value.split(","))) for value in (args.c, args.online))
        print(json.dumps(fit_review(articles, vectors, args.chunks, strengths, online), indent=1))
        return
    x, y = teacher_pairs(articles, vectors)
    weights, bias = fit_logistic(x, y)
    f1, threshold = best_threshold(articles, vectors, weights, bias, args.chunks)
    print(json.dumps({"features": FEATURES, "weights": [round(w, 6) for w in weights], "bias": round(bias, 6),
                      "threshold": threshold, "train_chunk_f1": round(f1, 4), "pairs": len(y),
                      "positives": int(y.sum())}, indent=1))


if __name__ == "__main__":
    main()
