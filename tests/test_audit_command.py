"""``newsweave audit`` end to end: text, json and html output, escaping, --sources and --story;
``eval audit-cases`` and ``eval audit``; and the web app's /audit page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import write_jsonl
from starlette.testclient import TestClient
from story_db import read_article_records

from newsweave import pipeline
from newsweave.store import SQLiteStore
from newsweave.web import create_app

RECORDS = [
    {"id": "a1", "url": "https://example.com/a1", "title": "Flood <script>alert(1)</script>", "source": "Outlet A",
     "text": "Officials said 12 people died in the flood on Tuesday. Mayor John Brown said: "
             "“We will rebuild every home.” The storm hit the coast of Florida."},
    {"id": "a2", "url": "https://example.com/a2", "title": "Rescue", "source": "Outlet B",
     "text": "Rescue teams from three states arrived in Miami. The <script>bad()</script> tag was in the page."},
]
TEXT = ("Officials said 15 people died in the flood on Tuesday. Rescue teams from three states arrived in Miami. "
        'Mayor John Brown said: "We will never give up <script>x()</script>." '
        "The move is widely seen as political theater.")


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    text = tmp_path / "text.txt"
    text.write_text(TEXT, encoding="utf-8")
    return text, write_jsonl(tmp_path / "sources.jsonl", RECORDS)


@pytest.fixture
def env(tmp_path: Path) -> dict:
    return {"NEWSWEAVE_CACHE": str(tmp_path / "cache.db")}


def test_json_follows_formats_section_4(newsweave, files, env):
    result = newsweave("audit", files[0], "--sources", files[1], "--format", "json", env=env)
    assert result.code == 0, result
    report = json.loads(result.out)
    assert set(report) == {"sentences", "quotes", "counts"}
    verdicts = [s["verdict"] for s in report["sentences"]]
    assert verdicts[:2] == ["contradicted", "supported"] and "supported" not in verdicts[2:]
    assert set(report["sentences"][0]) == {"text", "verdict", "evidence", "problems"}
    assert "the sources say 12, not 15" in report["sentences"][0]["problems"]
    assert [q["found"] for q in report["quotes"]] == [False]
    assert report["counts"]["supported"] == 1 and sum(report["counts"].values()) == 4


def test_text_has_no_colour_off_a_terminal(newsweave, files, env):
    result = newsweave("audit", files[0], "--sources", files[1], env=env)
    assert result.code == 0, result
    assert "\x1b[" not in result.out
    assert "[CONTRADICTED] Officials said 15" in result.out and "quote NOT FOUND" in result.out


def test_html_is_self_contained_and_escaped(newsweave, files, env):
    result = newsweave("audit", files[0], "--sources", files[1], "--format", "html", env=env)
    assert result.code == 0, result
    assert "<script>" not in result.out and "&lt;script&gt;" in result.out
    assert "v-contradicted" in result.out and "<style>" in result.out
    assert "src=" not in result.out and "<link" not in result.out


def test_story_from_the_database(newsweave, files, tmp_path, env):
    db = tmp_path / "news.db"
    with SQLiteStore(db) as store:
        pipeline.ingest_articles(store, read_article_records(RECORDS))
        pipeline.settle_stories(store, pipeline.story_store_embedder(store))
        story = store.story_of_article("a2").id
        assert store.story_articles(story)
    result = newsweave("audit", files[0], "--story", story, "--db", db, "--format", "json", env=env)
    assert result.code == 0, result
    assert json.loads(result.out)["sentences"][1]["verdict"] == "supported"
    missing = newsweave("audit", files[0], "--story", "no-such-story", "--db", db, env=env)
    assert missing.code == 2 and "no stored story" in missing.err


def test_a_text_that_is_not_utf8_is_refused_with_where(newsweave, files, tmp_path, env):
    latin = tmp_path / "latin1.txt"
    latin.write_bytes("Officials said the café flooded.".encode("latin-1"))
    result = newsweave("audit", latin, "--sources", files[1], env=env)
    assert result.code == 2 and "Traceback" not in result.err
    assert result.err.strip() == f"error: {latin}: not UTF-8 text (byte 0xe9 at offset 22)"
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
    with_bom = newsweave("audit", bom, "--sources", files[1], "--format", "json", env=env)
    assert with_bom.code == 0, with_bom
    assert json.loads(with_bom.out)["sentences"][0]["text"].startswith("Officials said 15")


def test_usage_needs_exactly_one_source(newsweave, files, env):
    assert newsweave("audit", files[0], env=env).code == 2
    assert newsweave("audit", files[0], "--sources", files[1], "--story", "x", env=env).code == 2


def test_sources_without_one_usable_article_stop_the_audit(newsweave, files, tmp_path, env):
    """Against no source every sentence would read as unsupported: a verdict on nothing, so none is given."""
    broken = tmp_path / "broken.jsonl"
    broken.write_text('not json\n{"id": "x"}\n', encoding="utf-8")
    result = newsweave("audit", files[0], "--sources", broken, env=env)
    assert result.code == 2 and result.out == ""
    assert f"{broken}:1: skipped: not valid JSON" in result.err
    assert f"error: {broken}: no source article to audit against (2 lines skipped)" in result.err


def test_eval_audit_on_built_cases(newsweave, tmp_path, env):
    records = [dict(r, story="s1") for r in RECORDS] + [
        {"id": "b1", "story": "s2", "title": "Budget", "source": "Outlet C",
         "text": "Senator Mary Jones said the budget of 40 billion dollars would pass next week."}]
    articles = write_jsonl(tmp_path / "articles.jsonl", records)
    built = newsweave("eval", "audit-cases", articles, "-o", tmp_path / "cases.jsonl", "--seed", "3", env=env)
    assert built.code == 0, built
    cases = [json.loads(line) for line in (tmp_path / "cases.jsonl").read_text().splitlines()]
    assert {c["kind"] for c in cases} >= {"real", "foreign", "commentary", "quote"}
    scored = newsweave("eval", "audit", tmp_path / "cases.jsonl", "--format", "json", env=env)
    assert scored.code == 0, scored
    assert all(k["accuracy"] == 1.0 for k in json.loads(scored.out)["kinds"])


def test_web_audit_page(tmp_path):
    db = tmp_path / "web.db"
    with SQLiteStore(db) as store:
        pipeline.ingest_articles(store, read_article_records(RECORDS))
        pipeline.settle_stories(store, pipeline.story_store_embedder(store))
        story = store.story_of_article("a1").id
    with TestClient(create_app(db)) as client:
        page = client.get("/audit")
        assert page.status_code == 200 and "<form" in page.text
        assert "content-security-policy" in page.headers
        result = client.post("/audit", data={"text": TEXT, "story": story})
        assert result.status_code == 200
        assert "v-contradicted" in result.text and "&lt;script&gt;" in result.text
        assert "<script>x()" not in result.text and "<script>bad()" not in result.text
        by_url = client.post("/audit", data={"text": TEXT, "urls": "https://example.com/a2\n"})
        assert by_url.status_code == 200 and "v-supported" in by_url.text
        assert client.post("/audit", data={"text": "", "story": story}).status_code == 400
        huge = client.post("/audit", content=b"text=" + b"a" * 300_000,
                           headers={"content-type": "application/x-www-form-urlencoded"})
        assert huge.status_code == 413
        crowded = client.post("/audit", data={"text": TEXT, **{f"field{n}": "x" for n in range(20)}})
        assert crowded.status_code == 400 and "more than 10 fields" in crowded.text
