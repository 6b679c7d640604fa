"""The Jinja2 environment every page, feed entry and digest is rendered with, and its filters.

Autoescaping is always on: every text comes from feeds and pages and is untrusted. The filters
here are the only places that build markup from text, and each escapes the text first.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from newsweave.models import Claim, Disagreement, SourceRef, model_notice
from newsweave.render.markdown import plural
from newsweave.stages.disagreements import marked_parts
from newsweave.stages.genre import presents_as_opinion
from newsweave.store.base import MATCH_END, MATCH_START
from newsweave.web.urls import outlet_url, story_url

_UNITS = (("year", 365 * 86400), ("month", 30 * 86400), ("week", 7 * 86400), ("day", 86400), ("hour", 3600),
          ("minute", 60))


def ago(value: datetime | None, now: datetime | None = None) -> str:
    """A time in the reader's terms: "just now", "3 hours ago", "2 days ago"."""
    if value is None:
        return "time unknown"
    seconds = ((now or datetime.now(UTC)) - value).total_seconds()
    if seconds < 0:
        return "just now" if seconds > -300 else "in the future"
    for unit, size in _UNITS:
        if seconds >= size:
            count = int(seconds // size)
            return "yesterday" if unit == "day" and count == 1 else f"{count} {unit}{'s' if count > 1 else ''} ago"
    return "just now"


def exact(value: datetime | None) -> str:
    """The exact time, in UTC: "Mon 18 Oct 2021, 23:15 UTC"."""
    return value.astimezone(UTC).strftime("%a %-d %b %Y, %H:%M UTC") if value else ""


def day(value: datetime | None) -> str:
    """The date alone, in UTC: "9 Jun 2021" (a source's date beside a claim that says "today")."""
    return value.astimezone(UTC).strftime("%-d %b %Y") if value else ""


def day_heading(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%A %-d %B %Y") if value else "Undated"


def iso(value: datetime | None) -> str:
    return value.astimezone(UTC).isoformat() if value else ""


def time_tag(value: datetime | None) -> Markup:
    """``<time>`` saying how long ago, with the exact time on hover (localised by the page's script)."""
    if value is None:
        return Markup("<span>time unknown</span>")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(iso(value), exact(value), ago(value))


def marked(text: str) -> Markup:
    """A search hit's text escaped, with its match markers turned into ``<mark>``."""
    escaped = str(escape(text.replace("\n", " ")))
    return Markup(escaped.replace(MATCH_START, "<mark>").replace(MATCH_END, "</mark>"))


def versions(disagreement: Disagreement) -> list[tuple[Claim, Markup]]:
    """Each version of a disagreement with the numbers the other versions contradict in ``<mark>``."""
    pieces = marked_parts([claim.text for claim in disagreement.claims])
    return [(claim, Markup("").join(Markup("<mark>{}</mark>").format(part) if differs else escape(part)
                                    for part, differs in parts))
            for claim, parts in zip(disagreement.claims, pieces, strict=True)]


def opinion(source: SourceRef) -> bool:
    """Whether a brief's source presents itself as opinion (it is tagged so in the source list)."""
    return presents_as_opinion(source.url, source.source, source.title)


def safe_url(url: str | None) -> str | None:
    """The URL when it is http(s), else None: a feed cannot make the page link to ``javascript:``."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


@cache
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("newsweave.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(ago=ago, exact=exact, day=day, iso=iso, time_tag=time_tag, marked=marked, safe_url=safe_url,
                       model_notice=model_notice,
                       day_heading=day_heading, plural=plural, outlet_url=outlet_url,
                       story_url=story_url, versions=versions, opinion=opinion)
    return env


def render(template: str, **context) -> str:
    return environment().get_template(template).render(**context)
