"""Ingest and export throughput: articles per second through the real store, and peak memory.

Usage: python benchmarks/ingest.py [--articles N]
Uses ../shared/data/allsides/train.articles.jsonl when present (real lengths), repeated
with fresh ids to reach N articles; otherwise synthetic articles of the same size.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from newsweave.pipeline import ingest_articles
from newsweave.stages.ingest import article_lines, read_articles
from newsweave.store import SQLiteStore

TRAIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides" / "train.articles.jsonl"


def sample_records(count: int) -> list[dict]:
    if TRAIN.exists():
        base = [json.loads(line) for line in TRAIN.open(encoding="utf-8")]
    else:
        base = [{"title": f"Title {n}", "text": "A sentence of news. " * 25} for n in range(1000)]
    return [{**base[n % len(base)], "id": f"bench-{n}"} for n in range(count)]


def write_file(records: list[dict], folder: Path) -> Path:
    path = folder / "input.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def ingest_file(path: Path, db: Path):
    with SQLiteStore(db) as store, path.open("rb") as stream:
        good = (parsed.article for parsed in read_articles(stream) if parsed.article)
        return ingest_articles(store, good)


def export_all(db: Path) -> int:
    with SQLiteStore(db) as store:
        return sum(1 for _ in article_lines(store.iter_articles()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=20_000)
    count = parser.parse_args().articles
    with tempfile.TemporaryDirectory() as folder:
        path, db = write_file(sample_records(count), Path(folder)), Path(folder) / "bench.db"
        cold, counts = timed(lambda: ingest_file(path, db))
        again, _ = timed(lambda: ingest_file(path, db))
        exported_time, exported = timed(lambda: export_all(db))
        size_mb = db.stat().st_size / 1e6
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"ingest, new articles:        {counts.new / cold:10,.0f} articles/s  ({counts.new:,} in {cold:.2f} s)")
    print(f"ingest, all already known:   {count / again:10,.0f} articles/s  ({count:,} in {again:.2f} s)")
    export_rate = exported / exported_time
    print(f"export:                      {export_rate:10,.0f} articles/s  ({exported:,} in {exported_time:.2f} s)")
    print(f"database size: {size_mb:.1f} MB; peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
