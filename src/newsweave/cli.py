"""The ``newsweave`` command. Each command parses its arguments, calls one domain function, renders.

Exit codes: 0 success; 1 done, but some input was skipped (each reported on stderr);
2 an error stopped the command (usage, database); 130 interrupted.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from pathlib import Path
from typing import IO

import click
from tqdm import tqdm

from newsweave import __version__, settings
from newsweave.errors import NewsweaveError
from newsweave.evaluation.clustering import score_clustering, story_labels
from newsweave.evaluation.extraction import score_extraction
from newsweave.http import Fetcher, FetchPolicy
from newsweave.jsonl import read_records
from newsweave.models import Article
from newsweave.opml import export_opml, parse_opml
from newsweave.pipeline import IngestCounts, extract_url, ingest_articles
from newsweave.progress import LineProgress, ProgressReader
from newsweave.stages.extract import Page, extract_page
from newsweave.stages.ingest import article_lines, read_articles
from newsweave.store import open_store
from newsweave.updater import FeedOutcome, UpdateReport, add_feed, default_feeds, import_feeds, update

EXIT_SKIPPED, EXIT_ERROR, EXIT_INTERRUPTED = 1, 2, 130


class _Commands(click.Group):
    """Turns newsweave's errors into a one-line message and exit code 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except NewsweaveError as error:
            click.echo(f"error: {error}", err=True)
            ctx.exit(EXIT_ERROR)
        except OSError as error:
            where = f"{error.filename}: " if error.filename else ""
            click.echo(f"error: {where}{error.strerror or error}", err=True)
            ctx.exit(EXIT_ERROR)


def db_option(command):
    return click.option(
        "--db",
        "db_path",
        metavar="PATH",
        help="SQLite database file [default: $NEWSWEAVE_DB, else ./newsweave.db].",
    )(command)


def _open(db_path: str | None):
    return open_store(settings.resolve("db", db_path))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsweave")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, not only problems.")
def main(verbose: bool) -> None:
    """newsweave: many outlets in, one cited brief per story out."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")


# ingest


@contextmanager
def _open_input(path: str) -> Iterator[tuple[IO[bytes], int | None]]:
    if path == "-":
        yield sys.stdin.buffer, None
        return
    with open(path, "rb") as stream:
        yield stream, os.fstat(stream.fileno()).st_size


class _LineTally:
    skipped = 0


def _good_articles(path: str, tally: _LineTally) -> Iterator[Article]:
    """The articles of one input, reporting each bad line (and an unreadable file) on stderr."""
    label = "<stdin>" if path == "-" else path
    try:
        with _open_input(path) as (stream, size):
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
@db_option
def ingest(files: tuple[str, ...], db_path: str | None) -> None:
    """Store the articles of JSONL files (FORMATS.md §1); '-' reads stdin.

    Idempotent: an article already stored as it is counts as already known. A bad line is
    reported as FILE:LINE with its reason and skipped; the other lines are still stored.
    Exits 0 when nothing was skipped, 1 when something was.

    \b
    Example:
      newsweave ingest articles.jsonl more.jsonl
      cat articles.jsonl | newsweave ingest --db news.db -
    """
    tally, done = _LineTally(), IngestCounts()
    articles = chain.from_iterable(_good_articles(path, tally) for path in files)
    with _open(db_path) as store:
        try:
            ingest_articles(store, articles, counts=done)
        except KeyboardInterrupt:
            click.echo(f"interrupted: {_summary(done, tally.skipped)}; run the same command again to finish", err=True)
            sys.exit(EXIT_INTERRUPTED)
    click.echo(_summary(done, tally.skipped))
    sys.exit(EXIT_SKIPPED if tally.skipped else 0)


# export


def _write_lines(lines: Iterator[str], out: IO[bytes]) -> None:
    try:
        for line in lines:
            out.write(line.encode("utf-8"))
        out.flush()
    except BrokenPipeError:  # the reader stopped early (| head): not an error
        sys.stderr.close()


@main.command()
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@db_option
def export(fmt: str, output: str | None, db_path: str | None) -> None:
    """Write every stored article as JSONL (FORMATS.md §1), in the order first stored.

    What comes out can be ingested into another database unchanged.

    \b
    Example:
      newsweave export > articles.jsonl
      newsweave export --db old.db | newsweave ingest --db new.db -
    """
    with _open(db_path) as store:
        lines = article_lines(store.iter_articles())
        if output:
            with open(output, "wb") as out:
                _write_lines(lines, out)
        else:
            _write_lines(lines, sys.stdout.buffer)


# stats


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
    with _open(db_path) as store:
        counts = store.stats().to_dict()
        path = store.path
    if fmt == "json":
        click.echo(json.dumps({**counts, "database": path}))
        return
    for name, value in counts.items():
        click.echo(f"{name:<10}{value:>10,}")
    click.echo(f"{'database':<10}{path}")


# extract


def _fetch_policy() -> FetchPolicy:
    return FetchPolicy(
        allow_private_networks=settings.resolve_flag("allow_private_networks"),
        host_delay=settings.resolve_seconds("host_delay"),
    )


def _read_page(path_or_url: str) -> Page:
    if path_or_url.startswith(("http://", "https://")):
        with Fetcher(_fetch_policy()) as fetcher:
            return extract_url(fetcher, path_or_url)
    data = Path(path_or_url).read_bytes()
    return extract_page(gzip.decompress(data) if path_or_url.endswith(".gz") else data)


@main.command()
@click.argument("path_or_url", metavar="PATH_OR_URL")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def extract(path_or_url: str, fmt: str) -> None:
    """Show what newsweave extracts from one article page: title, text, time, author, URL, language.

    PATH_OR_URL is a saved page (.html or .html.gz) or an http(s) URL, fetched politely.

    \b
    Example:
      newsweave extract https://www.example.com/news/story.html
      newsweave extract saved-page.html --format json
    """
    page = _read_page(path_or_url)
    if fmt == "json":
        click.echo(json.dumps(page.to_dict(), ensure_ascii=False))
        return
    for name in ("title", "published", "author", "url", "language", "partial"):
        value = page.to_dict()[name]
        if value:
            click.echo(f"{name + ':':<11}{value}")
    click.echo("")
    click.echo(page.text)


# feeds


@main.group(cls=_Commands)
def feeds() -> None:
    """Follow, list and stop following feeds (RSS, Atom, JSON Feed); import and export OPML."""


@feeds.command(name="add")
@click.argument("url")
@click.option("--name", help="The outlet's name, shown as the source of its articles.")
@db_option
def feeds_add(url: str, name: str | None, db_path: str | None) -> None:
    """Follow one feed.

    \b
    Example:
      newsweave feeds add https://feeds.bbci.co.uk/news/world/rss.xml --name "BBC News"
    """
    with _open(db_path) as store:
        added = add_feed(store, url, name)
    click.echo(f"following {url}" if added else f"already following {url}")


def _read_opml(file_or_url: str) -> bytes:
    if file_or_url.startswith(("http://", "https://")):
        with Fetcher(_fetch_policy()) as fetcher:
            return fetcher.get(file_or_url).body
    return Path(file_or_url).read_bytes()


@feeds.command(name="import")
@click.argument("source", metavar="FILE_OR_URL.opml")
@db_option
def feeds_import(source: str, db_path: str | None) -> None:
    """Follow every feed an OPML file (or URL) lists.

    \b
    Example:
      newsweave feeds import subscriptions.opml
    """
    listed = parse_opml(_read_opml(source))
    with _open(db_path) as store:
        added, known = import_feeds(store, listed)
    click.echo(f"{added} feeds added, {known} already followed")


@feeds.command(name="export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@db_option
def feeds_export(output: str | None, db_path: str | None) -> None:
    """Write the feeds followed as OPML 2.0, for another reader or a backup.

    \b
    Example:
      newsweave feeds export > subscriptions.opml
    """
    with _open(db_path) as store:
        document = export_opml(store.list_feeds())
    if output:
        Path(output).write_text(document, encoding="utf-8")
    else:
        click.echo(document, nl=False)


@feeds.command(name="list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
def feeds_list(fmt: str, db_path: str | None) -> None:
    """List the feeds followed, with each one's last success, last error and errors in a row.

    \b
    Example:
      newsweave feeds list --format json
    """
    with _open(db_path) as store:
        followed = store.list_feeds()
    if fmt == "json":
        click.echo(json.dumps([feed.to_dict() for feed in followed], ensure_ascii=False))
        return
    for feed in followed:
        health = f"failing ({feed.error_count}×): {feed.last_error}" if feed.last_error else "ok"
        last = feed.last_success.isoformat(timespec="minutes") if feed.last_success else "never"
        click.echo(f"{feed.url}\n    {feed.name or '-'} · last success {last} · {health}")


@feeds.command(name="remove")
@click.argument("url")
@db_option
def feeds_remove(url: str, db_path: str | None) -> None:
    """Stop following a feed (its articles stay).

    \b
    Example:
      newsweave feeds remove https://example.com/rss.xml
    """
    with _open(db_path) as store:
        removed = store.remove_feed(url)
    if not removed:
        raise NewsweaveError(f"not following {url}; see `newsweave feeds list`")
    click.echo(f"stopped following {url}")


# update and run


def _describe(outcome: FeedOutcome) -> str:
    if outcome.error:
        return f"{outcome.feed.url}: failed: {outcome.error}"
    if outcome.not_modified:
        return f"{outcome.feed.url}: unchanged"
    pages = f", {len(outcome.problems)} pages failed" if outcome.problems else ""
    return f"{outcome.feed.url}: {outcome.counts.new} new{pages}"


def _run_update(store, everything: bool = False, show: bool = True) -> UpdateReport:
    if not store.list_feeds():
        added, _ = import_feeds(store, default_feeds())
        click.echo(f"no feeds configured: following the {added} default feeds (replace them with `feeds import`)")
    due = len(store.list_feeds() if everything else store.due_feeds(datetime.now(UTC)))
    bar = tqdm(total=due, desc="feeds", unit="feed", file=sys.stderr, leave=False, disable=not sys.stderr.isatty())
    with Fetcher(_fetch_policy()) as fetcher:
        def heard(outcome: FeedOutcome) -> None:
            bar.update(1)
            if show:
                bar.write(_describe(outcome), file=sys.stderr)
        report = update(store, fetcher, on_feed=heard, everything=everything)
    bar.close()
    return report


@main.command(name="update")
@click.option("--all", "everything", is_flag=True, help="Poll every feed now, not only those due.")
@db_option
def update_command(everything: bool, db_path: str | None) -> None:
    """Poll every due feed once: fetch new articles, extract, de-duplicate and store them.

    One broken feed or page never stops the run; each failure is recorded against its feed
    (see `newsweave feeds list`). Ends with a summary line. With no feed followed, follows the
    default list shipped with newsweave first.

    \b
    Example:
      newsweave update
    """
    with _open(db_path) as store:
        report = _run_update(store, everything)
    click.echo(report.summary())


@main.command()
@click.option("--every", type=click.FloatRange(min=0.01), default=15.0, show_default=True,
              help="Minutes between updates.")
@db_option
def run(every: float, db_path: str | None) -> None:
    """The main job: update on a schedule and report what changed. Ctrl-C stops cleanly.

    \b
    Example:
      newsweave run --every 15
    """
    with _open(db_path) as store:
        try:
            while True:
                started = time.monotonic()
                report = _run_update(store)
                click.echo(f"{datetime.now(UTC).isoformat(timespec='seconds')} {report.summary()}")
                time.sleep(max(0.0, every * 60 - (time.monotonic() - started)))
        except KeyboardInterrupt:
            click.echo("stopped; everything fetched so far is stored", err=True)


# eval


@main.group(name="eval", cls=_Commands)
def evaluate() -> None:
    """Measure quality against gold data: the figures the project reports."""


def _labels_of(path: str) -> dict[str, str]:
    with _open_input(path) as (stream, _):
        labels, problems = story_labels(read_records(stream))
    for problem in problems:
        click.echo(f"{path}:{problem.replace(': ', ': skipped: ', 1)}", err=True)
    return labels


@evaluate.command()
@click.argument("gold", metavar="GOLD.jsonl", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.argument("assignments", metavar="ASSIGNMENTS.jsonl", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def clustering(gold: str, assignments: str, fmt: str) -> None:
    """BCubed and pairwise precision, recall and F1 of story assignments against gold labels.

    GOLD has an ``id`` and a gold ``story`` per line (an evaluation articles file);
    ASSIGNMENTS is what ``newsweave cluster`` wrote. Every gold article must be assigned.

    \b
    Example:
      newsweave cluster dev.articles.jsonl -o dev.assignments.jsonl
      newsweave eval clustering dev.articles.jsonl dev.assignments.jsonl
    """
    try:
        scores = score_clustering(_labels_of(gold), _labels_of(assignments))
    except ValueError as error:
        raise NewsweaveError(f"cannot score {assignments} against {gold}: {error}") from None
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict()))
        return
    click.echo(f"{'':<10}{'precision':>10}{'recall':>10}{'F1':>10}")
    for name, prf in (("BCubed", scores.bcubed), ("pairwise", scores.pairwise)):
        click.echo(f"{name:<10}{prf.precision:>10.4f}{prf.recall:>10.4f}{prf.f1:>10.4f}")
    click.echo(f"{scores.articles} articles, {scores.gold_stories} gold stories, "
               f"{scores.predicted_stories} predicted stories")


def _benchmark_pages(truth_path: str, html_dir: str) -> Iterator[tuple[str, str]]:
    truth = json.loads(Path(truth_path).read_text(encoding="utf-8"))
    for key, entry in truth.items():
        page = Path(html_dir) / f"{key}.html.gz"
        html = gzip.decompress(page.read_bytes()) if page.exists() else (Path(html_dir) / f"{key}.html").read_bytes()
        yield entry.get("articleBody", ""), extract_page(html, entry.get("url")).text


@evaluate.command()
@click.argument("truth", metavar="GROUND_TRUTH.json", type=click.Path(exists=True, dir_okay=False))
@click.argument("html_dir", metavar="HTML_DIR", type=click.Path(exists=True, file_okay=False))
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def extraction(truth: str, html_dir: str, fmt: str) -> None:
    """Body extraction F1 on the article-extraction-benchmark's pages (word 4-gram shingles).

    GROUND_TRUTH.json maps each page's key to its true ``articleBody``; HTML_DIR holds KEY.html.gz.

    \b
    Example:
      newsweave eval extraction ../shared/data/extraction/ground-truth.json ../shared/data/extraction/html
    """
    scores = score_extraction(_benchmark_pages(truth, html_dir))
    if fmt == "json":
        click.echo(json.dumps(scores.to_dict()))
        return
    click.echo(f"precision {scores.precision:.4f}  recall {scores.recall:.4f}  F1 {scores.f1:.4f}")
    click.echo(f"{scores.pages} pages")
