"""`newsweave digest`: a period's stories as one self-contained HTML or Markdown file."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from lxml import html as lxml_html
from story_db import build_story_db, read_article_records
from test_web import EVIL, RECORDS

from newsweave.cli.web import serve
from newsweave.web.digest import parse_since


@pytest.fixture
def news_db(tmp_path):
    return build_story_db(tmp_path / "news.db", read_article_records(RECORDS))


def test_the_html_digest_is_one_self_contained_file_most_widely_reported_first(newsweave, news_db, tmp_path):
    result = newsweave("digest", "--since", "2025-02-11", "--db", news_db, "-o", tmp_path / "digest.html")
    assert result.code == 0, result
    text = (tmp_path / "digest.html").read_text(encoding="utf-8")
    document = lxml_html.fromstring(text)
    assert [h.text_content() for h in document.xpath("//h2")][:2] == [
        "Council approves bridge budget", "Town fair opens with record crowds"]
    assert "3 stories" in document.xpath("//h1")[0].text_content()
    assert not document.xpath("//script | //img | //link | //iframe | //object | //*[@src]")
    assert not document.xpath("//*[@href][not(starts-with(@href, '#') or starts-with(@href, 'https://'))]")
    assert "https://plain.example/bridge" in document.xpath("//ol/li/a/@href")
    assert document.xpath("//*[@style]"), "the CSS is inline, for email clients"
    assert "url(" not in text and "@import" not in text


def test_the_digest_escapes_hostile_text(newsweave, news_db):
    html = newsweave("digest", "--since", "2025-02-01", "--db", news_db).out
    assert "<script>" not in html and "<img src=x" not in html and "<b>Outlet" not in html
    assert EVIL in lxml_html.fromstring(html).text_content()
    markdown = newsweave("digest", "--since", "2025-02-01", "--format", "markdown", "--db", news_db).out
    assert not re.search(r"(?<!\\)<(script|img|b)\b", markdown), "Markdown would let raw HTML through"
    assert "\\<script\\>alert(1)\\</script\\>" in markdown


def test_the_markdown_digest_is_the_stories_markdown_briefs(newsweave, news_db):
    result = newsweave("digest", "--since", "2025-02-11", "--format", "markdown", "--db", news_db)
    assert result.code == 0, result
    assert result.out.startswith("# newsweave digest: ")
    assert result.out.count("\n## ") >= 2 and "\n# " not in result.out.split("\n", 1)[1]
    assert "## Council approves bridge budget" in result.out
    assert "[Council approves bridge budget](<https://plain.example/bridge>)" in result.out


def test_the_digest_says_when_it_holds_only_the_most_widely_reported(newsweave, news_db):
    every = newsweave("digest", "--since", "2025-02-11", "--format", "markdown", "--db", news_db).out
    headlines = re.findall(r"^## (.+)$", every, flags=re.M)
    markdown = newsweave("digest", "--since", "2025-02-11", "--format", "markdown", "--limit", "2", "--db", news_db)
    assert markdown.code == 0, markdown
    assert re.findall(r"^## (.+)$", markdown.out, flags=re.M) == headlines[:2]
    assert "*The 2 most widely reported of more than 2 stories updated since " in markdown.out
    assert "\n\n## " + headlines[0] in markdown.out  # a blank line before each story's heading
    html = lxml_html.fromstring(newsweave("digest", "--since", "2025-02-11", "--limit", "2", "--db", news_db).out)
    assert html.xpath("//h1")[0].text_content() == "The 2 most widely reported stories"
    assert "More stories were updated in this period" in html.text_content()
    complete = lxml_html.fromstring(newsweave("digest", "--since", "2025-02-11", "--limit", "3", "--db", news_db).out)
    assert "More stories" not in complete.text_content()


def test_a_period_without_stories_says_so(newsweave, news_db):
    result = newsweave("digest", "--since", "24h", "--db", news_db)
    assert result.code == 0 and "No story was updated in this period." in result.out


def test_a_bad_since_is_refused_with_what_to_give(newsweave, news_db):
    result = newsweave("digest", "--since", "yesterday-ish", "--db", news_db)
    assert result.code == 2 and "24h" in result.err


def test_a_since_longer_than_time_itself_digests_everything(newsweave, news_db):
    everything = newsweave("digest", "--since", "99999999d", "--format", "markdown", "--db", news_db)
    assert everything.code == 0, everything
    assert everything.out == newsweave("digest", "--since", "0001-01-01", "--format", "markdown", "--db", news_db).out


def test_since_takes_durations_and_dates():
    now = datetime(2025, 2, 12, 12, 0, tzinfo=UTC)
    assert parse_since("24h", now) == datetime(2025, 2, 11, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now) == datetime(2025, 2, 12, 10, 30, tzinfo=UTC)
    assert parse_since("7d", now) == datetime(2025, 2, 5, 12, 0, tzinfo=UTC)
    assert parse_since("2025-02-01", now) == datetime(2025, 2, 1, tzinfo=UTC)
    assert parse_since("99999999d", now) == parse_since(f"{10**30}w", now) == datetime.min.replace(tzinfo=UTC)
    with pytest.raises(ValueError, match="duration"):
        parse_since("soon", now)


def test_serve_binds_to_loopback_by_default():
    host = next(param for param in serve.params if param.name == "host")
    assert host.default == "127.0.0.1"


def test_the_html_digest_tags_opinion_sources(tmp_path):
    from test_web import TOLL_RECORDS

    from newsweave.store import SQLiteStore
    from newsweave.web.digest import render_digest_html

    column = {**TOLL_RECORDS[0], "id": "flood-op", "title": "The valley deserved better",
              "url": "https://north.example/opinion/2025/02/13/valley-deserved-better"}
    db = build_story_db(tmp_path / "op.db", read_article_records([*TOLL_RECORDS, column]))
    with SQLiteStore(db) as store:
        brief = store.get_brief("flood")
    document = lxml_html.fromstring(render_digest_html([brief], datetime(2025, 2, 1, tzinfo=UTC),
                                                       datetime(2025, 2, 14, tzinfo=UTC)))
    sources = document.xpath("//ol/li")
    tagged = [li.xpath(".//a")[0].text_content() for li in sources if "(opinion)" in li.text_content()]
    assert tagged == ["The valley deserved better"]
