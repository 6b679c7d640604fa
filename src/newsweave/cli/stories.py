"""Commands over stories and their briefs: synthesize (batch, stateless) and story (stored)."""

from __future__ import annotations

import json
import sys

import click

from newsweave.cli.base import (
    EXIT_SKIPPED,
    db_option,
    language_model,
    main,
    open_cache,
    open_db,
    read_article_file,
    read_story_labels,
)
from newsweave.errors import NewsweaveError
from newsweave.models import Brief
from newsweave.pipeline import group_by_story, store_embedder
from newsweave.render.markdown import render_markdown
from newsweave.stages.language_model import LanguageModelEngine
from newsweave.stages.synthesize import synthesize


def _render(brief: Brief, fmt: str) -> str:
    if fmt == "markdown":
        return render_markdown(brief)
    return json.dumps(brief.to_dict(), ensure_ascii=False) + "\n"


@main.command(name="synthesize")
@click.argument("articles_path", metavar="ARTICLES.jsonl")
@click.option("--assignments", metavar="ASSIGNMENTS.jsonl",
              help="Group by this `newsweave cluster` output instead of the articles' own `story` field.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@click.option("--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="json: one brief per line (FORMATS.md §3); markdown: for reading.")
@click.option("--cache", "cache_path", metavar="PATH",
              help="Embedding cache file [default: $NEWSWEAVE_CACHE, else ~/.cache/newsweave/embeddings.db].")
@click.option("--engine", type=click.Choice(["extractive", "llm"]),
              help="Which engine writes the briefs [default: $NEWSWEAVE_ENGINE, else extractive]; llm needs "
                   "NEWSWEAVE_LLM_URL and NEWSWEAVE_LLM_MODEL.")
def synthesize_command(articles_path: str, assignments: str | None, output: str | None, fmt: str,
                       cache_path: str | None, engine: str | None) -> None:
    """Write one verified brief per story of an articles file. Stateless: no database needed.

    Articles are grouped by their ``story`` field (as in evaluation data), or by an assignments
    file written by ``newsweave cluster``; articles with neither form one story. A claim cites
    every article that states it, paraphrases included (sentence embeddings, cached by content).

    \b
    Example:
      newsweave synthesize dev.articles.jsonl -o dev.briefs.jsonl
      newsweave cluster news.jsonl -o stories.jsonl
      newsweave synthesize news.jsonl --assignments stories.jsonl --format markdown
      NEWSWEAVE_LLM_URL=http://127.0.0.1:8080/v1 NEWSWEAVE_LLM_MODEL=qwen2.5-7b-instruct \\
        newsweave synthesize news.jsonl --engine llm
    """
    model = language_model(engine)
    skipped: list[str] = []
    by_story = read_story_labels(assignments, skipped=skipped) if assignments else None
    articles = list(read_article_file(articles_path, skipped))
    groups = group_by_story(articles, by_story)
    if by_story is not None and (unassigned := sum(article.id not in by_story for article in articles)):
        click.echo(f"{assignments}: {unassigned} of the {len(articles)} articles have no story there; "
                   "they are briefed together as the story 'unassigned'", err=True)
    out = open(output, "w", encoding="utf-8") if output else sys.stdout
    try:
        with open_cache(cache_path) as cache:
            sentences = store_embedder(cache)
            writer = LanguageModelEngine(model, sentences) if model else None  # one for the run: see its failures
            for n, (story_id, members) in enumerate(groups.items()):
                brief = synthesize(story_id, members, sentences, writer)
                out.write(("\n---\n\n" if n and fmt == "markdown" else "") + _render(brief, fmt))
    finally:
        if output:
            out.close()
    if skipped:
        sys.exit(EXIT_SKIPPED)


@main.command()
@click.argument("story_id", metavar="ID")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json"]), default="markdown", show_default=True)
@db_option
def story(story_id: str, fmt: str, db_path: str | None) -> None:
    """Print a stored story's brief (a merged story's old id leads to the story it joined).

    \b
    Example:
      newsweave story s-000042
      newsweave story s-000042 --format json
    """
    with open_db(db_path) as store:
        brief = store.get_brief(story_id)
    if brief is None:
        raise NewsweaveError(f"no brief for story {story_id!r}; `newsweave stories` lists the stories")
    click.echo(_render(brief, fmt), nl=False)


@main.command(name="stories")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def stories_command(limit: int, fmt: str, db_path: str | None) -> None:
    """List stored stories, most recently updated first, with their headlines.

    \b
    Example:
      newsweave stories --limit 5
    """
    with open_db(db_path) as store:
        listed = [(s, store.get_brief(s.id)) for s in store.list_stories(limit=limit)]
    if fmt == "json":
        rows = [{"story": s.id, "headline": b.headline if b else None, "articles": s.articles, "outlets": s.outlets,
                 "last_updated": s.last_updated.isoformat() if s.last_updated else None} for s, b in listed]
        click.echo(json.dumps(rows, ensure_ascii=False))
        return
    if not listed:
        click.echo("no stories yet: `newsweave update` polls the feeds, `newsweave ingest FILE` stores articles",
                   err=True)
    for s, b in listed:
        click.echo(f"{s.id}  {_counted(s.articles, 'article')}  {_counted(s.outlets, 'outlet')}  "
                   f"{b.headline if b else '(no brief yet)'}")


def _counted(count: int, word: str) -> str:
    """ "  1 article ", " 12 articles": a column whose numbers line up, singular or plural."""
    return f"{count:>3} {word if count == 1 else word + 's':<{len(word) + 1}}"
