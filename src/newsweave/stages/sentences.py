"""Sentences of an article, with character offsets into its stored text.

Owns: splitting normalised article text into sentences (``split_sentences``), trimming the residue
news pages leave around a sentence (datelines, bylines, photo credits, "Read more"; ``trim_residue``),
telling an excerpt cut mid-sentence at an abbreviation (``cut_short``),
and finding the numbers (``find_numbers``) and proper names (``find_names``) a sentence states.

Everything is plain Python and regular expressions: nothing is downloaded or loaded at run time.
Offsets always index the string given, so ``text[span.start:span.end] == span.text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Words that end in a period without ending a sentence when a capitalised word follows.
ABBREVIATIONS = frozenset(
    """mr mrs ms mx dr prof sen sens rep reps gov govs gen lt col sgt capt cmdr adm maj cpl pvt st ft mt
    jr sr rev hon pres supt det insp amb sec atty messrs mme mlle no nos vol vols fig ed eds inc corp co
    ltd llc bros dept univ assn est approx vs v etc al cf ca jan feb mar apr jun jul aug sep sept oct nov
    dec mon tue tues wed thu thur thurs fri sat sun ala ariz ark calif colo conn del fla ga ill ind kan kans
    ky la md mass mich minn miss mo mont neb nev okla ore pa penn tenn tex va vt wash wis wyo""".split()
)
#: Dotted abbreviations ("U.S.") that do end a sentence when one of these words follows.
SENTENCE_STARTERS = frozenset(
    """the a an it its he she they we i this that these those there but and yet so however meanwhile
    in on at for after before when while if as his her their our my you officials critics""".split()
)
_CLOSERS = re.escape("\"'”’)]»")
_OPENERS = re.escape("\"'“‘([«")
_BOUNDARY = re.compile(rf"[.!?…]+[{_CLOSERS}]*(?=\s)|\n\s*\n")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.\-]*)\.$")
_DOTTED = re.compile(r"(?:[A-Za-z]\.){2,}$")


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of a text: ``text == source[start:end]``."""

    start: int
    end: int
    text: str


def _is_abbreviation(text: str, mark_end: int, next_word: str) -> bool:
    """Whether the period ending at ``mark_end`` belongs to an abbreviation or an initial."""
    match = _WORD_BEFORE.search(text, max(0, mark_end - 24), mark_end)
    if not match:
        return False
    word = match.group(1)
    if _DOTTED.search(word + "."):
        return next_word.lower() not in SENTENCE_STARTERS
    token = word.rsplit(".", 1)[-1].rsplit("-", 1)[-1]
    if len(token) == 1 and token.isupper():
        return True
    return token.lower() in ABBREVIATIONS


def _next_word(text: str, position: int) -> str:
    match = re.compile(rf"\s*[{_OPENERS}]*([^\s{_CLOSERS}]*)").match(text, position)
    return match.group(1) if match else ""


def _starts_sentence(word: str) -> bool:
    return bool(word) and (word[0].isupper() or word[0].isdigit() or not word[0].isalpha())


def _boundaries(text: str) -> list[int]:
    """End offsets of every sentence but the last."""
    ends = []
    for match in _BOUNDARY.finditer(text):
        if match.group().strip() == "":
            ends.append(match.start())
            continue
        next_word = _next_word(text, match.end())
        if not _starts_sentence(next_word):
            continue
        if match.group()[0] == "." and _is_abbreviation(text, match.start() + 1, next_word):
            continue
        ends.append(match.end())
    return ends


def split_sentences(text: str) -> list[Span]:
    """The sentences of ``text`` in order, without surrounding white space; paragraphs always split."""
    spans, start = [], 0
    for end in [*_boundaries(text), len(text)]:
        span = _stripped(text, start, end)
        if span:
            spans.append(span)
        start = end
    return spans


def _stripped(text: str, start: int, end: int) -> Span | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, text[start:end]) if end > start else None


# ---- residue around sentences ---------------------------------------------------------------------------

_DATELINE = re.compile(
    r"(?:\(?[A-Z][A-Za-z.]*(?:[ ,]+[A-Z][A-Za-z.]*){0,3}\)?(?:,? \(?[A-Z][A-Za-z]*\)?)?\s*(?:—|–|--| - )\s*"
    r"|(?:[A-Z][A-Za-z.]*(?: [A-Z][A-Za-z.]*){0,2} )?\((?:CNN|AP|Reuters|AFP|UPI)\)\s*(?:—|–|--|-)?\s*"
    r"|By [A-Z][\w.'-]+(?: [A-Z][\w.'-]+){0,3}(?:,? [A-Z][\w ]{0,40})?\s*(?:—|–|--|\||\n)\s*)"
)
_LABEL = re.compile(
    r"(?:Why it matters|Driving the news|The big picture|Between the lines|(?:The b|B)ottom line|What['’]s next"
    r"|By the numbers|Yes, but|Flashback|What they['’]re saying|State of play|The backstory|Catch up quick"
    r"|Zoom (?:in|out)|Go deeper|The latest|Reality check|Be smart|Our thought bubble|Worth noting|Of note"
    r"|The intrigue|What to watch|Where it stands|The other side|Details|Context|Background):\s+(?=[\"“‘A-Z0-9])"
)
"""Newsroom section labels that open a paragraph ("Why it matters: …"), not part of the sentence."""
_LEADING_CREDIT = re.compile(r"^(?:\((?:Photo|Image|Credit)[^)]*\)\s*|(?:Photo|Image)(?: credit)?:[^.]*?\.\s+)", re.I)
_TRAILING_RESIDUE = re.compile(
    r"\s*(?:\(?(?:Photo|Image)(?: credit)?:? [^)]*\)?|Read more\W*.*|Continue reading\W*.*|Click here\W*.*"
    r"|\.\.\.|…)$",
    re.I,
)


_CALL_TO_ACTION = re.compile(
    r"^\(?(?:Watch|Listen|Read|Click|Tap|Subscribe|Sign up|Follow|Download|Share|Join us|See more|See the)\b(?!,)",
)


def is_call_to_action(text: str) -> bool:
    """A sentence that tells the reader to do something ("Watch the full interview (video).", "Sign up for our
    newsletter."): page furniture, not news."""
    return bool(_CALL_TO_ACTION.match(text))


def trim_residue(span: Span) -> Span:
    """``span`` without a leading dateline, byline, photo credit or section label ("Why it matters:"), nor
    trailing "Read more" or "..."."""
    start, end = span.start, span.end
    for pattern in (_LEADING_CREDIT, _DATELINE):
        match = pattern.match(span.text, start - span.start)
        if match and match.end() < len(span.text) and _looks_like_dateline(match.group()):
            start = span.start + match.end()
    label = _LABEL.match(span.text, start - span.start)
    if label and label.end() < len(span.text):
        start = span.start + label.end()
    tail = _TRAILING_RESIDUE.search(span.text, start - span.start)
    if tail and tail.start() >= start - span.start:
        end = span.start + tail.start()
    text = span.text[start - span.start : end - span.start]
    return Span(start, end, text)


def cut_short(span: Span, ends_text: bool = False) -> bool:
    """Whether a sentence is an excerpt cut mid-sentence, not a sentence that ended: it stops at an ellipsis
    right after an abbreviation or an initial ("… backed by Judges James C...."; "… said that Mr...."), or,
    when it ``ends_text``, inside a quotation it opened ("… published a story titled “U.S.")."""
    text = span.text.rstrip()
    for ellipsis in ("...", "…"):
        if text.endswith(ellipsis):
            before = text[: -len(ellipsis)].rstrip()
            return before.endswith(".") and _is_abbreviation(before, len(before), "")
    return ends_text and _opens_unclosed_quotation(text)


def _opens_unclosed_quotation(text: str) -> bool:
    """Whether the sentence's last quotation mark opens a quotation (a straight one opens after a space)."""
    last = max(text.rfind("“"), text.rfind("”"), text.rfind('"'))
    if last < 0 or text[last] == "”":
        return False
    return text[last] == "“" or last == 0 or text[last - 1].isspace() or text[last - 1] in "([—–-"


def _looks_like_dateline(prefix: str) -> bool:
    """A dateline is short and mostly capitals ("WASHINGTON (AP) —", "(CNN) -"), not a clause."""
    words = re.findall(r"[A-Za-z]+", prefix)
    if prefix.startswith("By "):
        return len(words) <= 8
    return 0 < len(words) <= 5 and sum(w.isupper() or w in {"CNN", "AP", "Reuters", "AFP"} for w in words) >= 1


# ---- numbers --------------------------------------------------------------------------------------------

NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}  # fmt: skip
SCALES = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_NUMBER = re.compile(
    r"(?<![\w.])(?P<currency>[$€£])?(?P<digits>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?P<suffix>%| percent|st|nd|rd|th)?(?:[ -](?P<scale>thousand|million|billion|trillion))?(?![\w])"
    rf"|(?<![\w-])(?P<word>{'|'.join(NUMBER_WORDS)})(?: (?P<wscale>thousand|million|billion|trillion))?(?![\w-])",
    re.I,
)
_UNIT = re.compile(r"(?:\s+(?:[A-Z][\w.-]*|of|more|fewer|than|additional|other|new)){0,3}\s+([a-z][a-z-]+)")


@dataclass(frozen=True, slots=True)
class NumberMention:
    """A number a sentence states: its words, its value, and the word that says what it counts."""

    text: str
    value: float
    unit: str
    start: int
    end: int


def find_numbers(text: str) -> list[NumberMention]:
    """Numbers in ``text`` ("1,800", "$150 billion", "5.9%", "nine"), with value and counted noun."""
    mentions = []
    for match in _NUMBER.finditer(text):
        value = _number_value(match)
        unit_match = _UNIT.match(text, match.end())
        unit = "%" if (match.group("suffix") or "").strip() in {"%", "percent"} else ""
        unit = unit or ("$" if match.group("currency") else (unit_match.group(1).lower() if unit_match else ""))
        mentions.append(NumberMention(match.group(), value, unit, match.start(), match.end()))
    return mentions


def _number_value(match: re.Match) -> float:
    if match.group("word"):
        value = float(NUMBER_WORDS[match.group("word").lower()])
        return value * SCALES.get((match.group("wscale") or "").lower(), 1)
    value = float(match.group("digits").replace(",", ""))
    return value * SCALES.get((match.group("scale") or "").lower(), 1)


# ---- proper names ---------------------------------------------------------------------------------------

#: Capitalised words that are not names when they start a sentence or stand alone.
COMMON_CAPITALISED = frozenset(
    """a an the this that these those it its he she they we i you his her their our my your there here
    but and or so yet if when while as after before since because although though however meanwhile
    in on at of for to from by with without about over under into during between among against
    what who whom whose which where why how all some many most more no not one two three also even just
    still only once then now today yesterday tomorrow on monday tuesday wednesday thursday friday saturday
    sunday mr mrs ms dr sen rep gov president former according said says""".split()
)
_NAME = re.compile(
    r"(?:(?:[A-Z]\.){2,}|[A-Z][\w'’.-]*[A-Za-z0-9])(?:\s+(?:(?:of|the|de|van|von|bin|al)\s+)?"
    r"(?:(?:[A-Z]\.){2,}|[A-Z][\w'’.-]*[A-Za-z0-9]|[A-Z]\.))*"
)


def find_names(text: str) -> list[str]:
    """Proper names in ``text``: runs of capitalised words ("Donald Trump", "U.S.", "Supreme Court").

    A lone capitalised function word ("The", "But") is not a name; leading ones are cut off a run.
    """
    names = []
    for match in _NAME.finditer(text):
        words = match.group().split()
        while words and words[0].lower().strip(".") in COMMON_CAPITALISED:
            words.pop(0)
        while words and words[-1].lower() in {"of", "the", "de", "and"}:
            words.pop()
        name = " ".join(words).rstrip(".") if words and not _DOTTED.search(words[-1]) else " ".join(words)
        if name and name.replace(".", "").replace("'s", "").replace("’s", ""):
            names.append(_without_possessive(name))
    return names


def _without_possessive(name: str) -> str:
    for ending in ("'s", "’s", "'", "’"):
        if name.endswith(ending):
            return name[: -len(ending)]
    return name


_QUOTATION = re.compile(r"“([^“”]+)”|«([^«»]+)»|(?<![\w.,!?])\"(?=\S)([^\"“”]+?)(?<=\S)\"(?!\w)"
                        r"|(?<!\w)‘(?=\S)([^‘“”\"]+?)(?<=\S)’(?!\w)")


def find_quotations(text: str) -> list[Span]:
    """The direct quotations of ``text`` (inside “…”, «…», ‘…’ or paired straight double quotes)."""
    spans = []
    for match in _QUOTATION.finditer(text):
        group = next(g for g in range(1, 5) if match.group(g) is not None)
        spans.append(Span(match.start(group), match.end(group), match.group(group)))
    return spans
