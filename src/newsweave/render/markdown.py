"""A brief as Markdown: every claim followed by numbered citation markers that point into the source list.

All text comes from untrusted sources, so Markdown syntax in it is escaped (a title cannot
become a link, an image or raw HTML), and only http(s) URLs are linked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from newsweave.models import Brief, Citation, Claim, model_notice
from newsweave.stages.disagreements import marked_parts
from newsweave.stages.genre import presents_as_opinion

_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!~])")


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 outlet", "3 outlets"; ``many`` for words that do not take an s ("story", "stories")."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def escape(text: str) -> str:
    """Text that Markdown shows as it is, on one line."""
    return _escape_part(text).strip()


def _link_target(url: str) -> str | None:
    if not url.startswith(("http://", "https://")):
        return None
    return url.replace(" ", "%20").replace("(", "%28").replace(")", "%29").replace("<", "%3C").replace(">", "%3E")


class _Numbers:
    """Source numbers in the order of the brief's source list."""

    def __init__(self, brief: Brief):
        self._by_article = {source.article: n for n, source in enumerate(brief.sources, start=1)}

    def markers(self, citations: Iterable[Citation]) -> str:
        numbers = sorted({self._by_article[c.article] for c in citations if c.article in self._by_article})
        return "".join(f"[{n}]" for n in numbers)


def _claim(claim: Claim, numbers: _Numbers, with_outlets: bool = False, text: str | None = None,
           disputed: frozenset[str] = frozenset()) -> str:
    line = f"{text or escape(claim.text)} {numbers.markers(claim.citations)}"
    if with_outlets and claim.outlets:
        line += f" — {escape(', '.join(claim.outlets))}"
    line += " *(single source)*" if claim.single_source else ""
    return line + (" *(outlets differ: see below)*" if claim.text in disputed else "")


def _escape_part(text: str) -> str:
    """Like ``escape``, but keeps the spaces at either end (the text is one piece of a line)."""
    return _SPECIAL.sub(r"\\\1", re.sub(r"\s+", " ", text))


def _bold(parts: list[tuple[str, bool]]) -> str:
    """A version of a disagreement, escaped, with what differs in bold."""
    return "".join(f"**{_escape_part(p)}**" if differs else _escape_part(p) for p, differs in parts).strip()


def _section(title: str, lines: list[str]) -> list[str]:
    return [f"## {title}", "", *lines, ""] if lines else []


def _sources(brief: Brief) -> list[str]:
    lines = []
    for n, source in enumerate(brief.sources, start=1):
        title = escape(source.title or source.article)
        target = _link_target(source.url or "")
        when = f", {source.published.date().isoformat()}" if source.published else ""
        outlet = escape(source.source or "unknown outlet")
        tag = " *(opinion)*" if presents_as_opinion(source.url, source.source, source.title) else ""
        lines.append(f"{n}. {f'[{title}](<{target}>)' if target else title} — {outlet}{when}{tag}")
    return lines


def render_markdown(brief: Brief) -> str:
    numbers = _Numbers(brief)
    coverage = brief.coverage
    lines = [f"# {escape(brief.headline)}", ""]
    disputed = brief.disputed
    lines += [" ".join(_claim(c, numbers, disputed=disputed) for c in brief.summary), ""] if brief.summary else []
    lines += [f"*{model_notice(brief)}*", ""] if brief.model_written else []
    lines += [f"*{plural(coverage.articles, 'article')} from {plural(coverage.outlets, 'outlet')}.*", ""]
    lines += _section("Key facts", [f"- {_claim(c, numbers, with_outlets=True, disputed=disputed)}"
                                    for c in brief.key_facts])
    lines += _section("Quotes", [
        f"> “{escape(q.text)}” — {escape(q.speaker) if q.speaker else 'unattributed'} {numbers.markers(q.citations)}"
        for q in brief.quotes
    ])
    lines += _section("Background", [f"- {_claim(c, numbers, disputed=disputed)}" for c in brief.background])
    for disagreement in brief.disagreements:
        pieces = marked_parts([c.text for c in disagreement.claims])
        lines += _section(f"Where outlets differ: {escape(disagreement.topic)}", [
            f"- {_claim(c, numbers, with_outlets=True, text=_bold(parts))}"
            for c, parts in zip(disagreement.claims, pieces, strict=True)
        ])
    lines += _section("Timeline", [
        f"- {entry.time.strftime('%Y-%m-%d %H:%M %Z')}: {escape(entry.text)} {numbers.markers(entry.citations)}"
        for entry in brief.timeline
    ])
    lines += _section("Sources", _sources(brief))
    return "\n".join(lines).rstrip() + "\n"
