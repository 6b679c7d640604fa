"""Measure how well synthesis decides that another outlet states a claim (the citations of a claim).

Usage: python scripts/eval_corroboration.py [--labels PATH] [--articles PATH] [--cosine X]

A claim of a brief cites every article that states the same fact (``_Story.same_fact``: content-word
overlap, or a close paraphrase by MiniLM cosine, never differing numbers). ``data/corroboration-dev.jsonl``
holds 240 pairs from the AllSides dev split, each a claim sentence and the closest sentence of another
outlet's article on the same story (both as article id and character span, no text), labelled by reading
them: ``same`` (the other sentence states the claim's main fact), ``partial`` (only part of it) or
``different``. The pairs were drawn 40 from each of six bands of overlap and cosine, so each carries the
weight of its band (its band's size among all 2,340 such pairs / 40). Prints the weighted precision
(``partial`` counted wrong, and counted right) and recall of ``same_fact`` against the ``same`` labels.
``--cosine`` tries another paraphrase threshold in place of ``PARAPHRASE_COSINE``. Labels are a reader's
judgement, made without seeing the scores; dev is for reporting, not for tuning.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsweave.stages import synthesize
from newsweave.stages.embed import MiniLMEmbedder
from newsweave.stages.ingest import read_articles
from newsweave.stages.sentences import Span
from newsweave.stages.synthesize import Sentence, _Story, concepts, content_words

LABELS = Path(__file__).resolve().parent / "data" / "corroboration-dev.jsonl"
DEV = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides" / "dev.articles.jsonl"


def sentence_at(article, start: int, end: int) -> Sentence:
    text = article.text[start:end]
    return Sentence(article, 0, Span(start, end, text), content_words(text), concepts(text))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=LABELS)
    parser.add_argument("--articles", type=Path, default=DEV)
    parser.add_argument("--cosine", type=float, default=synthesize.PARAPHRASE_COSINE)
    args = parser.parse_args()
    synthesize.PARAPHRASE_COSINE = args.cosine
    with args.articles.open("rb") as stream:
        by_id = {p.article.id: p.article for p in read_articles(stream) if p.article}
    story = _Story([], MiniLMEmbedder())
    totals = {"tp": 0.0, "fp_partial": 0.0, "fp_different": 0.0, "fn": 0.0}
    for line in args.labels.read_text().splitlines():
        row = json.loads(line)
        (a, a_start, a_end), (b, b_start, b_end) = row["claim"], row["other"]
        matched = story.same_fact(sentence_at(by_id[a], a_start, a_end), sentence_at(by_id[b], b_start, b_end))
        if matched:
            key = "tp" if row["label"] == "same" else f"fp_{row['label']}"
        else:
            key = "fn" if row["label"] == "same" else None
        if key:
            totals[key] += row["weight"]
    matches = totals["tp"] + totals["fp_partial"] + totals["fp_different"]
    print(f"pairs: {len(args.labels.read_text().splitlines())}; estimated matches among all pairs: {matches:.0f}")
    print(f"precision {totals['tp'] / matches:.3f} (partial counted right: "
          f"{(totals['tp'] + totals['fp_partial']) / matches:.3f})")
    print(f"recall    {totals['tp'] / (totals['tp'] + totals['fn']):.3f}")


if __name__ == "__main__":
    main()
