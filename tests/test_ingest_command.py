"""`newsweave ingest` and `newsweave export`, run as a user runs them: a real process on a real file."""

from __future__ import annotations

import json
import re

import pytest
from conftest import read_jsonl, write_jsonl

from newsweave.store import SQLiteStore

SUMMARY = re.compile(r"^(\d+) ingested, (\d+) updated, (\d+) already known, (\d+) skipped$", re.M)


def summary(output: str) -> tuple[int, int, int, int]:
    match = SUMMARY.search(output)
    assert match, f"no summary line in {output!r}"
    return tuple(int(n) for n in match.groups())


def article(n: int, **fields) -> dict:
    return {"id": f"art-{n}", "title": f"Title {n}", "text": f"Body of article {n}.", "source": "Outlet", **fields}


def test_ingest_stores_every_article_and_says_so(newsweave, tmp_path, db):
    source = write_jsonl(tmp_path / "a.jsonl", [article(n) for n in range(5)])
    result = newsweave("ingest", source, "--db", db)
    assert result.code == 0, result
    assert summary(result.out) == (5, 0, 0, 0)
    with SQLiteStore(db) as store:
        assert store.get_article("art-3").text == "Body of article 3."


def test_ingesting_the_same_file_twice_stores_nothing_twice(newsweave, tmp_path, db):
    source = write_jsonl(tmp_path / "a.jsonl", [article(n) for n in range(20)] + [{"title": "No id, no url"}])
    assert summary(newsweave("ingest", source, "--db", db).out) == (21, 0, 0, 0)
    again = newsweave("ingest", source, "--db", db)
    assert again.code == 0
    assert summary(again.out) == (0, 0, 21, 0)
    with SQLiteStore(db) as store:
        assert store.stats().articles == 21


def test_a_changed_article_is_updated_in_place(newsweave, tmp_path, db):
    newsweave("ingest", write_jsonl(tmp_path / "v1.jsonl", [article(1)]), "--db", db)
    fixed = write_jsonl(tmp_path / "v2.jsonl", [article(1, text="Corrected body.")])
    assert summary(newsweave("ingest", fixed, "--db", db).out) == (0, 1, 0, 0)
    with SQLiteStore(db) as store:
        assert store.get_article("art-1").text == "Corrected body."
        assert store.stats().articles == 1


BAD_LINES = [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "not a JSON object but an array"),
    ('"just a string"', "not a JSON object but a string"),
    ('{"source": "Outlet"}', "neither 'title' nor 'text'"),
    ('{"title": "   ", "text": ""}', "neither 'title' nor 'text'"),
    ('{"title": 42}', "field 'title' must be a string, not a number"),
    ('{"title": "t", "text": ["a"]}', "field 'text' must be a string, not an array"),
    ('{"title": "t", "id": 7}', "field 'id' must be a string, not a number"),
    ('{"title": "t", "published": "last Tuesday"}', "field 'published' is not an ISO 8601 time"),
    ('{"title": "t", "url": "javascript:alert(1)"}', "field 'url' is not an absolute http(s) URL"),
    ('{"title": "t", "score": NaN}', "not valid JSON: NaN is not a JSON number"),
]


@pytest.mark.parametrize("bad, reason", BAD_LINES, ids=[reason for _, reason in BAD_LINES])
def test_a_bad_line_is_reported_with_file_line_and_reason_and_the_rest_is_stored(newsweave, tmp_path, db, bad, reason):
    source = write_jsonl(tmp_path / "mixed.jsonl", [article(1), article(2), bad, article(3)])
    result = newsweave("ingest", source, "--db", db)
    assert result.code == 1, result
    assert f"{source}:3: skipped: {reason}" in result.err
    assert summary(result.out) == (3, 0, 0, 1)
    with SQLiteStore(db) as store:
        assert [a.id for a in store.iter_articles()] == ["art-1", "art-2", "art-3"]


def test_invalid_utf8_and_overlong_lines_are_skipped_alone(newsweave, tmp_path, db):
    path = tmp_path / "bytes.jsonl"
    good = json.dumps(article(1)).encode()
    path.write_bytes(good + b"\n" + b'{"title": "caf\xe9"}\n' + json.dumps(article(2)).encode() + b"\n")
    result = newsweave("ingest", path, "--db", db)
    assert result.code == 1
    assert f"{path}:2: skipped: not valid UTF-8" in result.err
    assert summary(result.out) == (2, 0, 0, 1)


def test_blank_lines_and_a_byte_order_mark_are_not_errors(newsweave, tmp_path, db):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(article(1)).encode() + b"\n\n   \n" + json.dumps(article(2)).encode())
    result = newsweave("ingest", path, "--db", db)
    assert result.code == 0, result
    assert summary(result.out) == (2, 0, 0, 0)


def test_an_unreadable_file_does_not_stop_the_others(newsweave, tmp_path, db):
    good = write_jsonl(tmp_path / "good.jsonl", [article(1)])
    result = newsweave("ingest", tmp_path / "missing.jsonl", good, "--db", db)
    assert result.code == 1
    assert "missing.jsonl: skipped: cannot read it (No such file or directory)" in result.err
    assert summary(result.out) == (1, 0, 0, 1)


def test_stdin_is_read_for_a_dash(newsweave, db):
    lines = "\n".join(json.dumps(article(n)) for n in range(3)) + "\nnope\n"
    result = newsweave("ingest", "-", "--db", db, stdin=lines.encode())
    assert result.code == 1
    assert "<stdin>:4: skipped: not valid JSON" in result.err
    assert summary(result.out) == (3, 0, 0, 1)


def test_unicode_survives_ingest_and_export(newsweave, tmp_path, db):
    texts = {
        "u-1": ("Жители Киева", "Президент заявил: «Мы выстоим».\n\nВторой абзац."),
        "u-2": ("北京宣布新政策", "新华社北京电。\n\n第二段。"),
        "u-3": ("بيان الحكومة", "قالت الحكومة إن الاتفاق سيُوقَّع غداً."),
        "u-4": ("Emoji 🗞️ and accents: São Paulo", "Zoë said “hello” — naïve café 👩‍👩‍👧."),
    }
    records = [{"id": key, "title": title, "text": text} for key, (title, text) in texts.items()]
    newsweave("ingest", write_jsonl(tmp_path / "u.jsonl", records), "--db", db)
    exported = {row["id"]: (row["title"], row["text"]) for row in read_jsonl(newsweave("export", "--db", db).out)}
    assert exported == texts


def test_decomposed_unicode_is_stored_composed(newsweave, tmp_path, db):
    decomposed = "Cafe\u0301 society"
    newsweave("ingest", write_jsonl(tmp_path / "nfd.jsonl", [{"id": "n", "title": decomposed}]), "--db", db)
    with SQLiteStore(db) as store:
        assert store.get_article("n").title == "Café society"


def test_export_round_trip_gives_the_same_articles(newsweave, tmp_path):
    records = [
        article(1, url="https://example.com/a?utm_source=x", published="2025-02-12T14:05:00+00:00",
                language="en", author="Jane Doe", story="gold-1", leaning="center"),
        article(2, text="First paragraph.\n\nSecond paragraph."),
        {"title": "Only a title"},
        {"text": "Only a text, and an extra field.", "tags": ["a", "b"], "score": 0.5},
    ]
    source = write_jsonl(tmp_path / "in.jsonl", records)
    newsweave("ingest", source, "--db", tmp_path / "one.db")
    first = newsweave("export", "--db", tmp_path / "one.db").out
    newsweave("ingest", "-", "--db", tmp_path / "two.db", stdin=first.encode())
    second = newsweave("export", "--db", tmp_path / "two.db").out
    assert first == second
    rows = read_jsonl(first)
    assert len(rows) == 4
    assert rows[0]["leaning"] == "center" and rows[0]["story"] == "gold-1"
    assert rows[3]["tags"] == ["a", "b"]


def test_export_to_a_file(newsweave, tmp_path, db):
    newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", [article(1)]), "--db", db)
    assert newsweave("export", "--db", db, "-o", tmp_path / "out.jsonl").code == 0
    assert read_jsonl((tmp_path / "out.jsonl").read_text())[0]["id"] == "art-1"


@pytest.mark.slow
def test_ten_thousand_articles(newsweave, tmp_path, db):
    records = [article(n, text=f"Paragraph one of {n}.\n\nParagraph two of {n}.") for n in range(10_000)]
    source = write_jsonl(tmp_path / "big.jsonl", records)
    result = newsweave("ingest", source, "--no-stories", "--db", db)
    assert result.code == 0, result
    assert summary(result.out) == (10_000, 0, 0, 0)
    assert "10,000 lines read" in result.err  # plain progress lines when stderr is not a terminal
    exported = read_jsonl(newsweave("export", "--db", db).out)
    assert [row["id"] for row in exported] == [f"art-{n}" for n in range(10_000)]
    assert exported[9_999]["text"] == "Paragraph one of 9999.\n\nParagraph two of 9999."


def test_the_database_comes_from_the_environment_when_no_option_is_given(newsweave, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", [article(1)])
    newsweave("ingest", source, env={"NEWSWEAVE_DB": str(tmp_path / "env.db")})
    assert (tmp_path / "env.db").exists()
    assert json.loads(newsweave("stats", "--format", "json", "--db", tmp_path / "env.db").out)["articles"] == 1


def test_the_default_database_is_in_the_working_folder(newsweave, tmp_path):
    newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", [article(1)]))
    assert (tmp_path / "newsweave.db").exists()


def test_stats_counts_articles_and_outlets(newsweave, tmp_path, db):
    records = [article(1, source="A"), article(2, source="B"), article(3, source="B"), article(4, source=None)]
    newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", records), "--no-stories", "--db", db)
    stats = json.loads(newsweave("stats", "--format", "json", "--db", db).out)
    assert stats["articles"] == 4 and stats["outlets"] == 2 and stats["stories"] == 0 and stats["feeds"] == 0
    text = newsweave("stats", "--db", db).out
    assert re.search(r"^articles\s+4$", text, re.M) and re.search(r"^outlets\s+2$", text, re.M)


def test_an_unusable_database_path_is_a_clear_error(newsweave, tmp_path):
    result = newsweave("stats", "--db", tmp_path / "no" / "such" / "folder" / "x.db")
    assert result.code == 2
    assert result.err.startswith("error: cannot open the database")
    assert "does its folder exist" in result.err and "Traceback" not in result.err


def test_a_file_that_is_no_database_is_named_as_such(newsweave, tmp_path):
    (tmp_path / "notes.db").write_text("my shopping list, not a database\n" * 100)
    result = newsweave("stats", "--db", tmp_path / "notes.db")
    assert result.code == 2
    assert "file is not a database (the file is something else, or damaged" in result.err, result.err
    assert (tmp_path / "notes.db").read_text().startswith("my shopping list")  # left as it was


def test_two_ingests_into_one_database_at_once_take_turns_at_the_stories(newsweave, tmp_path, db):
    """A scheduled update and a manual ingest may overlap: each must find the other's stories, never hand out
    the same story ids (that once ended both with 'story s-000032 is part of a merge cycle')."""
    from concurrent.futures import ThreadPoolExecutor

    from conftest import shared_file

    lines = shared_file("allsides/dev.articles.jsonl").read_text(encoding="utf-8").splitlines()[:240]
    halves = [write_jsonl(tmp_path / f"half{n}.jsonl", lines[n::2]) for n in (0, 1)]
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda half: newsweave("ingest", half, "--db", db), halves))
    assert all(r.code == 0 for r in results), results
    assert [summary(r.out)[0] for r in results] == [120, 120]
    with SQLiteStore(db) as store:
        assert store.unassigned_articles() == []
        stories = store.list_stories(limit=1000)
        assert sum(s.articles for s in stories) == 240
        assert store.stats().briefs == len(stories)
