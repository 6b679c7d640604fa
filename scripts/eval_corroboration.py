"""Measure how well synthesis decides that another outlet states a claim (the citations of a claim).

Usage: python scripts/eval_corroboration.py [--split dev|train] [--cosine X] [--overlap X]

A claim of a brief cites every article that states the same fact (``_Story.same_fact``: content-word
overlap, or a close paraphrase by MiniLM cosine, never differing numbers). ``data/corroboration-SPLIT.jsonl``
holds 240 pairs from an AllSides split (train: its first 600 stories), each a claim sentence and the
closest sentence of another outlet's article on the same story (as article ids and character spans, no
text), labelled by reading them without seeing any score: ``same`` (the other sentence states the claim's
main fact), ``partial`` (only part of it) or ``different``. The pairs were drawn 40 from each of six bands
of overlap and cosine, so each carries its band's weight (the band's size among all such pairs / 40).

Prints the weighted precision (``partial`` counted wrong, and counted right), recall and F0.5 of
``same_fact`` against the ``same`` labels: precision weighs double, since citing an outlet for a fact it
did not state is worse than missing one that did. ``--cosine`` and ``--overlap`` try other values of
``PARAPHRASE_COSINE`` and ``SAME_FACT_OVERLAP``: choose them on train, report dev.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsweave.stages import synthesize
from newsweave.stages.embed import MiniLMEmbedder
from newsweave.stages.ingest import read_articles
from newsweave.stages.sentences import Span
from newsweave.stages.synthesize import Sentence, _Story

HERE = Path(__file__).resolve().parent
ALLSIDES = HERE.parents[1] / "shared" / "data" / "allsides"


def sentence_at(article, start: int, end: int) -> Sentence:
    return Sentence.of(article, 0, Span(start, end, article.text[start:end]))


def tally(rows: list[dict], by_id: dict) -> dict[str, float]:
    """Weighted counts of matched-and-same (tp), matched-but-partial/different, and missed-same (fn)."""
    story = _Story([], MiniLMEmbedder())
    totals = {"tp": 0.0, "fp_partial": 0.0, "fp_different": 0.0, "fn": 0.0}
    for row in rows:
        (a, a_start, a_end), (b, b_start, b_end) = row["claim"], row["other"]
        if story.same_fact(sentence_at(by_id[a], a_start, a_end), sentence_at(by_id[b], b_start, b_end)):
            totals["tp" if row["label"] == "same" else f"fp_{row['label']}"] += row["weight"]
        elif row["label"] == "same":
            totals["fn"] += row["weight"]
    return totals


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "train"), default="dev")
    parser.add_argument("--cosine", type=float, default=synthesize.PARAPHRASE_COSINE)
    parser.add_argument("--overlap", type=float, default=synthesize.SAME_FACT_OVERLAP)
    args = parser.parse_args()
    synthesize.PARAPHRASE_COSINE, synthesize.SAME_FACT_OVERLAP = args.cosine, args.overlap
    rows = [json.loads(line) for line in (HERE / "data" / f"corroboration-{args.split}.jsonl").read_text().splitlines()]
    with (ALLSIDES / f"{args.split}.articles.jsonl").open("rb") as stream:
        by_id = {p.article.id: p.article for p in read_articles(stream) if p.article}
    totals = tally(rows, by_id)
    matches = totals["tp"] + totals["fp_partial"] + totals["fp_different"]
    precision, recall = totals["tp"] / matches, totals["tp"] / (totals["tp"] + totals["fn"])
    print(f"{args.split}: {len(rows)} pairs; cosine {args.cosine}, overlap {args.overlap}")
    print(f"precision {precision:.3f} (partial counted right: {(totals['tp'] + totals['fp_partial']) / matches:.3f})")
    print(f"recall    {recall:.3f}")
    print(f"F0.5      {1.25 * precision * recall / (0.25 * precision + recall):.3f}")


if __name__ == "__main__":
    main()
