"""Synthesis speed: briefs per second over the dev stories, and the time to write one big story's brief.

Usage: python benchmarks/synthesize.py
Needs ../shared/data/allsides/ (dev for the 307 small stories; crawl for the big ones, built by taking
the first 50 and 200 crawl articles as one story, as a big event covered by many outlets would be).
Each is timed as the commands run it, with paraphrase matching through the cached sentence model: cold
(empty cache, model load included) and warm (every sentence already embedded); and without the model.
Last, hostile input without the model: two articles of about 200,000 characters each, one of a sentence
repeated, one of thousands of sentences that each give another percentage (what a dump or an attack sends).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from newsweave.models import Article
from newsweave.pipeline import group_by_story
from newsweave.stages.embed import CachedEmbedder, MiniLMEmbedder
from newsweave.stages.ingest import read_articles
from newsweave.stages.synthesize import synthesize
from newsweave.store import SQLiteStore

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
    crawl = load("crawl")
    big = {size: crawl[:size] for size in (50, 200)}
    print(f"machine: {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as folder, SQLiteStore(Path(folder) / "cache.db") as cache:
        model = MiniLMEmbedder()  # loaded by the cold run, reused by the warm one
        for label, embedder in (("cold", CachedEmbedder(model, cache)), ("warm", CachedEmbedder(model, cache)),
                                ("no model", None)):
            seconds = timed(lambda e=embedder: [synthesize(story, articles, e) for story, articles in stories.items()])
            sizes = ", ".join(f"one {size}-article story {timed(lambda a=a, e=embedder: synthesize('big', a, e)):.3f} s"
                              for size, a in big.items())
            print(f"{label:>8}: dev {len(stories) / seconds:.0f} briefs/s ({seconds:.2f} s); {sizes}")
    for name, text in hostile_texts().items():
        articles = [Article(id=f"h{n}", title="Hostile", text=text, source=f"Outlet {n}") for n in range(2)]
        seconds = timed(lambda a=articles: synthesize("h", a))
        print(f" hostile: two articles of {len(text):,} characters, {name}: {seconds:.2f} s")


def hostile_texts() -> dict[str, str]:
    repeated = 'Officials said the rule was "a very bad idea for everyone here." '
    numbered = "Prices rose {}% in the city of the region. "
    return {"one sentence repeated": repeated * (200_000 // len(repeated)),
            "a percentage a sentence": "".join(numbered.format(n) for n in range(4_500))}


if __name__ == "__main__":
    main()
