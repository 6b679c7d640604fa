"""Body extraction quality, by the article-extraction-benchmark's own measure.

Each page's extracted body and true body are cut into word 4-gram shingles (``\\w+`` tokens,
case kept); true positives, false positives and false negatives are counted over shingle
multisets and normalised per page, so long pages weigh no more than short ones. Precision
and recall are averaged over pages; F1 is their harmonic mean.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from newsweave.evaluation import PRF

_TOKEN = re.compile(r"\w+")


def shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def shingle_match(true: str, predicted: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page, normalised to sum to 1 (all zero when both are empty)."""
    expected, got = shingles(true), shingles(predicted)
    tp = sum((expected & got).values())
    fp = sum((got - expected).values())
    fn = sum((expected - got).values())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def _precision(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fp == 0 else tp / (tp + fp)


def _recall(tp: float, fp: float, fn: float) -> float:
    if fp == fn == 0:
        return 1.0
    return 0.0 if tp == fn == 0 else tp / (tp + fn)


@dataclass(frozen=True, slots=True)
class ExtractionScores(PRF):
    pages: int = 0

    def to_dict(self) -> dict:
        return {**PRF.to_dict(self), "pages": self.pages}


def score_extraction(pairs: Iterable[tuple[str, str]]) -> ExtractionScores:
    """Scores over (true body, extracted body) pairs."""
    matches = [shingle_match(true, predicted) for true, predicted in pairs]
    if not matches:
        raise ValueError("no pages to score")
    precision = statistics.fmean([_precision(*m) for m in matches if m[0] + m[1] > 0] or [0.0])
    recall = statistics.fmean([_recall(*m) for m in matches if m[0] + m[2] > 0] or [0.0])
    return ExtractionScores(precision, recall, len(matches))
