"""Audit of any news text against its sources, sentence by sentence (FORMATS.md §4).

Owns ``audit``: it splits the text into sentences, retrieves for each the best evidence among every
source sentence (dense MiniLM similarity when an embedder is given, plus lexical coverage of the
sentence's content words), and decides a verdict:

- ``supported``: a source states it (verbatim up to quotation-mark style and white space, or every
  content word, number and name of the sentence is in its evidence);
- ``partial``: the gist is in the evidence, but a name, number, date or some words are not;
- ``contradicted``: the evidence gives another number, date or name where the sentence gives one;
- ``unsupported``: nothing in the sources states it.

Every direct quotation of the text is looked up verbatim (modulo quotation-mark style, white space
and a quote's closing comma or period) in the sources; one not found is always a problem and keeps its
sentence from being supported. Evidence is cited with exact spans (``quote == article.text[start:end]``).
Splitting, numbers and names come from ``stages/sentences.py``; normalisation and the detail check from
``stages/verify.py``; the lexical model (stop words, stemming) from ``stages/synthesize.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from newsweave.models import Article, Citation
from newsweave.stages.embed import Embedder
from newsweave.stages.lexicon import content_words
from newsweave.stages.sentences import Span, find_names, find_numbers, find_quotations, split_sentences, trim_residue
from newsweave.stages.verify import normalise_quotation, quote_fragments, unsupported_details

VERDICTS = ("supported", "partial", "contradicted", "unsupported")
#: Share of a sentence's content words its evidence must hold for the gist to count as there.
GIST_COVERAGE = 0.5
#: Dense similarity at which a sentence's gist counts as there even with fewer shared words.
GIST_COSINE, GIST_COVERAGE_WITH_COSINE = 0.75, 0.34
#: A second evidence sentence is used only when it covers this much of the sentence by itself.
SECOND_EVIDENCE_COVERAGE = 0.3
CANDIDATES = 3
DENSE_WEIGHT = 0.4
_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")


# ---- the report ------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SentenceAudit:
    """One sentence of the audited text, where it stands (``start:end`` in the text), and its verdict."""

    text: str
    verdict: str
    evidence: tuple[Citation, ...]
    problems: tuple[str, ...]
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "verdict": self.verdict, "evidence": [c.to_dict() for c in self.evidence],
                "problems": list(self.problems)}


@dataclass(frozen=True, slots=True)
class QuoteAudit:
    """A direct quotation of the audited text and where the sources contain it, if they do."""

    text: str
    found: bool
    citations: tuple[Citation, ...]
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "found": self.found, "citations": [c.to_dict() for c in self.citations]}


@dataclass(frozen=True, slots=True)
class AuditReport:
    """The audit of one text (FORMATS.md §4)."""

    sentences: tuple[SentenceAudit, ...]
    quotes: tuple[QuoteAudit, ...]
    sources: tuple[Article, ...] = field(default=(), repr=False)

    @property
    def counts(self) -> dict[str, int]:
        return {verdict: sum(s.verdict == verdict for s in self.sentences) for verdict in VERDICTS}

    def to_dict(self) -> dict[str, Any]:
        return {"sentences": [s.to_dict() for s in self.sentences], "quotes": [q.to_dict() for q in self.quotes],
                "counts": self.counts}


# ---- folded text: normalised for comparison, with offsets back into the original ------------------------


class Folded:
    """``normalise_quotation(text)`` with, for each of its characters, the offset it came from."""

    def __init__(self, text: str) -> None:
        self.original = text
        chars, offsets = [], []
        for index, char in enumerate(normalise_quotation(text[i]) or " " for i in range(len(text))):
            if char == " " and (not chars or chars[-1] == " "):
                continue
            chars.append(char)
            offsets.append(index)
        if chars and chars[-1] == " ":
            chars.pop(), offsets.pop()
        self.text = "".join(chars)
        self.lower = self.text.lower() if len(self.text.lower()) == len(self.text) else self.text
        self.offsets = offsets

    def find(self, needle: str, *, ignore_case: bool = False) -> tuple[int, int] | None:
        """The original ``start, end`` of the first place the folded ``needle`` occurs."""
        haystack, wanted = (self.lower, needle.lower()) if ignore_case else (self.text, needle)
        at = haystack.find(wanted) if wanted else -1
        if at < 0:
            return None
        return self.offsets[at], self.offsets[at + len(wanted) - 1] + 1


def _citation(article: Article, start: int, end: int) -> Citation:
    return Citation(article.id, start, end, article.text[start:end])


# ---- source sentences and retrieval ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Source:
    article: Article
    span: Span
    words: frozenset[str]

    @property
    def citation(self) -> Citation:
        return _citation(self.article, self.span.start, self.span.end)


def source_sentences(articles: Sequence[Article]) -> list[Source]:
    """Every sentence of every source, trimmed of residue (datelines, bylines, "Read more")."""
    found = []
    for article in articles:
        for span in split_sentences(article.text):
            trimmed = trim_residue(span)
            if trimmed.text.strip():
                found.append(Source(article, trimmed, content_words(trimmed.text)))
    return found


def _coverage(words: frozenset[str], evidence: frozenset[str]) -> float:
    return len(words & evidence) / len(words) if words else 1.0


class _Retriever:
    """Scores source sentences for a text sentence: lexical coverage plus dense cosine."""

    def __init__(self, sources: list[Source], claims: list[str], embedder: Embedder | None) -> None:
        self.sources = sources
        self.claim_vectors: np.ndarray | None = None
        if embedder is not None and sources and claims:
            vectors = embedder.embed([*claims, *(s.span.text for s in sources)])
            self.claim_vectors, self.source_vectors = vectors[: len(claims)], vectors[len(claims) :]

    def ranked(self, index: int, words: frozenset[str]) -> list[tuple[Source, float, float]]:
        """The best ``CANDIDATES`` sources for claim ``index``: (source, coverage, cosine), best first."""
        lexical = np.array([_coverage(words, s.words) for s in self.sources])
        dense = (self.source_vectors @ self.claim_vectors[index]) if self.claim_vectors is not None \
            else np.zeros(len(self.sources))
        score = (1 - DENSE_WEIGHT) * lexical + DENSE_WEIGHT * dense
        best = np.argsort(-score, kind="stable")[:CANDIDATES]
        return [(self.sources[i], float(lexical[i]), float(dense[i])) for i in best]


# ---- quotations -----------------------------------------------------------------------------------------


def locate_quote(quote: str, folded: Sequence[Folded], articles: Sequence[Article]) -> tuple[Citation, ...]:
    """Citations of one source holding every fragment of ``quote`` verbatim; () when none does."""
    fragments = quote_fragments(quote)
    if not fragments:
        return ()
    for article, text in zip(articles, folded, strict=True):
        spans = [text.find(f) or text.find(f, ignore_case=True) for f in fragments]
        if all(spans):
            return tuple(_citation(article, start, end) for start, end in spans)
    return ()


def audit_quotes(text: str, articles: Sequence[Article], folded: Sequence[Folded]) -> list[QuoteAudit]:
    """Every quotation of ``text``, looked up in the sources (a multi-sentence one also piece by piece)."""
    audits = []
    for span in find_quotations(text):
        citations = locate_quote(span.text, folded, articles)
        pieces = split_sentences(span.text)
        if not citations and len(pieces) > 1:
            found = [locate_quote(piece.text, folded, articles) for piece in pieces]
            citations = tuple(c for cs in found for c in cs) if all(found) else ()
        audits.append(QuoteAudit(span.text, bool(citations), citations, span.start, span.end))
    return audits


# ---- details: numbers, names, weekdays ------------------------------------------------------------------


def _number_problems(claim: str, evidence: str) -> tuple[list[str], list[str]]:
    """(contradictions, gaps) about the numbers of ``claim`` that ``evidence`` does not state."""
    values = {n.value for n in find_numbers(evidence)}
    missing = {n.text for n in find_numbers(claim) if n.value not in values and not _has_word(evidence, n.text)}
    claimed = {n.value for n in find_numbers(claim)}
    offered = [n for n in find_numbers(evidence) if n.value not in claimed]
    contradictions, gaps = [], []
    for number in (n for n in find_numbers(claim) if n.text in missing):
        rivals = [n for n in offered if n.unit == number.unit] or offered
        if rivals:
            contradictions.append(f"the sources say {rivals[0].text}, not {number.text}")
        else:
            gaps.append(f"no source gives {number.text}")
    return contradictions, gaps


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<![\w.]){re.escape(word)}(?![\w])", text) is not None


def _name_problems(claim: str, evidence: str, everything: str) -> tuple[list[str], list[str]]:
    """(contradictions, gaps) about the names of ``claim`` that ``evidence`` does not name."""
    missing = [n for n in unsupported_details(claim, [evidence]) if n in find_names(claim)
               and not _words_all_there(n, evidence)]
    claim_folded = normalise_quotation(claim)
    rivals = [n for n in find_names(evidence) if normalise_quotation(n) not in claim_folded]
    contradictions, gaps = [], []
    for name in missing:
        rival = next((r for r in rivals if _same_kind(r, name)), None)
        if rival:
            contradictions.append(f"the sources name {rival}, not {name}")
        elif normalise_quotation(name) not in everything:
            gaps.append(f"no source names {name}")
        else:
            gaps.append(f"the sources do not say this of {name}")
    return contradictions, gaps


def _words_all_there(name: str, evidence: str) -> bool:
    """A name whose words all stand in the evidence, split differently ("N.Y. President Trump", "July-almost")."""
    words = [w for w in re.split(r"[\s\-–—]+", normalise_quotation(name)) if w]
    folded = normalise_quotation(evidence)
    return len(words) > 1 and all(_has_word(folded, w) for w in words)


def _same_kind(rival: str, name: str) -> bool:
    """Two names that could stand for the same thing: both a person-like run of words, or both single."""
    return (len(rival.split()) > 1) == (len(name.split()) > 1)


def _weekday_problems(claim: str, evidence: str) -> list[str]:
    said = set(_WEEKDAY.findall(evidence))
    return [f"the sources say {sorted(said)[0]}, not {day}" for day in _WEEKDAY.findall(claim)
            if day not in said and said]


# ---- the verdict ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Judgement:
    verdict: str
    evidence: list[Citation]
    problems: list[str]


def _evidence(ranked: list[tuple[Source, float, float]]) -> list[Source]:
    best = [ranked[0][0]] if ranked else []
    best += [source for source, coverage, _ in ranked[1:2] if coverage >= SECOND_EVIDENCE_COVERAGE]
    return best


def _verbatim(claim: str, sources: list[Source], folded: dict[str, Folded]) -> Citation | None:
    """The citation of a source that contains ``claim`` verbatim (up to quote marks and white space)."""
    wanted = normalise_quotation(claim)
    articles = {source.article.id: source.article for source in sources}  # each searched once, in order
    for article in articles.values():
        span = folded[article.id].find(wanted)
        if span:
            return _citation(article, *span)
    return None


def judge(claim: str, ranked: list[tuple[Source, float, float]], everything: str) -> _Judgement:
    """The verdict on one sentence from its ranked evidence (``everything``: all sources, folded)."""
    chosen = _evidence(ranked)
    words = content_words(claim)
    evidence_words = frozenset().union(*(s.words for s in chosen))
    coverage = _coverage(words, evidence_words)
    cosine = ranked[0][2] if ranked else 0.0
    gist = coverage >= GIST_COVERAGE or (cosine >= GIST_COSINE and coverage >= GIST_COVERAGE_WITH_COSINE)
    if not chosen or not gist:
        return _Judgement("unsupported", [], ["no source states this"])
    text = " ".join(s.span.text for s in chosen)
    number_clash, number_gaps = _number_problems(claim, text)
    name_clash, name_gaps = _name_problems(claim, text, everything)
    contradictions = number_clash + name_clash + _weekday_problems(claim, text)
    details = content_words(" ".join([*unsupported_details(claim, [text]), *_WEEKDAY.findall(claim),
                                      *(n.text for n in find_numbers(claim))]))
    gaps = number_gaps + name_gaps + _missing_words(claim, words - evidence_words - details)
    verdict = "contradicted" if contradictions else "partial" if gaps else "supported"
    return _Judgement(verdict, [s.citation for s in chosen], contradictions + gaps)


def _missing_words(claim: str, missing: frozenset[str]) -> list[str]:
    if not missing:
        return []
    shown = [w for w in re.findall(r"[\w'’-]+", claim) if content_words(w) & missing]
    return [f"the sources do not say: {', '.join(dict.fromkeys(shown or sorted(missing)))}"]


# ---- the audit ------------------------------------------------------------------------------------------


def audit(text: str, sources: Sequence[Article], embedder: Embedder | None) -> AuditReport:
    """Check every sentence and quotation of ``text`` against ``sources``; never raises for bad content."""
    articles = list(sources)
    folded = {article.id: Folded(article.text) for article in articles}
    everything = " ".join(f.text for f in folded.values())
    candidates = source_sentences(articles)
    claims = split_sentences(text)
    retriever = _Retriever(candidates, [c.text for c in claims], embedder)
    quotes = audit_quotes(text, articles, [folded[a.id] for a in articles])
    audited = []
    for index, claim in enumerate(claims):
        audited.append(_audit_sentence(index, claim, retriever, folded, everything, quotes))
    return AuditReport(tuple(audited), tuple(quotes), tuple(articles))


def _audit_sentence(index: int, claim: Span, retriever: _Retriever, folded: dict[str, Folded], everything: str,
                    quotes: list[QuoteAudit]) -> SentenceAudit:
    ranked = retriever.ranked(index, content_words(claim.text)) if retriever.sources else []
    exact = _verbatim(claim.text, [r[0] for r in ranked] + retriever.sources, folded)
    judgement = _Judgement("supported", [exact], []) if exact else judge(claim.text, ranked, everything)
    missing = [q for q in quotes if not q.found and q.start < claim.end and q.end > claim.start]
    for quote in missing:
        judgement.problems.append(f"no source contains the quote “{quote.text}”")
    if missing and judgement.verdict == "supported":
        quoted = sum(q.end - q.start for q in missing)
        judgement.verdict = "unsupported" if quoted * 2 > len(claim.text) else "partial"
    return SentenceAudit(claim.text, judgement.verdict, tuple(judgement.evidence), tuple(judgement.problems),
                         claim.start, claim.end)
