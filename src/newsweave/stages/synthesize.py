"""Grounded synthesis: the articles of one story in, one neutral Brief (FORMATS.md §3) out.

Owns the ``SynthesisEngine`` interface, the ``extractive/1`` engine, and ``synthesize``, the one entry
point that runs an engine and then ``verify`` on what it wrote, so no brief leaves unverified.

The extractive engine needs no language model. Every claim is an exact span of an article (a trimmed
sentence), cited together with every other article that states the same fact:

- candidates: sentences without datelines, bylines and "Read more" residue; sentences that lean on an
  antecedent ("He said", "But", "This"), ask a question, speak in the first or second person ("My
  husband …", "we") or are nothing but a quotation with no one named as its speaker are never chosen on
  their own merit;
- summary: greedy coverage of the story's concepts (stemmed words and word pairs, weighted by how many
  articles and titles use them) per ``length ** 0.3`` (so fuller sentences win), until the summary is about
  as long as the story's average article (at least 40, at most 90 words), 2 to 4 sentences, in reading order;
  under 40 words or 2 sentences it is filled with the next most central distinct sentence, or with the
  sentence that follows a chosen one in its article (so a dangling sentence comes right after its
  antecedent and never opens the summary);
- no fact twice: a sentence that shares most of its words with one already in the brief, or (with an
  embedder) closely paraphrases it, is left out of the summary, key facts and background;
- corroboration: another article states a claim when one of its sentences shares most of the claim's
  content words, or (with an embedder) is a close paraphrase sharing some, and no number disagrees;
- quotes: quoted passages with the speaker the text names next to them, or none;
- disagreements: similar sentences of different outlets that state the same thing with numbers that cannot
  both be right (``stages/disagreements.py`` reads each number as a quantity).
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from newsweave.models import (
    Article,
    Brief,
    Citation,
    Claim,
    Coverage,
    Disagreement,
    SourceRef,
    TimelineEntry,
)
from newsweave.stages.disagreements import conflicting, find_conflicts
from newsweave.stages.embed import Embedder
from newsweave.stages.genre import is_opinion
from newsweave.stages.lexicon import concepts, content_words, overlap
from newsweave.stages.quotes import find_quotes, outside_quotations, quoted_spans
from newsweave.stages.sentences import Span, cut_short, is_call_to_action, split_sentences, trim_residue
from newsweave.stages.verify import verify

log = logging.getLogger(__name__)

ENGINE_NAME = "extractive/1"
SUMMARY_WORDS = (40, 90)
MAX_SUMMARY_SENTENCES = 4
MAX_KEY_FACTS = 6
KEY_FACT_SHORTLIST = 24
"""Only the most central candidates are checked for corroboration: it bounds time on big stories."""
MAX_BACKGROUND = 3
HEADLINE_MAX_WORDS = 14
LENGTH_EXPONENT = 0.3
"""Coverage gain is divided by ``words ** LENGTH_EXPONENT``: below 1 favours fuller sentences. Chosen on the
AllSides train split by scripts/fit_summary_length.py, with the length target of ``_Story.target_words``."""
SAME_FACT_OVERLAP = 0.6
PARAPHRASE_OVERLAP, PARAPHRASE_COSINE = 0.25, 0.65
REDUNDANT_OVERLAP = 0.5
REPEAT_COSINE = 0.8
"""With an embedder, two sentences this close in meaning state one fact even in other words ("The Senate
confirmed Judge Barrett on Monday" / "In a 52-48 vote, senators officially confirmed Barrett"), so a brief
keeps one of them. On dev, 11 of the 560 pairs of summary sentences and 17 of the 626 key facts were such
repeats before this check; ROUGE moved by under 0.15 points."""
DISTINCT_OVERLAP = 0.35
"""A key fact or background sentence sharing more than this of its content words with a claim already shown
adds nothing (the summary keeps REDUNDANT_OVERLAP, which ROUGE was measured with). Read blind by a labeller,
of 40 key facts dropped at over 0.4 on crawl and dev, 26 were already stated, 11 added a detail, 3 were new;
of 30 dropped between 0.35 and 0.4, 19 / 8 / 3."""
PREFETCH = 8
"""How many of the best candidates are embedded in one batch before they are compared in meaning."""
MAX_ARTICLE_SENTENCES = 400
"""Sentences of one article a brief is chosen from: a long feature has a few hundred; beyond that a text is a
dump or an attack (two 200,000-character articles of one sentence repeated took 83 s to brief)."""
OPENING_TRIES = 20
"""How many of the most central sentences may be passed over for one that leaves room for a second: each try
reads the whole pool, and a text of thousands of copies of one sentence would otherwise take minutes."""

_DANGLING = re.compile(
    r"^[\"“‘'(]?(?:he|she|they|it|its|this|that|these|those|his|her|their|but|however|and|also|still|yet|so|"
    r"meanwhile|instead|such|both|others|the two|some|another|as a result|at the same time|even so|that's|it's|"
    # connectives that answer an earlier sentence; "Now," but not "Now that …", "Rather," but not "Rather than"
    r"after all|indeed|moreover|furthermore|likewise|similarly|nevertheless|nonetheless|otherwise|therefore|"
    r"hence|consequently|in turn|by contrast|in contrast|on the other hand|(?:now|again|plus|rather|besides|"
    r"regardless)(?=,)|here(?:['’]s| is| are)|\w+ of them|"
    # a demonstrative right after a subordinator points back ("While this reflects …", "If that happens, …")
    r"(?:as|while|when|although|though|because|since|if|unless|once) (?:this|these|that)(?! (?:week|month|year)\b)|"
    # "There" pointing back, not "There is/were …"; "Then" but not "Then-President"; "In addition," but
    # not "In addition to …, …"
    r"there(?!\s*(?:['’]s|(?:is|are|was|were|will|would|may|might|could|has|have|had)(?:n['’]t)?|seems?|appears?)\b)|"
    r"then(?!-)|thus(?! far)|in addition(?! to)|in response(?! to))\b",
    re.IGNORECASE,
)
_POINTS_BACK = re.compile(
    r"^[\"“]?The (?:move|decision|case|announcement|news|tally|data|measure|changes?|deal|agreement|ruling|order|"
    r"development|incident|effort|step|action|request|proposal|plan|policy|bill|law|legislation|lawsuit|letter|"
    r"statement|comments|remarks|report|findings|vote|figures?|numbers?|episode|event|shift) (?:is|was|are|were|"
    r"could|would|will|may|might|comes|came|follows|followed|marks|marked|has|had|have|means|represents|"
    r"represented|adds|added|underscores|highlights|signals|appears|seems|also)\b"
)
"""A sentence that names its subject by what an earlier one told ("The move comes as …", "The case could still
lead to …"): readable after that one, not as a summary's opening."""
_FIRST_PERSON = re.compile(r"\b(?:I|[Ww]e|[Yy]ou|[Mm]y|[Oo]ur|us|[Yy]our)\b")
"""First and second person, capitalised too ("My husband …"), but not "US" the country."""
_BACKGROUND_CUE = re.compile(
    r"\b(?:last (?:year|month|week|spring|summer|fall|winter)|earlier this (?:year|month)|previously|"
    r"has long|have long|for years|for decades|since (?:19|20)\d\d|in (?:19|20)\d\d|first (?:passed|enacted|"
    r"introduced)|was (?:founded|established|created|signed) in|had been)\b",
    re.IGNORECASE,
)
_CLICKBAIT = re.compile(
    r"\b(?:breaking|watch|shocking|you won't believe|must[- ]see|jaw-dropping|slams?|destroys?|epic|"
    r"exclusive|opinion|analysis|live updates?|video)\b\s*:?",
    re.IGNORECASE,
)
_LOADED = re.compile(
    r"\b(?:fumes?|fuming|obliterates?|eviscerates?|unhinged|meltdown|bombshell|hysteria|hysterical|crazy|insane|"
    r"far-left|far-right|radical left|smears?|mocks?|trash(?:es|ed|ing)?|scorches|lashes out|goes off on|freaks? out|"
    r"rips into|tears into|fiasco|outrageous|disgrace(?:ful)?|shameful|absurd|ridiculous|stupid|idiotic|pathetic|"
    r"hypocri(?:sy|tes?|tical)|repugnant|baffling|awful|terrible|horrible|deranged|savior|genius|chaotic|"
    r"very bad|lies|spin and|boondoggle|selfish(?:ness)?|banana republic)(?!\w)",
    re.IGNORECASE,
)
"""Words that characterise rather than report: a title without them is preferred as the headline."""
_PRESCRIBES = re.compile(r"\b(?:should|ought to|is right|is wrong)\b", re.IGNORECASE)
"""A title that prescribes argues ("The Government Should Stop …", "Bill de Blasio is right: …") unless it
reports someone else's prescription (_REPORTED_BEFORE)."""
_REPORTED_BEFORE = re.compile(
    r"(?:\b(?:says?|said|thinks?|urges?|wants?|argues?|tells?|told|asks?|calls? (?:on|for)|insists?|warns?|"
    r"believes?|demands?)\b|:)",
    re.IGNORECASE,
)
_ARGUES = re.compile(
    r"^(?:don['’]t|do not|stop|remember|let['’]s|it['’]s time|enough|why|here['’]s|here (?:is|are)|how (?:to|we|the)|"
    r"what (?:\S+ ){1,6}(?:means?|tells? us|says? about)|(?:mask|wake|grow|man|shut) up\b)",
    re.IGNORECASE,
)
"""Titles that argue, advise or explain rather than report: "Don’t Kill Remote Learning", "Why the … is being
taken seriously", "Mask up (again) and get vaccinated"."""
_PERSONAL_OPENERS = frozenset({"I", "I'm", "I’m", "We", "We're", "We’re", "My", "Our", "You", "Your"})
_TITLE_CLAUSE = re.compile(
    r"[;:]\s|\s[—–-]\s|,\s(?=[a-z])(?!and |or |\w+ed )"
    r"|(?<!hours)(?<!days)(?<!weeks)(?<!shortly)(?<!just)\s(?i:as|after|while|amid|but|citing)\s"
)
"""Where a long title's first clause ends: "…; …", "… — …", "…, stands by …", "… as …", "… after …"."""
_TITLE_QUOTATION = re.compile(r"(?<!\w)[\"“‘'][^\"“”‘’']+?[\"”’'](?!\w)")
"""Words a title quotes: "…", “…”, '…' and ‘…’, an apostrophe inside a word never opening one."""
_OUTLET_SUFFIX = re.compile(r"\s+(?:[-|–—])\s+[^-|–—]{2,40}$")


class SynthesisEngine(Protocol):
    """Anything that writes a Brief from the articles of one story. Its output always goes through verify."""

    name: str
    abstractive: frozenset[str]
    """The sections whose claims are the engine's own words, not spans of a cited article: verify holds them to
    the words of their cited spans instead (none for an extractive engine)."""

    def write_brief(self, story_id: str, articles: Sequence[Article]) -> Brief: ...


def synthesize(
    story_id: str,
    articles: Sequence[Article],
    embedder: Embedder | None = None,
    engine: SynthesisEngine | None = None,
) -> Brief:
    """The verified brief of one story: written by ``engine`` (``extractive/1`` by default), then checked,
    with anything that fails verification dropped and logged."""
    engine = engine or ExtractiveEngine(embedder)
    brief = engine.write_brief(story_id, articles)
    abstractive = engine.abstractive if brief.engine == engine.name else frozenset()  # a fallback is held as spans
    checked = verify(brief, {article.id: article for article in articles}, abstractive=abstractive)
    for problem in checked.problems:
        log.warning("story %s: dropped from brief: %s", story_id, problem)
    return checked.brief


@dataclass(frozen=True, slots=True)
class Sentence:
    """A candidate claim: a trimmed sentence of one article, with what it says in lexical form."""

    article: Article
    order: int
    span: Span
    words: frozenset[str]
    concepts: frozenset

    @classmethod
    def of(cls, article: Article, order: int, span: Span) -> Sentence:
        """The sentence of ``article`` at ``span``, with its words and concepts read off."""
        return cls(article, order, span, content_words(span.text), concepts(span.text))

    @property
    def text(self) -> str:
        return self.span.text

    @property
    def length(self) -> int:
        return len(self.span.text.split())

    @property
    def citation(self) -> Citation:
        return Citation(self.article.id, self.span.start, self.span.end, self.span.text)

    @property
    def stands_alone(self) -> bool:
        """Readable without what comes before it, and stating rather than asking, opining or quoting someone
        it does not name."""
        return not (_DANGLING.match(self.span.text) or self.personal or self.bare_quotation)

    @property
    def bare_quotation(self) -> bool:
        """Someone's words with no one named as saying them, which the brief would otherwise state as its own:
        nothing but a quotation ("“Democracy and the republic will win.”"), or the first sentence of one that
        goes on past it ("“The Biden Administration has failed to keep America safe. …")."""
        text = self.span.text.lstrip()
        if text.startswith("“") and "”" not in text or text.startswith('"') and text.count('"') % 2:
            return True
        spans = quoted_spans(text)
        return bool(spans) and not outside_quotations(text, spans).strip(" \t\n.,;:!?—–-'’\"”“")

    @property
    def personal(self) -> bool:
        """Asks a question or speaks in the first or second person: the writer's voice, not a report."""
        text = self.span.text
        return bool(text.rstrip("\"”’'").endswith("?") or _FIRST_PERSON.search(text))


def article_sentences(article: Article) -> list[Sentence]:
    """The candidate sentences of an article: trimmed of residue, at least five words long, not cut short by an
    excerpt's ellipsis ("… said that Mr....") or by its end inside a quotation, not telling the reader to do
    something ("Watch the full interview."); the first MAX_ARTICLE_SENTENCES of them."""
    sentences: list[Sentence] = []
    text_end = len(article.text.rstrip())
    for span in split_sentences(article.text):
        if len(sentences) == MAX_ARTICLE_SENTENCES:
            break
        trimmed = trim_residue(span)
        ends_text = span.end >= text_end
        if (len(trimmed.text.split()) >= 5 and trimmed.text[-1] in ".!\"”’')" and not cut_short(span, ends_text)
                and not is_call_to_action(trimmed.text)):
            sentences.append(Sentence.of(article, len(sentences), trimmed))
    return sentences


def outlet(article: Article) -> str:
    return article.source or article.id


def outlets_of(citations: Sequence[Citation], by_id: dict[str, Article]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(outlet(by_id[c.article]) for c in citations))


# ---- the engine ------------------------------------------------------------------------------------------


class ExtractiveEngine:
    """``extractive/1``: every claim is a verbatim sentence of a source, cited with all that state it."""

    name = ENGINE_NAME
    abstractive: frozenset[str] = frozenset()

    def __init__(self, embedder: Embedder | None = None) -> None:
        self.embedder = embedder

    def write_brief(self, story_id: str, articles: Sequence[Article]) -> Brief:
        ordered = sorted(articles, key=reading_order)
        story = _Story(ordered, self.embedder)
        summary = story.summary()
        background = story.background(exclude=summary)
        key_facts = story.key_facts(exclude=summary + background)
        headline, headline_from = choose_headline(ordered, story)
        return Brief(
            story=story_id,
            headline=headline,
            headline_from=headline_from,
            summary=tuple(story.claim(s) for s in summary),
            key_facts=tuple(story.claim(s) for s in key_facts),
            quotes=tuple(find_quotes(ordered, shown=[s.text for s in (*summary, *key_facts, *background)])),
            background=tuple(story.claim(s) for s in background),
            disagreements=tuple(story.disagreements()),
            timeline=tuple(timeline(ordered, story)),
            sources=tuple(source_ref(a) for a in ordered),
            coverage=coverage(ordered),
            engine=self.name,
        )


def reading_order(article: Article) -> tuple:
    """How a story's articles are read: the timed ones first, oldest first; then the others, by id."""
    return (article.published is None, article.published or datetime.min, article.id)


class _Story:
    """The candidate sentences of one story and the statistics the choices are made from."""

    def __init__(self, articles: Sequence[Article], embedder: Embedder | None) -> None:
        self.articles = list(articles)
        self.by_id = {a.id: a for a in articles}
        self.sentences = [s for a in articles for s in article_sentences(a)]
        reports = [a for a in articles if not is_opinion(a)] or list(articles)
        self.reporting = {a.id for a in reports}
        """The articles whose sentences may be the brief's own words: the news reports, when there are any."""
        self._own = [s for s in self.sentences if s.stands_alone and s.article.id in self.reporting]
        self.embedder = embedder
        self._vectors: dict[str, object] = {}
        document_concepts = [concepts(a.title) | concepts(a.text) for a in articles]
        self.spread = Counter(c for document in document_concepts for c in document)
        self.in_titles = Counter(c for a in articles for c in concepts(a.title))
        self.min_spread = 2 if len(articles) > 1 else 1

    def own_candidates(self) -> list[Sentence]:
        """The sentences the brief may state as its own: standalone, from a news report when the story has one
        (an opinion piece still corroborates, but a columnist's view is not stated as fact)."""
        return self._own

    def weight(self, concept) -> float:
        spread = self.spread[concept]
        return float(spread if spread >= self.min_spread else 0) + self.in_titles[concept]

    def centrality(self, sentence: Sentence) -> float:
        return sum(self.weight(c) for c in sentence.concepts) / sentence.length**LENGTH_EXPONENT

    def target_words(self) -> int:
        """How long the summary should grow: as long as the story's average article, within SUMMARY_WORDS.
        Short reports get a short summary; full-length articles get up to the 90-word limit."""
        average = sum(len(a.text.split()) for a in self.articles) / max(1, len(self.articles))
        return min(max(round(average), SUMMARY_WORDS[0]), SUMMARY_WORDS[1])

    def summary(self) -> list[Sentence]:
        """Greedy concept coverage per ``length ** LENGTH_EXPONENT`` up to ``target_words``, 2–4 standalone
        sentences, 40–90 words, in reading order."""
        pool = [s for s in self.own_candidates() if s.length <= SUMMARY_WORDS[1]]
        chosen: list[Sentence] = []
        covered: set = set()
        target = self.target_words()
        while len(chosen) < MAX_SUMMARY_SENTENCES and _words(chosen) < target:
            best = self._best_addition(pool, chosen, covered) if chosen else self._opening(pool)
            if best is None:
                break
            chosen.append(best)
            covered |= best.concepts
        self._fill(pool, chosen)
        return self._reading_sequence(chosen)

    def _opening(self, pool: list[Sentence]) -> Sentence | None:
        """The most central sentence that leaves room for a distinct second one within 90 words (a very long
        sentence would otherwise make the summary one sentence); the most central of all when none does."""
        scored = [(self.centrality(s), s) for s in pool]
        ranked = [s for score, s in sorted(scored, key=lambda pair: pair[0], reverse=True) if score > 0]
        return next((s for s in ranked[:OPENING_TRIES] if _leaves_room(s, pool)), ranked[0] if ranked else None)

    def _fill(self, pool: list[Sentence], chosen: list[Sentence]) -> None:
        """Lengthen a summary under 40 words or 2 sentences: any distinct standalone sentence first, then
        the sentence that follows a chosen one in its article (its antecedent is then right before it), as
        long as it reports rather than speaks in the writer's voice."""
        while len(chosen) < 2 or _words(chosen) < SUMMARY_WORDS[0]:
            best = self._best_addition(pool, chosen, set(), minimum=-1.0) or self._follower(chosen)
            if best is None or len(chosen) == MAX_SUMMARY_SENTENCES:
                return
            chosen.append(best)

    def _follower(self, chosen: list[Sentence]) -> Sentence | None:
        """The first reporting sentence that comes right after a chosen one in its article and still fits."""
        room = SUMMARY_WORDS[1] - _words(chosen)
        return next(
            (
                s
                for s in self.sentences
                if s.length <= room
                and not s.personal
                and s not in chosen
                and any(c.article is s.article and c.order + 1 == s.order for c in chosen)
            ),
            None,
        )

    def _reading_sequence(self, chosen: list[Sentence]) -> list[Sentence]:
        """Leads before later sentences, earlier articles first, but never opening on "The move is …" while
        another can; a sentence that leans on the one before it in its article comes right after that one."""
        ordered = sorted((s for s in chosen if s.stands_alone), key=lambda s: (s.order, self.articles.index(s.article)))
        if ordered and _POINTS_BACK.match(ordered[0].text):
            opening = next((s for s in ordered if not _POINTS_BACK.match(s.text)), ordered[0])
            ordered.remove(opening)
            ordered.insert(0, opening)
        for sentence in sorted((s for s in chosen if not s.stands_alone), key=lambda s: s.order):
            before = next(
                i for i, s in enumerate(ordered) if s.article is sentence.article and s.order + 1 == sentence.order
            )
            ordered.insert(before + 1, sentence)
        return ordered

    def _best_addition(
        self, pool: list[Sentence], chosen: list[Sentence], covered: set, minimum: float = 0.0
    ) -> Sentence | None:
        """The sentence of ``pool`` with the most new concept weight per length (above ``minimum``) that fits
        and repeats no chosen one. Candidates are tried best first, so only the few that come before the
        winner are compared in meaning."""
        gains = []
        for sentence in pool:
            if sentence in chosen or _words(chosen) + sentence.length > SUMMARY_WORDS[1]:
                continue
            gain = sum(self.weight(c) for c in sentence.concepts - covered) / sentence.length**LENGTH_EXPONENT
            if gain > minimum:
                gains.append((gain, sentence))
        gains.sort(key=lambda pair: pair[0], reverse=True)
        if chosen:
            self.embed([s.text for _, s in gains[:PREFETCH]] + [c.text for c in chosen])
        return next((s for _, s in gains if not any(self.repeats(s, c) for c in chosen)), None)

    def repeats(self, a: Sentence, b: Sentence) -> bool:
        """Whether ``a`` states what ``b`` does: most of the same words, or (with an embedder) a close
        paraphrase."""
        if overlap(a.words, b.words) > REDUNDANT_OVERLAP:
            return True
        return self.embedder is not None and self.cosine(a.text, b.text) >= REPEAT_COSINE

    def states_again(self, sentence: Sentence, other: Sentence) -> bool:
        """Whether ``sentence`` adds no fact to ``other``: it shares over DISTINCT_OVERLAP of its content words, it
        repeats it, or the brief would cite ``other`` as stating the same fact (``same_fact``, the test that
        corroborates a claim)."""
        if overlap(sentence.words, other.words) > DISTINCT_OVERLAP:
            return True
        return self.repeats(sentence, other) or self.same_fact(sentence, other)

    def key_facts(self, exclude: list[Sentence]) -> list[Sentence]:
        """Further distinct standalone facts, the most corroborated and central first."""
        central = sorted((s for s in self.own_candidates() if s not in exclude), key=self._rank)
        shortlist = central[:KEY_FACT_SHORTLIST]
        ranked = sorted(shortlist, key=lambda s: (-len(self.corroborating(s)), *self._rank(s)))
        return self._distinct(ranked, exclude, MAX_KEY_FACTS)

    def _rank(self, sentence: Sentence) -> tuple[float, int, int]:
        return (-self.centrality(sentence), sentence.order, self.articles.index(sentence.article))

    def background(self, exclude: list[Sentence]) -> list[Sentence]:
        """Standalone sentences about earlier events or explanations rather than the news itself."""
        context = [s for s in self.own_candidates() if _BACKGROUND_CUE.search(s.text) and s.order > 0]
        context.sort(key=lambda s: (-self.centrality(s), s.order))
        return self._distinct(context, exclude, MAX_BACKGROUND)

    def _distinct(self, ranked: list[Sentence], exclude: list[Sentence], limit: int) -> list[Sentence]:
        """Up to ``limit`` of ``ranked``, in order, none stating the fact of another or of one of ``exclude``:
        neither a repeat nor a sentence the brief would cite as saying the same (``same_fact``)."""
        self.embed([s.text for s in (*exclude, *ranked[: limit + PREFETCH])])
        chosen: list[Sentence] = []
        for sentence in ranked:
            if len(chosen) == limit:
                break
            if not any(self.states_again(sentence, other) for other in (*exclude, *chosen)):
                chosen.append(sentence)
        return chosen

    def claim(self, sentence: Sentence) -> Claim:
        citations = (sentence.citation, *(s.citation for s in self.corroborating(sentence)))
        return Claim(sentence.text, citations, outlets_of(citations, self.by_id))

    def corroborating(self, sentence: Sentence) -> list[Sentence]:
        """For each other article, its sentence that states the same fact as ``sentence``, if any."""
        found = []
        for article in self.articles:
            if article is sentence.article:
                continue
            matches = [s for s in self.sentences if s.article is article and self.same_fact(sentence, s)]
            if matches:
                found.append(max(matches, key=lambda s: overlap(sentence.words, s.words)))
        return found

    def same_fact(self, a: Sentence, b: Sentence) -> bool:
        """Lexical agreement, or close paraphrase when an embedder is given; never differing numbers."""
        shared = overlap(a.words, b.words)
        if shared < PARAPHRASE_OVERLAP or conflicting(a.text, b.text):
            return False
        if shared >= SAME_FACT_OVERLAP:
            return True
        return self.embedder is not None and self.cosine(a.text, b.text) >= PARAPHRASE_COSINE

    def cosine(self, a: str, b: str) -> float:
        self.embed([a, b])
        return float(self._vectors[a] @ self._vectors[b])

    def embed(self, texts: Sequence[str]) -> None:
        """Embed those of ``texts`` not embedded yet, in one batch (one model call instead of one a pair)."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing and self.embedder is not None:
            self._vectors.update(zip(missing, self.embedder.embed(missing), strict=True))

    def disagreements(self) -> list[Disagreement]:
        return find_disagreements(self)


def _words(sentences: Sequence[Sentence]) -> int:
    return sum(s.length for s in sentences)


def _leaves_room(sentence: Sentence, pool: list[Sentence]) -> bool:
    """Whether another sentence of ``pool`` fits beside ``sentence`` in a summary without repeating it."""
    return any(
        other is not sentence
        and sentence.length + other.length <= SUMMARY_WORDS[1]
        and overlap(sentence.words, other.words) <= REDUNDANT_OVERLAP
        for other in pool
    )


# ---- numbers that differ ---------------------------------------------------------------------------------


def find_disagreements(story: _Story) -> list[Disagreement]:
    """Similar sentences of different outlets that state the same thing with incompatible numbers (see
    ``stages/disagreements.py``), each version cited with its outlet. With the sentence model, sentences as
    close as REPEAT_COSINE need share only one word that describes the number."""
    def related(a: Sentence, b: Sentence) -> bool:
        return outlet(a.article) != outlet(b.article) and overlap(a.words, b.words) >= PARAPHRASE_OVERLAP

    def close(a: Sentence, b: Sentence) -> bool:
        return story.embedder is not None and story.cosine(a.text, b.text) >= REPEAT_COSINE

    groups = find_conflicts(story.sentences, lambda s: s.text, related, close)
    return [Disagreement(topic, tuple(_version(s, story) for s in versions)) for topic, versions in groups]


def _version(sentence: Sentence, story: _Story) -> Claim:
    return Claim(sentence.text, (sentence.citation,), outlets_of((sentence.citation,), story.by_id))


# ---- headline, timeline, sources -------------------------------------------------------------------------


def clean_title(title: str) -> str:
    """A title without clickbait labels, a trailing outlet name, or surrounding quotation marks."""
    title = _OUTLET_SUFFIX.sub("", title)
    title = re.sub(r"^(?:" + _CLICKBAIT.pattern + r")\s*[:|-]?\s*", "", title, flags=re.IGNORECASE)
    return title.strip(" :|-–—")


def headline_fits(title: str) -> bool:
    fits = bool(title) and "?" not in title and len(title.split()) <= HEADLINE_MAX_WORDS
    return fits and not _CLICKBAIT.search(title) and title.split()[0] not in _PERSONAL_OPENERS


def choose_headline(articles: Sequence[Article], story: _Story) -> tuple[str, str | None]:
    """The most representative declarative title, cleaned, a news report's and a neutral one if any; else the
    most central lead."""
    titles = [(_shortened(clean_title(a.title)), a) for a in articles]
    fitting = [(t, a) for t, a in titles if headline_fits(t)]
    fitting = [(t, a) for t, a in fitting if a.id in story.reporting] or fitting
    fitting = [(t, a) for t, a in fitting if not characterises(t)] or fitting
    if fitting:
        title, article = max(fitting, key=lambda item: _title_score(item[0], story))
        return title, article.id
    lead = max(story.sentences, key=story.centrality, default=None)
    if lead is None:
        return (titles[0][0].replace("?", "").strip() if titles else ""), (articles[0].id if articles else None)
    return _condensed(lead.text), lead.article.id


def characterises(title: str) -> bool:
    """Whether a title argues or characterises in its own voice rather than reports: loaded words outside the
    words it quotes ("McConnell condemns Greene's 'loony lies'" reports), a prescription of its own ("… should
    …", but not "Pentagon says White House should …"), or an argument's opening of its own (not "‘Don’t you
    ever forget that name’: Biden's meeting with relatives")."""
    own = " ".join(_TITLE_QUOTATION.sub(" ", title).split())
    prescription = _PRESCRIBES.search(own)
    prescribes = bool(prescription) and not _REPORTED_BEFORE.search(own, 0, prescription.start())
    return bool(_LOADED.search(own) or prescribes or _ARGUES.match(own.lstrip(" :—–-")))


def _shortened(title: str) -> str:
    """A title over HEADLINE_MAX_WORDS cut to its first sentence or clause when that reads as a headline alone
    (at least 5 words: "McConnell rejects Dem demand for big Covid relief package, stands by …" loses the
    second clause); any other title as it is."""
    if len(title.split()) <= HEADLINE_MAX_WORDS or "?" in title:
        return title
    first = split_sentences(title)[0].text.rstrip(".")
    head = _TITLE_CLAUSE.split(first, maxsplit=1)[0].rstrip(" ,")
    return head if 5 <= len(head.split()) <= HEADLINE_MAX_WORDS else title


def _title_score(title: str, story: _Story) -> float:
    return sum(story.weight(c) for c in concepts(title)) / max(1, len(title.split())) ** 0.5


def _condensed(sentence: str) -> str:
    """A sentence cut to its first clause and at most HEADLINE_MAX_WORDS words, without final punctuation."""
    clause = re.split(r"[,;:—–]\s", sentence, maxsplit=1)[0]
    words = clause.split()[:HEADLINE_MAX_WORDS]
    return " ".join(words).rstrip(".!\"”'’").replace("?", "")


def timeline(articles: Sequence[Article], story: _Story) -> list[TimelineEntry]:
    """The first report of each day, told by its first sentence the brief may state as its own (from a news
    report, standing alone: never a columnist's "In 2005, my colleagues …"), when the believed publication times
    of those reports span more than a day."""
    leads: dict[str, Sentence] = {}
    for sentence in story.own_candidates():
        leads.setdefault(sentence.article.id, sentence)
    dated = sorted(((published, article) for article in articles
                    if article.id in leads and (published := article.believed_published())),
                   key=lambda pair: (pair[0], pair[1].id))
    if len(dated) < 2 or dated[-1][0] - dated[0][0] <= timedelta(days=1):
        return []
    entries, seen_days = [], set()
    for published, article in dated:
        if published.date() not in seen_days:
            seen_days.add(published.date())
            lead = leads[article.id]
            entries.append(TimelineEntry(published, lead.text, (lead.citation,)))
    return entries


def source_ref(article: Article) -> SourceRef:
    return SourceRef(article.id, article.title, article.url, article.source, article.published)


def coverage(articles: Sequence[Article]) -> Coverage:
    times = [published for a in articles if (published := a.believed_published())]
    outlets = {outlet(a) for a in articles}
    return Coverage(len(articles), len(outlets), min(times, default=None), max(times, default=None))
