"""``newsweave cluster``: the batch form of story clustering, for research and evaluation."""

from __future__ import annotations

import json
import sys

import click
from tqdm import tqdm

from newsweave.cli.base import EXIT_SKIPPED, main, open_cache, read_article_file
from newsweave.pipeline import analyse_articles, embed_articles, story_store_embedder
from newsweave.stages.cluster import OnlineClusterer, cluster_articles


@main.command(name="cluster")
@click.argument("articles_path", metavar="ARTICLES.jsonl")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@click.option("--cache", "cache_path", metavar="PATH",
              help="Cache file of embeddings and text analyses "
                   "[default: $NEWSWEAVE_CACHE, else ~/.cache/newsweave/embeddings.db].")
def cluster_command(articles_path: str, output: str | None, cache_path: str | None) -> None:
    """Group articles into stories; write one {"id", "story"} line per article, in input order (FORMATS.md §2).

    Stateless (no database): the same algorithm as the live path. Any ``story`` field in the input
    is ignored. Embeddings and text analyses are cached by content, so a second run embeds nothing.

    \b
    Example:
      newsweave cluster dev.articles.jsonl -o dev.assignments.jsonl
      newsweave eval clustering dev.articles.jsonl dev.assignments.jsonl
    """
    skipped: list[str] = []
    articles = list(read_article_file(articles_path, skipped))
    with open_cache(cache_path) as cache:
        vectors = embed_articles(story_store_embedder(cache), articles, progress=sys.stderr.isatty())
        analyses = analyse_articles(cache, articles)
    clusterer = OnlineClusterer()
    story_of = cluster_articles(articles, vectors, clusterer, analyses)
    lines = (json.dumps({"id": a.id, "story": story_of[a.id]}, ensure_ascii=False) + "\n" for a in articles)
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        out.writelines(tqdm(lines, total=len(articles), desc="stories", unit="article", file=sys.stderr,
                            leave=False, disable=not sys.stderr.isatty()))
    finally:
        if output:
            out.close()
    if skipped:
        sys.exit(EXIT_SKIPPED)
