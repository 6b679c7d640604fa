"""What every command shares: the ``main`` group, error handling, the database and fetch settings."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import IO

import click

from newsweave import __version__, settings
from newsweave.errors import NewsweaveError, SettingError
from newsweave.evaluation.clustering import story_labels
from newsweave.http import FetchPolicy
from newsweave.jsonl import read_records
from newsweave.models import Article
from newsweave.stages.ingest import read_articles
from newsweave.stages.language_model import ChatModel, OpenAIChatModel
from newsweave.store import SQLiteStore, open_store

EXIT_SKIPPED, EXIT_ERROR, EXIT_INTERRUPTED = 1, 2, 130


class Commands(click.Group):
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


def open_db(db_path: str | None) -> SQLiteStore:
    return open_store(settings.resolve("db", db_path))


def open_cache(cache_path: str | None = None) -> SQLiteStore:
    """The stateless commands' cache (embeddings, text analyses), its folder created when missing: the default,
    ``~/.cache/newsweave/``, does not exist on a fresh machine."""
    path = settings.resolve("cache", cache_path)
    try:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    except OSError as error:
        raise NewsweaveError(f"cannot create the cache's folder for {path}: {error.strerror}") from None
    return SQLiteStore(path)


EXTRACTION_LIBRARIES = ("trafilatura", "htmldate", "courlan", "justext")
"""Loggers of the extraction libraries, which log each page they cannot read: heard only with --verbose."""


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="newsweave")
@click.option("-v", "--verbose", is_flag=True, help="Log what happens, not only problems.")
def main(verbose: bool) -> None:
    """newsweave: many outlets in, one cited brief per story out."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    for library in EXTRACTION_LIBRARIES:  # newsweave reports what extraction found itself (partial: why)
        logging.getLogger(library).setLevel(logging.INFO if verbose else logging.CRITICAL)



def since_time(text: str, now: datetime) -> datetime:
    """The start a ``--since`` option gives (a duration before ``now`` or an ISO date), or a usage error."""
    from newsweave.web.digest import parse_since

    try:
        return parse_since(text, now)
    except ValueError as error:
        raise NewsweaveError(str(error)) from None


def fetch_policy() -> FetchPolicy:
    return FetchPolicy(
        allow_private_networks=settings.resolve_flag("allow_private_networks"),
        host_delay=settings.resolve_seconds("host_delay"),
    )


def language_model(engine: str | None = None) -> ChatModel | None:
    """The language model that writes briefs, by the ``engine`` setting (``--engine`` first): None for the
    extractive engine."""
    chosen = settings.resolve("engine", engine)
    if chosen == "extractive":
        return None
    if chosen != "llm":
        raise SettingError(f"engine {chosen!r}: use extractive or llm")
    url, name = settings.resolve("llm_url"), settings.resolve("llm_model")
    if not url or not name:
        raise SettingError("the llm engine needs NEWSWEAVE_LLM_URL (the API's base, e.g. http://127.0.0.1:8080/v1) "
                           "and NEWSWEAVE_LLM_MODEL (the model's name there)")
    return OpenAIChatModel(url, name, settings.resolve("llm_api_key"), settings.resolve_seconds("llm_timeout"))


@contextmanager
def open_input(path: str) -> Iterator[tuple[IO[bytes], int | None]]:
    """A binary stream for a path ('-' is stdin) and its size in bytes when known."""
    if path == "-":
        yield sys.stdin.buffer, None
        return
    with open(path, "rb") as stream:
        yield stream, os.fstat(stream.fileno()).st_size


def _report(path: str, number: int, problem: str, skipped: list[str] | None) -> None:
    line = f"{path}:{number}: skipped: {problem}"
    click.echo(line, err=True)
    if skipped is not None:
        skipped.append(line)


def read_article_file(path: str, skipped: list[str] | None = None) -> Iterator[Article]:
    """The articles of a JSONL file ('-' for stdin); each bad line is reported (and noted in ``skipped``), and so
    is a line whose id an earlier line gave: citations and assignments name articles by id, so the first stands."""
    first_line: dict[str, int] = {}
    with open_input(path) as (stream, _):
        for parsed in read_articles(stream):
            problem = parsed.problem
            if not problem and parsed.article.id in first_line:
                problem = f"id {parsed.article.id!r} was already given on line {first_line[parsed.article.id]}"
            if problem:
                _report(path, parsed.number, problem, skipped)
            else:
                first_line[parsed.article.id] = parsed.number
                yield parsed.article


def read_json_objects(
    path: str, skipped: list[str] | None = None, check: Callable[[dict], str | None] | None = None
) -> list[dict]:
    """The JSON objects of a JSONL file; each line that is not one, or that ``check`` finds a problem with,
    is reported (and noted in ``skipped``)."""
    objects = []
    with open_input(path) as (stream, _):
        for record in read_records(stream):
            value = record.value
            problem = record.problem or ("not a JSON object" if not isinstance(value, dict) else None)
            problem = problem or (check(value) if check else None)
            if problem:
                _report(path, record.number, problem, skipped)
            else:
                objects.append(value)
    return objects


def _noting_titles(records: Iterator, titles: dict[str, str]) -> Iterator:
    for record in records:
        value = record.value
        if isinstance(value, dict) and isinstance(value.get("id"), str) and isinstance(value.get("title"), str):
            titles[value["id"].strip()] = value["title"]
        yield record


def read_story_labels(
    path: str, titles: dict[str, str] | None = None, skipped: list[str] | None = None
) -> dict[str, str]:
    """Article id → story from a JSONL file of gold articles or of assignments; bad lines reported (and noted in
    ``skipped``). With ``titles``, the articles' titles are noted in it (id → title) on the same pass, so stdin
    works too."""
    with open_input(path) as (stream, _):
        records = read_records(stream)
        labels, problems = story_labels(records if titles is None else _noting_titles(records, titles))
    for problem in problems:
        number, _, reason = problem.partition(": ")
        _report(path, int(number), reason, skipped)
    return labels
