"""Story databases for the reader's tests: by gold labels (exact expectations) or by the real clusterer.

``build_story_db`` stands in for the clustering stage: it ingests articles, attaches each one to the
story its gold label names, and writes every story's brief with the real synthesis. Swap the
attaching for the real clusterer when it lands; the reader's tests need only stories with briefs.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path

from newsweave import pipeline
from newsweave.models import Article
from newsweave.stages.ingest import read_articles
from newsweave.store import SQLiteStore


def read_article_records(records: Iterable[dict]) -> list[Article]:
    """Validated Articles from JSON records (FORMATS.md §1), as ``newsweave ingest`` reads them."""
    data = "".join(json.dumps(record, ensure_ascii=False) + "\n" for record in records).encode("utf-8")
    return [parsed.article for parsed in read_articles(io.BytesIO(data)) if parsed.article]


def read_article_file(path: Path) -> list[Article]:
    with path.open("rb") as stream:
        return [parsed.article for parsed in read_articles(stream) if parsed.article]


def build_story_db(path: Path, articles: Iterable[Article]) -> Path:
    """A database at ``path`` holding ``articles``, one story per gold label, each with its brief."""
    articles = list(articles)
    with SQLiteStore(path) as store:
        pipeline.ingest_articles(store, articles)
        for article in articles:
            store.attach(article.id, article.label or "unlabelled")
        for story_id in dict.fromkeys(article.label or "unlabelled" for article in articles):
            pipeline.write_brief(store, story_id)
    return path


def build_clustered_db(path: Path, articles: Iterable[Article]) -> Path:
    """A database at ``path`` built the way ``newsweave ingest`` builds it: stored, clustered by the
    live path (never by the gold labels), every changed story's brief written."""
    with SQLiteStore(path) as store:
        pipeline.ingest_articles(store, list(articles))
        pipeline.settle_stories(store, pipeline.story_store_embedder(store))
    return path
