"""The ingest stage on its own: validation reasons, normalisation, stable ids."""

from __future__ import annotations

import io
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsweave.errors import InvalidRecord
from newsweave.stages.ingest import (
    article_from_record,
    derive_article_id,
    normalize_text,
    normalize_title,
    read_articles,
)


@given(st.text())
def test_normalising_text_is_idempotent(text):
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_normalised_text_has_no_control_characters_and_encodes(text):
    normal = normalize_text(text)
    assert not any(ord(ch) < 32 and ch != "\n" for ch in normal)
    assert "\n\n\n" not in normal and normal == normal.strip()
    normal.encode("utf-8")  # no lone surrogates


def test_normalisation_keeps_paragraphs_and_tidies_space():
    raw = "\ufeff  First\u00a0 line  \r\nsame paragraph\r\n\r\n\r\n\r\n\tSecond\u200b paragraph. \x00"
    assert normalize_text(raw) == "First line\nsame paragraph\n\nSecond paragraph."
    assert normalize_title(" A\n title\u00ad ") == "A title"


def test_joiners_that_scripts_need_are_kept():
    persian = "می\u200cخواهم"
    assert normalize_text(persian) == persian


def test_derived_ids_are_stable_and_follow_the_canonical_url():
    assert derive_article_id("https://example.com/a?utm_source=x", "t", "") == derive_article_id(
        "https://EXAMPLE.com/a#comments", "other title", "other text"
    )
    assert derive_article_id(None, "t", "x") == derive_article_id(None, "t", "x")
    assert derive_article_id(None, "t", "x") != derive_article_id(None, "t", "y")


def test_a_record_without_id_gets_the_derived_one():
    article = article_from_record({"title": "Hello", "url": "https://example.com/h"})
    assert article.id == derive_article_id("https://example.com/h", "Hello", "")


def test_empty_optional_fields_count_as_absent():
    article = article_from_record({"id": "", "title": "T", "author": "  ", "published": None})
    assert article.author is None and article.published is None and article.id.startswith("a-")


def test_times_without_a_zone_are_utc_and_z_is_accepted():
    naive = article_from_record({"title": "t", "published": "2025-02-12T14:05:00"})
    zulu = article_from_record({"title": "t", "published": "2025-02-12T14:05:00Z"})
    assert naive.published == zulu.published
    assert naive.published.utcoffset().total_seconds() == 0


@pytest.mark.parametrize("record, reason", [
    ({"title": "t", "url": "ftp://example.com/x"}, "not an absolute http(s) URL"),
    ({"title": "t", "url": "https://"}, "not an absolute http(s) URL"),
    ({"title": "t", "source": {"name": "x"}}, "field 'source' must be a string, not an object"),
    ({"title": True}, "field 'title' must be a string, not a boolean"),
])
def test_invalid_records_name_the_field_and_the_problem(record, reason):
    with pytest.raises(InvalidRecord, match=re.escape(reason)):
        article_from_record(record)


def test_an_overlong_line_is_skipped_without_reading_it_whole():
    stream = io.BytesIO(b'{"title": "a"}\n' + b"x" * 5000 + b'\n{"title": "b"}\n')
    parsed = list(read_articles(stream, max_line_bytes=1000))
    assert [(p.number, p.article.title if p.article else p.problem) for p in parsed] == [
        (1, "a"),
        (2, "line is longer than 1,000 bytes"),
        (3, "b"),
    ]
