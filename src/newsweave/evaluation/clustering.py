"""Clustering quality: BCubed and pairwise precision, recall and F1 against gold story labels.

BCubed (Bagga & Baldwin 1998; Amigó et al. 2009) scores each article by how much of its
predicted story shares its gold story (precision) and how much of its gold story it was put
with (recall), averaged over articles. Pairwise scores count article pairs put together.
``clustering_errors`` lists where the figures come from: the predicted stories that join gold
stories (merges, which cost precision) and the gold stories spread over predicted ones (splits,
which cost recall).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from newsweave.errors import InvalidRecord
from newsweave.evaluation import PRF
from newsweave.jsonl import Record
from newsweave.stages.ingest import article_from_record


@dataclass(frozen=True, slots=True)
class ClusteringScores:
    bcubed: PRF
    pairwise: PRF
    articles: int
    gold_stories: int
    predicted_stories: int

    def to_dict(self) -> dict:
        return {
            "bcubed": self.bcubed.to_dict(),
            "pairwise": self.pairwise.to_dict(),
            "articles": self.articles,
            "gold_stories": self.gold_stories,
            "predicted_stories": self.predicted_stories,
        }


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def bcubed(gold: Mapping[str, str], predicted: Mapping[str, str]) -> PRF:
    cells = Counter((predicted[item], gold[item]) for item in gold)
    predicted_sizes = Counter(predicted[item] for item in gold)
    gold_sizes = Counter(gold.values())
    # Each of the n articles of a cell scores n / |its predicted story| and n / |its gold story|.
    precision = sum(n * n / predicted_sizes[p] for (p, _), n in cells.items())
    recall = sum(n * n / gold_sizes[g] for (_, g), n in cells.items())
    return PRF(precision / len(gold), recall / len(gold))


def pairwise(gold: Mapping[str, str], predicted: Mapping[str, str]) -> PRF:
    together = sum(_pairs(n) for n in Counter((predicted[i], gold[i]) for i in gold).values())
    predicted_pairs = sum(_pairs(n) for n in Counter(predicted[i] for i in gold).values())
    gold_pairs = sum(_pairs(n) for n in Counter(gold.values()).values())
    return PRF(together / predicted_pairs if predicted_pairs else 1.0, together / gold_pairs if gold_pairs else 1.0)


def score_clustering(gold: Mapping[str, str], predicted: Mapping[str, str]) -> ClusteringScores:
    """Scores of ``predicted`` (article id → story) against ``gold``; every gold article must be predicted."""
    missing = [item for item in gold if item not in predicted]
    if missing or not gold:
        raise ValueError(f"{len(missing)} gold articles have no predicted story, e.g. {missing[:3]}" if gold
                         else "the gold file has no articles")
    return ClusteringScores(
        bcubed=bcubed(gold, predicted),
        pairwise=pairwise(gold, predicted),
        articles=len(gold),
        gold_stories=len(set(gold.values())),
        predicted_stories=len({predicted[item] for item in gold}),
    )


@dataclass(frozen=True, slots=True)
class ClusteringError:
    """One story put wrong: ``story`` (predicted for a merge, gold for a split) and its articles grouped the
    other way (by gold story for a merge, by predicted story for a split), largest group first."""

    kind: str
    """"merged" or "split"."""
    story: str
    groups: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def misplaced(self) -> int:
        """Articles outside the story's largest group: how many would have to move to put it right."""
        return sum(len(ids) for _, ids in self.groups[1:])

    def to_dict(self) -> dict:
        return {"kind": self.kind, "story": self.story, "groups": {label: list(ids) for label, ids in self.groups}}


def clustering_errors(gold: Mapping[str, str], predicted: Mapping[str, str]) -> list[ClusteringError]:
    """Every merge and split, those that misplace the most articles first (then by kind and story)."""
    errors = [*_errors("merged", predicted, gold), *_errors("split", gold, predicted)]
    return sorted(errors, key=lambda e: (-e.misplaced, e.kind, e.story))


def _errors(kind: str, by: Mapping[str, str], within: Mapping[str, str]) -> list[ClusteringError]:
    """The stories of ``by`` whose articles fall in more than one story of ``within``."""
    groups: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in within:
        groups[by[item]][within[item]].append(item)
    return [
        ClusteringError(kind, story, tuple(sorted(((label, tuple(ids)) for label, ids in parts.items()),
                                                  key=lambda part: (-len(part[1]), part[0]))))
        for story, parts in groups.items()
        if len(parts) > 1
    ]


def story_labels(records: Iterable[Record]) -> tuple[dict[str, str], list[str]]:
    """Article id → story from JSONL records with ``id`` and ``story`` (gold articles or assignments).

    A record without an id gets the id ingestion would derive for it; a record whose id an earlier one gave is a
    problem (the first stands). Returns the labels and the problems of unusable lines, as ``LINE: reason``.
    """
    labels: dict[str, str] = {}
    first_line: dict[str, int] = {}
    problems: list[str] = []
    for record in records:
        try:
            article_id, story = _labelled(record)
        except InvalidRecord as invalid:
            problems.append(f"{record.number}: {invalid.reason}")
            continue
        if article_id in first_line:
            problems.append(f"{record.number}: id {article_id!r} was already given on line {first_line[article_id]}")
        else:
            labels[article_id], first_line[article_id] = story, record.number
    return labels, problems


def _labelled(record: Record) -> tuple[str, str]:
    if record.problem:
        raise InvalidRecord(record.problem)
    value = record.value
    if not isinstance(value, dict) or not isinstance(value.get("story"), str | int):
        raise InvalidRecord("no 'story' label")
    article_id = value.get("id")
    if not isinstance(article_id, str) or not article_id.strip():
        article_id = article_from_record(value).id
    return article_id.strip(), str(value["story"])
