"""Choose the clusterer's time prior on the crawl split, two-fold, and show how it holds as outlets spread in time.

Usage: python scripts/fit_time_prior.py [--bits 1.5,2,2.5,3,4] [--scales 6,9,12,18] [--spreads 0,6,12,24]
                                     [--seeds 3]

Only crawl has publication times, and each of its stories has one time for all its articles. A live feed is
not like that: outlets publish a story hours apart, and the stories interleave. So each half of crawl (its
stories split at the median first-publication time) is also read with every article's time moved by up to
±H hours (uniform) and the articles shuffled, for each spread H and each of ``--seeds`` seeds. For every
(``time_bits``, ``time_scale_hours``), the score of a half is its BCubed F1 averaged over the spreads (each
spread's F1 the mean over the seeds). Each half picks the pair that scores best on it and is scored with the
pair the other half picked (held out). The gold labels are read here only.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
from datetime import timedelta
from pathlib import Path

import numpy as np

from newsweave import settings
from newsweave.evaluation.clustering import score_clustering
from newsweave.models import Article
from newsweave.pipeline import story_embedder
from newsweave.stages.cluster import DEFAULT_SCORER, OnlineClusterer, Scorer, cluster_articles
from newsweave.stages.embed import CachedEmbedder, article_text
from newsweave.stages.ingest import read_articles
from newsweave.store import SQLiteStore

CRAWL = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides" / "crawl.articles.jsonl"


def halves(articles: list[Article]) -> tuple[list[Article], list[Article]]:
    """The stories first published before the median story, and the rest."""
    first: dict[str, float] = {}
    for a in articles:
        first[a.label] = min(first.get(a.label, a.published.timestamp()), a.published.timestamp())
    early = set(sorted(first, key=lambda story: (first[story], story))[: len(first) // 2])
    return [a for a in articles if a.label in early], [a for a in articles if a.label not in early]


def spread(articles: list[Article], hours: float, seed: int = 1) -> list[int]:
    """Indices in a shuffled order, after moving each article's time by up to ±hours (in place on copies)."""
    rng = random.Random(seed)
    order = list(range(len(articles)))
    if hours:
        for i, a in enumerate(articles):
            articles[i] = dataclasses.replace(a, published=a.published + timedelta(hours=rng.uniform(-hours, hours)))
        rng.shuffle(order)
    return order


def score(half: list[Article], vectors: np.ndarray, scorer: Scorer, spreads: list[float], seeds: int) -> list[float]:
    """BCubed F1 at each spread, the mean over the seeds (one run for no spread: nothing is random then)."""
    f1s = []
    for hours in spreads:
        runs = []
        for seed in range(1, 1 + (seeds if hours else 1)):
            moved = list(half)
            order = spread(moved, hours, seed)
            articles, rows = [moved[i] for i in order], vectors[order]
            predicted = cluster_articles(articles, rows, OnlineClusterer(scorer))
            runs.append(score_clustering({a.id: a.label for a in articles}, predicted).bcubed.f1)
        f1s.append(float(np.mean(runs)))
    return f1s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", default="1.5,2,2.5,3,4")
    parser.add_argument("--scales", default="6,9,12,18")
    parser.add_argument("--spreads", default="0,6,12,24")
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    with CRAWL.open("rb") as stream:
        articles = [p.article for p in read_articles(stream) if p.article]
    with SQLiteStore(settings.resolve("cache")) as cache:
        embedder = CachedEmbedder(story_embedder(), cache)
        vector_of = dict(zip([a.id for a in articles],
                             embedder.embed([article_text(a.title, a.text) for a in articles]), strict=True))
    spreads = [float(h) for h in args.spreads.split(",")]
    grid = [(float(b), float(s)) for b in args.bits.split(",") for s in args.scales.split(",")]
    parts = halves(articles)
    table: dict[tuple[int, tuple[float, float]], list[float]] = {}
    for n, half in enumerate(parts):
        vectors = np.stack([vector_of[a.id] for a in half])
        for bits, scale in grid:
            scorer = dataclasses.replace(DEFAULT_SCORER, time_bits=bits, time_scale_hours=scale)
            table[n, (bits, scale)] = f1s = score(half, vectors, scorer, spreads, args.seeds)
            print(f"half {n} bits {bits:<4} scale {scale:>4} h: F1 at ±{spreads} h "
                  f"{' '.join(f'{f:.4f}' for f in f1s)}  mean {np.mean(f1s):.4f}", flush=True)
    for n in (0, 1):
        chosen = max(grid, key=lambda g: (np.mean(table[n, g]), g))
        held = table[1 - n, chosen]
        now = table[1 - n, (DEFAULT_SCORER.time_bits, DEFAULT_SCORER.time_scale_hours)] \
            if (DEFAULT_SCORER.time_bits, DEFAULT_SCORER.time_scale_hours) in grid else None
        print(f"half {n} chooses bits {chosen[0]}, scale {chosen[1]} h; on half {1 - n}: mean F1 {np.mean(held):.4f}"
              + (f" (the current prior: {np.mean(now):.4f})" if now else ""))


if __name__ == "__main__":
    main()
