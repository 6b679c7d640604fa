"""Extraction: an article page's HTML in, its body text and metadata out (trafilatura underneath).

Owns turning one page into a ``Page``: the body without page furniture (navigation, cookie
banners, share bars, "Most read", footers), title, author, publication time, language,
canonical URL and main image. A page whose body cannot be found, or that holds only a
paywall teaser, is marked ``partial`` with the reason, so the caller can keep the feed's own
summary instead. Never raises for bad HTML: a page it cannot read is a partial page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import trafilatura
from lxml import html as lxml_html

from newsweave.models import parse_time
from newsweave.stages.ingest import normalize_text, normalize_title

ENGINE = "trafilatura/favor-precision"
#: A body shorter than this is a teaser, not an article.
MIN_BODY_CHARS = 250
PAYWALL_PHRASES = re.compile(
    r"subscribe to (continue|read)|already a subscriber|sign in to (continue|read)|"
    r"to continue reading|subscribers only|this (article|content) is for subscribers",
    re.IGNORECASE,
)
_TIME_META = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "date",
    "dc.date.issued",
)
_BYLINE_SEPARATOR = re.compile(r"\s*[·|•]\s*|\s+[-–—]\s+")
_LANG = re.compile(r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$")


@dataclass(frozen=True, slots=True)
class Page:
    text: str
    title: str | None = None
    published: datetime | None = None
    author: str | None = None
    url: str | None = None
    """The page's canonical URL when it names one, else the URL it was fetched from."""
    language: str | None = None
    image: str | None = None
    partial: str | None = None
    """Why the body is not the whole article (no body found, paywall teaser), or None."""

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "text": self.text,
            "published": self.published.isoformat() if self.published else None,
            "author": self.author,
            "url": self.url,
            "language": self.language,
            "image": self.image,
            "partial": self.partial,
        }


def _tree(html: bytes | str):
    try:
        return lxml_html.fromstring(html)
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return None


def _meta_time(tree) -> datetime | None:
    for name in _TIME_META:
        for value in tree.xpath(f'//meta[@property="{name}" or @name="{name}" or @itemprop="{name}"]/@content'):
            try:
                return parse_time(value)
            except ValueError:
                continue
    for value in tree.xpath("//time/@datetime"):
        try:
            return parse_time(value)
        except ValueError:
            continue
    return None


def _language(tree) -> str | None:
    for value in tree.xpath("/html/@lang | //meta[@http-equiv='content-language']/@content"):
        value = value.strip().replace("_", "-")
        if _LANG.match(value):
            return value.split("-")[0].lower()
    return None


def _canonical(tree, fetched_url: str | None) -> str | None:
    for value in tree.xpath('//link[@rel="canonical"]/@href | //meta[@property="og:url"]/@content'):
        if value.strip().startswith(("http://", "https://")):
            return value.strip()
    return fetched_url


def _body(html: bytes | str, url: str | None):
    return trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, favor_precision=True, include_tables=True
    )


def _paragraphs(text: str | None) -> str:
    return normalize_text("\n\n".join(line for line in (text or "").splitlines() if line.strip()))


def _without_title(text: str, title: str | None) -> str:
    """The body without a first paragraph that only repeats the headline."""
    first, _, rest = text.partition("\n\n")
    return rest if title and normalize_title(first).casefold() == title.casefold() else text


def _clean_author(author: str | None) -> str | None:
    """A byline's name: no "By", and nothing after a separator (dates, roles, outlets)."""
    if not author:
        return None
    name = _BYLINE_SEPARATOR.split(author)[0].strip()
    name = re.sub(r"^by\s+", "", name, flags=re.IGNORECASE).strip(" ,;")
    return name or None


def _partial_reason(text: str) -> str | None:
    if not text:
        return "no article body found"
    if PAYWALL_PHRASES.search(text) and len(text) < 4 * MIN_BODY_CHARS:
        return "only a paywall teaser"
    if len(text) < MIN_BODY_CHARS:
        return f"body shorter than {MIN_BODY_CHARS} characters"
    return None


def _without_paywall_lines(text: str) -> str:
    return "\n\n".join(p for p in text.split("\n\n") if not PAYWALL_PHRASES.search(p))


def extract_page(html: bytes | str, url: str | None = None) -> Page:
    """The article in one page. ``url`` is where it was fetched from (for relative links and the fallback URL)."""
    tree = _tree(html)
    if tree is None:
        return Page(text="", url=url, partial="not an HTML page")
    document = _body(html, url)
    raw_title = (document.title if document else None) or next(iter(tree.xpath("//title/text()")), None)
    title = normalize_title(raw_title) if raw_title else None
    text = _without_title(_paragraphs(document.text if document else None), title)
    reason = _partial_reason(text)
    date_text = document.date if document else None
    return Page(
        text=_without_paywall_lines(text) if reason else text,
        title=title,
        published=_meta_time(tree) or (_safe_time(date_text) if date_text else None),
        author=_clean_author(document.author if document else None),
        url=_canonical(tree, url),
        language=_language(tree),
        image=(document.image if document else None) or None,
        partial=reason,
    )


def _safe_time(value: str) -> datetime | None:
    try:
        return parse_time(value)
    except ValueError:
        return None
