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
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import IO

import click

from newsweave import __version__, settings
from newsweave.errors import NewsweaveError
from newsweave.evaluation.clustering import score_clustering, story_labels
from newsweave.evaluation.extraction import score_extraction
from newsweave.http import Fetcher, FetchPolicy
from newsweave.jsonl import read_records
from newsweave.models import Article
from newsweave.pipeline import IngestCounts, extract_url, ingest_articles
from newsweave.progress import LineProgress, ProgressReader
from newsweave.stages.extract import Page, extract_page
from newsweave.stages.ingest import article_lines, read_articles
from newsweave.store import open_store

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
    return FetchPolicy(allow_private_networks=settings.resolve_flag("allow_private_networks"))


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
