"""``/feed.atom``: an Atom feed (RFC 4287) of stories, each entry carrying its whole brief with its sources.

The XML is built with ElementTree, which escapes every text; an entry's content is the brief as HTML
(rendered with autoescaping), which the feed then carries escaped once more as ``type="html"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, datetime
from urllib.parse import urljoin
from xml.etree import ElementTree as ET

from newsweave.models import Brief
from newsweave.web.rendering import render
from newsweave.web.urls import story_url
from newsweave.web.views import StoryPage, outlets_of

ATOM = "http://www.w3.org/2005/Atom"
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

ET.register_namespace("", ATOM)


def _text(value: str) -> str:
    """Text XML may carry: characters XML 1.0 forbids are dropped."""
    return _NOT_XML.sub("", value)


def _add(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}", {k: _text(v) for k, v in attributes.items()})
    if text is not None:
        element.text = _text(text)
    return element


def _stamp(value: datetime | None) -> str:
    return (value or datetime.now(UTC)).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _entry(feed: ET.Element, brief: Brief, base_url: str) -> None:
    entry = _add(feed, "entry")
    page = urljoin(base_url, story_url(brief.story))
    _add(entry, "id", f"urn:newsweave:story:{brief.story}")
    _add(entry, "title", brief.headline, type="text")
    _add(entry, "updated", _stamp(brief.coverage.last_updated))
    _add(entry, "published", _stamp(brief.coverage.first_seen or brief.coverage.last_updated))
    _add(entry, "link", rel="alternate", type="text/html", href=page)
    json_twin = urljoin(base_url, story_url(brief.story, ".json"))
    _add(entry, "link", rel="alternate", type="application/json", href=json_twin)
    for outlet in outlets_of(brief.sources):
        _add(entry, "category", term=outlet)
    _add(entry, "summary", " ".join(claim.text for claim in brief.summary), type="text")
    _add(entry, "content", render("atom_entry.html", page=StoryPage(brief), story_href=page), type="html")


def render_feed(briefs: Iterable[Brief], base_url: str) -> bytes:
    """The Atom document of these briefs, newest first as given."""
    briefs = list(briefs)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", "urn:newsweave:stories")
    _add(feed, "title", "newsweave: stories")
    _add(feed, "subtitle", "One neutral brief per story, every sentence cited.")
    _add(feed, "updated", _stamp(max((b.coverage.last_updated for b in briefs if b.coverage.last_updated),
                                     default=None)))
    _add(feed, "link", rel="self", type="application/atom+xml", href=urljoin(base_url, "/feed.atom"))
    _add(feed, "link", rel="alternate", type="text/html", href=base_url)
    _add(_add(feed, "author"), "name", "newsweave")
    _add(feed, "generator", "newsweave")
    for brief in briefs:
        _entry(feed, brief, base_url)
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
