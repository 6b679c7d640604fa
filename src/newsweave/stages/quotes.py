"""Direct quotations in articles, verbatim, with the speaker the text names beside them.

Owns: finding quoted passages (``quoted_spans``, ``outside_quotations``, ``quotations``, ``find_quotes``) and
their speaker (``_attribution``). Quotation marks are paired in order within a paragraph, so the writer's
words between two short quotations are never taken for one. News prose attributes a quotation in a few fixed
shapes, and only those are read:

- the speaker between the quotation and its verb: "…," Senate Minority Leader Mitch McConnell (R-Ky.) told
  reporters; "…," John Ullyot, a council spokesman, said; "…," CNBC reported;
- the verb first: "…," said Rep. Ilhan Omar, D-Minn.;
- before the quotation: Dmitry Peskov said: "…"; said Peskov, "…"; according to Peskov, "…";
- a signature after a quotation that ends a sentence: "…?" — Ronna McDaniel, in a tweet;
- the subject of the sentence the quotation is in (after up to two opening phrases: "At a news conference,
  Schumer vowed to …"), when it is named and speaks: Zhao Lijian called the deal
  "extremely irresponsible"; Netanyahu said officials would "increase the strikes" (not when someone else
  speaks in between: Biden said Republicans claimed it was "stolen");
- the subject of the sentence, named, whose last clause before the quotation speaks: Esper made the announcement,
  saying "all indications are …"; Pfizer took to Twitter, writing: "…" (not "a woman is heard saying", where the
  participle has no comma and speaks for the nearest noun);
- the end of the sentence the quotation is woven into, when no one speaks before the quotation: … in an "inhuman
  and barbaric act", Interim Prime Minister Claude Joseph said on Wednesday (not "Critics called it "…", the
  mayor said": the critics' words);
- the quotation goes straight on, in the same paragraph and with no attribution of its own (or only "he
  said"), from one attributed by name: "…," de Blasio said of the city. "If you're vaccinated, …" is de
  Blasio's too.

A speaker is given only when those words name someone (a capitalised name, title or organisation), never a
pronoun ("he said") or a bare description ("a spokesman said") alone, and never guessed from farther away.
Appositions, party tags, trailing adverbs and a leading "a <adjective>" are left out: "Sen. Rand Paul, R-Ky.,
said" gives "Sen. Rand Paul", "Beckham reportedly explained" gives "Beckham", "a defiant Biden said" gives
"Biden"; a description followed by the name it describes gives the name: "said his wife, Sheraine Lathon,
69" gives "Sheraine Lathon". A passive names the listener, not the speaker: "…," Fox News is told, gives none.

A quotation woven into the writer's own sentence (charging the FBI "turned a blind eye" as …) is a
*fragment*; the brief shows whole utterances before fragments. ``scripts/eval_quotes.py`` measures both on
labelled quotations.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from newsweave.models import Article, Citation, Quote
from newsweave.stages.sentences import ABBREVIATIONS, COMMON_CAPITALISED, split_sentences

MAX_QUOTES = 5
MAX_QUOTATIONS = 100
"""Quotations read from one article at most: a news article has a few dozen; a text with thousands of quoted
passages is a list or an attack, and reading it all would only cost time."""
MIN_QUOTE_WORDS = 4

_QUOTE_MARK = re.compile(r"[\"“”\n]")
QUOTED_CHARACTERS = (12, 400)
"""How long the words between two quotation marks may be for a quotation (shorter: a word or a name)."""
_VERB = (
    r"(?:said|says|told|added|wrote|writes|tweeted|asked|stated|explained|argued|warned|insisted|noted|continued|"
    r"alleged|alleges|claimed|declared|announced|acknowledged|admitted|replied|responded|recalled|cautioned|"
    r"concluded|stressed|urged|posted|testified|countered|complained|suggested|reported|adds|argues|commented|"
    r"remarked|ruled|was saying|"
    # present tenses that are not also plural nouns ("posts", "notes", "reports" are left out)
    r"explains|insists|warns|tells|asks|recalls|continues|concludes)\b"
)
_TITLE = "|".join(sorted((w.capitalize() for w in ABBREVIATIONS), key=len, reverse=True))
_CAPITALISED = rf"(?:(?:{_TITLE})\.|(?:[A-Z]\.){{2,}}|[A-Z]\.|[A-Z]-[A-Z][\w.]{{0,6}}|[A-Z][\w'’&-]*)"
_WORD = rf"(?:\([A-Z][\w.-]{{0,12}}\)|{_CAPITALISED}|[\w'’&-]+)"
_PHRASE = rf"{_WORD}(?:,? {_WORD}){{0,11}}?"
_NAME_RUN = rf"{_CAPITALISED}(?: (?:(?:of|the|de|van|von|bin|al) )?{_CAPITALISED}){{0,6}}"

_AFTER = re.compile(
    rf"\s*(?:(?P<subject>{_PHRASE}),? {_VERB}|{_VERB} (?P<object>{_PHRASE})(?=[,;:]|\.(?:\s|$)|$))"
)
_BEFORE = re.compile(
    rf"(?:(?P<subject>{_NAME_RUN}),? (?:told(?: [\w'’]+){{1,4}}?|{_VERB})|{_VERB} (?P<object>{_NAME_RUN})"
    rf"|[Aa]ccording to (?P<source>{_NAME_RUN}))[,:]?\s*$"
)
_DASHED = re.compile(rf"[ \t]*[—–][ \t]*(?P<subject>{_NAME_RUN})(?=,|[ \t]*(?:\n|$))")
"""A signature after a quotation that ends a sentence: “… our border crisis?” — Ronna McDaniel, in a tweet."""
_ROLE = (r"(?:director|spokesperson|spokesman|spokeswoman|secretary|minister|chief|leader|chair|chairman|"
         r"chairwoman|governor|senator|commissioner|ambassador|judge|correspondent|adviser|advisor|aide|official|"
         r"professor|economist|analyst|editor|founder|president|mayor|attorney|prosecutor|general|expert)")
"""A lower-case role inside a speaker's name: "NIAID director Anthony Fauci", "Foreign Ministry spokesperson
Zhao Lijian"."""
_NAMED_SUBJECT = (rf"(?P<subject>(?:former )?(?:{_CAPITALISED} ){{0,4}}(?:(?:[a-z]+ ){{0,2}}{_ROLE} )?{_NAME_RUN})"
                  r"(?: \([A-Z][\w.-]{0,12}\))?")
"""A sentence's named subject, with its title or role and a party tag: "Leading infectious disease expert Anthony
Fauci", "Sen. Joe Manchin (D-W.Va.)"."""
_SUBJECT_SPEAKS = re.compile(
    rf"{_NAMED_SUBJECT}"
    r"(?:,? (?:on |last )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|week|yesterday|today))?,? "
    r"(?:has |had |have )?(?:[a-z]+ly )?"
    rf"(?:{_VERB}|called|accused|described|lauded|praised|criticized|criticised|blasted|vowed|pledged|promised|"
    r"apologized|conceded|blamed|defended|demanded|spoken)\b"
)
"""A sentence that opens on a named speaker and a verb of speech, with at most a party tag or a day, an
auxiliary and an adverb between ("Manchin accurately accused", "Boris Johnson has spoken of")."""
_SOMEONE_SPEAKS = re.compile(rf"\b{_VERB}|\b[Aa]ccording to\b")
_SUBJECT_ACTS = re.compile(
    rf"{_NAMED_SUBJECT}"
    r"(?: (?:on |last )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday))? (?:[a-z]+ly )?[a-z]{3,}\b"
)
"""A sentence that opens on a named subject and any verb ("Pfizer took to Twitter …")."""
_SAYING = re.compile(
    r",\s+(?:while |and |before |after )?(?:[a-z]+ly )?(?:saying|writing|adding|declaring|noting|arguing|insisting|"
    r"warning|tweeting|stating|explaining|admitting|acknowledging|conceding|telling [A-Za-z.’' ]{2,30}?)"
    r"(?: (?:on|in|at) [^,.;!?\"“”]{1,30}?)?,?(?: that\b[^,.;!?\"“”]{0,80}?)?[:,]?\s*$"
)
"""The sentence's last clause before a quotation is its subject speaking: "…, writing: “…”", "…, saying that “…”"."""
_SAID_AT_THE_END = re.compile(
    rf"[^\"“”]*?,\s+(?P<subject>{_NAME_RUN}(?:,? [a-z][^,\"“”]{{0,60}},)?),? (?:said|says|added)"
    r"(?: (?:on |last )?(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|in a statement))?[.!]?$"
)
"""A sentence that ends on its attribution, after a quotation woven into it: … in an “inhuman and barbaric act”
and his wife was injured, Interim Prime Minister Claude Joseph said on Wednesday."""
_GIVEN_AS_SPEECH = re.compile(rf"\b(?:{_VERB}|that)$")
"""The words before a quotation that introduce it as speech ("said", "told", "that")."""
_OPENING_PHRASE = re.compile(r"(?:[^,\"“”]{3,60}, ){1,2}")
"""A sentence's opening phrases before its subject: "With the Israeli deaths, along with 10 injuries, "."""
_CONTINUATION = re.compile(r"[^\"“”\n.!?]{0,80}[.!?]?[ \t]+")
"""Between an attributed quotation and the next one when the next goes straight on: the rest of the
attributing sentence ("… of the city."), its full stop and spaces, no new line."""
_INNER_CAPITALISED = re.compile(r"(?<=[a-z,] )[A-Z][\w'’&-]*?(?=['’]s\b|[^\w'’&-]|$)")
"""Capitalised words inside a sentence (after a lower-case word or a comma): names, as the text itself writes them."""
_APPOSED_NAME = re.compile(rf",\s+({_NAME_RUN})(?=[,;.]|\s*$)")
_OBJECT_END = re.compile(r" \(| (?:on|in|at|during|after|before|while|when)\s")
"""Where a speaker named after the verb ends ("said Sen. Chuck Schumer on Monday"); appositions after a comma
are left to ``_named``."""
_TRAILING_ADVERB = re.compile(r"[a-z]+ly|also|then|later|again|once|too")
_LEADING_VERB = re.compile(rf"{_VERB} ")
_OTHER_SAYING = re.compile(r"(?<![,:]) (?:saying|writing|declaring|tweeting|telling)\b")
"""A participle of speech without a comma before it speaks for the nearest noun, not the subject: "… a 911 call in
which a woman is heard saying: “…”"."""
_CAPITAL_INSIDE = re.compile(r"[a-z][A-Z]")
"""A capital inside a word marks a name wherever it stands: "YouTube", "DeSantis", "McConnell"."""
_SPOKEN = re.compile(r"\b(?:called|calling|accused|accusing|described|describing|dubbed|branded|labeled|labelled|"
                     r"termed|saying|writing|declaring|tweeting)\b")
"""Verbs that put words in someone's mouth before a quotation, besides the verbs of speech."""
_PRONOUN_SAYS = re.compile(r"\s*(?:he|she) (?:said|says|added|adds|continued|explained|noted)\b")
"""A quotation attributed by pronoun ("…," he said): the speaker's name, if anywhere, is in the sentence before."""
_PASSIVE = frozenset({"is", "was", "were", "are", "been", "being"})
_PRONOUNS = frozenset("i you he she it we they his her its our their my your this that these those which who what"
                      .split())


@dataclass(frozen=True, slots=True)
class Quotation:
    """One quoted passage of a text: where it is (its quotation marks included), its words, who the text
    names as saying them, and whether it is a fragment woven into the writer's own sentence."""

    start: int
    end: int
    text: str
    speaker: str | None
    fragment: bool


def quotations(text: str) -> list[Quotation]:
    """The quoted passages of at least four words in ``text``, in order, each with its named speaker.

    A passage with no attribution of its own, or only "he said" / "she said", that goes straight on from a
    quotation attributed by name, in the same paragraph, is the same speaker's ("…," de Blasio said. "If you're
    vaccinated, …"; "…," Biden said, speaking from the White House. "It's about …," he said). Otherwise a
    passage in a sentence whose subject is named and speaks is that subject's (Zhao Lijian called the deal
    "extremely irresponsible"; President Biden said Tuesday the country was "opening a new era").
    """
    found: list[Quotation] = []
    previous: tuple[int, str | None] | None = None  # where the last quotation's attribution ends, and whose
    sentences = split_sentences(text)
    sentence_starts = [span.start for span in sentences]
    inner_capitalised = set(_INNER_CAPITALISED.findall(text))
    for start, end in quoted_spans(text):
        if len(found) == MAX_QUOTATIONS:
            break
        words = text[start + 1 : end - 1].strip().rstrip(" ,")  # no comma closing it before "he said"
        speaker, attribution_end = _attribution(text, start, end)
        goes_on = bool(previous and previous[1] and _CONTINUATION.fullmatch(text, previous[0], start))
        if goes_on and (attribution_end is None or speaker is None and _PRONOUN_SAYS.match(text, end)):
            speaker = previous[1]  # type: ignore[index]
        elif attribution_end is None and sentences:
            sentence = sentences[max(0, bisect_right(sentence_starts, start) - 1)]
            speaker = (_reported_by(text[sentence.start:start], inner_capitalised)
                       or _said_at_the_end(text[sentence.start:start], text[end:sentence.end]))
        previous = (attribution_end or end, speaker)
        if len(words.split()) >= MIN_QUOTE_WORDS:
            found.append(Quotation(start, end, words, speaker, _woven_in(text, start)))
    return found


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the quotations of ``text`` are, their marks included. Marks are paired in order within a
    paragraph: “ opens, ” closes, and a straight " closes the quotation it opened or opens the next, so the
    writer's words between two short quotations ("100%," roughly a year after … "To be clear") are never
    read as one."""
    spans, opened = [], None
    for mark in _QUOTE_MARK.finditer(text):
        char, position = mark.group(), mark.start()
        if char == "\n" or char == "“" or (char == '"' and opened is None):
            opened = None if char == "\n" else position
        elif opened is not None:
            if QUOTED_CHARACTERS[0] <= position - opened - 1 <= QUOTED_CHARACTERS[1]:
                spans.append((opened, position + 1))
            opened = None
    return spans


def outside_quotations(text: str, spans: Sequence[tuple[int, int]] | None = None) -> str:
    """``text`` without its quotations (``spans``, when already found by ``quoted_spans``)."""
    kept, position = [], 0
    for start, end in quoted_spans(text) if spans is None else spans:
        kept.append(text[position:start])
        position = end
    return "".join(kept) + text[position:]


def _reported_by(sentence_before: str, inner_capitalised: set[str]) -> str | None:
    """The named subject of a sentence that reports speech, given the sentence up to a quotation: "Prime
    Minister Benjamin Netanyahu said officials have decided to" gives "Prime Minister Benjamin Netanyahu".
    None when someone else speaks between that verb and the quotation, or the words are attributed to a
    source ("according to"). A subject of one word is capitalised because it opens the sentence, so it counts
    as a name only when the text also capitalises it inside a sentence ("Facebook", but not "Critics")."""
    sentence_before = sentence_before.lstrip("\"“‘' ")
    opening = _OPENING_PHRASE.match(sentence_before)
    reported = _SUBJECT_SPEAKS.match(sentence_before) or (opening and _SUBJECT_SPEAKS.match(sentence_before,
                                                                                           opening.end()))
    if not reported and (saying := _SAYING.search(sentence_before)):
        reported = _SUBJECT_ACTS.match(sentence_before, 0, saying.start()) or (
            opening and _SUBJECT_ACTS.match(sentence_before, opening.end(), saying.start()))
        sentence_before = sentence_before[: saying.start()]
    if not reported:
        return None
    if _SOMEONE_SPEAKS.search(sentence_before, reported.end()) or _OTHER_SAYING.search(sentence_before,
                                                                                       reported.end()):
        return None  # someone else speaks between the subject and the quotation
    subject = reported.group("subject")
    if subject.endswith(("'s", "’s")):
        return None  # "President Trump's new lawyer, Rudy Giuliani, issued …": the possessor is not the subject
    if " " not in subject and subject not in inner_capitalised and not _CAPITAL_INSIDE.search(subject, 1):
        return None
    return _named(subject)


def _said_at_the_end(sentence_before: str, sentence_after: str) -> str | None:
    """The speaker a sentence names at its end ("…, Interim Prime Minister Claude Joseph said on Wednesday."),
    when the quotation is woven into it and no one speaks before the quotation (in "Biden called him a “killer,”
    Psaki said", the words are Biden's: Psaki reports them)."""
    ending = _SAID_AT_THE_END.match(sentence_after)
    if not ending or _SOMEONE_SPEAKS.search(sentence_before) or _SPOKEN.search(sentence_before):
        return None
    return _named(ending.group("subject"))


def find_quotes(articles: Sequence[Article], shown: Sequence[str] = ()) -> list[Quote]:
    """Quoted passages of at least four words, each cited wherever it appears, with a named speaker or None.

    A passage that only repeats part of a longer one, in no article the longer one does not cover, is left
    out, and so is one that a sentence already ``shown`` in the brief contains (the reader has it there, with
    its attribution), and an unattributed title of a work or a law (``names_a_work``). Quotes with a speaker
    come first, then whole utterances before fragments, then quotes more outlets carry; of the versions outlets
    give of one utterance (``same_utterance``), only the first is shown.
    """
    speakers: dict[str, str | None] = {}
    fragments: dict[str, bool] = {}
    for article in articles:
        for quotation in quotations(article.text):
            speakers[quotation.text] = speakers.get(quotation.text) or quotation.speaker
            fragments[quotation.text] = fragments.get(quotation.text, True) and quotation.fragment
    quotes = [Quote(text, speaker, _citations(text, articles)) for text, speaker in speakers.items()]
    quotes = [q for q in quotes if q.citations and not _repeats_part_of_another(q, quotes)
              and not any(q.text in sentence for sentence in shown)
              and not (q.speaker is None and names_a_work(q.text))]
    quotes.sort(key=lambda q: (q.speaker is None, fragments[q.text], -len({c.article for c in q.citations}), q.text))
    shown_quotes: list[Quote] = []
    for quote in quotes:
        if len(shown_quotes) < MAX_QUOTES and not any(same_utterance(quote, other) for other in shown_quotes):
            shown_quotes.append(quote)
    return shown_quotes


SAME_UTTERANCE_WORDS = 8
"""Words in common, in order, from which two versions of a quotation that share most of the shorter one's words
are taken for one utterance; a shorter passage counts only when all of it is in the other."""


def same_utterance(one: Quote, other: Quote) -> bool:
    """Whether two quotations are versions of one utterance, as outlets transcribe or cut it differently ("We have
    a deal" and "To answer your direct question, we have a deal"; "…, and our best defense" and "…, & our best
    defense"): by no two different named speakers, and the shorter one's words, in order, are all in the other,
    or at least ``SAME_UTTERANCE_WORDS`` of them and four in five. Two halves of one sentence ("If you can say it on
    the streets of New York", "you can say it on Parler") are two quotations."""
    if one.speaker and other.speaker and _surname(one.speaker) != _surname(other.speaker):
        return False
    words, other_words = _quote_words(one.text), _quote_words(other.text)
    shorter = min(len(words), len(other_words))
    matcher = SequenceMatcher(None, words, other_words, autojunk=False)
    common = sum(block.size for block in matcher.get_matching_blocks())
    return shorter > 0 and (common == shorter or common >= max(SAME_UTTERANCE_WORDS, 0.8 * shorter))


def _quote_words(text: str) -> list[str]:
    return re.findall(r"\w+", text.casefold().replace("’", "'"))


def _surname(speaker: str) -> str:
    return speaker.split()[-1].casefold().strip(".,")


_MINOR_WORDS = frozenset("a an and at by for from in of on or the to vs vs. with".split())


def names_a_work(passage: str) -> bool:
    """Whether a quoted passage is a title, not speech: every word capitalised but the small ones, and no closing
    stop ("The Joe Rogan Experience", "From the Desk of Donald J. Trump", "For The People Act"). Unattributed, it
    is no quote at all."""
    words = passage.split()
    return (bool(words) and words[0][:1].isupper() and passage.rstrip()[-1:] not in ".!?…"
            and _all_capitalised([w for w in words if not w[:1].isdigit() and w.lower() not in _MINOR_WORDS]))


def _woven_in(text: str, quote_start: int) -> bool:
    """Whether the writer's sentence runs into the quotation ("charging the FBI “turned a blind eye” as …"),
    rather than the quotation being given as speech (after a colon, a comma, a speech verb, "that", or on its
    own: The order states that "no entity in Texas can compel …")."""
    before = text[max(0, quote_start - 40) : quote_start].rstrip()
    if not before or not (before[-1].isalnum() or before[-1] in ")’'"):
        return False
    return not _GIVEN_AS_SPEECH.search(before)


def _citations(text: str, articles: Sequence[Article]) -> tuple[Citation, ...]:
    citations = []
    for article in articles:
        start = article.text.find(text)
        if start >= 0:
            citations.append(Citation(article.id, start, start + len(text), text))
    return tuple(citations)


def _repeats_part_of_another(quote: Quote, quotes: Sequence[Quote]) -> bool:
    own = {c.article for c in quote.citations}
    return any(
        other is not quote and quote.text in other.text and own <= {c.article for c in other.citations}
        for other in quotes
    )


def _attribution(text: str, quote_start: int, quote_end: int) -> tuple[str | None, int | None]:
    """The named speaker of a quote (None for "he said", "a spokesman said") and where the attributing words
    end: after the quote ("…," Trump said), or at its end when they come before it. No attribution: (None, None)."""
    if _ends_an_utterance(text, quote_end):
        after = _AFTER.match(text, quote_end, min(len(text), quote_end + 160))
        if after and (after.group("subject") or after.group("object")):
            subject, spoken = after.group("subject"), after.group("object")
            if subject and (verb := _LEADING_VERB.match(subject)):
                # "…," said Alberto Zangrillo, who leads a hospital, Business Insider reported: Zangrillo spoke
                subject, spoken = None, subject[verb.end():]
            phrase = subject or _OBJECT_END.split(spoken, maxsplit=1)[0]
            if after.group("object") and (named := _APPOSED_NAME.match(text, after.end())):
                phrase = f"{phrase}, {named.group(1)}"  # said his wife, Sheraine Lathon: the name goes on
            return _named(phrase), after.end()
    if text[quote_end - 2 : quote_end - 1] in {".", "?", "!"}:
        dashed = _DASHED.match(text, quote_end, min(len(text), quote_end + 160))
        if dashed:
            return _named(dashed.group("subject")), dashed.end()
    before = _BEFORE.search(text, max(0, quote_start - 160), quote_start)
    if before:
        return _named(next(g for g in before.groups() if g)), quote_end
    return None, None


def _all_capitalised(words: Sequence[str]) -> bool:
    return all(w[:1].isupper() for w in words)


def _ends_an_utterance(text: str, quote_end: int) -> bool:
    """Whether a quotation closes the way an attributed one does: with a comma, "?" or "!" ("…," she said)."""
    closing = text[max(0, quote_end - 2) : quote_end + 1]
    return any(mark in closing for mark in ",?!—")


def _is_name(phrase: str) -> bool:
    """Two to five capitalised words ("Kaitlan Collins", "Rear Adm. John Kirby")."""
    words = phrase.split()
    return 2 <= len(words) <= 5 and _all_capitalised(words)


def _named(phrase: str) -> str | None:
    """The phrase up to its first apposition or party tag, when it names someone; else None. A description
    followed by the name it describes gives the name: "his wife, Sheraine Lathon, 69" gives "Sheraine Lathon"."""
    parts = [part.strip(" ,.") for part in re.split(r",\s| \(", phrase)]
    words = parts[0].split()
    if len(parts) > 1 and words and words[-1].islower() and _is_name(parts[1]):
        words = parts[1].split()
    if not words or words[0].lower() in _PRONOUNS or len(words) > 10 or words[-1] in _PASSIVE:
        return None  # "…," Fox News is told: Fox News heard it, it did not say it
    while len(words) > 1 and _TRAILING_ADVERB.fullmatch(words[-1]):  # "Beckham reportedly explained": Beckham
        words.pop()
    if words[0].lower() in {"a", "an"} and len(words) > 2 and words[1].islower() and _all_capitalised(words[2:]):
        words = words[2:]  # "a defiant Biden said": Biden
    speaker = " ".join(words)
    names = [w for w in words if w[:1].isupper() and w.lower().strip(".") not in COMMON_CAPITALISED]
    return speaker if names else None
