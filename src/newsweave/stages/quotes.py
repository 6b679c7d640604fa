"""Direct quotations in articles, verbatim, with the speaker the text names beside them.

Owns: finding quoted passages (``find_quotes``) and their speaker (``speaker_of``). News prose attributes
a quotation in a few fixed shapes, and only those are read:

- the speaker between the quotation and its verb: "…," Senate Minority Leader Mitch McConnell (R-Ky.) told
  reporters; "…," John Ullyot, a council spokesman, said;
- the verb first: "…," said Rep. Ilhan Omar, D-Minn.;
- before the quotation: Dmitry Peskov said: "…"; said Peskov, "…"; according to Peskov, "…".

A speaker is given only when those words name someone (a capitalised name, title or organisation), never a
pronoun ("he said") or a bare description ("a spokesman said"), and never guessed from another sentence.
Appositions, party tags, trailing adverbs and a leading "a <adjective>" are left out: "Sen. Rand Paul, R-Ky.,
said" gives "Sen. Rand Paul", "Beckham reportedly explained" gives "Beckham", "a defiant Biden said" gives
"Biden". A passive names the listener, not the speaker: "…," Fox News is told, gives none.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newsweave.models import Article, Citation, Quote
from newsweave.stages.sentences import ABBREVIATIONS, COMMON_CAPITALISED

MAX_QUOTES = 5
MIN_QUOTE_WORDS = 4

_QUOTED = re.compile(r"[\"“]([^\"“”\n]{12,400}?)[\"”]")
_VERB = (
    r"(?:said|says|told|added|wrote|writes|tweeted|asked|stated|explained|argued|warned|insisted|noted|continued|"
    r"alleged|alleges|claimed|declared|announced|acknowledged|admitted|replied|responded|recalled|cautioned|"
    r"concluded|stressed|urged|posted|testified|countered|complained|suggested)\b"
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
_ADJUNCT = re.compile(r",\s| \(| (?:on|in|at|during|after|before|while|when)\s")
_TRAILING_ADVERB = re.compile(r"[a-z]+ly|also|then|later|again|once|too")
_PASSIVE = frozenset({"is", "was", "were", "are", "been", "being"})
_PRONOUNS = frozenset("i you he she it we they his her its our their my your this that these those".split())


def find_quotes(articles: Sequence[Article]) -> list[Quote]:
    """Quoted passages of at least four words, each cited wherever it appears, with a named speaker or None.

    A passage that only repeats part of a longer one, in no article the longer one does not cover, is left
    out. Quotes with a speaker and quotes more outlets carry come first.
    """
    speakers: dict[str, str | None] = {}
    for article in articles:
        for match in _QUOTED.finditer(article.text):
            text = _quotation(match)
            if len(text.split()) >= MIN_QUOTE_WORDS:
                speakers[text] = speakers.get(text) or speaker_of(article.text, match.start(), match.end())
    quotes = [Quote(text, speaker, _citations(text, articles)) for text, speaker in speakers.items()]
    quotes = [q for q in quotes if q.citations and not _repeats_part_of_another(q, quotes)]
    quotes.sort(key=lambda q: (q.speaker is None, -len({c.article for c in q.citations}), q.text))
    return quotes[:MAX_QUOTES]


def _quotation(match: re.Match) -> str:
    """The quoted words without the comma that closes a quotation before "he said"."""
    return match.group(1).strip().rstrip(" ,")


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


def speaker_of(text: str, quote_start: int, quote_end: int) -> str | None:
    """The speaker the text names right after ("…," Trump said) or before (said Peskov, "…") a quote."""
    if _ends_an_utterance(text, quote_end):
        after = _AFTER.match(text, quote_end, min(len(text), quote_end + 160))
        if after and (after.group("subject") or after.group("object")):
            phrase = after.group("subject") or _ADJUNCT.split(after.group("object"), maxsplit=1)[0]
            return _named(phrase)
    before = _BEFORE.search(text, max(0, quote_start - 160), quote_start)
    if before:
        return _named(next(g for g in before.groups() if g))
    return None


def _all_capitalised(words: Sequence[str]) -> bool:
    return all(w[:1].isupper() for w in words)


def _ends_an_utterance(text: str, quote_end: int) -> bool:
    """Whether a quotation closes the way an attributed one does: with a comma, "?" or "!" ("…," she said)."""
    closing = text[max(0, quote_end - 2) : quote_end + 1]
    return any(mark in closing for mark in ",?!—")


def _named(phrase: str) -> str | None:
    """The phrase up to its first apposition or party tag, when it names someone; else None."""
    speaker = re.split(r",\s| \(", phrase, maxsplit=1)[0].strip(" ,.")
    words = speaker.split()
    if not words or words[0].lower() in _PRONOUNS or len(words) > 10 or words[-1] in _PASSIVE:
        return None  # "…," Fox News is told: Fox News heard it, it did not say it
    while len(words) > 1 and _TRAILING_ADVERB.fullmatch(words[-1]):  # "Beckham reportedly explained": Beckham
        words.pop()
    if words[0].lower() in {"a", "an"} and len(words) > 2 and words[1].islower() and _all_capitalised(words[2:]):
        words = words[2:]  # "a defiant Biden said": Biden
    speaker = " ".join(words)
    names = [w for w in words if w[:1].isupper() and w.lower().strip(".") not in COMMON_CAPITALISED]
    return speaker if names else None
