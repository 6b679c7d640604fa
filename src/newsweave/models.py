"""The data model every stage shares: Article, Story, Feed, and the Brief with its parts.

These are plain, immutable values. They know how to turn themselves into the JSON forms
of ``FORMATS.md`` (``to_dict``) and back (``from_dict``), and nothing else: validation of
untrusted input lives in ``stages/ingest.py``, persistence in ``store/``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: Keys of the article JSON form (FORMATS.md §1) that map onto Article fields.
ARTICLE_KEYS = ("id", "url", "title", "text", "source", "published", "language", "author", "story")
#: Keys newsweave adds to the article form: a body that is not the whole article, and the
#: report an article copies (a syndicated wire story).
ARTICLE_STATE_KEYS = ("partial", "duplicate_of")
#: How far past the present a publication time may lie and still be believed.
FUTURE_TOLERANCE = timedelta(days=1)


def parse_time(value: str) -> datetime:
    """Parse an ISO 8601 time; a time without a zone is taken as UTC.

    Raises ValueError when ``value`` is not ISO 8601.
    """
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def format_time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _drop_none(mapping: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in mapping.items() if value is not None}


@dataclass(frozen=True, slots=True)
class Article:
    """One outlet's report. ``text`` is normalised plain text; citations index into it."""

    id: str
    title: str
    text: str
    url: str | None = None
    source: str | None = None
    published: datetime | None = None
    language: str | None = None
    author: str | None = None
    label: str | None = None
    """Gold story label from evaluation data (the ``story`` key); never a clustering input."""
    extra: dict[str, Any] = field(default_factory=dict)
    """Fields the format does not define, kept so that export gives back what came in."""
    partial: bool = False
    """The body is not the whole article (a paywall teaser, or the feed's summary)."""
    duplicate_of: str | None = None
    """The id of the article this one copies (a syndicated report carried by another outlet)."""

    def believed_published(self, now: datetime | None = None) -> datetime | None:
        """The publication time, unless it lies more than a day after ``now`` (default: the present).

        Such a time is a feed's wrong year or zone, not news from the future; believed, one date in 9999 would
        move the clusterer's clock ahead for good and keep its story at the top of the front page for years.
        The stated time stays in ``published`` and in the brief's sources."""
        if self.published is None:
            return None
        return self.published if self.published <= (now or datetime.now(UTC)) + FUTURE_TOLERANCE else None

    def to_dict(self) -> dict[str, Any]:
        known = {
            "id": self.id,
            "url": self.url,
            "title": self.title,
            "text": self.text,
            "source": self.source,
            "published": format_time(self.published),
            "language": self.language,
            "author": self.author,
            "story": self.label,
            "partial": self.partial or None,
            "duplicate_of": self.duplicate_of,
        }
        return {**_drop_none(known), **self.extra}

    @property
    def content_hash(self) -> str:
        """A digest of everything the article says; equal articles have equal hashes."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Story:
    """A group of articles that report the same event, as the store summarises it."""

    id: str
    status: str = "active"
    """``active``, ``dormant`` (no article for a while) or ``merged`` (see ``merged_into``)."""
    first_seen: datetime | None = None
    last_updated: datetime | None = None
    articles: int = 0
    outlets: int = 0
    merged_into: str | None = None


@dataclass(frozen=True, slots=True)
class Feed:
    """A feed the user follows, with what the updater remembers about it."""

    url: str
    name: str | None = None
    added: datetime | None = None
    etag: str | None = None
    last_modified: str | None = None
    last_checked: datetime | None = None
    last_success: datetime | None = None
    last_error: str | None = None
    error_count: int = 0
    """Failures in a row; back to 0 after a success."""
    next_check: datetime | None = None
    interval_seconds: int = 900

    def to_dict(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "name": self.name,
            "added": format_time(self.added),
            "last_checked": format_time(self.last_checked),
            "last_success": format_time(self.last_success),
            "last_error": self.last_error,
            "error_count": self.error_count,
            "next_check": format_time(self.next_check),
            "interval_seconds": self.interval_seconds,
        }


@dataclass(frozen=True, slots=True)
class Citation:
    """An exact span of one article: ``quote == article.text[start:end]``, always."""

    article: str
    start: int
    end: int
    quote: str

    def to_dict(self) -> dict[str, Any]:
        return {"article": self.article, "start": self.start, "end": self.end, "quote": self.quote}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Citation:
        return cls(data["article"], int(data["start"]), int(data["end"]), data["quote"])


def _citations(items: list[dict[str, Any]]) -> tuple[Citation, ...]:
    return tuple(Citation.from_dict(item) for item in items)


def _claims(items: list[dict[str, Any]]) -> tuple[Claim, ...]:
    return tuple(Claim.from_dict(item) for item in items)


@dataclass(frozen=True, slots=True)
class Claim:
    """A sentence of a brief with every article that states it."""

    text: str
    citations: tuple[Citation, ...]
    outlets: tuple[str, ...]

    @property
    def single_source(self) -> bool:
        return len(self.outlets) <= 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
            "outlets": list(self.outlets),
            "single_source": self.single_source,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Claim:
        return cls(data["text"], _citations(data["citations"]), tuple(data["outlets"]))


@dataclass(frozen=True, slots=True)
class Quote:
    """A direct quotation found verbatim in the sources; ``speaker`` is None unless named."""

    text: str
    speaker: str | None
    citations: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "speaker": self.speaker,
            "citations": [c.to_dict() for c in self.citations],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Quote:
        return cls(data["text"], data.get("speaker"), _citations(data["citations"]))


@dataclass(frozen=True, slots=True)
class Disagreement:
    """Outlets giving different values for the same thing, each version with its outlets."""

    topic: str
    claims: tuple[Claim, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"topic": self.topic, "claims": [c.to_dict() for c in self.claims]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Disagreement:
        return cls(data["topic"], tuple(Claim.from_dict(c) for c in data["claims"]))


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    time: datetime
    text: str
    citations: tuple[Citation, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "time": format_time(self.time),
            "text": self.text,
            "citations": [c.to_dict() for c in self.citations],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TimelineEntry:
        return cls(parse_time(data["time"]), data["text"], _citations(data["citations"]))


@dataclass(frozen=True, slots=True)
class SourceRef:
    """One article of the story as the brief's source list shows it."""

    article: str
    title: str
    url: str | None
    source: str | None
    published: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "article": self.article,
            "title": self.title,
            "url": self.url,
            "source": self.source,
            "published": format_time(self.published),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SourceRef:
        published = data.get("published")
        return cls(
            data["article"],
            data.get("title") or "",
            data.get("url"),
            data.get("source"),
            parse_time(published) if published else None,
        )


@dataclass(frozen=True, slots=True)
class Coverage:
    articles: int
    outlets: int
    first_seen: datetime | None
    last_updated: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "outlets": self.outlets,
            "first_seen": format_time(self.first_seen),
            "last_updated": format_time(self.last_updated),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Coverage:
        first, last = data.get("first_seen"), data.get("last_updated")
        return cls(
            int(data["articles"]),
            int(data["outlets"]),
            parse_time(first) if first else None,
            parse_time(last) if last else None,
        )


@dataclass(frozen=True, slots=True)
class Brief:
    """One neutral brief per story (FORMATS.md §3): everything a reader sees about a story."""

    story: str
    headline: str
    headline_from: str | None
    summary: tuple[Claim, ...] = ()
    key_facts: tuple[Claim, ...] = ()
    quotes: tuple[Quote, ...] = ()
    background: tuple[Claim, ...] = ()
    disagreements: tuple[Disagreement, ...] = ()
    timeline: tuple[TimelineEntry, ...] = ()
    sources: tuple[SourceRef, ...] = ()
    coverage: Coverage = Coverage(0, 0, None, None)
    engine: str = ""

    @property
    def model_written(self) -> bool:
        """Whether a language model wrote the summary (an ``llm/…`` engine): readers are told so."""
        return self.engine.startswith("llm/")

    @property
    def disputed(self) -> frozenset[str]:
        """The texts of claims that are one version of a disagreement: other outlets give other numbers."""
        return frozenset(claim.text for d in self.disagreements for claim in d.claims)

    def to_dict(self) -> dict[str, Any]:
        return {
            "story": self.story,
            "headline": self.headline,
            "headline_from": self.headline_from,
            "summary": [c.to_dict() for c in self.summary],
            "key_facts": [c.to_dict() for c in self.key_facts],
            "quotes": [q.to_dict() for q in self.quotes],
            "background": [c.to_dict() for c in self.background],
            "disagreements": [d.to_dict() for d in self.disagreements],
            "timeline": [t.to_dict() for t in self.timeline],
            "sources": [s.to_dict() for s in self.sources],
            "coverage": self.coverage.to_dict(),
            "engine": self.engine,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Brief:
        return cls(
            story=data["story"],
            headline=data["headline"],
            headline_from=data.get("headline_from"),
            summary=_claims(data.get("summary", [])),
            key_facts=_claims(data.get("key_facts", [])),
            quotes=tuple(Quote.from_dict(q) for q in data.get("quotes", [])),
            background=_claims(data.get("background", [])),
            disagreements=tuple(Disagreement.from_dict(d) for d in data.get("disagreements", [])),
            timeline=tuple(TimelineEntry.from_dict(t) for t in data.get("timeline", [])),
            sources=tuple(SourceRef.from_dict(s) for s in data.get("sources", [])),
            coverage=Coverage.from_dict(data["coverage"]),
            engine=data.get("engine", ""),
        )


def model_notice(brief: Brief) -> str:
    """What a reader is told of a brief a language model wrote (``Brief.model_written``)."""
    wrote = "this headline and summary" if brief.headline_from is None else "this summary"
    return (f"A language model wrote {wrote}. Each of its sentences was kept only because the source sentences it "
            "cites contain its words, numbers, names and quotations: a check of wording, not of meaning.")
