"""``newsweave digest``: the stories of a period as one self-contained file to read or to mail.

The HTML form carries its CSS inline (in ``style`` attributes, which email clients keep) and makes no
request of its own: no image, font, script or stylesheet is loaded from anywhere. The Markdown form is
the stories' Markdown briefs one after another.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta

from newsweave.models import Brief, parse_time
from newsweave.render.markdown import escape, plural, render_markdown
from newsweave.web.rendering import exact, render
from newsweave.web.views import StoryPage

_DURATION = re.compile(r"^\s*(\d+)\s*([mhdw])\s*$", re.I)
_UNIT = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime) -> datetime:
    """A start time from "24h", "90m", "7d", "2w" (before ``now``) or an ISO 8601 date or time (UTC if no zone).
    A duration that reaches back past the first representable time ("99999999d") means from the beginning."""
    match = _DURATION.match(text)
    if match:
        try:
            return now - timedelta(**{_UNIT[match[2].lower()]: int(match[1])})
        except OverflowError:
            return datetime.min.replace(tzinfo=now.tzinfo)
    try:
        return parse_time(text)
    except ValueError:
        raise ValueError(f"--since {text!r}: give a duration such as 24h, 90m, 7d, or a date such as 2025-02-12") \
            from None


def _demoted(markdown: str) -> str:
    """A brief's Markdown with every heading one level deeper, so that the digest's title stays the only #."""
    return "\n".join(f"#{line}" if line.startswith("#") else line for line in markdown.splitlines())


def stories_shown(count: int, more: bool) -> str:
    """What the digest holds: "3 stories", or "The 100 most widely reported stories" when there were more."""
    return f"The {count} most widely reported stories" if more else plural(count, "story", "stories")


def render_digest_markdown(briefs: Sequence[Brief], since: datetime, now: datetime, more: bool = False) -> str:
    """``more``: more stories were updated in the period than ``briefs`` holds (the most widely reported)."""
    count, when = len(briefs), exact(since)
    shown = (f"The {count} most widely reported of more than {count} stories updated since {when}" if more
             else f"{plural(count, 'story', 'stories')} updated since {when}, most widely reported first")
    head = [f"# newsweave digest: {exact(now)}", "", f"*{shown}.*", "", ""]
    parts = [_demoted(render_markdown(brief)) for brief in briefs]
    if not parts:
        parts = [escape("No story was updated in this period.")]
    return "\n".join(head) + "\n\n---\n\n".join(parts) + "\n"


def render_digest_html(briefs: Sequence[Brief], since: datetime, now: datetime, more: bool = False) -> str:
    return render("digest.html", pages=[StoryPage(brief) for brief in briefs], since=since, now=now,
                  shown=stories_shown(len(briefs), more), more=more)


def render_digest(briefs: Sequence[Brief], since: datetime, now: datetime, fmt: str = "html",
                  more: bool = False) -> str:
    if fmt == "markdown":
        return render_digest_markdown(briefs, since, now, more)
    return render_digest_html(briefs, since, now, more)
