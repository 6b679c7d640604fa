"""Choose the summary's length settings for synthesize.py on the AllSides train split, and print them.

Usage: python scripts/fit_summary_length.py [--train PATH] [--references PATH]

The summary of ``extractive/1`` is a greedy concept coverage (stages/synthesize.py, ``_Story.summary``).
Two settings decide how long it gets and how it trades a sentence's coverage against its length:
``LENGTH_EXPONENT`` (gain per ``words ** exponent``) and the length target (a fixed number of words, or
``_Story.target_words``: the story's average article length, within 40–90 words). This script writes
the summary of every train story under each combination and prints the ROUGE-1/2 F (rouge-score,
stemmed, as ``newsweave eval synthesis`` computes it) of each, best last. Copy the best into
synthesize.py. Takes about two minutes. Dev and crawl are for reporting, never for choosing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from rouge_score import rouge_scorer

from newsweave.pipeline import group_by_story
from newsweave.stages import synthesize
from newsweave.stages.ingest import read_articles
from newsweave.stages.sentences import split_sentences

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "allsides"
EXPONENTS = (0.3, 0.4, 0.5, 0.6, 0.7)
TARGETS = (65, 75, 90, "average article")


def load(articles_path: Path, references_path: Path) -> list[tuple[list, str]]:
    with articles_path.open("rb") as stream:
        stories = group_by_story(p.article for p in read_articles(stream) if p.article)
    with references_path.open(encoding="utf-8") as lines:
        references = {r["story"]: r["summary"] for r in map(json.loads, lines)}
    return [(sorted(stories[s], key=synthesize.reading_order), references[s]) for s in stories if s in references]


def mean_rouge(stories: list[tuple[list, str]], exponent: float, target: int | str) -> np.ndarray:
    synthesize.LENGTH_EXPONENT = exponent
    fixed = (lambda story: target) if isinstance(target, int) else synthesize._Story.target_words
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    rows = []
    for articles, reference in stories:
        story = synthesize._Story(articles, None)
        story.target_words = lambda story=story: fixed(story)
        summary = "\n".join(s.text for s in story.summary())
        scores = scorer.score("\n".join(s.text for s in split_sentences(reference)), summary)
        rows.append((scores["rouge1"].fmeasure, scores["rouge2"].fmeasure))
    return 100 * np.mean(rows, axis=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DATA / "train.articles.jsonl")
    parser.add_argument("--references", type=Path, default=DATA / "train.references.jsonl")
    args = parser.parse_args()
    if not args.train.exists():
        sys.exit(f"needs {args.train}")
    stories = load(args.train, args.references)
    results = []
    for exponent in EXPONENTS:
        for target in TARGETS:
            r1, r2 = mean_rouge(stories, exponent, target)
            results.append((r1 + r2, exponent, target, r1, r2))
            print(f"LENGTH_EXPONENT {exponent}  target {target!s:>15}  ROUGE-1 {r1:.2f}  ROUGE-2 {r2:.2f}", flush=True)
    _, exponent, target, r1, r2 = max(results, key=lambda row: row[0])
    print(f"best on {len(stories)} train stories: LENGTH_EXPONENT = {exponent}, target {target} "
          f"(ROUGE-1 {r1:.2f}, ROUGE-2 {r2:.2f})")


if __name__ == "__main__":
    main()
