"""Disagreements: outlets that give different numbers for the same thing (a toll, a vote count, an amount).

Each number a sentence states is read as a ``Quantity``:

- its value, and what it counts: the noun after it ("people", "seats"; "157 of 338 seats" counts seats),
  "%" or "$";
- its role: a level, a change ("rose by 37,000"), an earlier value ("from 5.9%"), a total ("of 469
  cases"), an average ("averaging 1.65%") or a rate ("1,500 deaths a day");
- its bounds: exact, about ("about 10,000", or a round "10,000"), just under ("nearly a dozen"), at least
  ("more than 180") or at most ("fewer than 10%"); and its decimals (94% is 94.1% rounded);
- whether its clause expects it rather than reports it ("analysts were expecting 870,000 jobs", "the 10
  votes needed", "the IMF projected 5.9%"): expectations of different forecasters differ by nature;
- the words around it in its clause, which say which thing it is ("the unemployment rate", "fully
  vaccinated", "New Zealand mosques"), with the words for a toll ("killed", "dead", "deaths") as one.

Two quantities of different outlets are the same thing when they count the same noun in the same role, both
report, and their descriptions share two words that name the thing, not all of them names ("rose", "rate" or
a month say how or when, not what; "White House" says who). One shared word is enough for sentences that are
close paraphrases. They disagree when no value fits both statements and neither sentence gives the other's
value elsewhere: 156 and 157 seats disagree; "more than 180" and "at least 150" people killed do not, nor do
"about 10,000" and 10,503. Tallies ("54-35"), ranges, names ("S&P 500"), dates and years are not counts.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TypeVar

from newsweave.stages.lexicon import STOPWORDS, stem
from newsweave.stages.sentences import NumberMention, find_numbers

#: Words each side of a number that describe it (within its clause).
WINDOW = 5
SAME_THING_WORDS = 2
"""Shared describing words that make two quantities the same thing; one is enough when the two sentences are
close paraphrases (``find_conflicts``' ``close``)."""
#: A sentence that counts more things than this is a list or a table, not a statement to compare.
MAX_QUANTITIES = 40
#: Characters each side of a number that its clause may reach: a sentence without punctuation stays cheap.
CONTEXT = 240
#: How far an approximate or round value ("about 6.3%", "10,000") reaches either side.
APPROXIMATION = 0.06

_CLAUSE_END = re.compile(r"[;:()\[\]—–\"“”]|,(?!\d{3})|\s--?\s")
_WORD = re.compile(r"\d[\d,.]*\d|\d|[a-z]+(?:['’&][a-z]+)*", re.I)
_EXPECTED = re.compile(
    r"\b(?:expect\w*|forecast\w*|predict\w*|project(?:ed|ion|ions|s)?|consensus|survey\w*|poll(?:ed|ing)|"
    r"anticipat\w*|looking for|would|could|might|will|target\w*|goals?|need\w*|requir\w*|threshold|"
    r"propos\w*|seek\w*|aim\w*)\b",
    re.IGNORECASE,
)
_APPROXIMATE = re.compile(
    r"\b(?:about|around|roughly|approximately|some|an estimated|estimated|close to|circa)\s+$", re.I
)
_JUST_UNDER = re.compile(r"\b(?:nearly|almost|just under|close to)\s+(?:a\s+)?$", re.I)
_AT_LEAST = re.compile(r"\b(?:more than|over|at least|upwards of|exceeding|above|in excess of)\s+$", re.I)
_AT_MOST = re.compile(r"\b(?:fewer than|less than|under|up to|at most|no more than|below|as (?:many|much|high) as)\s+$",
                      re.I)
_ROLE_BEFORE = re.compile(r"\b(by|from)\s+(?:[a-z]+\s+)?$|\d\s+(?:[a-z]+\s+)?(of)\s+(?:the\s+)?$", re.I)
"""A change ("rose by 37,000"), an earlier value ("from 5.9%"), a total ("74% of 469 cases"); "a rate of 8.7%" is
a level."""
_AVERAGE = re.compile(r"\b(?:averag\w*|median|mean)\b(?:\s+\S+){0,3}\s+$", re.I)
_RATE_AFTER = re.compile(r"^(?:\s+\S+){0,3}?\s+(?:a|an|per|each)\s+(?:day|week|month|year|hour|gallon|barrel|share|"
                         r"person|capita)\b", re.I)
_AVERAGE_AFTER = re.compile(r"^(?:\s+\S+){0,3}?\s+on average\b", re.I)
_MORE_BEFORE = re.compile(r"\b(?:additional|another|extra)\s+$", re.I)
_MORE_AFTER = re.compile(r"^\s+(?:\S+\s+)?(?:more|fewer|additional|extra)\b", re.I)
_COMPOUND_SPAN = re.compile(r"\b\w+\s+(?:years?|months?|weeks?|days?|hours?),?\s+(?:and\s+)?$", re.I)
"""Before "four months" in "three years, four months": the months are only part of the span."""
_TALLY = re.compile(r"[\dA-Za-z]\s?[-–]\s?$|^\s?[-–]\s?\d")
"""A number joined to another ("54-35", "5-11") or to a word ("COVID-19", "F-35") is not a count."""
_AFTER_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][\w&]*\.?\s$")
_CAPITALISED_NOUN = re.compile(r"\s+([A-Z][a-z]+s)\b")
_OF_BETWEEN = re.compile(r"(?:\s+[a-z]+)?\s+of\s+(?:the\s+)?", re.I)
"""Between "156 seats of the 338" or "157 of 338": the second number is part of the first's description."""
_SOURCES_AFTER = re.compile(
    r"^(?:\s+[\w.-]+){0,3}?\s+(?:officials|sources|people|persons|aides|diplomats)\b(?:\s+[\w.,-]+){0,4}?\s+"
    r"(?:familiar with|briefed on|with (?:direct )?knowledge of|who (?:spoke|asked|requested|declined)|"
    r"speaking on(?: the)? condition)\b",
    re.I,
)
"""A count of the reporter's own sources ("four U.S. officials familiar with the matter said"): how the story was
reported, never a figure of the story, so two outlets with three and four such sources do not disagree."""
_WITH_PERPETRATOR = re.compile(
    r"[^.;:,]{0,60}?,?\s+including (?:the |a )?(?:alleged |suspected )?(?:assailant|attacker|gunman|shooter|"
    r"suspect|bomber|perpetrator|killer)\b", re.I)
"""A toll that counts the attacker ("four people dead, including the assailant"): the victims number one fewer,
as another outlet may count them ("the assailant killed three people")."""
_SOURCES_BEFORE = re.compile(r"\baccording to\s+$", re.I)
_ORDINAL = re.compile(r"\d(?:st|nd|rd|th)$", re.I)
_NOT_A_NOUN = STOPWORDS | {"still", "last", "next", "per", "each", "percent", "percentage", "point", "points"}
_TOLL = dict.fromkeys(("kill", "dead", "death", "died", "die", "fatality", "fatal", "live"), "†toll") | dict.fromkeys(
    ("injur", "injury", "wound", "hurt"), "†hurt") | dict.fromkeys(("miss", "unaccount"), "†missing")
"""Words for a toll, by stem: "killed 50 people" and "left 49 people dead" describe one count."""
#: Words that say how a number moved, when it was, or where it was reported, not what it counts.
_NOT_DESCRIBING = frozenset(stem(w) for w in """
    rate number total percent percentage level figure amount share new last first latest previous prior
    rose rise risen rising fell fall fallen falling increase increased decrease decreased decline declined drop dropped
    jump jumped climb climbed grew grow growth gain gained lost lose higher lower up down more less reported report
    reports show showed shows data basis year years month months week weeks day days today yesterday
    monday tuesday wednesday thursday friday saturday sunday january february march april may june july august
    september october november december compared than since past earlier later nearly only just about least
    fiscal quarter annual found find finds show shows showed said says announced told released according
    """.split())

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Quantity:
    """A number as a sentence states it: its value, what it counts, in what role and bounds, described how."""

    value: float
    unit: str
    role: str
    bound: str
    """'exact', 'about', 'just under', 'at least', 'at most' or 'or one fewer' (a toll with the attacker in it)."""
    decimals: int
    """Decimal places as written: 94% is 94.1% to the nearest point, not another figure."""
    expected: bool
    words: frozenset[str]
    """What the number describes: content words near it, stemmed."""
    names: frozenset[str]
    """Those of ``words`` that are (part of) a proper name: a subject such as "White House" names who
    spends or says, not what is counted."""
    span: tuple[int, int] = (0, 0)
    """Where the number stands in its sentence."""

    def interval(self) -> tuple[float, float]:
        if self.bound == "or one fewer":  # a toll with the attacker in it: the victims alone are one fewer
            return self.value - 1, self.value
        if self.bound == "just under":  # "nearly a dozen": 11 fits, 12 would too
            return self.value * (1 - 3 * APPROXIMATION), self.value
        if self.bound == "about":
            return self.value * (1 - APPROXIMATION), self.value * (1 + APPROXIMATION)
        if self.bound == "at least":
            return self.value, float("inf")
        if self.bound == "at most":
            return float("-inf"), self.value
        return self.value, self.value

    def rounds_to(self, other: Quantity) -> bool:
        """Whether the other value, rounded as this one is written, is this one (94.1% and 94%)."""
        return self.bound == other.bound == "exact" and (
            round(other.value, self.decimals) == self.value or round(self.value, other.decimals) == other.value)

    def comparable(self, other: Quantity) -> bool:
        """Whether both count the same noun in the same role and report it (neither is an expectation)."""
        return (self.unit, self.role) == (other.unit, other.role) and not (self.expected or other.expected)

    def same_thing(self, other: Quantity, words: int = SAME_THING_WORDS) -> bool:
        """Comparable, and described alike: ``words`` shared words, not all of them names. One word is too
        little in general: "prices" rose 0.9% and "energy prices" 1.5%."""
        shared = self.words & other.words
        return self.comparable(other) and len(shared) >= words and bool(shared - self.names - other.names)

    def fits_any(self, values: Sequence[float]) -> bool:
        low, high = self.interval()
        return any(low <= value <= high for value in values)

    def contradicts(self, other: Quantity) -> bool:
        """No value fits both statements."""
        (low_a, high_a), (low_b, high_b) = self.interval(), other.interval()
        return (high_a < low_b or high_b < low_a) and not self.rounds_to(other)

    @property
    def topic(self) -> str:
        if "†toll" in self.words:
            return "death toll"
        plural = self.unit if self.unit.endswith(("s", "people")) else f"{self.unit}s"
        return {"%": "percentage", "$": "amount"}.get(self.unit, f"number of {plural}")


@functools.lru_cache(maxsize=8192)
def quantities(text: str) -> tuple[Quantity, ...]:
    """The counted numbers of a sentence (years, ordinals, tallies such as 54-35 and ranges left out).
    Cached: a sentence is compared with many others."""
    mentions = [m for m in find_numbers(text) if not _in_name_or_date(text, m)]
    if len(mentions) > MAX_QUANTITIES:
        return ()
    boundaries = [m.start() for m in _CLAUSE_END.finditer(text)]
    found = []
    for i, number in enumerate(mentions):
        previous, following = mentions[i - 1] if i else None, mentions[i + 1] if i + 1 < len(mentions) else None
        unit = _counted_noun(text, number, following)
        if unit and not _is_year_or_ordinal(number) and not _in_tally(text, number) \
                and not _COMPOUND_SPAN.search(text[max(0, number.start - 40) : number.start]) \
                and not _counts_sources(text, number):
            clause = _clause(number, boundaries, len(text))
            found.append(_quantity(text, number, unit, clause, previous, following))
    return tuple(found)


def conflicting(a: str, b: str) -> bool:
    """Whether the sentences count some noun only with values that cannot both be right: a sentence does
    not corroborate another that states a different number. Stricter than a disagreement (no need for the
    same description or role: the sentences already state one fact), and as lenient with rounding and
    bounds ("from 6 feet to 3 feet" does corroborate "at least 3 feet")."""
    reported_a = [q for q in quantities(a) if not q.expected]
    reported_b = [q for q in quantities(b) if not q.expected]
    for unit in {q.unit for q in reported_a} & {q.unit for q in reported_b}:
        pairs = [(qa, qb) for qa in reported_a if qa.unit == unit for qb in reported_b if qb.unit == unit]
        if all(qa.contradicts(qb) for qa, qb in pairs):
            return True
    return False


def find_conflicts(sentences: Sequence[T], text: Callable[[T], str], related: Callable[[T, T], bool],
                   close: Callable[[T, T], bool] | None = None) -> list[tuple[str, list[T]]]:
    """Groups of ``related`` sentences that state the same thing with incompatible values, each with its
    topic ("death toll", "number of seats"), the versions in first-seen order. Sentences that are ``close``
    paraphrases need share only one describing word ("the unemployment rate fell to 4.8%" / "the
    unemployment rate fell sharply to 6.4%")."""
    counting = [s for s in sentences if quantities(text(s))]  # only these can disagree
    groups: list[tuple[str, list[T]]] = []
    member_of: dict[tuple[str, int], int] = {}
    for i, a in enumerate(counting):
        for b in counting[i + 1 :]:
            if not related(a, b):  # the cheaper test first
                continue
            topics = disagreeing_topics(text(a), text(b))
            if not topics and close is not None and (loose := disagreeing_topics(text(a), text(b), words=1)):
                topics = loose if close(a, b) else []
            for topic in topics:
                _join(groups, member_of, topic, a, b)
    return groups


def differing_values(texts: Sequence[str]) -> list[list[tuple[int, int]]]:
    """For each version of a disagreement, where its numbers stand that another version contradicts, so a
    reader sees at once what differs ("killed [12] people" / "killed [15] people")."""
    counted = [quantities(text) for text in texts]
    marks: list[set[tuple[int, int]]] = [set() for _ in texts]
    for i, j in combinations(range(len(texts)), 2):
        for qa in counted[i]:
            for qb in counted[j]:
                if qa.same_thing(qb, words=1) and qa.contradicts(qb):
                    marks[i].add(qa.span)
                    marks[j].add(qb.span)
    return [sorted(spans) for spans in marks]


def marked_parts(texts: Sequence[str]) -> list[list[tuple[str, bool]]]:
    """Each version cut into (part, differs) pieces: the renderers mark the parts that differ."""
    pieces = []
    for text, spans in zip(texts, differing_values(texts), strict=True):
        parts, at = [], 0
        for start, end in spans:
            parts += [(text[at:start], False), (text[start:end], True)]
            at = end
        pieces.append([*parts, (text[at:], False)])
    return pieces


def disagreeing_topics(a: str, b: str, words: int = SAME_THING_WORDS) -> list[str]:
    """What the two sentences count differently ("death toll", "percentage"), if anything. A value the
    other sentence also states, in any words, is no disagreement: "$3.5 trillion" against "$1 trillion"
    is two amounts when both sentences give $3.5 trillion."""
    values_a, values_b = _values(a), _values(b)
    topics = {
        qa.topic
        for qa in quantities(a)
        if not qa.fits_any(values_b)
        for qb in quantities(b)
        if qa.same_thing(qb, words) and qa.contradicts(qb) and not qb.fits_any(values_a)
    }
    return sorted(topics)


@functools.lru_cache(maxsize=8192)
def _values(text: str) -> tuple[float, ...]:
    return tuple(n.value for n in find_numbers(text))


def _join(groups: list[tuple[str, list[T]]], member_of: dict[tuple[str, int], int], topic: str, a: T, b: T) -> None:
    """Add the pair to the group of its topic that already holds one of them, or start one. ``member_of`` maps
    (topic, id of a sentence) to its group, so joining costs the same however many versions a group has."""
    index = member_of.get((topic, id(a)), member_of.get((topic, id(b))))
    if index is None:
        groups.append((topic, []))
        index = len(groups) - 1
    for sentence in (a, b):
        if (topic, id(sentence)) not in member_of:
            groups[index][1].append(sentence)
            member_of[(topic, id(sentence))] = index


# ---- reading one number ---------------------------------------------------------------------------------


def _counted_noun(text: str, number: NumberMention, following: NumberMention | None) -> str:
    """What the number counts: "%", "$", or the noun after it; in "157 of 338 seats", seats."""
    unit = number.unit
    if unit == "of" and following and re.fullmatch(r"\s+of\s+(?:the\s+)?", text[number.end : following.start]):
        unit = following.unit
    if unit in {"%", "$"}:
        return unit
    if not unit or unit in _NOT_A_NOUN:  # "28 Palestinians have been killed", "17 Republicans joined"
        people = _CAPITALISED_NOUN.match(text, number.end)
        return stem(people.group(1).lower()) if people else ""
    return stem(unit)


def _counts_sources(text: str, number: NumberMention) -> bool:
    """Whether the number counts the reporter's sources (``_SOURCES_AFTER``, "according to three people …")."""
    after = text[number.end : number.end + 120]
    return bool(_SOURCES_AFTER.match(after) or (_SOURCES_BEFORE.search(text[max(0, number.start - 20) : number.start])
                                                and re.match(r"\s+(?:[\w.-]+\s+){0,2}?(?:officials|sources|people)\b",
                                                             after)))


def _in_name_or_date(text: str, number: NumberMention) -> bool:
    """"S&P 500", "Boeing 737", "June 24", "Oct. 18": a number right after a capitalised word is part of a
    name or a date, not a count."""
    return bool(_AFTER_CAPITALISED.search(text[max(0, number.start - 30) : number.start]))


def _is_year_or_ordinal(number: NumberMention) -> bool:
    return (1900 <= number.value <= 2100 and number.text.isdigit()) or bool(_ORDINAL.search(number.text))


def _in_tally(text: str, number: NumberMention) -> bool:
    """Part of "54-35" or "5-11": a tally or a range is not one count."""
    return bool(_TALLY.search(text[max(0, number.start - 2) : number.start])
                or _TALLY.search(text[number.end : number.end + 2]))


def _quantity(text: str, number: NumberMention, unit: str, clause: tuple[int, int],
              previous: NumberMention | None, following: NumberMention | None) -> Quantity:
    start, end = clause
    expected = bool(_EXPECTED.search(text[start:end]))
    if previous and previous.end > start:  # the words of a neighbouring number describe that number
        start = previous.end
    if following and following.start < end and not _OF_BETWEEN.fullmatch(text[number.end : following.start]):
        end = following.start
    before, after = text[start : number.start], text[number.end : end]
    if start == 0:  # a sentence's first word is capitalised whether or not it is a name
        before = before[:1].lower() + before[1:]
    words, names = _describing(before, after, unit)
    return Quantity(
        value=number.value,
        unit=unit,
        role=_role(before, after),
        bound=_bound(before, number, _WITH_PERPETRATOR.match(text, number.end) is not None),
        decimals=len(re.sub(r"[^\d.]", "", number.text).partition(".")[2]),
        expected=expected,
        words=words,
        names=names,
        span=(number.start, number.end),
    )


def _clause(number: NumberMention, boundaries: list[int], length: int) -> tuple[int, int]:
    """The number's clause: from the punctuation before it to the punctuation after it, within CONTEXT."""
    before, after = bisect_left(boundaries, number.start), bisect_left(boundaries, number.end)
    start = boundaries[before - 1] + 1 if before else 0
    end = boundaries[after] if after < len(boundaries) else length
    return max(start, number.start - CONTEXT), min(end, number.end + CONTEXT)


def _role(before: str, after: str) -> str:
    if _AVERAGE.search(before) or _AVERAGE_AFTER.match(after):
        return "average"
    if _MORE_BEFORE.search(before) or _MORE_AFTER.match(after):
        return "by"  # "21,000 more deaths", "an additional 4,901 murders": a change, not a total
    if _RATE_AFTER.match(after):
        return "rate"
    role = _ROLE_BEFORE.search(before)
    return next(r for r in role.groups() if r).lower() if role else ""


def _bound(before: str, number: NumberMention, with_perpetrator: bool = False) -> str:
    if _JUST_UNDER.search(before):
        return "just under"
    if _AT_LEAST.search(before) or number.text.endswith("+"):
        return "at least"
    if _AT_MOST.search(before):
        return "at most"
    if _APPROXIMATE.search(before) or _is_round(number):
        return "about"
    return "or one fewer" if with_perpetrator else "exact"


def _is_round(number: NumberMention) -> bool:
    """"10,000", "1.5 million": stated to the nearest round figure, not counted exactly."""
    digits = re.sub(r"\D", "", number.text.split(".")[0])
    return bool(re.search(r"(?i)thousand|million|billion|trillion", number.text)) or (
        len(digits) >= 4 and digits.endswith("000")
    )


def _describing(before: str, after: str, unit: str) -> tuple[frozenset[str], frozenset[str]]:
    """The words that say which thing the number counts (up to WINDOW content words each side), and which
    of them belong to proper names."""
    def content(part: str) -> list[tuple[str, bool]]:
        words = [(_TOLL.get(stem(w.lower()), stem(w.lower())), w[0].isupper()) for w in _WORD.findall(part)
                 if w.lower() not in STOPWORDS]
        return [(w, name) for w, name in words if w not in _NOT_DESCRIBING and w != unit and not _is_year(w)]

    near = content(before)[-WINDOW:] + content(after)[:WINDOW]
    return frozenset(w for w, _ in near), frozenset(w for w, name in near if name)


def _is_year(word: str) -> bool:
    return word.isdigit() and 1900 <= int(word) <= 2100
