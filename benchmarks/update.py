"""Feeds and pages: extraction speed on the benchmark's pages, and articles per second through `update`.

Usage: python benchmarks/update.py
Needs ../shared (the extraction pages, the crawl articles and the replay server). The replay server
serves the crawl set as ~140 outlet feeds with their article pages on loopback; `update` polls
them all, fetches and extracts every page, de-duplicates, stores, clusters and writes briefs. The stories
the live path formed are scored against the crawl set's gold stories (matched by the pages' canonical URLs):
the accuracy of the whole path from feeds to stories, extraction and de-duplication included.
"""

from __future__ import annotations

import gzip
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from newsweave.evaluation.clustering import score_clustering
from newsweave.http import Fetcher, FetchPolicy
from newsweave.opml import parse_opml
from newsweave.pipeline import story_store_embedder
from newsweave.stages.extract import extract_page
from newsweave.store import SQLiteStore
from newsweave.updater import import_feeds, update

SHARED = Path(__file__).resolve().parents[2] / "shared"
POLICY = FetchPolicy(allow_private_networks=True, host_delay=0)


def extraction_rate() -> tuple[int, float]:
    truth = json.loads((SHARED / "data" / "extraction" / "ground-truth.json").read_text())
    pages = [gzip.decompress((SHARED / "data" / "extraction" / "html" / f"{k}.html.gz").read_bytes()) for k in truth]
    start = time.perf_counter()
    for page, entry in zip(pages, truth.values(), strict=True):
        extract_page(page, entry["url"])
    return len(pages), time.perf_counter() - start


def start_replay(port: int = 8799) -> subprocess.Popen:
    tool = SHARED / "tools" / "replay_feeds.py"
    articles = SHARED / "data" / "allsides" / "crawl.articles.jsonl"
    process = subprocess.Popen([sys.executable, str(tool), str(articles), "--port", str(port), "--per-feed", "1000"],
                               stdout=subprocess.PIPE, text=True)
    process.stdout.readline()
    return process


def live_stories_against_gold(store: SQLiteStore) -> tuple[object, int]:
    """BCubed of the stored stories against the crawl's gold stories, over the stored articles whose URL is a
    crawl article's, and how many those are."""
    gold_of = {}
    with (SHARED / "data" / "allsides" / "crawl.articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            record = json.loads(line)
            gold_of[record["url"]] = record["story"]
    gold, predicted = {}, {}
    for article in store.iter_articles():
        story = store.story_of_article(article.id)
        if article.url in gold_of and story is not None:
            gold[article.id], predicted[article.id] = gold_of[article.url], story.id
    return score_clustering(gold, predicted).bcubed, len(gold)


def update_rate(base: str) -> tuple[object, float, tuple, tuple]:
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "bench.db") as store:
        with Fetcher(POLICY) as fetcher:
            import_feeds(store, parse_opml(fetcher.get(base + "/opml.xml").body))
            start = time.perf_counter()
            report = update(store, fetcher, embedder=story_store_embedder(store))
            first = time.perf_counter() - start
            accuracy = live_stories_against_gold(store)
            start = time.perf_counter()
            second = update(store, fetcher, everything=True, embedder=story_store_embedder(store))
            again = time.perf_counter() - start
    return report, first, (again, second), accuracy


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"needs {SHARED}")
    pages, seconds = extraction_rate()
    replay = start_replay()
    try:
        report, first, (again, second), (bcubed, matched) = update_rate("http://127.0.0.1:8799")
    finally:
        replay.kill()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores")
    print(f"extraction: {pages / seconds:6.1f} pages/s ({pages} benchmark pages in {seconds:.1f} s)")
    print(f"update from the replay server: {report.articles_new / first:6.1f} articles/s "
          f"({report.articles_new} articles from {len(report.outcomes)} feeds in {first:.1f} s, "
          f"{len(report.stories.new)} stories)")
    print(f"stories of the live path against the crawl's gold stories: BCubed P {bcubed.precision:.4f} "
          f"R {bcubed.recall:.4f} F1 {bcubed.f1:.4f} ({matched} articles matched by URL)")
    print(f"second update right after (all feeds polled): {again:.1f} s, {second.feeds_unchanged} of "
          f"{len(second.outcomes)} feeds unchanged (304), {second.articles_new} new articles")
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
