"""Verification of a Brief against its articles: nothing is shown that the sources do not say.

Owns ``verify``, which every brief goes through before it is stored or shown, whatever engine wrote it:

- each citation's ``quote`` equals the cited article's text at ``start:end`` (else the citation is dropped);
- each claim's text is one of its cited spans or inside one; but in the sections named ``abstractive`` (a
  language model's summary), where claims are an engine's own words, every content word of the claim must
  be in its cited spans (stemmed, as ``stages/lexicon.py`` reads words), and so must every word that turns a
  statement around or hedges it (not, no, may, could, …, which content words leave out), and every
  quotation in it verbatim;
- every number and proper name of a claim appears in its cited spans;
- each quote appears verbatim (up to quotation-mark style and white space) in a cited article, and its
  speaker, when given, is named in a cited article;
- a claim's outlets are the outlets of the articles it cites.

Failures are repaired, never raised: a bad citation is dropped, a claim or quote left without support is
dropped, an unnamed speaker is cleared, a disagreement left with one version is dropped. Each repair is
reported in ``VerifiedBrief.problems`` and logged.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace

from newsweave.models import Article, Brief, Citation, Claim, Disagreement, Quote, TimelineEntry
from newsweave.stages.lexicon import content_words
from newsweave.stages.sentences import find_names, find_numbers, find_quotations

log = logging.getLogger(__name__)

_QUOTE_MARKS = str.maketrans(
    {
        "“": '"',
        "”": '"',
        "„": '"',
        "‟": '"',
        "″": '"',
        "‘": "'",
        "’": "'",
        "‚": "'",
        "‛": "'",
        "′": "'",
        "«": '"',
        "»": '"',
    }
)


TURNING_WORDS = ("not", "no", "never", "nor", "none", "nobody", "nothing", "neither", "without", "may", "might",
                 "could", "would", "should", "must", "will", "can", "cannot", "n't", "more", "most", "less", "least",
                 "fewer", "before", "after", "up", "down")
"""Words that turn a statement around, hedge it or give it a direction, which content words leave out as stop
words: an abstractive claim may use one only where its cited spans do."""
_TURNING = re.compile(r"n't\b|\b(?:" + "|".join(w for w in TURNING_WORDS if w != "n't") + r")\b", re.IGNORECASE)
_ELLIPSIS = re.compile(r"\s*(?:\[\.\.\.\]|\.\.\.|…)\s*")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing verification removed or changed, and why."""

    section: str
    text: str
    reason: str

    def __str__(self) -> str:
        return f"{self.section}: {self.reason}: {self.text[:120]!r}"

    def to_dict(self) -> dict[str, str]:
        return {"section": self.section, "text": self.text, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class VerifiedBrief:
    """A brief in which everything left passed verification, and what had to go."""

    brief: Brief
    problems: tuple[Problem, ...]
    checked: int
    """How many claims, quotes and timeline entries were checked."""
    dropped: int
    """How many of those failed and were dropped."""

    @property
    def passed(self) -> int:
        return self.checked - self.dropped

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(brief: Brief, articles: Mapping[str, Article], *, abstractive: Collection[str] = ()) -> VerifiedBrief:
    """``brief`` with everything the ``articles`` do not support removed; never raises for bad content.
    ``abstractive``: the sections whose claims are an engine's own words rather than spans."""
    checker = _Checker(articles, frozenset(abstractive))
    repaired = replace(
        brief,
        summary=checker.claims("summary", brief.summary),
        key_facts=checker.claims("key_facts", brief.key_facts),
        background=checker.claims("background", brief.background),
        quotes=checker.quotes(brief.quotes),
        disagreements=checker.disagreements(brief.disagreements),
        timeline=checker.timeline(brief.timeline),
    )
    for problem in checker.problems:
        log.info("brief %s: %s", brief.story, problem)
    return VerifiedBrief(repaired, tuple(checker.problems), checker.checked, checker.dropped)


def normalise_quotation(text: str) -> str:
    """``text`` with one style of quotation marks and single spaces, for verbatim comparison."""
    return " ".join(text.translate(_QUOTE_MARKS).split())


class _Checker:
    def __init__(self, articles: Mapping[str, Article], abstractive: frozenset[str]) -> None:
        self.articles = articles
        self.abstractive = abstractive
        self.problems: list[Problem] = []
        self.checked = 0
        self.dropped = 0

    def report(self, section: str, text: str, reason: str, dropped: bool = False) -> None:
        self.problems.append(Problem(section, text, reason))
        self.dropped += dropped

    def citations(self, section: str, owner: str, citations: Sequence[Citation]) -> tuple[Citation, ...]:
        """The citations whose quote is exactly the cited article's text at start:end."""
        good = []
        for citation in citations:
            reason = self.citation_problem(citation)
            if reason:
                self.report(section, owner, f"citation of {citation.article!r} dropped: {reason}")
            else:
                good.append(citation)
        return tuple(good)

    def citation_problem(self, citation: Citation) -> str | None:
        article = self.articles.get(citation.article)
        if article is None:
            return "no such article in the story"
        if not 0 <= citation.start <= citation.end <= len(article.text):
            return f"offsets {citation.start}:{citation.end} outside the text"
        if article.text[citation.start : citation.end] != citation.quote:
            return "quote differs from the article text at its offsets"
        return None if citation.quote.strip() else "empty quote"

    def claims(self, section: str, claims: Sequence[Claim]) -> tuple[Claim, ...]:
        return tuple(claim for claim in (self.claim(section, c) for c in claims) if claim is not None)

    def claim(self, section: str, claim: Claim) -> Claim | None:
        self.checked += 1
        citations = self.citations(section, claim.text, claim.citations)
        reason = self.claim_problem(section, claim.text, citations)
        if reason:
            self.report(section, claim.text, f"claim dropped: {reason}", dropped=True)
            return None
        outlets = tuple(dict.fromkeys(self.outlet(c.article) for c in citations))
        if outlets != claim.outlets:
            self.report(section, claim.text, f"outlets corrected from {list(claim.outlets)} to {list(outlets)}")
        return Claim(claim.text, citations, outlets)

    def claim_problem(self, section: str, text: str, citations: Sequence[Citation]) -> str | None:
        if not citations:
            return "no valid citation"
        spans = [c.quote for c in citations]
        abstractive = section in self.abstractive
        if not abstractive and not any(text in span for span in spans):
            return "text is not a span of a cited article"
        missing = unstated(text, spans) if abstractive else unsupported_details(text, spans)
        return f"not in the cited sources: {', '.join(missing)}" if missing else None

    def outlet(self, article_id: str) -> str:
        return self.articles[article_id].source or article_id

    def quotes(self, quotes: Sequence[Quote]) -> tuple[Quote, ...]:
        return tuple(quote for quote in (self.quote(q) for q in quotes) if quote is not None)

    def quote(self, quote: Quote) -> Quote | None:
        self.checked += 1
        citations = self.citations("quotes", quote.text, quote.citations)
        wanted = normalise_quotation(quote.text)
        citations = tuple(c for c in citations if wanted and wanted in normalise_quotation(c.quote))
        if not citations:
            self.report("quotes", quote.text, "quote dropped: not found verbatim in a cited article", dropped=True)
            return None
        speaker = quote.speaker
        if speaker and not any(speaker in self.articles[c.article].text for c in citations):
            self.report("quotes", quote.text, "speaker not named")
            speaker = None
        return Quote(quote.text, speaker, citations)

    def disagreements(self, disagreements: Sequence[Disagreement]) -> tuple[Disagreement, ...]:
        kept = []
        for disagreement in disagreements:
            claims = self.claims("disagreements", disagreement.claims)
            if len(claims) >= 2:
                kept.append(Disagreement(disagreement.topic, claims))
            else:
                self.report("disagreements", disagreement.topic, "disagreement dropped: fewer than two versions left")
        return tuple(kept)

    def timeline(self, entries: Sequence[TimelineEntry]) -> tuple[TimelineEntry, ...]:
        kept = []
        for entry in entries:
            self.checked += 1
            citations = self.citations("timeline", entry.text, entry.citations)
            reason = self.claim_problem("timeline", entry.text, citations)
            if reason:
                self.report("timeline", entry.text, f"entry dropped: {reason}", dropped=True)
            else:
                kept.append(TimelineEntry(entry.time, entry.text, citations))
        return tuple(kept)


def unsupported_details(text: str, spans: Sequence[str]) -> list[str]:
    """The numbers and proper names of ``text`` that none of ``spans`` states."""
    source = " ".join(spans)
    values = {number.value for number in find_numbers(source)}
    missing = [n.text for n in find_numbers(text) if n.value not in values and n.text not in source]
    folded = normalise_quotation(source)
    missing += [name for name in find_names(text) if normalise_quotation(name) not in folded]
    return list(dict.fromkeys(missing))


def unstated(text: str, spans: Sequence[str]) -> list[str]:
    """What an abstractive sentence says that ``spans`` do not: numbers and names, then other content words,
    then quotations not found verbatim."""
    missing = unsupported_details(text, spans)
    named = content_words(" ".join(missing))
    return missing + [word for word in unstated_words(text, spans) if word not in named] + misquoted(text, spans)


def unstated_words(text: str, spans: Sequence[str]) -> list[str]:
    """The content words of ``text`` (stemmed) that none of ``spans`` holds, and its words of polarity and
    modality (``TURNING_WORDS``) that none holds as a word; numbers are left to ``unsupported_details``, which
    compares their values."""
    source = " ".join(spans)
    turning = {w.lower() for w in _TURNING.findall(text)} - {w.lower() for w in _TURNING.findall(source)}
    return sorted(words_beside_numbers(text) - content_words(source)) + sorted(turning)


def words_beside_numbers(text: str) -> frozenset[str]:
    """The content words of ``text`` but those of its numbers (which are compared by value)."""
    return content_words(text) - content_words(" ".join(n.text for n in find_numbers(text)))


def misquoted(text: str, spans: Sequence[str]) -> list[str]:
    """The quotations of ``text`` that no span holds verbatim (up to quotation marks, white space, and a closing
    comma or period; an ellipsis may stand for words left out)."""
    source = normalise_quotation(" ".join(spans))
    return [f"“{q.text}”" for q in find_quotations(text) if not all(p in source for p in quote_fragments(q.text))]


def quote_fragments(quote: str) -> list[str]:
    """The pieces of a quote to look up: split at ellipses, without a closing comma or period."""
    pieces = (normalise_quotation(p).strip(" ,.;:") for p in _ELLIPSIS.split(quote))
    return [piece for piece in pieces if piece]
