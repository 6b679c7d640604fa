"""``newsweave audit``: check any news text against its sources, sentence by sentence (FORMATS.md §4)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from newsweave.cli.base import EXIT_SKIPPED, db_option, main, open_cache, open_db, read_article_file
from newsweave.errors import NewsweaveError
from newsweave.pipeline import store_embedder
from newsweave.stages.audit import AuditReport, audit
from newsweave.stages.embed import CachedEmbedder, MiniLMEmbedder
from newsweave.web.audit import render_audit_html, titles_of

COLOURS = {"supported": "green", "partial": "yellow", "contradicted": "red", "unsupported": "magenta"}


def render_text(report: AuditReport, colour: bool) -> str:
    """The report for a terminal: each sentence with its verdict, problems and evidence."""
    titles = titles_of(report.sources)
    lines = []
    for sentence in report.sentences:
        tag = click.style(f"[{sentence.verdict.upper()}]", fg=COLOURS[sentence.verdict], bold=True) \
            if colour else f"[{sentence.verdict.upper()}]"
        lines.append(f"{tag} {sentence.text}")
        lines += [f"    ! {problem}" for problem in sentence.problems]
        lines += [f"    < {titles.get(c.article, c.article)} [{c.start}:{c.end}]: {c.quote}" for c in sentence.evidence]
    for quote in report.quotes:
        lines.append(f"quote {'found' if quote.found else 'NOT FOUND'}: “{quote.text}”")
    lines.append(", ".join(f"{n} {verdict}" for verdict, n in report.counts.items()))
    return "\n".join(lines) + "\n"


def _render(report: AuditReport, fmt: str) -> str:
    if fmt == "json":
        return json.dumps(report.to_dict(), ensure_ascii=False) + "\n"
    if fmt == "html":
        return render_audit_html(report)
    return render_text(report, colour=sys.stdout.isatty())


def _audit_story(text: str, story_id: str, db_path: str | None) -> AuditReport:
    with open_db(db_path) as store:
        articles = store.story_articles(story_id)
        if not articles:
            raise NewsweaveError(f"no stored story {story_id!r} has articles; `newsweave stories` lists them")
        return audit(text, articles, store_embedder(store))


def _read_text(path: str) -> str:
    """The text to audit, from a file or '-' (stdin), as UTF-8 (a byte-order mark is dropped)."""
    data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        name = "standard input" if path == "-" else path
        raise NewsweaveError(f"{name}: not UTF-8 text (byte 0x{data[error.start]:02x} at offset {error.start})") \
            from None


@main.command(name="audit")
@click.argument("text_path", metavar="TEXT_FILE", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--sources", "sources_path", metavar="ARTICLES.jsonl", help="The source articles (FORMATS.md §1).")
@click.option("--story", "story_id", metavar="ID", help="A stored story: its articles are the sources.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "html"]), default="text", show_default=True,
              help="text: for a terminal (colour on a tty); json: FORMATS.md §4; html: one self-contained page.")
@db_option
def audit_command(text_path: str, sources_path: str | None, story_id: str | None, fmt: str,
                  db_path: str | None) -> None:
    """Check a text sentence by sentence against its sources: supported, partial, contradicted, unsupported.

    Each verdict comes with its evidence (exact spans of the sources) and its problems in plain words;
    every quotation is looked up verbatim (up to quotation-mark style and white space).

    \b
    Example:
      newsweave audit summary.txt --sources articles.jsonl
      newsweave audit draft.txt --story 3f2a9c --format html > audit.html
    """
    if (sources_path is None) == (story_id is None):
        raise click.UsageError("give exactly one of --sources ARTICLES.jsonl or --story ID")
    text = _read_text(text_path)
    skipped: list[str] = []
    if story_id:
        report = _audit_story(text, story_id, db_path)
    else:
        articles = list(read_article_file(sources_path, skipped))
        if not articles:
            raise NewsweaveError(f"{sources_path}: no source article to audit against"
                                 + (f" ({len(skipped)} lines skipped)" if skipped else ""))
        with open_cache() as cache:
            report = audit(text, articles, CachedEmbedder(MiniLMEmbedder(), cache))
    sys.stdout.write(_render(report, fmt))
    if skipped:
        sys.exit(EXIT_SKIPPED)
