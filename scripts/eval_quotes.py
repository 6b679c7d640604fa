"""Measure who quotes are attributed to, and which quotes are fragments of the writer's own sentence.

Usage: python scripts/eval_quotes.py [--split crawl|train] [--show]

``data/quotes-SPLIT.jsonl`` holds quoted passages of an AllSides split, sampled at random from every
passage of four words or more (as article id and the span of the passage with its quotation marks, no
text), labelled by reading them:
- ``speaker``: who the text names, in the same sentence, as saying the words ("Sen. Rand Paul"; a quote
  that goes straight on from one attributed by name in the sentence before is that speaker's), or null
  when it names no one ("he said", "a spokesman said", nothing);
- ``kind``: ``full`` (an utterance given as speech), ``partial`` (a phrase woven into the writer's own
  sentence) or ``term`` (a title, slogan or scare-quoted word);
- ``cut``: the article text stops before the attribution could be read.
The sample was drawn with an earlier reading of quotation marks, which took the writer's words between two
quotations for one ("100%," roughly a year after … "To be clear"); those passages are labelled ``term``,
and the current reading does not find them (the script counts them).

Prints, for ``quotes.quotations``:
- speaker precision (of the speakers given, how many are right) and recall (of the speakers the text
  names, how many are given), exactly and by surname (the last word of each: "Biden" for "President Joe
  Biden"). A speaker given where the text names none counts against precision: it is a guessed speaker;
- how well ``fragment`` picks out the partial quotes and terms.
With ``--show``, each disagreement with the labels.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from newsweave.stages.ingest import read_articles
from newsweave.stages.quotes import quotations

HERE = Path(__file__).resolve().parent
ALLSIDES = HERE.parents[1] / "shared" / "data" / "allsides"


def load_texts(split: str) -> dict[str, str]:
    with (ALLSIDES / f"{split}.articles.jsonl").open("rb") as stream:
        return {p.article.id: p.article.text for p in read_articles(stream) if p.article}


def same(a: str | None, b: str | None) -> bool:
    """The same speaker, white space and case aside."""
    return a is not None and b is not None and " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def surname(speaker: str | None) -> str | None:
    return speaker.split()[-1].casefold().strip(".,") if speaker else None


def ratio(part: int, whole: int) -> str:
    return f"{part / whole:.3f} ({part}/{whole})" if whole else "n/a"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="crawl", choices=["crawl", "train"])
    parser.add_argument("--show", action="store_true")
    args = parser.parse_args()
    texts = load_texts(args.split)
    labels = [json.loads(line) for line in (HERE / "data" / f"quotes-{args.split}.jsonl").open(encoding="utf-8")]
    found = {}
    for article in {label["article"] for label in labels}:
        found.update({(article, q.start, q.end): q for q in quotations(texts[article])})
    unread = [label for label in labels if (label["article"], label["start"], label["end"]) not in found]
    labels = [label for label in labels if label not in unread]
    given = right = right_surname = named = fragments = flagged = flagged_right = 0
    for label in labels:
        quote = found[(label["article"], label["start"], label["end"])]
        gold, fragment = label["speaker"], label["kind"] != "full"
        named += gold is not None
        fragments += fragment
        flagged += quote.fragment
        flagged_right += quote.fragment and fragment
        if quote.speaker is not None:
            given += 1
            right += same(quote.speaker, gold)
            right_surname += surname(quote.speaker) == surname(gold)
        if args.show and (surname(quote.speaker) != surname(gold) or quote.fragment != fragment):
            context = texts[label["article"]][max(0, label["start"] - 120) : label["end"] + 80].replace("\n", " ")
            print(f"gold {gold!r} {label['kind']} | given {quote.speaker!r} fragment={quote.fragment}\n  {context}\n")
    print(f"{args.split}: {len(labels)} quotes, {named} with a named speaker, {fragments} partial or terms; "
          f"{len(unread)} labelled passages not read as quotations ({sum(u['speaker'] is None for u in unread)} "
          "of them with no speaker)")
    print(f"speaker exact:   precision {ratio(right, given)}  recall {ratio(right, named)}")
    print(f"speaker surname: precision {ratio(right_surname, given)}  recall {ratio(right_surname, named)}")
    print(f"fragment:        precision {ratio(flagged_right, flagged)}  recall {ratio(flagged_right, fragments)}")


if __name__ == "__main__":
    main()
