"""Commands that follow the web: feeds, update, run, extract."""

from __future__ import annotations

import gzip
import json
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import click
from tqdm import tqdm

from newsweave.cli.base import (
    EXIT_SKIPPED,
    Commands,
    db_option,
    fetch_policy,
    language_model,
    main,
    open_db,
)
from newsweave.cli.web import web_server
from newsweave.errors import NewsweaveError
from newsweave.http import Fetcher
from newsweave.opml import export_opml, parse_opml
from newsweave.pipeline import extract_url, story_store_embedder
from newsweave.stages.extract import Page, extract_page
from newsweave.updater import FeedOutcome, UpdateReport, add_feed, default_feeds, import_feeds, update

# extract


def _read_page(path_or_url: str) -> Page:
    if path_or_url.startswith(("http://", "https://")):
        with Fetcher(fetch_policy()) as fetcher:
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




@main.group(cls=Commands)
def feeds() -> None:
    """Follow, list and stop following feeds (RSS, Atom, JSON Feed); import and export OPML."""


@feeds.command(name="add")
@click.argument("url")
@click.option("--name", help="The outlet's name, shown as the source of its articles.")
@db_option
def feeds_add(url: str, name: str | None, db_path: str | None) -> None:
    """Follow one feed (RSS, Atom or JSON Feed), or a site's page that names its feed: the next update then
    follows the feed it names instead.

    \b
    Example:
      newsweave feeds add https://feeds.bbci.co.uk/news/world/rss.xml --name "BBC News"
      newsweave feeds add https://www.theguardian.com/world --name "The Guardian"
    """
    with open_db(db_path) as store:
        added = add_feed(store, url, name)
    click.echo(f"following {url}" if added else f"already following {url}")


def _read_opml(file_or_url: str) -> bytes:
    if file_or_url.startswith(("http://", "https://")):
        with Fetcher(fetch_policy()) as fetcher:
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
    with open_db(db_path) as store:
        imported = import_feeds(store, listed)
    for reason in imported.skipped:
        click.echo(f"{source}: skipped: {reason}", err=True)
    click.echo(f"{imported.added} feeds added, {imported.known} already followed, {len(imported.skipped)} skipped")
    if imported.skipped:
        sys.exit(EXIT_SKIPPED)


@feeds.command(name="export")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@db_option
def feeds_export(output: str | None, db_path: str | None) -> None:
    """Write the feeds followed as OPML 2.0, for another reader or a backup.

    \b
    Example:
      newsweave feeds export > subscriptions.opml
    """
    with open_db(db_path) as store:
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
    with open_db(db_path) as store:
        followed = store.list_feeds()
    if fmt == "json":
        click.echo(json.dumps([feed.to_dict() for feed in followed], ensure_ascii=False))
        return
    if not followed:
        click.echo("no feeds followed: `newsweave feeds add URL` or `newsweave feeds import FILE.opml` adds some "
                   "(`newsweave update` follows the default list when there are none)", err=True)
    for feed in followed:
        health = (f"failing ({feed.error_count}×): {feed.last_error}" if feed.error_count
                  else f"ok, read despite: {feed.last_error}" if feed.last_error
                  else "ok" if feed.last_checked else "not polled yet")
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
    with open_db(db_path) as store:
        removed = store.remove_feed(url)
    if not removed:
        raise NewsweaveError(f"not following {url}; see `newsweave feeds list`")
    click.echo(f"stopped following {url}")




def _describe(outcome: FeedOutcome) -> str:
    if outcome.error:
        return f"{outcome.feed.url}: failed: {outcome.error}"
    if outcome.not_modified:
        return f"{outcome.feed.url}: unchanged"
    pages = f", {len(outcome.problems)} pages failed" if outcome.problems else ""
    despite = f" (read despite: {outcome.warning})" if outcome.warning else ""
    moved = f"{outcome.moved_from}: {outcome.moved_why}; now following " if outcome.moved_from else ""
    return f"{moved}{outcome.feed.url}: {outcome.counts.new} new{pages}{despite}"


def _run_update(store, everything: bool = False, show: bool = True) -> UpdateReport:
    model = language_model()  # a setting that cannot work stops us before any feed is fetched
    if not store.list_feeds():
        added = import_feeds(store, default_feeds()).added
        click.echo(f"no feeds configured: following the {added} default feeds (replace them with `feeds import`)")
    due = len(store.list_feeds() if everything else store.due_feeds(datetime.now(UTC)))
    bar = tqdm(total=due, desc="feeds", unit="feed", file=sys.stderr, leave=False, disable=not sys.stderr.isatty())
    with Fetcher(fetch_policy()) as fetcher:
        def heard(outcome: FeedOutcome) -> None:
            bar.update(1)
            if show:
                bar.write(_describe(outcome), file=sys.stderr)
        report = update(store, fetcher, on_feed=heard, everything=everything, embedder=story_store_embedder(store),
                        model=model)
    bar.close()
    return report


@main.command(name="update")
@click.option("--all", "everything", is_flag=True, help="Poll every feed now, not only those due.")
@db_option
def update_command(everything: bool, db_path: str | None) -> None:
    """Poll every due feed once: fetch new articles, extract, de-duplicate and store them.

    One broken feed or page never stops the run; each failure is recorded against its feed
    (see `newsweave feeds list`) and named on stderr. Ends with a summary line, and exits 1 when
    a feed failed (as every command does when it skipped some input). With no feed followed,
    follows the default list shipped with newsweave first.

    \b
    Example:
      newsweave update
    """
    with open_db(db_path) as store:
        report = _run_update(store, everything)
    click.echo(report.summary())
    if report.feeds_failed:
        sys.exit(EXIT_SKIPPED)


def _stop(signum, frame) -> None:
    """SIGTERM (a service manager stopping the job) ends it as cleanly as Ctrl-C."""
    raise KeyboardInterrupt


def _serve_in_background(db_path: str, host: str, port: int):
    """The web app on its own thread and connection (WAL lets it read while the updater writes)."""
    from newsweave.web import create_app

    server, listening = web_server(create_app(db_path), host, port,
                                   "choose another with --port, or --port 0 to run without the web app")
    threading.Thread(target=server.run, kwargs={"sockets": [listening]}, name="web", daemon=True).start()
    click.echo(f"Serving newsweave on http://{host}:{port}/", err=True)
    return server


@main.command()
@click.option("--every", type=click.FloatRange(min=0.01), default=15.0, show_default=True,
              help="Minutes between updates.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address the web app listens on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port of the web app; 0 runs without it.")
@db_option
def run(every: float, host: str, port: int, db_path: str | None) -> None:
    """The main job: serve the web app and update from the feeds on a schedule. Ctrl-C stops cleanly.

    Each update polls the due feeds, stores new articles, puts them into stories and rewrites
    the briefs of the stories that changed; a line says what changed.

    \b
    Example:
      newsweave run                    # then open http://127.0.0.1:8000/
      newsweave run --every 30 --port 8080
    """
    signal.signal(signal.SIGTERM, _stop)
    with open_db(db_path) as store:
        server = _serve_in_background(store.path, host, port) if port else None
        try:
            while True:
                started = time.monotonic()
                report = _run_update(store)
                click.echo(f"{datetime.now(UTC).isoformat(timespec='seconds')} {report.summary()}")
                time.sleep(max(0.0, every * 60 - (time.monotonic() - started)))
        except KeyboardInterrupt:
            click.echo("stopped; everything fetched so far is stored", err=True)
        finally:
            if server is not None:
                server.should_exit = True
