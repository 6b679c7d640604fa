"""The extractive/1 engine: grounded, cited, readable briefs, on crafted stories and on real ones."""

from __future__ import annotations

import json
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from conftest import shared_file

from newsweave.models import Article
from newsweave.stages.ingest import article_from_record
from newsweave.stages.synthesize import ENGINE_NAME, synthesize


def article(id: str, title: str, text: str, source: str | None = None, days: int = 0) -> Article:
    published = datetime(2025, 2, 12, 14, tzinfo=UTC) + timedelta(days=days)
    return Article(id=id, title=title, text=text, source=source or f"Outlet {id}", published=published)


def dev_stories(limit: int) -> dict[str, list[Article]]:
    stories: dict[str, list[Article]] = {}
    with shared_file("allsides/dev.articles.jsonl").open(encoding="utf-8") as lines:
        for line in lines:
            item = article_from_record(json.loads(line))
            stories.setdefault(item.label, []).append(item)
    return dict(list(stories.items())[:limit])


FLOOD = [
    article(
        "a",
        "Floods kill 12 in New Jersey",
        "NEWARK, N.J. (AP) — Floods killed 12 people in New Jersey on "
        "Thursday, officials said. Gov. Phil Murphy declared a state of emergency across the state. "
        '"We have never seen rain like this," Murphy said.',
    ),
    article(
        "b",
        "Flooding in New Jersey kills 15?",
        "Floods killed 15 people in New Jersey on Thursday, according "
        "to state officials. Gov. Phil Murphy declared a state of emergency for the whole state on Thursday. "
        "Read more",
    ),
    article(
        "c",
        "New Jersey floods: state of emergency declared",
        "Gov. Phil Murphy declared a state of emergency "
        "after floods swept New Jersey on Thursday. The storm dropped nine inches of rain in some towns, "
        "the weather service said.",
        days=2,
    ),
]


def all_citations(brief):
    for claim in (*brief.summary, *brief.key_facts, *brief.background):
        yield claim, claim.citations
    for quote in brief.quotes:
        yield quote, quote.citations
    for disagreement in brief.disagreements:
        for claim in disagreement.claims:
            yield claim, claim.citations
    for entry in brief.timeline:
        yield entry, entry.citations


def test_every_citation_is_an_exact_span_and_claims_are_their_first_citation():
    brief = synthesize("s-1", FLOOD)
    texts = {a.id: a.text for a in FLOOD}
    assert brief.engine == ENGINE_NAME
    for _, citations in all_citations(brief):
        assert citations
        for c in citations:
            assert texts[c.article][c.start : c.end] == c.quote
    for claim in (*brief.summary, *brief.key_facts):
        assert claim.text == claim.citations[0].quote


def test_corroborated_claims_cite_every_outlet_that_states_them():
    brief = synthesize("s-1", FLOOD)
    emergency = next(c for c in (*brief.summary, *brief.key_facts) if "state of emergency" in c.text)
    assert {c.article for c in emergency.citations} == {"a", "b", "c"}
    assert emergency.outlets == tuple(dict.fromkeys(f"Outlet {c.article}" for c in emergency.citations))
    assert not emergency.single_source


def test_datelines_and_read_more_are_cut_from_claims():
    brief = synthesize("s-1", FLOOD)
    for claim in (*brief.summary, *brief.key_facts, *brief.background):
        assert "(AP)" not in claim.text and "NEWARK" not in claim.text and "Read more" not in claim.text


def test_different_numbers_for_the_same_thing_are_a_disagreement():
    brief = synthesize("s-1", FLOOD)
    (toll,) = [d for d in brief.disagreements if d.topic == "number of people"]
    assert {c.citations[0].article for c in toll.claims} == {"a", "b"}
    assert {c.outlets for c in toll.claims} == {("Outlet a",), ("Outlet b",)}


def test_headline_is_declarative_and_short():
    brief = synthesize("s-1", FLOOD)
    assert "?" not in brief.headline and len(brief.headline.split()) <= 14
    assert brief.headline_from in {"a", "c"}
    only_questions = [replace(a, title=a.title.rstrip("?") + "?") for a in FLOOD]
    assert "?" not in synthesize("s-1", only_questions).headline


def test_timeline_sources_and_coverage():
    brief = synthesize("s-1", FLOOD)
    assert [e.citations[0].article for e in brief.timeline] == ["a", "c"]
    assert [s.article for s in brief.sources] == ["a", "b", "c"]
    assert brief.coverage.articles == 3 and brief.coverage.outlets == 3
    assert brief.coverage.last_updated - brief.coverage.first_seen == timedelta(days=2)
    same_day = [replace(a, published=FLOOD[0].published) for a in FLOOD]
    assert synthesize("s-1", same_day).timeline == ()


def test_outlet_falls_back_to_article_id():
    brief = synthesize("s-1", [replace(a, source=None) for a in FLOOD])
    assert all(set(c.outlets) <= {"a", "b", "c"} for c in brief.summary)


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“Every day people are dying,” Trump said on Monday.", "Trump"),
        ('"It is a partisan farce," Sen. Rand Paul, R-Ky., said of the effort.', "Sen. Rand Paul"),
        ('The call was useful, said Peskov, "and we will talk again soon enough."', "Peskov"),
        ('Dmitry Peskov said: "We will talk again soon enough."', "Dmitry Peskov"),
        ('"We will talk again soon enough," he said.', None),
        ('"We will talk again soon enough," a spokesman said.', None),
    ],
)
def test_speaker_is_the_one_the_text_names_or_none(text, speaker):
    brief = synthesize("s-q", [article("q", "Talks", text)])
    (quote,) = brief.quotes
    assert quote.speaker == speaker
    assert quote.text in text and "," not in quote.text[-1:]


def test_same_brief_whatever_the_input_order():
    shuffled = FLOOD[::-1]
    assert synthesize("s-1", shuffled).to_dict() == synthesize("s-1", FLOOD).to_dict()


def test_dev_briefs_are_grounded_and_readable():
    for story_id, articles in dev_stories(60).items():
        brief = synthesize(story_id, articles)
        texts = {a.id: a.text for a in articles}
        for _, citations in all_citations(brief):
            assert all(texts[c.article][c.start : c.end] == c.quote for c in citations)
        words = sum(len(c.text.split()) for c in brief.summary)
        assert 1 <= len(brief.summary) <= 4 and words <= 90
        assert "?" not in brief.headline and len(brief.headline.split()) <= 14
        assert not any(c.text.split()[0] in {"But", "However", "He", "She", "This"} for c in brief.summary[:1])


def test_fifty_article_story_takes_well_under_a_second():
    articles = [a for story in dev_stories(17).values() for a in story][:50]
    random.Random(0).shuffle(articles)
    start = time.perf_counter()
    synthesize("big", articles)
    assert time.perf_counter() - start < 0.5


def test_embedder_finds_paraphrases_lexical_overlap_misses():
    pytest.importorskip("onnxruntime")
    pytest.importorskip("tokenizers")
    from newsweave.stages.embed import MiniLMEmbedder

    first = article("x", "Flights canceled", "Southwest Airlines canceled hundreds of flights over the weekend.")
    second = article(
        "y", "Travelers stranded", "Over the weekend Southwest scrapped hundreds of trips, stranding travelers."
    )
    lexical = synthesize("s-p", [first, second])
    embedded = synthesize("s-p", [first, second], embedder=MiniLMEmbedder())
    assert lexical.summary[0].single_source
    assert {c.article for c in embedded.summary[0].citations} == {"x", "y"}
