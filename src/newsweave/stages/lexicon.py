"""The lexical model that synthesis, disagreements and audit share: English stop words, a light stemmer,
a sentence's content words and concepts, and how much two word sets overlap."""

from __future__ import annotations

import re

STOPWORDS = frozenset(
    """a an the and or but if of to in on at for from by with as is are was were be been being has have had
    do does did it its this that these those he she they we i you his her their our my your them him us me
    who whom which what when where why how not no so than then there here also just about into over after
    before up down out more most some any all can could would should will may might must said says say told
    according s t""".split()
)
TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")


def stem(word: str) -> str:
    """A light English suffix stripper: enough to match "ruled"/"rules"/"ruling" within one story."""
    word = word.split("'")[0].split("’")[0]
    for suffix, keep in (("ies", 3), ("ing", 4), ("ed", 4), ("es", 4), ("s", 3)):
        if word.endswith(suffix) and len(word) - len(suffix) >= keep:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def content_words(text: str) -> frozenset[str]:
    return frozenset(stem(word) for word in TOKEN.findall(text.lower()) if word not in STOPWORDS)


def concepts(text: str) -> frozenset[str | tuple[str, str]]:
    """Content words and adjacent word pairs (not both stop words) of ``text``, stemmed."""
    tokens = [stem(word) for word in TOKEN.findall(text.lower())]
    pairs = {(a, b) for a, b in zip(tokens, tokens[1:], strict=False) if a not in STOPWORDS or b not in STOPWORDS}
    return frozenset(pairs | {word for word in tokens if word not in STOPWORDS})


def overlap(a: frozenset, b: frozenset) -> float:
    """Shared share of the smaller set: 1.0 when one says nothing the other does not."""
    return len(a & b) / min(len(a), len(b)) if a and b else 0.0
