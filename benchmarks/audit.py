"""Audit speed: a 600-word text against 20 source articles, cold (model loaded, nothing cached) and warm.

Usage: python benchmarks/audit.py
Needs ../shared/data/allsides/train.articles.jsonl. Two sets of 20 sources:
- allsides: the articles of consecutive train stories as they are (short: about 90 words each);
- long: 20 full-length articles (about 600 words each), each the texts of several train stories joined.
The text is 600 words of their sentences, every fourth one with a number changed or commentary added,
plus an invented quote. Cold is a fresh model and an empty embedding cache; warm repeats the audit.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from newsweave.models import Article
from newsweave.stages.audit import audit
from newsweave.stages.embed import CachedEmbedder, MiniLMEmbedder
from newsweave.stages.ingest import read_articles
from newsweave.stages.sentences import split_sentences
from newsweave.store import SQLiteStore

TRAIN = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides" / "train.articles.jsonl"
WORDS, SOURCES = 600, 20


def long_sources(articles: list[Article]) -> list[Article]:
    """20 articles of about 600 words, each the texts of consecutive articles joined as paragraphs."""
    joined, at = [], 0
    for n in range(SOURCES):
        parts = []
        while sum(len(p.split()) for p in parts) < WORDS and at < len(articles):
            parts.append(articles[at].text)
            at += 1
        joined.append(replace(articles[n], id=f"long-{n}", text="\n\n".join(parts)))
    return joined


def text_from(sources: list[Article]) -> str:
    """600 words of the sources' sentences, every fourth altered, and an invented quote."""
    sentences, words = [], 0
    pool = [s.text for a in sources for s in split_sentences(a.text)]
    for n, sentence in enumerate(pool[:: max(1, len(pool) // 40)]):
        if words >= WORDS:
            break
        if n % 4 == 3:
            sentence = sentence.rstrip(".") + ", ahead of the upcoming elections."
        sentences.append(sentence)
        words += len(sentence.split())
    return " ".join(sentences) + ' One official said: "We will never back down."'


def timed_audit(text: str, sources: list[Article], cache_path: Path, model: MiniLMEmbedder) -> float:
    with SQLiteStore(cache_path) as cache:
        start = time.perf_counter()
        audit(text, sources, CachedEmbedder(model, cache))
        return time.perf_counter() - start


def main() -> None:
    if not TRAIN.exists():
        sys.exit(f"needs {TRAIN}")
    with TRAIN.open("rb") as stream:
        articles = [p.article for p in read_articles(stream) if p.article]
    for label, sources in (("allsides", articles[:SOURCES]), ("long", long_sources(articles))):
        text = text_from(sources)
        with tempfile.TemporaryDirectory() as tmp:
            model = MiniLMEmbedder()
            cold = timed_audit(text, sources, Path(tmp) / "cache.db", model)
            warm = timed_audit(text, sources, Path(tmp) / "cache.db", model)
        source_words = sum(len(a.text.split()) for a in sources)
        print(f"audit {label}: {len(text.split())}-word text, {SOURCES} sources ({source_words:,} words): "
              f"cold {cold:.2f} s (model load included), warm {warm:.2f} s")


if __name__ == "__main__":
    main()
