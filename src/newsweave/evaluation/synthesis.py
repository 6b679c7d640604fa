"""Synthesis quality: ROUGE of briefs against editors' references, and how much of them verifies.

Owns ``evaluate_synthesis`` behind ``newsweave eval synthesis``: ROUGE-1, ROUGE-2 and ROUGE-Lsum F
(the ``rouge-score`` package, Porter-stemmed; sentences on separate lines for Lsum) of each brief's
summary against the reference summary, ROUGE-L F of the headline against the reference headline, the
share of claims and quotes that pass ``verify``, and the share of claims only one outlet makes.

Without the articles, verification can only check each claim against its own citations' quotes
(the text is one of them, numbers and names appear in them); a quote's speaker, named in the text around
the quotation, cannot be checked there and is left out. With the articles it is the full check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from rouge_score import rouge_scorer

from newsweave.models import Article, Brief
from newsweave.stages.language_model import LanguageModelEngine
from newsweave.stages.sentences import split_sentences
from newsweave.stages.verify import verify


@dataclass(frozen=True, slots=True)
class SynthesisScores:
    stories: int
    """References that had a brief (the scores average over these)."""
    missing: int
    """References without a brief; they are left out of the averages."""
    rouge1: float
    rouge2: float
    rouge_lsum: float
    headline_rouge_l: float
    claims: int
    verified: float
    """Share of claims, quotes and timeline entries that pass verification."""
    single_source: float
    """Share of claims (summary, key facts, background) that only one outlet makes."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "stories": self.stories,
            "missing": self.missing,
            "summary": {
                "rouge1": round(self.rouge1, 2),
                "rouge2": round(self.rouge2, 2),
                "rougeLsum": round(self.rouge_lsum, 2),
            },
            "headline": {"rougeL": round(self.headline_rouge_l, 2)},
            "claims": self.claims,
            "verified": round(self.verified, 4),
            "single_source": round(self.single_source, 4),
        }


def evaluate_synthesis(
    briefs: Iterable[dict[str, Any]],
    references: Iterable[dict[str, Any]],
    articles: Mapping[str, Article] | None = None,
) -> SynthesisScores:
    """Scores of ``briefs`` (FORMATS.md §3 dicts) against ``references`` (dicts with story, headline,
    summary). ROUGE figures are F-measures in percent; shares are between 0 and 1."""
    by_story = {brief["story"]: Brief.from_dict(brief) for brief in briefs}
    references = list(references)
    pairs = [(by_story[r["story"]], r) for r in references if r["story"] in by_story]
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeLsum", "rougeL"], use_stemmer=True)
    rows = [_rouge(scorer, brief, reference) for brief, reference in pairs]
    rouge = [sum(column) / len(rows) for column in zip(*rows, strict=True)] if rows else [0.0] * 4
    checks = [verify(brief, articles, abstractive=_abstractive(brief)) if articles is not None
              else verify(_unspoken(brief), cited_texts(brief), abstractive=_abstractive(brief)) for brief, _ in pairs]
    checked, passed = sum(c.checked for c in checks), sum(c.passed for c in checks)
    claims = [claim for brief, _ in pairs for claim in (*brief.summary, *brief.key_facts, *brief.background)]
    return SynthesisScores(
        stories=len(pairs),
        missing=len(references) - len(pairs),
        rouge1=rouge[0],
        rouge2=rouge[1],
        rouge_lsum=rouge[2],
        headline_rouge_l=rouge[3],
        claims=len(claims),
        verified=passed / checked if checked else 1.0,
        single_source=sum(c.single_source for c in claims) / len(claims) if claims else 0.0,
    )


def _abstractive(brief: Brief) -> frozenset[str]:
    """The brief's sections whose claims are its engine's own words (an ``llm/1`` summary); every other claim is
    held to being a span."""
    return LanguageModelEngine.abstractive if brief.engine == LanguageModelEngine.name else frozenset()


def _lines(text: str) -> str:
    return "\n".join(span.text for span in split_sentences(text))


def _rouge(scorer: rouge_scorer.RougeScorer, brief: Brief, reference: dict[str, Any]) -> tuple[float, ...]:
    summary = "\n".join(claim.text for claim in brief.summary)
    scores = scorer.score(_lines(reference.get("summary") or ""), summary)
    headline = scorer.score(reference.get("headline") or "", brief.headline)["rougeL"]
    return tuple(100 * scores[key].fmeasure for key in ("rouge1", "rouge2", "rougeLsum")) + (100 * headline.fmeasure,)


def _unspoken(brief: Brief) -> Brief:
    """The brief with its quotes' speakers left out: without the articles they cannot be looked up."""
    return replace(brief, quotes=tuple(replace(quote, speaker=None) for quote in brief.quotes))


def cited_texts(brief: Brief) -> dict[str, Article]:
    """Stand-in articles rebuilt from a brief's own citations: each quote at its offsets, blanks between.

    Overlapping citations that agree (one sentence cited whole and in part) both match; where they disagree,
    the one laid out later wins and the other is left unmatched, so verify reports it."""
    spans: dict[str, list[tuple[int, str]]] = {}
    for citation in _all_citations(brief):
        spans.setdefault(citation.article, []).append((citation.start, citation.quote))
    return {article: Article(article, "", _layout(placed)) for article, placed in spans.items()}


def _layout(placed: list[tuple[int, str]]) -> str:
    """Quotes at their offsets, by start, the longest of one start first (so a shorter one cannot cut it)."""
    text: list[str] = []
    for start, quote in sorted(placed, key=lambda item: (item[0], -len(item[1]))):
        if start < 0:
            continue
        text.extend(" " * (start + len(quote) - len(text)))
        text[start : start + len(quote)] = quote
    return "".join(text)


def _all_citations(brief: Brief):
    for claim in (*brief.summary, *brief.key_facts, *brief.background):
        yield from claim.citations
    for part in (*brief.quotes, *brief.timeline):
        yield from part.citations
    for disagreement in brief.disagreements:
        for claim in disagreement.claims:
            yield from claim.citations
