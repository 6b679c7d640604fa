"""Clustering measures: checked by hand on a small case, against the definition on random ones, and end to end."""

from __future__ import annotations

import json

import pytest
from conftest import write_jsonl
from hypothesis import given
from hypothesis import strategies as st

from newsweave.evaluation.clustering import bcubed, clustering_errors, pairwise, score_clustering

# Amigó et al.'s style of example: gold {a b c}{d e}, predicted {a b}{c d e}.
GOLD = {"a": "1", "b": "1", "c": "1", "d": "2", "e": "2"}
PREDICTED = {"a": "x", "b": "x", "c": "y", "d": "y", "e": "y"}


def test_bcubed_by_hand():
    scores = bcubed(GOLD, PREDICTED)
    # precision: a 2/2, b 2/2, c 1/3, d 2/3, e 2/3; recall: a 2/3, b 2/3, c 1/3, d 2/2, e 2/2
    assert scores.precision == pytest.approx((1 + 1 + 1 / 3 + 2 / 3 + 2 / 3) / 5)
    assert scores.recall == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1 + 1) / 5)


def test_pairwise_by_hand():
    scores = pairwise(GOLD, PREDICTED)  # pairs together: ab, de of predicted ab, cd, ce, de
    assert (scores.precision, scores.recall) == (0.5, 0.5)


def naive_bcubed(gold, predicted):
    items = list(gold)
    precision = sum(
        sum(gold[j] == gold[i] for j in items if predicted[j] == predicted[i])
        / sum(predicted[j] == predicted[i] for j in items)
        for i in items
    ) / len(items)
    recall = sum(
        sum(predicted[j] == predicted[i] for j in items if gold[j] == gold[i])
        / sum(gold[j] == gold[i] for j in items)
        for i in items
    ) / len(items)
    return precision, recall


labellings = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=30)


@given(labellings)
def test_bcubed_matches_its_definition(pairs):
    gold = {str(n): str(g) for n, (g, _) in enumerate(pairs)}
    predicted = {str(n): str(p) for n, (_, p) in enumerate(pairs)}
    scores = bcubed(gold, predicted)
    assert (scores.precision, scores.recall) == pytest.approx(naive_bcubed(gold, predicted))


def test_perfect_and_degenerate_clusterings():
    assert score_clustering(GOLD, GOLD).bcubed.f1 == 1.0
    singletons = score_clustering(GOLD, {k: k for k in GOLD})
    assert singletons.bcubed.precision == 1.0 and singletons.pairwise.recall == 0.0
    with pytest.raises(ValueError, match="1 gold articles have no predicted story"):
        score_clustering(GOLD, {k: v for k, v in PREDICTED.items() if k != "e"})


def test_eval_clustering_command_prints_a_table_and_json(newsweave, tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": k, "title": k, "story": v} for k, v in GOLD.items()])
    predicted = write_jsonl(tmp_path / "pred.jsonl", [{"id": k, "story": v} for k, v in PREDICTED.items()])
    table = newsweave("eval", "clustering", gold, predicted)
    assert table.code == 0, table
    assert "BCubed        0.7333    0.7333    0.7333" in table.out
    assert "5 articles, 2 gold stories, 2 predicted stories" in table.out
    as_json = json.loads(newsweave("eval", "clustering", gold, predicted, "--format", "json").out)
    assert as_json["pairwise"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}


def test_errors_are_the_merges_and_splits_worst_first():
    # gold {a b c}{d e}, predicted {a b}{c d e}: y merges gold 1's c into gold 2; gold 1 is split over x and y
    merged, split = clustering_errors(GOLD, PREDICTED)
    assert (merged.kind, merged.story, merged.groups) == ("merged", "y", (("2", ("d", "e")), ("1", ("c",))))
    assert (split.kind, split.story, split.groups) == ("split", "1", (("x", ("a", "b")), ("y", ("c",))))
    assert merged.misplaced == split.misplaced == 1
    worse = {**PREDICTED, "a": "z", "b": "z"} | {"f": "y", "g": "y"}
    gold = {**GOLD, "f": "3", "g": "3"}  # y now joins three gold stories: four articles misplaced
    assert [(e.kind, e.story, e.misplaced) for e in clustering_errors(gold, worse)] == [
        ("merged", "y", 3), ("split", "1", 1)]
    assert clustering_errors(GOLD, GOLD) == []


def test_eval_clustering_lists_errors_with_titles(newsweave, tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl",
                       [{"id": k, "title": f"Title of {k}", "story": v} for k, v in GOLD.items()])
    predicted = write_jsonl(tmp_path / "pred.jsonl", [{"id": k, "story": v} for k, v in PREDICTED.items()])
    table = newsweave("eval", "clustering", gold, predicted, "--errors", "5")
    assert table.code == 0, table
    merged = table.out[table.out.index("merged:"):table.out.index("split:")]
    assert "(1 in all)" in merged and "gold 1  c  Title of c" in merged and "gold 2  d  Title of d" in merged
    assert "predicted x  a  Title of a" in table.out[table.out.index("split:"):]
    as_json = json.loads(newsweave("eval", "clustering", gold, predicted, "--errors", "1", "--format", "json").out)
    assert as_json["errors"]["merged"] == [{"kind": "merged", "story": "y", "groups": {"2": ["d", "e"], "1": ["c"]}}]
    assert "errors" not in json.loads(newsweave("eval", "clustering", gold, predicted, "--format", "json").out)


def test_eval_clustering_names_a_missing_assignment(newsweave, tmp_path):
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": k, "title": k, "story": v} for k, v in GOLD.items()])
    partial = write_jsonl(tmp_path / "pred.jsonl", [{"id": "a", "story": "x"}, "not json"])
    result = newsweave("eval", "clustering", gold, partial)
    assert result.code == 2
    assert f"{partial}:2: skipped: not valid JSON" in result.err
    assert "4 gold articles have no predicted story" in result.err


def test_eval_clustering_skips_a_repeated_id_and_says_so(newsweave, tmp_path):
    """The first label of an id stands; a second one is reported with both lines, and the exit code says input
    was skipped, in the table and in JSON."""
    gold = write_jsonl(tmp_path / "gold.jsonl", [{"id": k, "title": k, "story": v} for k, v in GOLD.items()]
                       + [{"id": "a", "title": "a again", "story": "2"}])
    predicted = write_jsonl(tmp_path / "pred.jsonl", [{"id": k, "story": v} for k, v in PREDICTED.items()])
    for fmt in ("table", "json"):
        result = newsweave("eval", "clustering", gold, predicted, "--format", fmt)
        assert result.code == 1, result
        assert f"{gold}:6: skipped: id 'a' was already given on line 1" in result.err
    scored = json.loads(result.out)
    assert scored["bcubed"]["precision"] == round(bcubed(GOLD, PREDICTED).precision, 4)  # "a" kept in story 1
