"""Feeds and pages: extraction speed on the benchmark's pages, and articles per second through `update`.

Usage: python benchmarks/update.py
Needs ../shared (the extraction pages, the crawl articles and the replay server). The replay server
serves the crawl set as ~140 outlet feeds with their article pages on loopback; `update` polls
them all, fetches and extracts every page, de-duplicates, stores, clusters and writes briefs.
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


def update_rate(base: str) -> tuple[object, float, float]:
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "bench.db") as store:
        with Fetcher(POLICY) as fetcher:
            import_feeds(store, parse_opml(fetcher.get(base + "/opml.xml").body))
            start = time.perf_counter()
            report = update(store, fetcher, embedder=story_store_embedder(store))
            first = time.perf_counter() - start
            start = time.perf_counter()
            second = update(store, fetcher, everything=True, embedder=story_store_embedder(store))
            again = time.perf_counter() - start
    return report, first, (again, second)


def main() -> None:
    if not SHARED.exists():
        sys.exit(f"needs {SHARED}")
    pages, seconds = extraction_rate()
    replay = start_replay()
    try:
        report, first, (again, second) = update_rate("http://127.0.0.1:8799")
    finally:
        replay.kill()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores")
    print(f"extraction: {pages / seconds:6.1f} pages/s ({pages} benchmark pages in {seconds:.1f} s)")
    print(f"update from the replay server: {report.articles_new / first:6.1f} articles/s "
          f"({report.articles_new} articles from {len(report.outcomes)} feeds in {first:.1f} s, "
          f"{len(report.stories.new)} stories)")
    print(f"second update right after (all feeds polled): {again:.1f} s, {second.feeds_unchanged} of "
          f"{len(second.outcomes)} feeds unchanged (304), {second.articles_new} new articles")
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
