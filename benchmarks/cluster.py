"""Story clustering throughput on the train split: the embedding model alone, the pipeline cold and warm.

Usage: python benchmarks/cluster.py [--articles N]
Needs ../shared/data/allsides/train.articles.jsonl (7,356 articles).
- raw model: MiniLM embedding of every article's title and text, no cache;
- cold: ``newsweave cluster``'s path with an empty embedding cache (embed, cache, cluster);
- warm: the same with every embedding and text analysis cached (what a second run costs): the fastest of
  WARM_RUNS runs, as timeit reports, since other load on the machine only ever slows a run down;
- warm with the texts analysed afresh (only the embeddings cached), to show what the analysis cache saves;
- warm without the review: the online pass alone (``review_rounds=0``), to show what the review costs.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from newsweave.pipeline import analyse_articles, embed_articles
from newsweave.stages.cluster import ClusterConfig, OnlineClusterer, cluster_articles
from newsweave.stages.embed import CachedEmbedder, MiniLMEmbedder, article_text, story_embedder
from newsweave.stages.ingest import read_articles
from newsweave.store import SQLiteStore

TRAIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides" / "train.articles.jsonl"
WARM_RUNS = 3


def timed(action):
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def run_pipeline(articles, cache_path: Path, model: MiniLMEmbedder, config: ClusterConfig | None = None,
                 analysed: bool = True):
    """``newsweave cluster``'s path; ``analysed``: read the texts' analyses through the cache, as it does."""
    with SQLiteStore(cache_path) as cache:
        vectors = embed_articles(CachedEmbedder(model, cache), articles)
        analyses = analyse_articles(cache, articles) if analysed else None
    return cluster_articles(articles, vectors, OnlineClusterer(config=config), analyses)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=None, help="Only the first N articles.")
    limit = parser.parse_args().articles
    if not TRAIN.exists():
        sys.exit(f"needs {TRAIN}")
    with TRAIN.open("rb") as stream:
        articles = [p.article for p in read_articles(stream) if p.article][:limit]
    model = story_embedder()
    model.embed(["warm up the session"])
    raw, _ = timed(lambda: model.embed([article_text(a.title, a.text) for a in articles]))
    with tempfile.TemporaryDirectory() as folder:
        cache = Path(folder) / "cache.db"
        cold, stories = timed(lambda: run_pipeline(articles, cache, model))
        warm = min(timed(lambda: run_pipeline(articles, cache, model))[0] for _ in range(WARM_RUNS))
        fresh = min(timed(lambda: run_pipeline(articles, cache, model, analysed=False))[0] for _ in range(WARM_RUNS))
        online = ClusterConfig(review_rounds=0)
        unreviewed = min(timed(lambda: run_pipeline(articles, cache, model, online))[0] for _ in range(WARM_RUNS))
    n = len(articles)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores; {n:,} articles; {len(set(stories.values())):,} stories")
    print(f"raw model (MiniLM int8 + news adapter, no cache): {n / raw:8.1f} articles/s")
    print(f"cluster, cold (empty cache):       {n / cold:8.1f} articles/s  ({raw / cold:.0%} of the raw model)")
    print(f"cluster, warm (all cached):        {n / warm:8.1f} articles/s  (fastest of {WARM_RUNS})")
    print(f"  the texts analysed afresh:       {n / fresh:8.1f} articles/s  (fastest of {WARM_RUNS})")
    print(f"  the online pass alone:           {n / unreviewed:8.1f} articles/s  (fastest of {WARM_RUNS})")
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
