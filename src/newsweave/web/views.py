"""What each page shows, as plain values: the page's query parsed from the URL, story cards, citation
markers, and the JSON twin of every page. Handlers build one of these; templates and JSON render it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import count
from typing import Any
from urllib.parse import urlencode

from newsweave.models import Brief, Citation, SourceRef, format_time
from newsweave.store.base import MATCH_END, MATCH_START, ArticleHit, OutletSummary, StoryHit
from newsweave.web.chart import CoverageChart, coverage_chart
from newsweave.web.urls import outlet_url, story_url

PAGE_SIZE = 20
MAX_PAGE = 10_000


class BadRequest(ValueError):
    """A query parameter a page cannot use; the message says what to send instead."""


def _page_number(params: Mapping[str, str]) -> int:
    raw = params.get("page") or "1"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"page must be a whole number from 1 to {MAX_PAGE}, not {raw!r}")
    return int(raw)


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The front page's (and an outlet page's) filters: one day, one outlet, a page number."""

    day: date | None = None
    outlet: str | None = None
    page: int = 1

    @classmethod
    def parse(cls, params: Mapping[str, str], outlet: str | None = None) -> ListQuery:
        raw_day = (params.get("day") or "").strip()
        try:
            day = date.fromisoformat(raw_day) if raw_day else None
        except ValueError:
            raise BadRequest(f"day must be a date written YYYY-MM-DD, not {raw_day!r}") from None
        return cls(day, outlet or (params.get("outlet") or "").strip() or None, _page_number(params))

    @property
    def since(self) -> datetime | None:
        return datetime.combine(self.day, time(), UTC) if self.day else None

    @property
    def until(self) -> datetime | None:
        return self.since + timedelta(days=1) if self.since else None

    @property
    def offset(self) -> int:
        return (self.page - 1) * PAGE_SIZE

    def url(self, path: str, page: int | None = None, with_outlet: bool = True) -> str:
        params = {"day": self.day.isoformat() if self.day else None,
                  "outlet": self.outlet if with_outlet else None, "page": page if page and page > 1 else None}
        encoded = urlencode({key: value for key, value in params.items() if value})
        return f"{path}?{encoded}" if encoded else path


@dataclass(frozen=True, slots=True)
class Card:
    """A story as a list shows it: headline, summary, outlets, time of last update."""

    story: str
    headline: str
    summary: str
    outlets: tuple[str, ...]
    articles: int
    first_seen: datetime | None
    last_updated: datetime | None

    @classmethod
    def of(cls, brief: Brief) -> Card:
        coverage = brief.coverage
        return cls(brief.story, brief.headline, " ".join(claim.text for claim in brief.summary),
                   outlets_of(brief.sources), coverage.articles, coverage.first_seen, coverage.last_updated)

    @property
    def url(self) -> str:
        return story_url(self.story)

    def to_json(self) -> dict[str, Any]:
        return {"story": self.story, "headline": self.headline, "summary": self.summary,
                "outlets": list(self.outlets), "outlet_count": len(self.outlets), "articles": self.articles,
                "first_seen": format_time(self.first_seen), "last_updated": format_time(self.last_updated),
                "url": self.url, "json": story_url(self.story, ".json")}


def outlets_of(sources: Iterable[SourceRef]) -> tuple[str, ...]:
    """The distinct outlets of a source list, in the list's order."""
    return tuple(dict.fromkeys(source.source for source in sources if source.source))


def cards(briefs: Iterable[Brief]) -> list[Card]:
    return [Card.of(brief) for brief in briefs]


@dataclass(frozen=True, slots=True)
class Pager:
    number: int
    previous: str | None
    next: str | None

    @classmethod
    def of(cls, query: ListQuery, path: str, has_next: bool, with_outlet: bool = True) -> Pager:
        previous = query.url(path, query.page - 1, with_outlet) if query.page > 1 else None
        return cls(query.page, previous, query.url(path, query.page + 1, with_outlet) if has_next else None)

    def to_json(self) -> dict[str, Any]:
        return {"page": self.number, "previous": self.previous, "next": self.next}


@dataclass(frozen=True, slots=True)
class FrontPage:
    query: ListQuery
    cards: list[Card]
    pager: Pager
    outlets: list[OutletSummary]
    template: str = "front.html"

    @property
    def json_url(self) -> str:
        return self.query.url("/index.json", self.query.page)

    def days(self) -> list[tuple[datetime | None, list[Card]]]:
        """The cards grouped by the UTC day of their last update, in order."""
        groups: dict[date | None, list[Card]] = {}
        for card in self.cards:
            groups.setdefault(card.last_updated.astimezone(UTC).date() if card.last_updated else None, []).append(card)
        return [(group[0].last_updated, group) for group in groups.values()]

    def to_json(self) -> dict[str, Any]:
        filters = {"day": self.query.day.isoformat() if self.query.day else None, "outlet": self.query.outlet}
        return {"filters": filters, **self.pager.to_json(), "stories": [card.to_json() for card in self.cards]}


@dataclass(slots=True)
class Marker:
    """One source a claim cites: its number in the source list and the exact sentences it is cited for."""

    number: int
    source: SourceRef
    quotes: list[str]
    dom_id: str


@dataclass(slots=True)
class StoryPage:
    brief: Brief
    template: str = "story.html"
    _numbers: dict[str, int] = field(default_factory=dict)
    _ids: count = field(default_factory=lambda: count(1))

    def __post_init__(self) -> None:
        self._numbers = {source.article: n for n, source in enumerate(self.brief.sources, start=1)}

    @property
    def json_url(self) -> str:
        return story_url(self.brief.story, ".json")

    @property
    def outlets(self) -> tuple[str, ...]:
        return outlets_of(self.brief.sources)

    @property
    def chart(self) -> CoverageChart | None:
        """Sources over the times the brief believed (``coverage``): a source dated 9999 by a feed's wrong year
        is left out, or it would squeeze every other dot to one edge."""
        last = self.brief.coverage.last_updated
        return coverage_chart(s for s in self.brief.sources if last and s.published and s.published <= last)

    def markers(self, citations: Iterable[Citation]) -> list[Marker]:
        """Markers for a claim's citations, one per source, in source-list order, each with a unique id."""
        found: dict[int, Marker] = {}
        for citation in citations:
            number = self._numbers.get(citation.article)
            if number is None:
                continue
            marker = found.setdefault(number, Marker(number, self.brief.sources[number - 1], [], ""))
            if citation.quote not in marker.quotes:
                marker.quotes.append(citation.quote)
        for number in sorted(found):
            found[number].dom_id = f"cite-{next(self._ids)}"
        return [found[number] for number in sorted(found)]

    def to_json(self) -> dict[str, Any]:
        return self.brief.to_dict()


@dataclass(frozen=True, slots=True)
class OutletPage:
    outlet: OutletSummary
    query: ListQuery
    cards: list[Card]
    missed: list[Card]
    pager: Pager
    template: str = "outlet.html"

    @property
    def json_url(self) -> str:
        return outlet_url(self.outlet.name, ".json")

    def to_json(self) -> dict[str, Any]:
        return {"outlet": outlet_json(self.outlet), **self.pager.to_json(),
                "stories": [card.to_json() for card in self.cards],
                "missed": [card.to_json() for card in self.missed]}


def outlet_json(outlet: OutletSummary) -> dict[str, Any]:
    return {"name": outlet.name, "stories": outlet.stories, "articles": outlet.articles,
            "last_updated": format_time(outlet.last_updated), "url": outlet_url(outlet.name),
            "json": outlet_url(outlet.name, ".json")}


@dataclass(frozen=True, slots=True)
class OutletsPage:
    outlets: list[OutletSummary]
    template: str = "outlets.html"
    json_url: str = "/outlets.json"

    def to_json(self) -> dict[str, Any]:
        return {"outlets": [outlet_json(outlet) for outlet in self.outlets]}


def unmark(text: str) -> tuple[str, list[list[int]]]:
    """A search hit's text without its match markers, and the [start, end) offsets of the matches."""
    plain, spans, start = [], [], 0
    length = 0
    for char in text:
        if char == MATCH_START:
            start = length
        elif char == MATCH_END:
            spans.append([start, length])
        else:
            plain.append(char)
            length += 1
    return "".join(plain), spans


@dataclass(frozen=True, slots=True)
class SearchPage:
    query: str
    stories: list[StoryHit]
    articles: list[ArticleHit]
    template: str = "search.html"

    @property
    def json_url(self) -> str:
        return f"/search.json?{urlencode({'q': self.query})}" if self.query else "/search.json"

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "stories": [_story_hit(hit) for hit in self.stories],
                "articles": [_article_hit(hit) for hit in self.articles]}


def _marked_json(text: str) -> dict[str, Any]:
    plain, spans = unmark(text)
    return {"text": plain, "matches": spans}


def _story_hit(hit: StoryHit) -> dict[str, Any]:
    return {"story": hit.story, "headline": _marked_json(hit.headline), "snippet": _marked_json(hit.snippet),
            "outlets": hit.outlets, "last_updated": format_time(hit.last_updated), "url": story_url(hit.story)}


def _article_hit(hit: ArticleHit) -> dict[str, Any]:
    article = hit.article
    return {"article": article.id, "title": _marked_json(hit.title), "snippet": _marked_json(hit.snippet),
            "source": article.source, "published": format_time(article.published), "url": article.url,
            "story": hit.story, "story_url": story_url(hit.story) if hit.story else None}
