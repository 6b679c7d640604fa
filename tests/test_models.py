"""The data model writes and reads the JSON forms of FORMATS.md."""

from __future__ import annotations

from datetime import UTC, datetime

from newsweave.models import (
    Article,
    Brief,
    Citation,
    Claim,
    Coverage,
    Disagreement,
    Quote,
    SourceRef,
    TimelineEntry,
)

BRIEF_KEYS = {"story", "headline", "headline_from", "summary", "key_facts", "quotes", "background",
              "disagreements", "timeline", "sources", "coverage", "engine"}


def sample_brief() -> Brief:
    when = datetime(2025, 2, 12, 14, 5, tzinfo=UTC)
    a = Citation("a1", 0, 5, "Hello")
    b = Citation("b1", 10, 15, "World")
    return Brief(
        story="s-1",
        headline="Leaders talk",
        headline_from="a1",
        summary=(Claim("Hello", (a, b), ("A", "B")),),
        key_facts=(Claim("World", (b,), ("B",)),),
        quotes=(Quote("Every day people are dying.", "Donald Trump", (a,)), Quote("x", None, (b,))),
        background=(),
        disagreements=(Disagreement("death toll", (Claim("12 dead", (a,), ("A",)), Claim("15 dead", (b,), ("B",)))),),
        timeline=(TimelineEntry(when, "Hello", (a,)),),
        sources=(SourceRef("a1", "Title", "https://example.com/a", "A", when),),
        coverage=Coverage(2, 2, when, when),
        engine="extractive/1",
    )


def test_a_brief_has_every_key_of_the_format_and_round_trips():
    brief = sample_brief()
    data = brief.to_dict()
    assert set(data) == BRIEF_KEYS
    assert data["summary"][0]["single_source"] is False and data["key_facts"][0]["single_source"] is True
    assert data["quotes"][1]["speaker"] is None
    assert data["coverage"] == {"articles": 2, "outlets": 2, "first_seen": "2025-02-12T14:05:00+00:00",
                                "last_updated": "2025-02-12T14:05:00+00:00"}
    assert Brief.from_dict(data) == brief


def test_an_empty_brief_still_has_every_key():
    assert set(Brief(story="s", headline="h", headline_from=None).to_dict()) == BRIEF_KEYS


def test_article_json_leaves_out_missing_fields_and_keeps_extras():
    article = Article(id="x", title="T", text="", label="gold", extra={"leaning": "right"})
    assert article.to_dict() == {"id": "x", "title": "T", "text": "", "story": "gold", "leaning": "right"}


def test_content_hash_changes_with_any_field():
    base = Article(id="x", title="T", text="body")
    assert base.content_hash == Article(id="x", title="T", text="body").content_hash
    assert base.content_hash != Article(id="x", title="T", text="body", author="Someone").content_hash
