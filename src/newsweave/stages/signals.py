"""What the clusterer reads off an article besides its embedding: terms, names, numbers, weekdays.

Owns the lexical side of story clustering: title + lead terms (stop-worded, lightly stemmed),
proper names (capitalised words inside sentences, acronyms), numbers of two or more digits,
weekdays mentioned ("on Tuesday"): an article's ``Analysis``, a function of its title and text alone
(so the batch command caches it by content); and the document frequencies that weigh them (accumulated
online over every article seen). Plain Python and plain data, so the store can persist all of it;
the similarities over them are weighed in ``stages/pairs.py``.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Protocol

STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have having
he her here hers herself him himself his how i if in into is it its itself just me more most my myself no
nor not now of off on once only or other our ours ourselves out over own same she should so some such than
that the their theirs them themselves then there these they this those through to too under until up very
was we were what when where which while who whom why will with would you your yours yourself yourselves
said says say new one two amid via per it's he's she's they're we're i'm mr ms mrs dr
""".split())
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_WEEKDAY = {day: re.compile(rf"\b{day}\b") for day in WEEKDAYS}
"""Each weekday as a word in lower-case text."""
_NOT_NAMES = frozenset(WEEKDAYS)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]")
_NUMBER = re.compile(r"\d[\d,\.]*\d|\d")
_ACRONYM = re.compile(r"\b[A-Z]{2,}\b")
_SENTENCE_ENDS = '.!?:;"“”'
_INSIDE_SENTENCE = re.compile(
    rf"(?=[A-Z])(?:(?<=[^\s\w'’{_SENTENCE_ENDS}])|(?<=[^\s{_SENTENCE_ENDS}] ))([A-Z][A-Za-z'’\-]*[A-Za-z]|[A-Z])")
"""A capitalised word whose last visible character before it is neither a word's (nor an apostrophe) nor one
that ends a sentence, in text whose white space is single spaces."""


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A very light stemmer: possessive and plural 's' off. Cached: news vocabulary repeats, and the
    clusterer stems every word of every title and lead."""
    for suffix in ("'s", "’s"):
        if word.endswith(suffix):
            word = word[:-2]
    if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


@lru_cache(maxsize=1 << 16)
def _term(token: str) -> str | None:
    """The term a lower-case word counts as; None for a stop word or a single letter."""
    return None if token in STOPWORDS or len(token) < 2 else stem(token)


def terms(title: str, text: str) -> dict[str, int]:
    """Term frequencies of title and lead, stop words removed, lightly stemmed."""
    return dict(Counter(filter(None, map(_term, _WORD.findall(f"{title}\n{text}".lower())))))


def _is_title_case(title: str) -> bool:
    words = [w for w in _WORD.findall(title) if w.lower() not in STOPWORDS and len(w) > 3]
    return bool(words) and sum(w[0].isupper() for w in words) / len(words) > 0.7


@lru_cache(maxsize=1 << 16)
def _name(word: str) -> str | None:
    """The name a capitalised word counts as; None for a stop word."""
    lower = word.lower()
    return None if lower in STOPWORDS else stem(lower)


def _capitalised_inside_sentences(text: str) -> set[str]:
    found = set(map(_name, _INSIDE_SENTENCE.findall(" ".join(text.split()))))
    found.discard(None)
    return found  # type: ignore[return-value]


def names(title: str, text: str) -> frozenset[str]:
    """Proper-name tokens: capitalised inside a sentence (in a title only when it is not Title Case), acronyms."""
    found = _capitalised_inside_sentences(text)
    if not _is_title_case(title):
        found |= _capitalised_inside_sentences(title)
    found.update(map(_name, _ACRONYM.findall(f"{title} {text}")))
    found.discard(None)
    return frozenset(found - _NOT_NAMES)


def numbers(title: str, text: str) -> frozenset[str]:
    """Numbers of two or more digits, commas removed: '2,000' → '2000'."""
    found = (n.replace(",", "").rstrip(".") for n in _NUMBER.findall(f"{title} {text}"))
    return frozenset(n for n in found if sum(c.isdigit() for c in n) >= 2)


def weekdays(title: str, text: str) -> frozenset[str]:
    """The weekdays named (lower case); each sought as a whole word only where it occurs at all, which a
    substring search tells far faster than a regular expression."""
    lower = f"{title} {text}".lower()
    if "day" not in lower:
        return frozenset()
    return frozenset(day for day in WEEKDAYS if day in lower and _WEEKDAY[day].search(lower))


ANALYSER = "signals-" + hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
"""What made an ``Analysis``: this module's own digest, so a cached analysis is never read by code that would
analyse the text otherwise (any change to this file is a new analyser)."""


@dataclass(frozen=True, slots=True)
class Analysis:
    """What an article's title and text hold, whatever else has been read: its terms with their counts (in order
    of first use), names, numbers and weekdays. A function of the two texts alone (``analyse``), so the batch
    command keeps it by content, as it keeps embeddings: a second run over the same articles reads it back."""

    terms: dict[str, int]
    names: frozenset[str]
    numbers: frozenset[str]
    weekdays: frozenset[str]

    def to_json(self) -> str:
        return json.dumps([self.terms, sorted(self.names), sorted(self.numbers), sorted(self.weekdays)],
                          ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str) -> Analysis:
        """The analysis ``to_json`` wrote; ValueError for anything else."""
        found = json.loads(data)
        if not (isinstance(found, list) and len(found) == 4 and isinstance(found[0], dict)
                and all(isinstance(items, list) for items in found[1:])):
            raise ValueError(f"not a text analysis: {data[:80]!r}")
        return cls(found[0], frozenset(found[1]), frozenset(found[2]), frozenset(found[3]))


class AnalysisCache(Protocol):
    """Where text analyses are kept by (analyser, content key): the store implements it."""

    def get_analyses(self, analyser: str, keys: Sequence[str]) -> dict[str, str]: ...

    def save_analyses(self, analyser: str, analyses: Mapping[str, str]) -> None: ...


def analyse(title: str, text: str) -> Analysis:
    return Analysis(terms(title, text), names(title, text), numbers(title, text), weekdays(title, text))


def analysis_key(title: str, text: str) -> str:
    """The cache key of an article's analysis: sha256 of its title and text, kept apart."""
    return hashlib.sha256(f"{len(title)}:{title}{text}".encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class TermStats:
    """Document frequencies of terms, names and numbers over every article seen."""

    df: Counter[str] = field(default_factory=Counter)
    docs: int = 0

    def add(self, items: Iterable[str]) -> None:
        self.docs += 1
        self.df.update(items)

    def idfs(self, items: Iterable[str]) -> dict[str, float]:
        """Each item's idf, log((docs + 1) / (df + 1)) + 1, in one pass (the clusterer weighs every term of every
        article)."""
        log, docs, df = math.log, self.docs + 1, self.df
        return {item: log(docs / (df.get(item, 0) + 1)) + 1.0 for item in items}

    def to_dict(self) -> dict:
        return {"df": self.df, "docs": self.docs}

    @classmethod
    def from_dict(cls, data: Mapping) -> TermStats:
        return cls(Counter(data.get("df", {})), int(data.get("docs", 0)))
