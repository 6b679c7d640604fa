"""Measure how well synthesis finds outlets that give different numbers for the same thing.

Usage: python scripts/eval_disagreements.py [--split crawl|dev|train] [--model] [--show]

``data/disagreements-SPLIT.jsonl`` holds sentence pairs of an AllSides split (as article ids and
character spans, no text): every pair of related sentences of different outlets in which some noun is
counted with different values (the candidates any detector starts from), labelled by reading them:
``disagree`` (the same thing, with values that cannot both be right) or ``no`` (different things, such as
an expectation and the result, the unemployment and the participation rate, or compatible values such as
"about 10,000" and 10,503).

Prints, for the pair decision of ``disagreements.find_conflicts`` (with ``--model``, as synthesis runs it:
close paraphrases by the sentence model need share only one describing word):
- precision and recall on the labelled pairs;
- the probe: pairs of related sentences of different outlets that give the same value for the same noun
  (say "235,000 jobs" in both); one side's value is changed by a third, and the pair must then be found.
  It estimates recall beyond the few labelled disagreements. Pairs that both quote one forecast count
  too, and those the detector leaves out by design (expectations never disagree);
- with ``--show``, the pairs the detector finds that are not labelled (label them and add them).
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from newsweave.pipeline import group_by_story
from newsweave.stages.disagreements import disagreeing_topics, quantities
from newsweave.stages.embed import MiniLMEmbedder
from newsweave.stages.ingest import read_articles
from newsweave.stages.lexicon import overlap
from newsweave.stages.sentences import find_numbers
from newsweave.stages.synthesize import PARAPHRASE_OVERLAP, REPEAT_COSINE, _Story, outlet, reading_order

HERE = Path(__file__).resolve().parent
ALLSIDES = HERE.parents[1] / "shared" / "data" / "allsides"


class Decision:
    """Whether two related sentences disagree: by their numbers alone, or also by their closeness in meaning."""

    def __init__(self, model: bool) -> None:
        self.embedder = MiniLMEmbedder() if model else None

    def __call__(self, a: str, b: str) -> bool:
        if disagreeing_topics(a, b):
            return True
        if self.embedder is None or not disagreeing_topics(a, b, words=1):
            return False
        va, vb = self.embedder.embed([a, b])
        return float(va @ vb) >= REPEAT_COSINE


def related_pairs(stories: dict) -> list[tuple]:
    """Every pair of related sentences of different outlets in every story (the detector's candidates)."""
    pairs = []
    for articles in stories.values():
        sentences = _Story(sorted(articles, key=reading_order), None).sentences
        counting = [s for s in sentences if find_numbers(s.text)]
        for i, a in enumerate(counting):
            pairs.extend((a, b) for b in counting[i + 1:] if outlet(a.article) != outlet(b.article)
                         and overlap(a.words, b.words) >= PARAPHRASE_OVERLAP)
    return pairs


def key(sentence) -> tuple:
    return (sentence.article.id, sentence.span.start, sentence.span.end)


def labelled(split: str, by_id: dict) -> list[tuple[str, str, bool]]:
    rows = [json.loads(line) for line in (HERE / "data" / f"disagreements-{split}.jsonl").read_text().splitlines()]
    text = lambda ref: by_id[ref[0]].text[ref[1]:ref[2]]  # noqa: E731
    return [(text(r["a"]), text(r["b"]), r["label"] == "disagree") for r in rows], {
        (tuple(r["a"]), tuple(r["b"])) for r in rows}


def raised(text: str, start: int, end: int) -> str:
    """``text`` with the number at ``start:end`` a third higher, written the same way ("$1.9 trillion" ->
    "$2.5 trillion", "4.8%" -> "6.4%", "258,000" -> "344,000")."""
    digits = re.search(r"\d[\d,]*(?:\.\d+)?", text[start:end])
    decimals = len(digits.group().partition(".")[2])
    value = float(digits.group().replace(",", "")) * 4 / 3
    new = f"{value:,.{decimals}f}" if "," in digits.group() else f"{value:.{decimals}f}"
    return text[: start + digits.start()] + new + text[start + digits.end() :]


def probe(pairs: list[tuple], disagree: Decision) -> tuple[int, int]:
    """(found, tried): both sides count the same noun with the same value (say "235,000 jobs"); one side's
    value is raised by a third, and the pair must then be found."""
    found = tried = 0
    for a, b in pairs:
        counted = {(q.value, q.unit) for q in quantities(a.text)}
        same = next((q for q in quantities(b.text) if (q.value, q.unit) in counted and q.value >= 3
                     and re.search(r"\d", b.text[slice(*q.span)])), None)
        if same is not None:
            changed = raised(b.text, *same.span)
            tried += 1
            found += disagree(a.text, changed)
    return found, tried


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("crawl", "dev", "train"), default="crawl")
    parser.add_argument("--model", action="store_true", help="let close paraphrases share one describing word")
    parser.add_argument("--show", action="store_true", help="print the found pairs that are not labelled")
    args = parser.parse_args()
    disagree = Decision(args.model)
    with (ALLSIDES / f"{args.split}.articles.jsonl").open("rb") as stream:
        articles = [p.article for p in read_articles(stream) if p.article]
    by_id = {a.id: a for a in articles}
    rows, known = labelled(args.split, by_id)
    flagged = [(a, b, truth) for a, b, truth in rows if disagree(a, b)]
    true_found = sum(truth for *_, truth in flagged)
    print(f"{args.split}: {len(rows)} labelled pairs, {sum(t for *_, t in rows)} of them disagreements")
    print(f"labelled: found {len(flagged)}, precision {true_found / max(1, len(flagged)):.3f}, "
          f"recall {true_found / max(1, sum(t for *_, t in rows)):.3f}")
    pairs = related_pairs(group_by_story(articles))
    unlabelled = [(a, b) for a, b in pairs if (key(a), key(b)) not in known and disagree(a.text, b.text)]
    print(f"found and not labelled: {len(unlabelled)}")
    found, tried = probe(pairs, disagree)
    print(f"probe: {found} of {tried} changed values found ({found / max(1, tried):.3f})")
    for a, b in unlabelled if args.show else ():
        print(json.dumps({"a": list(key(a)), "b": list(key(b)), "ta": a.text, "tb": b.text}, ensure_ascii=False))


if __name__ == "__main__":
    main()
