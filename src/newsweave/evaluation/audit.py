"""Audit quality: labelled cases built from real stories, and per-kind accuracy of ``audit`` on them.

Owns ``build_cases`` (behind ``newsweave eval audit-cases``) and ``score_audit`` (behind
``newsweave eval audit``).

A case is one JSON object per line::

    {"id": "v0000/number/0", "kind": "number", "text": "...", "expect": "not_supported",
     "quote": null, "sources": [article, ...]}

``sources`` are the story's articles inline (FORMATS.md §1); ``text`` is what is audited. Kinds:

- ``real``: a source sentence copied verbatim; expects ``supported`` (every sentence of the report);
- ``number``: a source sentence with one number changed to a value no source of the story gives;
- ``name``: a source sentence with a person's name swapped for one from another story;
- ``foreign``: a sentence of another story;
- ``commentary``: generic commentary no source made, appended to a source sentence or on its own;
- ``quote``: a quotation no source contains, attributed to someone of the story; ``quote`` holds it.

Every kind but ``real`` expects ``not_supported``: at least one sentence of the report is not
``supported``; a ``quote`` case also needs the quote reported as not found.
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from newsweave.models import Article
from newsweave.stages.audit import AuditReport, audit
from newsweave.stages.embed import Embedder
from newsweave.stages.ingest import article_from_record
from newsweave.stages.sentences import NUMBER_WORDS, find_names, find_numbers, split_sentences, trim_residue
from newsweave.stages.verify import normalise_quotation

KINDS = ("real", "number", "name", "foreign", "commentary", "quote")
COMMENTARY_CLAUSES = (
    "in what critics called political theater", "ahead of the upcoming elections",
    "in a move widely seen as a political gamble", "raising fresh questions about the future",
    "in a sign of deepening divisions", "sparking outrage across the country", "as tensions continue to mount",
    "a decision that could reshape the political landscape", "underscoring the high stakes for both parties",
    "in a blow to the administration's credibility", "as voters grow increasingly frustrated",
)
COMMENTARY_SENTENCES = (
    "The move is widely seen as political theater ahead of the upcoming elections.",
    "Observers say the episode marks a turning point for the country.",
    "Critics were quick to dismiss the announcement as a publicity stunt.",
    "The controversy is likely to dominate the news cycle for weeks to come.",
    "Many analysts believe the decision will backfire on its supporters.",
    "It remains to be seen whether the gamble will pay off at the ballot box.",
    "The development adds to a growing sense of chaos in the capital.",
    "Experts warn that the consequences could be felt for years.",
)
INVENTED_QUOTES = (
    "We will not back down from this fight, no matter what it costs us",
    "This is a dark day for everyone who believes in fairness",
    "Frankly, nobody saw this coming, and we are all still in shock",
    "The American people deserve far better than what they got today",
    "I have never been more confident that we are on the right side of history",
    "Make no mistake: this is only the beginning of a very long battle",
    "We owe it to our children to get this right the first time",
    "There is simply no excuse for what happened here this week",
)
_ORG_WORDS = frozenset("""House Senate Court Party Department Committee Congress Democrats Republicans
    University News Times Post Street Board Council Administration Office Agency Service Bank Fund Act
    Republican Democratic National Supreme United States White Minister President Secretary Governor""".split())
_PERSON = re.compile(r"^[A-Z][a-z]+(?: [A-Z][a-z'-]+){1,2}$")


# ---- reading and writing cases ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AuditCase:
    id: str
    kind: str
    text: str
    expect: str
    sources: tuple[Article, ...]
    quote: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "text": self.text, "expect": self.expect, "quote": self.quote,
                "sources": [a.to_dict() for a in self.sources]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AuditCase:
        sources = tuple(article_from_record(record) for record in data["sources"])
        return cls(str(data["id"]), data["kind"], data["text"], data["expect"], sources, data.get("quote"))


# ---- building cases ------------------------------------------------------------------------------------


def _stories(articles: Iterable[Article]) -> dict[str, list[Article]]:
    stories: dict[str, list[Article]] = defaultdict(list)
    for article in articles:
        stories[article.label or article.id].append(article)
    return dict(stories)


def _usable_sentences(articles: Sequence[Article]) -> list[str]:
    """Whole, plain sentences of the story: 8 words or more, ending a sentence, balanced quotes."""
    found = []
    for article in articles:
        for span in split_sentences(article.text):
            text = trim_residue(span).text
            marks = normalise_quotation(text).count('"')
            if len(text.split()) >= 8 and text[-1] in ".!?\"”" and marks % 2 == 0:
                found.append(text)
    return found


def _people(text: str) -> list[str]:
    """Person-like names: two or three plain capitalised words, none an institution's."""
    return [n for n in find_names(text) if _PERSON.match(n) and not set(n.split()) & _ORG_WORDS]


def _changed_number(sentence: str, story_text: str, rng: random.Random) -> str | None:
    """``sentence`` with one number changed to a value no source of the story gives."""
    taken = {n.value for n in find_numbers(story_text)}
    for number in rng.sample(find_numbers(sentence), len(find_numbers(sentence))):
        for new in _alternatives(number.text, number.value, rng):
            if new[1] not in taken:
                return sentence[: number.start] + new[0] + sentence[number.end :]
    return None


def _alternatives(text: str, value: float, rng: random.Random) -> list[tuple[str, float]]:
    words = {v: w for w, v in NUMBER_WORDS.items() if v <= 20}
    if text.lower() in NUMBER_WORDS:
        options = [(w if text.islower() else w.capitalize(), float(v)) for v, w in words.items() if v != value]
        return rng.sample(options, len(options))
    match = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    if not match:
        return []
    digits = float(match.group().replace(",", ""))
    decimals = len(match.group().split(".")[1]) if "." in match.group() else 0
    step = max(1.0, round(digits * rng.choice((0.1, 0.2, 0.3)))) if digits >= 10 else float(rng.randint(1, 3))
    scale = value / digits if digits else 1.0
    options = []
    for number in (digits + step, digits + 2 * step + 1, digits - step):
        if number > 0 and number != digits:
            shown = f"{number:,.{decimals}f}" if "," in match.group() else f"{number:.{decimals}f}"
            options.append((text[: match.start()] + shown + text[match.end() :], number * scale))
    return options


def _with_suffix(sentence: str, clause: str) -> str:
    body = sentence.rstrip()
    if body[-1] in ".!?":
        return f"{body[:-1]}, {clause}{body[-1]}"
    return f"{body} {clause[0].upper()}{clause[1:]}."


class _Builder:
    """Builds the cases of one story, with the rest of the data set to borrow from."""

    def __init__(self, stories: dict[str, list[Article]], rng: random.Random) -> None:
        self.stories, self.rng = stories, rng
        self.sentences = {story: _usable_sentences(articles) for story, articles in stories.items()}
        self.people = {story: sorted({p for a in arts for p in _people(a.text)}) for story, arts in stories.items()}

    def cases(self, story: str) -> list[AuditCase]:
        sources = tuple(self.stories[story])
        sentences = self.sentences[story]
        if not sentences:
            return []
        made = [("real", s) for s in self.rng.sample(sentences, min(2, len(sentences)))]
        made += [(kind, text) for kind, text in self._altered(story, sentences) if text]
        cases = [self._case(story, n, kind, text, sources) for n, (kind, text) in enumerate(made)]
        return cases

    def _altered(self, story: str, sentences: list[str]) -> list[tuple[str, str | None]]:
        return [("number", self._number(story, sentences)), ("name", self._name(story, sentences)),
                ("foreign", self._foreign(story)), ("commentary", self._commentary(sentences)),
                ("quote", self._quote(story))]

    def _case(self, story: str, n: int, kind: str, text: str, sources: tuple[Article, ...]) -> AuditCase:
        quote = self._last_quote if kind == "quote" else None
        expect = "supported" if kind == "real" else "not_supported"
        return AuditCase(f"{story}/{kind}/{n}", kind, text, expect, sources, quote)

    def _story_text(self, story: str) -> str:
        return "\n".join(a.text for a in self.stories[story])

    def _number(self, story: str, sentences: list[str]) -> str | None:
        with_numbers = [s for s in sentences if find_numbers(s)]
        if not with_numbers:
            return None
        return _changed_number(self.rng.choice(with_numbers), self._story_text(story), self.rng)

    def _name(self, story: str, sentences: list[str]) -> str | None:
        named = [s for s in sentences if _people(s)]
        others = [p for other, people in self.people.items() if other != story for p in people]
        story_text = self._story_text(story)
        if not named or not others:
            return None
        sentence = self.rng.choice(named)
        old = self.rng.choice(_people(sentence))
        new = next((p for p in self.rng.sample(others, min(50, len(others))) if p not in story_text), None)
        return sentence.replace(old, new, 1) if new else None

    def _foreign(self, story: str) -> str | None:
        story_text = normalise_quotation(self._story_text(story))
        for other in self.rng.sample(sorted(self.stories), min(20, len(self.stories))):
            if other != story and self.sentences[other]:
                sentence = self.rng.choice(self.sentences[other])
                if normalise_quotation(sentence) not in story_text:
                    return sentence
        return None

    def _commentary(self, sentences: list[str]) -> str:
        if self.rng.random() < 0.5:
            return self.rng.choice(COMMENTARY_SENTENCES)
        return _with_suffix(self.rng.choice(sentences), self.rng.choice(COMMENTARY_CLAUSES))

    def _quote(self, story: str) -> str:
        speaker = self.rng.choice(self.people[story]) if self.people[story] else "One official"
        self._last_quote = self.rng.choice(INVENTED_QUOTES) + "."
        return f"{speaker} said: “{self._last_quote}”"


def build_cases(articles: Iterable[Article], seed: int = 0) -> list[AuditCase]:
    """Labelled audit cases from articles with gold ``story`` labels (see the module docstring)."""
    stories = _stories(articles)
    builder = _Builder(stories, random.Random(seed))
    return [case for story in sorted(stories) for case in builder.cases(story)]


# ---- scoring ---------------------------------------------------------------------------------------------


class MemoryCache:
    """An in-memory embedding cache, so that a story's sources are embedded once for all its cases."""

    def __init__(self) -> None:
        self.vectors: dict[tuple[str, str], np.ndarray] = {}

    def get_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        return {key: self.vectors[(model, key)] for key in keys if (model, key) in self.vectors}

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        self.vectors.update({(model, key): vector for key, vector in vectors.items()})


@dataclass(frozen=True, slots=True)
class KindScore:
    kind: str
    cases: int
    passed: int

    @property
    def accuracy(self) -> float:
        return self.passed / self.cases if self.cases else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "cases": self.cases, "passed": self.passed, "accuracy": round(self.accuracy, 4)}


@dataclass(frozen=True, slots=True)
class AuditScores:
    kinds: tuple[KindScore, ...]
    failures: tuple[dict[str, Any], ...]
    """The cases that failed, with their reports, for reading."""

    def to_dict(self) -> dict[str, Any]:
        return {"kinds": [k.to_dict() for k in self.kinds], "failures": list(self.failures)}


def case_passes(case: AuditCase, report: AuditReport) -> bool:
    """Whether ``report`` gives the case's expected outcome (see the module docstring)."""
    supported = all(s.verdict == "supported" for s in report.sentences)
    if case.expect == "supported":
        return supported
    if case.quote is not None:
        wanted = normalise_quotation(case.quote).strip(" .,")
        reported = any(not q.found and wanted in normalise_quotation(q.text) for q in report.quotes)
        return reported and not supported
    return not supported


def score_audit(cases: Iterable[AuditCase], embedder: Embedder | None) -> AuditScores:
    """Per-kind accuracy of ``audit`` on ``cases``."""
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    failures = []
    for case in cases:
        report = audit(case.text, case.sources, embedder)
        passed = case_passes(case, report)
        totals[case.kind][0] += 1
        totals[case.kind][1] += passed
        if not passed:
            failures.append({"id": case.id, "kind": case.kind, "report": report.to_dict()})
    order = [k for k in KINDS if k in totals] + sorted(set(totals) - set(KINDS))
    return AuditScores(tuple(KindScore(k, *totals[k]) for k in order), tuple(failures))
