"""Commands of the reader: serve (the web app) and digest (a period's stories as one file)."""

from __future__ import annotations

import socket
import sys
from datetime import UTC, datetime

import click

from newsweave.cli.base import db_option, main, open_db, since_time
from newsweave.errors import NewsweaveError


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. The default serves this machine only; 0.0.0.0 serves the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@db_option
def serve(host: str, port: int, db_path: str | None) -> None:
    """Serve the stories as web pages, with a JSON twin of every page, an Atom feed and /openapi.json.

    \b
    Example:
      newsweave serve                 # then open http://127.0.0.1:8000/
      newsweave serve --port 8080 --db news.db
    """
    from newsweave.web import create_app

    server, listening = web_server(create_app(open_db(db_path)), host, port, "choose another with --port")
    click.echo(f"Serving newsweave on http://{host}:{port}/ (Ctrl-C stops)", err=True)
    try:
        server.run(sockets=[listening])
    except KeyboardInterrupt:  # the server has shut down gracefully and passes the signal on: a normal stop
        pass


def web_server(app, host: str, port: int, remedy: str):
    """A server for ``app`` and the socket it is to serve on, bound now: a port already in use stops the command
    with a message that says so (and ``remedy``), before it starts any work, rather than in the server's log."""
    import uvicorn

    try:
        family, kind, protocol, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                                flags=socket.AI_PASSIVE)[0]
        listening = socket.socket(family, kind, protocol)
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listening.bind(address)
    except OSError as error:
        raise NewsweaveError(f"cannot listen on {host}:{port}: {error.strerror or error}; {remedy}") from None
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", server_header=False)
    return uvicorn.Server(config), listening


@main.command()
@click.option("--since", default="24h", show_default=True, metavar="DURATION|DATE",
              help="Stories updated since: a duration before now (90m, 24h, 7d) or an ISO 8601 date or time.")
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True,
              help="html: one self-contained file (inline CSS, nothing loaded) for a browser or an email.")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True,
              help="At most this many stories, the most widely reported; the digest says when there were more.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write here, not to stdout.")
@db_option
def digest(since: str, fmt: str, limit: int, output: str | None, db_path: str | None) -> None:
    """Write the stories updated in a period as one file, the most widely reported first.

    \b
    Example:
      newsweave digest -o today.html
      newsweave digest --since 7d --format markdown -o week.md
    """
    from newsweave.web.digest import render_digest

    now = datetime.now(UTC)
    start = since_time(since, now)
    with open_db(db_path) as store:
        briefs = store.reader_stories(since=start, limit=limit + 1, order="breadth")
    text = render_digest(briefs[:limit], start, now, fmt, more=len(briefs) > limit)
    if output:
        with open(output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
