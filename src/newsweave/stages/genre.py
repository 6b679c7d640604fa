"""Whether an article is opinion (a column, an editorial, an op-ed) rather than a news report.

Read only from what the article says of itself, never from its wording:
- its URL's path has an opinion section: /opinion/, /opinions/, /commentary/, /op-ed/, /oped/, /editorial/,
  /editorials/, /column/, /columns/, /columnists/ (``https://www.washingtonpost.com/opinions/2021/08/10/…``), or
  a slug that keeps the title's label (``/news/opinion-the-second-amendment-doesnt-shrink-…``);
- its outlet's name says so: "Wall Street Journal (Opinion)", "CNN Opinion", "Guest Writer - Right";
- its title is labelled: "Opinion: …", "OPINION | …", "Op-Ed: …", "Editorial: …", "Commentary: …", "Column: …",
  "Guest essay: …".

A brief's own words come from news reports when the story has any: a columnist's sentence ("As usual, the
media and politicians are exaggerating the evidence") is the writer's view, not a fact the brief may state.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from newsweave.models import Article

_SECTION = re.compile(r"/(?:opinions?|commentary|op-?eds?|editorials?|columns?|columnists?)(?:/|$)", re.IGNORECASE)
_SLUG_LABEL = re.compile(r"/(?:opinion(?!-polls?\b|-surveys?\b)|op-?ed|editorial|commentary)-[a-z0-9]", re.IGNORECASE)
"""A slug that carries the title's label: /news/opinion-the-second-amendment-doesnt-shrink-… (but an opinion
poll is news: /news/opinion-poll-shows-lead)."""
_GUEST = r"guest (?:writers?|columns?|columnists?|essays?|contributors?|commentary|opinion)"
_SOURCE = re.compile(rf"\b(?:opinion|{_GUEST})\b", re.IGNORECASE)
_TITLE_LABEL = re.compile(rf"^\s*(?:opinion|op-?ed|editorial|commentary|column|{_GUEST})\s*[:|\-–—]", re.IGNORECASE)


def is_opinion(article: Article) -> bool:
    """Whether the article presents itself as opinion (its URL section, outlet name or title label)."""
    return presents_as_opinion(article.url, article.source, article.title)


def presents_as_opinion(url: str | None, source: str | None, title: str | None) -> bool:
    """The same test on the parts a brief's source list keeps of an article."""
    try:
        path = urlsplit(url).path if url else ""
    except ValueError:  # not a URL at all ("http://[oops"): no section to read
        path = ""
    return bool(_SECTION.search(path) or _SLUG_LABEL.search(path) or _SOURCE.search(source or "")
                or _TITLE_LABEL.match(title or ""))
