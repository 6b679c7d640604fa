"""Ingestion: untrusted records in, normalised Articles out.

Owns the article JSONL format of FORMATS.md §1 on the way in: reading lines (with a size
cap), decoding, validating every field with a reason a user can act on, normalising text
(so that citation offsets index exactly what is stored), and deriving a stable id when a
record has none. It never touches the store; ``pipeline.ingest_articles`` does that.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from newsweave.errors import InvalidRecord
from newsweave.jsonl import MAX_LINE_BYTES, read_records
from newsweave.models import ARTICLE_KEYS, ARTICLE_STATE_KEYS, Article, parse_time
from newsweave.stages.dedupe import canonical_url

# Characters that carry no text: byte order mark, zero-width space, word joiner, soft hyphen.
# (Zero-width joiners and direction marks stay: some scripts need them.)
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u2060\u00ad"))
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")
_HORIZONTAL_SPACE = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_JSON_TYPE_NAMES = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
                    int: "a number", float: "a number", type(None): "null"}


def normalize_text(text: str) -> str:
    """Body text as stored: NFC, no control or invisible characters, single spaces,
    trimmed lines, paragraphs separated by exactly one blank line. Idempotent."""
    text = unicodedata.normalize("NFC", text).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _LONE_SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))
    lines = (_HORIZONTAL_SPACE.sub(" ", line).strip() for line in text.split("\n"))
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def normalize_title(title: str) -> str:
    """A title as stored: normalised like text, on one line."""
    return " ".join(normalize_text(title).split())


def derive_article_id(url: str | None, title: str, text: str) -> str:
    """A stable id for a record without one: from its canonical URL, else from its words."""
    basis = f"url:{canonical_url(url)}" if url else f"text:{title}\n\n{text}"
    return "a-" + hashlib.blake2b(basis.encode("utf-8"), digest_size=8).hexdigest()


def _json_type(value: Any) -> str:
    return _JSON_TYPE_NAMES.get(type(value), type(value).__name__)


def _string_field(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidRecord(f"field '{key}' must be a string, not {_json_type(value)}")
    return value.strip() or None


def _checked_flag(record: dict[str, Any], key: str) -> bool:
    value = record.get(key, False)
    if not isinstance(value, bool) and value is not None:
        raise InvalidRecord(f"field '{key}' must be true or false, not {_json_type(value)}")
    return bool(value)


def _checked_url(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        canonical_url(url)
    except ValueError:
        raise InvalidRecord(f"field 'url' is not an absolute http(s) URL: {url[:200]!r}") from None
    return url


def _checked_time(value: str | None):
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError:
        raise InvalidRecord(f"field 'published' is not an ISO 8601 time: {value[:100]!r}") from None


def article_from_record(record: Any) -> Article:
    """The Article a decoded JSON record describes. Raises InvalidRecord with the reason."""
    if not isinstance(record, dict):
        raise InvalidRecord(f"not a JSON object but {_json_type(record)}")
    fields = {key: _string_field(record, key) for key in ARTICLE_KEYS}
    title = normalize_title(fields["title"] or "")
    text = normalize_text(fields["text"] or "")
    if not title and not text:
        raise InvalidRecord("neither 'title' nor 'text' has any words")
    url = _checked_url(fields["url"])
    return Article(
        id=fields["id"] or derive_article_id(url, title, text),
        title=title,
        text=text,
        url=url,
        source=fields["source"],
        published=_checked_time(fields["published"]),
        language=fields["language"],
        author=fields["author"],
        label=fields["story"],
        extra={key: value for key, value in record.items() if key not in ARTICLE_KEYS + ARTICLE_STATE_KEYS},
        partial=_checked_flag(record, "partial"),
        duplicate_of=_string_field(record, "duplicate_of"),
    )


@dataclass(frozen=True, slots=True)
class ParsedLine:
    """One input line: an article, or the reason it was skipped."""

    number: int
    article: Article | None = None
    problem: str | None = None


def read_articles(stream: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[ParsedLine]:
    """Every non-blank line of an article JSONL stream, parsed; bad lines carry their problem."""
    for line in read_records(stream, max_line_bytes):
        if line.problem:
            yield ParsedLine(line.number, problem=line.problem)
            continue
        try:
            yield ParsedLine(line.number, article=article_from_record(line.value))
        except InvalidRecord as invalid:
            yield ParsedLine(line.number, problem=invalid.reason)


def article_lines(articles: Iterable[Article]) -> Iterator[str]:
    """Articles as FORMATS.md §1 JSONL lines, each ending in a newline."""
    for article in articles:
        yield json.dumps(article.to_dict(), ensure_ascii=False) + "\n"
