"""verify: tampered briefs are repaired (the bad part dropped and reported), never raised on."""

from __future__ import annotations

import logging
from dataclasses import replace

from test_synthesize import FLOOD

from newsweave.models import Citation, Claim, Quote
from newsweave.stages.synthesize import synthesize
from newsweave.stages.verify import verify

ARTICLES = {a.id: a for a in FLOOD}


def good_brief():
    return synthesize("s-1", FLOOD)


def test_an_engine_brief_passes_untouched():
    result = verify(good_brief(), ARTICLES)
    assert result.ok and result.brief == good_brief() and result.passed == result.checked > 0


def test_a_changed_number_is_dropped(caplog):
    brief = good_brief()
    claim = brief.summary[0]
    first = claim.citations[0]
    changed = claim.text.replace("12", "120").replace("15", "150")
    assert changed != claim.text
    tampered = Claim(changed, (replace(first, quote=changed),), claim.outlets)
    with caplog.at_level(logging.INFO, logger="newsweave.stages.verify"):
        result = verify(replace(brief, summary=(tampered, *brief.summary[1:])), ARTICLES)
    assert changed not in [c.text for c in result.brief.summary]
    assert result.dropped == 1 and "quote differs" in str(result.problems[0])
    assert "quote differs" in caplog.text


def test_a_claim_that_is_not_a_span_of_its_citations_is_dropped():
    brief = good_brief()
    claim = brief.summary[0]
    invented = Claim("Floods killed 300 people in New Jersey.", claim.citations, claim.outlets)
    result = verify(replace(brief, summary=(invented,)), ARTICLES)
    assert result.brief.summary == () and "not a span" in result.problems[0].reason


def test_abstractive_claims_are_held_to_their_numbers_and_names():
    citation = Citation("a", *_span("a", "Floods killed 12 people in New Jersey on Thursday"))
    faithful = Claim("On Thursday, floods in New Jersey killed 12 people.", (citation,), ("Outlet a",))
    wrong = Claim("On Thursday, floods in New York killed 12 people.", (citation,), ("Outlet a",))
    result = verify(replace(good_brief(), summary=(faithful, wrong)), ARTICLES, abstractive={"summary"})
    assert [c.text for c in result.brief.summary] == [faithful.text]
    assert "New York" in result.problems[0].reason


def test_abstractive_claims_may_add_no_word_and_no_quotation_the_cited_spans_lack():
    citation = Citation("a", *_span("a", "Floods killed 12 people in New Jersey on Thursday"))
    speculation = Claim("Floods likely killed 12 people in New Jersey on Thursday.", (citation,), ("Outlet a",))
    misquote = Claim("Floods “killed in New Jersey 12 people” on Thursday.", (citation,), ("Outlet a",))
    quoted = Claim("Floods “killed 12 people in New Jersey” on Thursday.", (citation,), ("Outlet a",))
    result = verify(replace(good_brief(), summary=(speculation, misquote, quoted)), ARTICLES, abstractive={"summary"})
    assert [c.text for c in result.brief.summary] == [quoted.text]
    reasons = [p.reason for p in result.problems]
    assert "likely" in reasons[0] and "“killed in New Jersey 12 people”" in reasons[1]
    assert verify(replace(good_brief(), summary=(speculation,)), ARTICLES).brief.summary == ()  # extractive: no span


def test_wrong_offsets_drop_only_that_citation_and_fix_the_outlets():
    brief = good_brief()
    claim = next(c for c in (*brief.summary, *brief.key_facts) if len(c.citations) > 1)
    bad = replace(claim.citations[1], start=claim.citations[1].start + 3)
    result = verify(replace(brief, summary=(replace(claim, citations=(claim.citations[0], bad)),)), ARTICLES)
    (kept,) = result.brief.summary
    assert kept.citations == claim.citations[:1]
    assert kept.outlets == claim.outlets[:1]
    assert any("outlets corrected" in p.reason for p in result.problems)


def test_an_invented_quote_is_dropped_and_a_restyled_one_kept():
    citation = Citation("a", *_span("a", "We have never seen rain like this"))
    real = Quote("We have never seen rain like this", "Murphy", (citation,))
    restyled = Quote("We have  never seen rain like this", "Murphy", (citation,))
    invented = Quote("We have never seen rain like this before", "Murphy", (citation,))
    result = verify(replace(good_brief(), quotes=(real, restyled, invented)), ARTICLES)
    assert [q.text for q in result.brief.quotes] == [real.text, restyled.text]


def test_a_speaker_the_sources_do_not_name_is_cleared():
    citation = Citation("a", *_span("a", "We have never seen rain like this"))
    guessed = Quote("We have never seen rain like this", "Joe Biden", (citation,))
    (quote,) = verify(replace(good_brief(), quotes=(guessed,)), ARTICLES).brief.quotes
    assert quote.speaker is None


def test_citations_of_unknown_articles_or_outside_the_text_never_raise():
    claim = Claim("x", (Citation("nope", 0, 1, "x"), Citation("a", 10_000, 10_001, "x")), ("?",))
    result = verify(replace(good_brief(), summary=(claim,), key_facts=(), disagreements=()), ARTICLES)
    assert result.brief.summary == () and len(result.problems) == 3


def test_a_disagreement_left_with_one_version_is_dropped():
    brief = good_brief()
    (toll,) = brief.disagreements
    broken = replace(toll, claims=(toll.claims[0], replace(toll.claims[1], text="Floods killed 99 people.")))
    assert verify(replace(brief, disagreements=(broken,)), ARTICLES).brief.disagreements == ()


def _span(article_id: str, text: str) -> tuple[int, int, str]:
    start = ARTICLES[article_id].text.index(text)
    return start, start + len(text), text
