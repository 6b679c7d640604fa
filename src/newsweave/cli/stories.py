"""Commands over stories and their briefs: synthesize (batch, stateless) and story (stored)."""

from __future__ import annotations

import difflib
import json
import sys
from datetime import UTC, datetime

import click

from newsweave.cli.base import (
    EXIT_INTERRUPTED,
    EXIT_SKIPPED,
    db_option,
    language_model,
    main,
    open_cache,
    open_db,
    read_article_file,
    read_story_labels,
    since_time,
)
from newsweave.errors import NewsweaveError
from newsweave.models import Brief
from newsweave.pipeline import group_by_story, store_embedder, story_store_embedder
from newsweave.pipeline import recluster as recluster_stories
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


@main.command()
@db_option
def recluster(db_path: str | None) -> None:
    """Group every stored article into stories again, from scratch, and rewrite every brief.

    For after an upgrade that changes the embedding model or the clusterer, or to repair stories left
    inconsistent. The same live path as `ingest` and `update`; feeds and articles are untouched. New
    stories get new ids, and each old id (a bookmark, a link) leads to the story that now holds most of
    its articles. While it runs, the reader shows the stories regrouped so far (2,000 articles a batch),
    and a feed reader following /feed.atom sees every story as new. Interrupted, the next recluster,
    update or ingest finishes it.

    \b
    Example:
      newsweave recluster --db news.db
    """
    model = language_model()
    with open_db(db_path) as store:
        try:
            done = recluster_stories(store, story_store_embedder(store), model)
        except KeyboardInterrupt:
            click.echo("interrupted before the end: run `newsweave recluster` again, or let the next update "
                       "finish it (until then, some stories are missing and old story ids lead nowhere)", err=True)
            sys.exit(EXIT_INTERRUPTED)
    click.echo(f"{done.articles} articles regrouped into {done.stories} stories (there were {done.stories_before}); "
               "old story ids lead to their successors")


@main.command(name="stories")
@click.option("--since", metavar="DURATION|DATE",
              help="Only stories reported since: a duration before now (90m, 24h, 7d) or an ISO 8601 date or time.")
@click.option("--outlet", metavar="NAME", help="Only stories this outlet reports (its name as the briefs cite it).")
@click.option("--order", type=click.Choice(["recent", "ranked", "breadth"]), default="recent", show_default=True,
              help="recent: newest report first; ranked: as the front page (by day, then outlets); "
                   "breadth: most outlets first.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def stories_command(since: str | None, outlet: str | None, order: str, limit: int, fmt: str,
                    db_path: str | None) -> None:
    """List stored stories with their latest report's time and their headlines, as the reader lists them.

    The time is the newest article's publication, in UTC. A story whose articles carry no time shows
    "(untimed)" and counts as reported when its brief was last written (for --since and the order).

    \b
    Example:
      newsweave stories --limit 5
      newsweave stories --since 24h --order breadth
      newsweave stories --outlet "BBC News" --format json
    """
    start = since_time(since, datetime.now(UTC)) if since else None
    with open_db(db_path) as store:
        briefs = store.reader_stories(since=start, outlet=outlet, limit=limit, order=order)
        outlets = [o.name for o in store.list_outlets()] if outlet and not briefs else []
    if outlet and not briefs and outlet not in outlets:
        raise NewsweaveError(_unknown_outlet(outlet, outlets))
    if fmt == "json":
        click.echo(json.dumps([_listed(brief) for brief in briefs], ensure_ascii=False))
        return
    if not briefs:
        click.echo("no stories match: `newsweave stories` without options lists them all" if since or outlet else
                   "no stories yet: `newsweave update` polls the feeds, `newsweave ingest FILE` stores articles",
                   err=True)
    for brief in briefs:
        coverage = brief.coverage
        click.echo(f"{brief.story}  {_when(coverage.last_updated)}  {_counted(coverage.articles, 'article')}  "
                   f"{_counted(coverage.outlets, 'outlet')}  {brief.headline}")


def _unknown_outlet(name: str, outlets: list[str]) -> str:
    """Why ``--outlet NAME`` lists nothing, with the names meant most likely: the same but for case, then
    names that contain it, then close spellings."""
    folded = {o.casefold(): o for o in reversed(outlets)}  # the most cited of names equal but for case
    key = name.casefold()
    close = [folded[key]] if key in folded else []
    close += [o for o in outlets if key in o.casefold()]
    close += [folded[f] for f in difflib.get_close_matches(key, list(folded), n=3, cutoff=0.6)]
    close = list(dict.fromkeys(close))[:3]
    if close:
        hint = f"did you mean {', '.join(repr(o) for o in close)}?"
    elif outlets:
        hint = f"the most cited are {', '.join(repr(o) for o in outlets[:5])} ({len(outlets)} in all)"
    else:
        hint = "no brief is stored yet"
    return f"no stored brief cites the outlet {name!r}; {hint}"


def _listed(brief: Brief) -> dict:
    coverage = brief.coverage.to_dict()
    return {"story": brief.story, "headline": brief.headline, "articles": coverage["articles"],
            "outlets": coverage["outlets"], "first_seen": coverage["first_seen"],
            "last_updated": coverage["last_updated"]}


def _when(time: datetime | None) -> str:
    """ "2025-02-12 09:30": the newest report's time in UTC, or "(untimed)" padded to the same width."""
    return time.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if time else f"{'(untimed)':<16}"


def _counted(count: int, word: str) -> str:
    """ "  1 article ", " 12 articles": a column whose numbers line up, singular or plural."""
    return f"{count:>3} {word if count == 1 else word + 's':<{len(word) + 1}}"
