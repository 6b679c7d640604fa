"""OPML, the format feed readers exchange subscription lists in: read (untrusted) and write.

Reading accepts OPML 1.0 and 2.0, nested outlines (categories) included, and takes every
outline with an ``xmlUrl``. XML is parsed with defusedxml, so entity bombs and external
entities are refused rather than expanded.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element, SubElement, tostring

import defusedxml.ElementTree as safe_xml
from defusedxml import DefusedXmlException

from newsweave.errors import NewsweaveError
from newsweave.models import Feed


class InvalidOPML(NewsweaveError):
    """The document is not OPML that lists feeds."""


def parse_opml(data: bytes) -> list[Feed]:
    """The feeds an OPML document lists, in document order, each URL once."""
    try:
        root = safe_xml.fromstring(data)
    except (safe_xml.ParseError, DefusedXmlException) as error:
        raise InvalidOPML(f"not valid OPML: {error}") from None
    if root.tag.lower() != "opml":
        raise InvalidOPML(f"not OPML: the document's root is <{root.tag}>")
    feeds: dict[str, Feed] = {}
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if url and url not in feeds:
            name = outline.get("title") or outline.get("text")
            feeds[url] = Feed(url=url, name=name.strip() if name else None)
    return list(feeds.values())


def export_opml(feeds: list[Feed], title: str = "newsweave feeds") -> str:
    """An OPML 2.0 document listing ``feeds``."""
    root = Element("opml", version="2.0")
    SubElement(SubElement(root, "head"), "title").text = title
    body = SubElement(root, "body")
    for feed in feeds:
        name = feed.name or feed.url
        SubElement(body, "outline", type="rss", text=name, title=name, xmlUrl=feed.url)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(root, encoding="unicode") + "\n"
