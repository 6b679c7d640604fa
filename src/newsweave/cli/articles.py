"""Commands over stored articles: ingest, export, stats."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from itertools import chain
from typing import IO

import click

from newsweave.cli.base import (
    EXIT_INTERRUPTED,
    EXIT_SKIPPED,
    db_option,
    language_model,
    main,
    open_db,
    open_input,
)
from newsweave.models import Article
from newsweave.pipeline import IngestCounts, ingest_articles, settle_stories, story_store_embedder
from newsweave.progress import LineProgress, ProgressReader
from newsweave.stages.ingest import article_lines, read_articles
from newsweave.store import Store


class _LineTally:
    """What was left out: bad input lines, or articles an export could not place."""

    skipped = 0


def _good_articles(path: str, tally: _LineTally) -> Iterator[Article]:
    """The articles of one input, reporting each bad line (and an unreadable file) on stderr."""
    label = "<stdin>" if path == "-" else path
    try:
        with open_input(path) as (stream, size):
            progress = LineProgress(label, size)
            try:
                for parsed in read_articles(ProgressReader(stream, progress)):
                    if parsed.problem:
                        tally.skipped += 1
                        progress.write(f"{label}:{parsed.number}: skipped: {parsed.problem}")
                    else:
                        yield parsed.article
            finally:
                progress.close()
    except OSError as error:
        tally.skipped += 1
        click.echo(f"{label}: skipped: cannot read it ({error.strerror or error})", err=True)


def _summary(counts: IngestCounts, skipped: int) -> str:
    return f"{counts.new} ingested, {counts.updated} updated, {counts.known} already known, {skipped} skipped"


@main.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE.jsonl [FILE ...]")
@click.option("--no-stories", is_flag=True,
              help="Only store the articles; they join stories at the next ingest or update.")
@db_option
def ingest(files: tuple[str, ...], no_stories: bool, db_path: str | None) -> None:
    """Store the articles of JSONL files (FORMATS.md §1); '-' reads stdin.

    Idempotent: an article already stored as it is counts as already known. A bad line is
    reported as FILE:LINE with its reason and skipped; the other lines are still stored.
    New articles then join stories (the live clustering path) and the briefs of the stories
    that changed are rewritten. Exits 0 when nothing was skipped, 1 when something was.

    \b
    Example:
      newsweave ingest articles.jsonl more.jsonl
      cat articles.jsonl | newsweave ingest --db news.db -
    """
    tally, done = _LineTally(), IngestCounts()
    articles = chain.from_iterable(_good_articles(path, tally) for path in files)
    model = None if no_stories else language_model()  # a setting that cannot work stops us before anything is stored
    with open_db(db_path) as store:
        try:
            ingest_articles(store, articles, counts=done)
            if not no_stories:
                changes = settle_stories(store, story_store_embedder(store), model)
                click.echo(f"stories: {len(changes.new)} new, {len(changes.updated)} updated", err=True)
        except KeyboardInterrupt:
            click.echo(f"interrupted: {_summary(done, tally.skipped)}; run the same command again to finish", err=True)
            sys.exit(EXIT_INTERRUPTED)
    click.echo(_summary(done, tally.skipped))
    sys.exit(EXIT_SKIPPED if tally.skipped else 0)




def _write_lines(lines: Iterator[str], out: IO[bytes]) -> None:
    try:
        for line in lines:
            out.write(line.encode("utf-8"))
        out.flush()
    except BrokenPipeError:  # the reader stopped early (| head): not an error
        sys.stderr.close()


@main.command()
@click.argument("what", type=click.Choice(["articles", "assignments", "briefs"]), default="articles")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@db_option
def export(what: str, fmt: str, output: str | None, db_path: str | None) -> None:
    """Write what the database holds as JSONL: every article (FORMATS.md §1, the default), every article's
    story (§2, as `newsweave cluster` writes) or every story's brief (§3, as `newsweave synthesize` writes).

    Articles come in the order first stored, and can be ingested into another database unchanged.
    Assignments are the live path's stories, ready for `newsweave eval clustering`; an article in no story
    yet is left out and counted on stderr (exit 1). Briefs come one per story, oldest story first.

    \b
    Example:
      newsweave export > articles.jsonl
      newsweave export --db old.db | newsweave ingest --db new.db -
      newsweave export assignments -o live.jsonl && newsweave eval clustering gold.jsonl live.jsonl
    """
    unplaced = _LineTally()
    with open_db(db_path) as store:
        lines = _EXPORTS[what](store, unplaced)
        if output:
            with open(output, "wb") as out:
                _write_lines(lines, out)
        else:
            _write_lines(lines, sys.stdout.buffer)
    if unplaced.skipped:
        click.echo(f"{unplaced.skipped} articles are in no story yet and were left out; `newsweave update` or "
                   "`newsweave ingest` puts them into stories", err=True)
        sys.exit(EXIT_SKIPPED)


def _assignment_lines(store: Store, unplaced: _LineTally) -> Iterator[str]:
    for article, story in store.iter_assignments():
        if story is None:
            unplaced.skipped += 1
        else:
            yield json.dumps({"id": article, "story": story}, ensure_ascii=False) + "\n"


_EXPORTS = {
    "articles": lambda store, _: article_lines(store.iter_articles()),
    "assignments": _assignment_lines,
    "briefs": lambda store, _: (json.dumps(b.to_dict(), ensure_ascii=False) + "\n" for b in store.iter_briefs()),
}


@main.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def stats(fmt: str, db_path: str | None) -> None:
    """Count what the database holds: articles, outlets, stories, briefs, feeds.

    \b
    Example:
      newsweave stats
      newsweave stats --format json
    """
    with open_db(db_path) as store:
        counts = store.stats().to_dict()
        path = store.path
    if fmt == "json":
        click.echo(json.dumps({**counts, "database": path}))
        return
    for name, value in counts.items():
        click.echo(f"{name:<10}{value:>10,}")
    click.echo(f"{'database':<10}{path}")
