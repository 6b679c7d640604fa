"""Feed parsing: an RSS 0.9x/1.0/2.0, Atom or JSON Feed document in, its items out.

Owns turning untrusted feed bytes into ``FeedItem`` values with plain-text summaries (HTML
in summaries is reduced to text; scripts and styles dropped). RSS and Atom go through
feedparser, which copes with broken XML and declared encodings such as windows-1252; JSON
Feed (jsonfeed.org 1.0 and 1.1) is read here. A document that is no feed at all raises
``NotAFeed``; a malformed feed whose items could still be read reports ``problem``. ``feed_links`` reads the
feeds an HTML page names for itself, so a site's page can stand for its feed.
"""

from __future__ import annotations

import calendar
import json
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser
from lxml import html as lxml_html

from newsweave.errors import NewsweaveError
from newsweave.models import parse_time
from newsweave.stages.ingest import normalize_text, normalize_title

MAX_ITEMS = 500
MAX_PAGE_FOR_LINKS = 1_000_000
"""Bytes of a page read for the feeds it names (they are in its head)."""


class NotAFeed(NewsweaveError):
    """The document is not RSS, Atom or JSON Feed."""


@dataclass(frozen=True, slots=True)
class FeedItem:
    link: str | None
    guid: str | None
    title: str
    summary: str
    published: datetime | None = None
    author: str | None = None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str | None
    items: list[FeedItem] = field(default_factory=list)
    problem: str | None = None
    """What was wrong with a feed that could still be read (malformed XML), or None."""


def html_to_text(fragment: str | None) -> str:
    """The text of an HTML fragment, without scripts, styles or tags."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment and "&" not in fragment:
        return normalize_text(fragment)
    try:
        tree = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (ValueError, lxml_html.etree.ParserError):
        return normalize_text(fragment)
    for bad in tree.xpath("//script | //style | //noscript"):
        bad.drop_tree()
    blocks = tree.xpath("//p | //li | //h1 | //h2 | //h3 | //blockquote")
    texts = [b.text_content() for b in blocks] if blocks else [tree.text_content()]
    return normalize_text("\n\n".join(texts))


def _time_from_struct(value) -> datetime | None:
    return datetime.fromtimestamp(calendar.timegm(value), UTC) if value else None


def _rss_item(entry) -> FeedItem:
    summary = entry.get("summary") or ""
    if not summary and entry.get("content"):
        summary = entry["content"][0].get("value", "")
    return FeedItem(
        link=entry.get("link") or None,
        guid=entry.get("id") or None,
        title=normalize_title(html_to_text(entry.get("title", ""))),
        summary=html_to_text(summary),
        published=_time_from_struct(entry.get("published_parsed") or entry.get("updated_parsed")),
        author=entry.get("author") or None,
    )


def _parse_rss_or_atom(body: bytes, content_type: str | None) -> ParsedFeed:
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(body, response_headers=headers, sanitize_html=True, resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        raise NotAFeed("not an RSS, Atom or JSON feed" + (" (an HTML page)" if b"<html" in body[:2048].lower() else ""))
    problem = None
    if parsed.bozo:
        problem = f"malformed feed: {parsed.get('bozo_exception') or 'unknown problem'}"
    items = [_rss_item(entry) for entry in parsed.entries[:MAX_ITEMS]]
    return ParsedFeed(parsed.feed.get("title"), items, problem)


def _json_time(value) -> datetime | None:
    try:
        return parse_time(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _json_item(item: dict) -> FeedItem:
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    author = next((a.get("name") for a in authors if isinstance(a, dict) and a.get("name")), None)
    summary = item.get("summary") or item.get("content_text") or html_to_text(item.get("content_html"))
    return FeedItem(
        link=item.get("url") if isinstance(item.get("url"), str) else None,
        guid=str(item["id"]) if item.get("id") is not None else None,
        title=normalize_title(str(item.get("title") or "")),
        summary=normalize_text(str(summary or "")),
        published=_json_time(item.get("date_published") or item.get("date_modified")),
        author=author,
    )


def _parse_json_feed(body: bytes) -> ParsedFeed:
    try:
        document = json.loads(body.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise NotAFeed(f"not a JSON feed ({error})") from None
    if not isinstance(document, dict) or not str(document.get("version", "")).startswith("https://jsonfeed.org/"):
        raise NotAFeed("JSON without a jsonfeed.org version")
    items = [_json_item(i) for i in document.get("items", [])[:MAX_ITEMS] if isinstance(i, dict)]
    return ParsedFeed(document.get("title"), items)


def _absolute(item: FeedItem, base_url: str | None) -> FeedItem:
    if not base_url or not item.link:
        return item
    return replace(item, link=urljoin(base_url, item.link))


_FEED_TYPES = frozenset({"application/rss+xml", "application/atom+xml", "application/feed+json",
                         "application/rdf+xml"})


def feed_links(page: bytes, base_url: str | None = None) -> list[str]:
    """The feeds an HTML page names for itself (``<link rel="alternate" type="application/rss+xml" href=…>``), in
    its order but comment feeds last ("Site » Comments Feed"), absolute, http(s) only: a site's front page or
    section page leads to its feed."""
    try:
        tree = lxml_html.document_fromstring(page[:MAX_PAGE_FOR_LINKS])
    except (ValueError, lxml_html.etree.ParserError):
        return []
    found, comments = [], []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").split(";")[0].strip().lower()
        href = urljoin(base_url or "", link.get("href").strip())
        if "alternate" in rel and kind in _FEED_TYPES and urlsplit(href).scheme in {"http", "https"}:
            (comments if "comment" in (link.get("title") or "").lower() else found).append(href)
    return list(dict.fromkeys(found + comments))


def parse_feed(body: bytes, content_type: str | None = None, base_url: str | None = None) -> ParsedFeed:
    """The items of a feed document, relative links made absolute against ``base_url``.

    Raises NotAFeed when the document is no feed.
    """
    if body.lstrip()[:1] == b"{" or (content_type or "").split(";")[0].strip().endswith("json"):
        parsed = _parse_json_feed(body)
    else:
        parsed = _parse_rss_or_atom(body, content_type)
    return replace(parsed, items=[_absolute(item, base_url) for item in parsed.items])
