"""The update loop against real HTTP on loopback: the shared replay server with its faults, and small servers."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from conftest import shared_file
from local_server import Reply, serve
from replay import start_replay

from newsweave.http import Fetcher, FetchPolicy
from newsweave.models import Feed
from newsweave.opml import parse_opml
from newsweave.stages.feeds import parse_feed
from newsweave.updater import MAX_QUIET_INTERVAL, import_feeds, refresh_feed, update

FAST = FetchPolicy(allow_private_networks=True, host_delay=0, backoff=0.05, read_timeout=1.5, retries=2)


def words(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def crawl_sample(tmp_path_factory):
    """The first 120 articles of the crawl set: several outlets, real texts, real times."""
    source = shared_file("allsides/crawl.articles.jsonl")
    rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()[:120]]
    path = tmp_path_factory.mktemp("replay") / "sample.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path, rows


@pytest.fixture(scope="module")
def replay(crawl_sample):
    process, base = start_replay(crawl_sample[0], faults=True)
    yield base
    process.kill()
    process.wait()


@pytest.fixture(scope="module")
def updated(replay, tmp_path_factory):
    """One database after `feeds import` and two updates, with the reports of both."""
    from newsweave.store import SQLiteStore

    store = SQLiteStore(tmp_path_factory.mktemp("db") / "news.db")
    with Fetcher(FAST) as fetcher:
        import_feeds(store, parse_opml(fetcher.get(replay + "/opml.xml").body))
        first = update(store, fetcher)
        second = update(store, fetcher, everything=True)
    yield store, first, second
    store.close()


def test_every_article_of_every_healthy_feed_is_stored_without_page_furniture(updated, crawl_sample):
    store, first, _ = updated
    by_url = {a.url: a for a in store.iter_articles()}
    for row in crawl_sample[1]:
        stored = by_url[row["url"]]
        assert words(stored.text) == words(row["text"]), row["id"]
        assert stored.title == row["title"] and stored.source
        assert stored.published.isoformat() == row["published"]
    for furniture in ("cookies", "Share on Facebook", "Most read", "All rights reserved", "By Staff Reporter"):
        assert not any(furniture in a.text for a in by_url.values())
    assert first.articles_new == len(by_url)


FAULTS = {
    "fault-500": "HTTP 500 Internal Server Error",
    "fault-slow": "no answer within 1.5 s",
    "fault-huge": "response is larger than",
    "fault-html": "not an RSS, Atom or JSON feed",
}


def test_every_fault_feed_is_recorded_as_failed_with_its_reason(updated):
    store, first, _ = updated
    feeds = {re.sub(r".*/feeds/(.*)\.xml", r"\1", f.url): f for f in store.list_feeds()}
    for name, reason in FAULTS.items():
        assert feeds[name].error_count == 2 and reason in feeds[name].last_error, name  # failed in both updates
    for recoverable in ("fault-429", "fault-cp1252"):
        assert feeds[recoverable].last_error is None and feeds[recoverable].last_success, recoverable
    assert first.feeds_failed == len(FAULTS)


def test_a_feed_that_moved_permanently_is_followed_where_it_went(updated):
    """fault-redirect answers 301 with another outlet's feed, which the list follows too: the two are one feed."""
    store, first, _ = updated
    (moved,) = [o for o in first.outcomes if o.moved_from and o.moved_from.endswith("/fault-redirect.xml")]
    assert moved.ok and moved.moved_why == "moved permanently" and "/fault-redirect" not in moved.feed.url
    followed = [f.url for f in store.list_feeds()]
    assert moved.feed.url in followed and not any(url.endswith("/fault-redirect.xml") for url in followed)


def test_a_malformed_feed_whose_items_were_read_is_polled_as_usual_with_its_fault_beside_it(updated):
    """A truncated or badly escaped feed still delivers its good items: backing off as from a failure would starve
    it (unescaped ampersands are common), yet its publisher's fault stays in view."""
    store, first, _ = updated
    (malformed,) = [f for f in store.list_feeds() if f.url.endswith("/fault-malformed.xml")]
    assert malformed.error_count == 0 and malformed.last_success is not None
    assert malformed.last_error.startswith("malformed feed")
    assert malformed.next_check - malformed.last_checked <= timedelta(seconds=MAX_QUIET_INTERVAL)
    (outcome,) = [o for o in first.outcomes if o.feed.url == malformed.url]
    assert outcome.ok and outcome.warning.startswith("malformed feed")
    with Fetcher(FAST) as fetcher:
        items = parse_feed(fetcher.get(malformed.url).body, None, malformed.url).items
    links = [item.link for item in items if item.link]  # the truncated last item has none
    assert links and all(store.is_known(link) for link in links)  # every item it gave was read


def test_a_second_update_fetches_nothing_new_and_stores_nothing_twice(updated):
    store, first, second = updated
    healthy = [o for o in second.outcomes if "fault-" not in o.feed.url]
    assert healthy and all(o.not_modified for o in healthy)
    assert second.articles_new == 0
    assert store.stats().articles == first.articles_new


def test_articles_carried_by_several_feeds_are_stored_once(updated):
    store, _, _ = updated
    urls = [a.url for a in store.iter_articles()]
    assert len(urls) == len(set(urls))


def page(title: str, paragraphs: list[str], canonical: str) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<html lang="en"><head><title>{title}</title><link rel="canonical" href="{canonical}"></head>'
            f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()


def rss(items: list[tuple[str, str, str]]) -> bytes:
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><description>{d}</description></item>"
                      for t, link, d in items)
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{entries}</channel></rss>'.encode()


STORY = [
    "Officials in the coastal province said on Monday that the new sea wall had held through the storm surge.",
    "Engineers had warned for years that the old barrier would fail in a storm of this size, the officials said.",
    "The project cost 2.1 billion dollars and took six years to build, according to the regional government.",
    "Residents who had been evacuated on Sunday began returning to their homes late on Monday afternoon.",
]


def test_failed_and_teaser_pages_keep_the_feed_summary_marked_partial(tmp_path):
    from newsweave.store import SQLiteStore

    routes = {
        "/feed": lambda r: Reply(200, rss([
            ("Gone", "/gone", "A summary of a page that is gone."),
            ("Locked", "/locked", "The first lines of a locked story."),
            ("Whole", "/whole", "Short summary."),
        ])),
        "/locked": lambda r: Reply(200, page("Locked", ["The first lines of a locked story.",
                                                        "Subscribe to continue reading."], "https://x.example/locked")),
        "/whole": lambda r: Reply(200, page("Whole", STORY, "https://x.example/whole")),
    }
    with serve(routes) as server, SQLiteStore(tmp_path / "db") as store, Fetcher(FAST) as fetcher:
        outcome = refresh_feed(store, fetcher, Feed(server.base + "/feed", "X"))
        articles = {a.title: a for a in store.iter_articles()}
    assert outcome.ok and outcome.counts.new == 3
    assert any("HTTP 404" in problem for problem in outcome.problems)
    assert articles["Gone"].partial and articles["Gone"].text == "A summary of a page that is gone."
    assert articles["Locked"].partial and "Subscribe" not in articles["Locked"].text
    assert not articles["Whole"].partial and articles["Whole"].text == "\n\n".join(STORY)


def test_items_that_come_back_on_the_next_poll_are_not_stored_twice(tmp_path):
    from newsweave.store import SQLiteStore

    routes = {"/feed": lambda r: Reply(200, rss([("Whole", "/whole?utm_source=rss", "s")])),
              "/whole": lambda r: Reply(200, page("Whole", STORY, "https://x.example/whole"))}
    with serve(routes) as server, SQLiteStore(tmp_path / "db") as store, Fetcher(FAST) as fetcher:
        feed = Feed(server.base + "/feed", "X")
        assert refresh_feed(store, fetcher, feed).counts.new == 1
        again = refresh_feed(store, fetcher, store.get_feed(feed.url) or feed)
        assert again.counts.new == 0 and store.stats().articles == 1
        assert server.hits("/whole") == 1  # a known link is not fetched again


def test_a_syndicated_copy_is_linked_to_its_original(tmp_path):
    from newsweave.store import SQLiteStore

    edited = STORY[:3] + ["This story was republished from the wire."]
    routes = {
        "/a/feed": lambda r: Reply(200, rss([("Sea wall holds", "/a/story", "s")])),
        "/b/feed": lambda r: Reply(200, rss([("Sea wall holds in storm", "/b/story", "s")])),
        "/a/story": lambda r: Reply(200, page("Sea wall holds", STORY, "https://a.example/story")),
        "/b/story": lambda r: Reply(200, page("Sea wall holds in storm", edited, "https://b.example/story")),
    }
    with serve(routes) as server, SQLiteStore(tmp_path / "db") as store, Fetcher(FAST) as fetcher:
        refresh_feed(store, fetcher, Feed(server.base + "/a/feed", "Outlet A"))
        refresh_feed(store, fetcher, Feed(server.base + "/b/feed", "Outlet B"))
        original = store.find_article_by_url("https://a.example/story")
        copy = store.find_article_by_url("https://b.example/story")
    assert original.duplicate_of is None and copy.duplicate_of == original.id
    assert (original.source, copy.source) == ("Outlet A", "Outlet B")


def test_one_feed_failing_in_an_unexpected_way_does_not_stop_the_others(tmp_path, monkeypatch):
    from newsweave import updater
    from newsweave.store import SQLiteStore

    real = updater.parse_feed

    def exploding(body, content_type=None, base_url=None):
        if b"BOOM" in body:
            raise RuntimeError("parser bug")
        return real(body, content_type, base_url)

    monkeypatch.setattr(updater, "parse_feed", exploding)
    routes = {"/bad": lambda r: Reply(200, b"<rss>BOOM</rss>"),
              "/good": lambda r: Reply(200, rss([("Whole", "/whole", "s")])),
              "/whole": lambda r: Reply(200, page("Whole", STORY, "https://x.example/whole"))}
    with serve(routes) as server, SQLiteStore(tmp_path / "db") as store, Fetcher(FAST) as fetcher:
        import_feeds(store, [Feed(server.base + "/bad"), Feed(server.base + "/good")])
        report = update(store, fetcher)
        assert report.feeds_ok == 1 and report.articles_new == 1
        assert "internal error (RuntimeError: parser bug)" in store.get_feed(server.base + "/bad").last_error


def test_a_failing_feed_is_polled_less_often(tmp_path):
    from newsweave.store import SQLiteStore

    with serve({}) as server, SQLiteStore(tmp_path / "db") as store, Fetcher(replace(FAST, retries=0)) as fetcher:
        feed = Feed(server.base + "/missing")
        store.add_feed(feed)
        first = refresh_feed(store, fetcher, feed)
        second = refresh_feed(store, fetcher, first.feed)
    assert second.feed.error_count == 2
    gap1 = first.feed.next_check - first.feed.last_checked
    gap2 = second.feed.next_check - second.feed.last_checked
    assert gap2 == 2 * gap1
