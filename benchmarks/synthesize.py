"""Synthesis speed: briefs per second over the dev stories, and the time to write one big story's brief.

Usage: python benchmarks/synthesize.py
Needs ../shared/data/allsides/ (dev for the 307 small stories; crawl for the big ones, built by taking
the first 50 and 200 crawl articles as one story, as a big event covered by many outlets would be).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from newsweave.pipeline import group_by_story
from newsweave.stages.ingest import read_articles
from newsweave.stages.synthesize import synthesize

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides"


def load(name: str):
    with (DATA / f"{name}.articles.jsonl").open("rb") as stream:
        return [p.article for p in read_articles(stream) if p.article]


def timed(action) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    if not DATA.exists():
        sys.exit(f"needs {DATA}")
    stories = group_by_story(load("dev"))
    seconds = timed(lambda: [synthesize(story, articles) for story, articles in stories.items()])
    crawl = load("crawl")
    print(f"machine: {os.cpu_count()} cores")
    print(f"dev: {len(stories) / seconds:.0f} briefs/s ({len(stories)} stories in {seconds:.2f} s)")
    for size in (50, 200):
        print(f"one {size}-article story: {timed(lambda size=size: synthesize('big', crawl[:size])):.3f} s")


if __name__ == "__main__":
    main()
