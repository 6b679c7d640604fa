"""Feed documents of every kind in, items out; OPML in and out."""

from __future__ import annotations

import json

import pytest

from newsweave.models import Feed
from newsweave.opml import InvalidOPML, export_opml, parse_opml
from newsweave.stages.feeds import NotAFeed, feed_links, html_to_text, parse_feed

RSS2 = b"""<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Daily</title>
<item><title>Storm &amp; floods</title><link>https://daily.example/storm</link><guid>s1</guid>
<pubDate>Tue, 05 Mar 2024 08:30:00 GMT</pubDate>
<description>&lt;p&gt;Power cut to &lt;b&gt;40,000&lt;/b&gt; homes.&lt;/p&gt;
&lt;script&gt;alert(1)&lt;/script&gt;</description>
</item></channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atomic</title>
<entry><title>Vote passes</title><link href="https://atomic.example/vote"/><id>urn:1</id>
<updated>2024-03-05T10:00:00Z</updated><summary>The bill passed 51-49.</summary>
<author><name>Ann Lee</name></author></entry>
</feed>"""

RSS1 = b"""<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
xmlns="http://purl.org/rss/1.0/"><channel rdf:about="https://old.example/"><title>Old</title></channel>
<item rdf:about="https://old.example/a"><title>Item one</title><link>https://old.example/a</link>
<description>First.</description></item></rdf:RDF>"""

JSON_FEED = json.dumps({
    "version": "https://jsonfeed.org/version/1.1", "title": "Jay",
    "items": [{"id": "j1", "url": "https://jay.example/1", "title": "Hello", "content_html": "<p>Hi <i>there</i></p>",
               "date_published": "2024-03-05T10:00:00+01:00", "authors": [{"name": "Jo"}]}],
}).encode()


def test_rss2():
    feed = parse_feed(RSS2, "application/rss+xml")
    item = feed.items[0]
    assert (feed.title, item.title, item.guid) == ("Daily", "Storm & floods", "s1")
    assert item.link == "https://daily.example/storm"
    assert item.summary == "Power cut to 40,000 homes."
    assert item.published.isoformat() == "2024-03-05T08:30:00+00:00"
    assert feed.problem is None


def test_atom():
    item = parse_feed(ATOM).items[0]
    assert (item.title, item.link, item.summary, item.author) == (
        "Vote passes", "https://atomic.example/vote", "The bill passed 51-49.", "Ann Lee")


def test_rss1():
    item = parse_feed(RSS1).items[0]
    assert (item.title, item.link, item.summary) == ("Item one", "https://old.example/a", "First.")


def test_json_feed():
    feed = parse_feed(JSON_FEED, "application/feed+json")
    item = feed.items[0]
    assert (feed.title, item.title, item.summary, item.author) == ("Jay", "Hello", "Hi there", "Jo")
    assert item.published.isoformat() == "2024-03-05T10:00:00+01:00"


def test_windows_1252_is_decoded_as_declared():
    body = '<?xml version="1.0" encoding="windows-1252"?><rss version="2.0"><channel><title>C</title>' \
           '<item><title>Café “quotes” – dash</title><link>https://c.example/1</link></item></channel></rss>'
    assert parse_feed(body.encode("cp1252")).items[0].title == "Café “quotes” – dash"


def test_a_malformed_feed_keeps_what_it_can_and_says_what_was_wrong():
    broken = RSS2.replace(b"Storm &amp; floods", b"Storm & floods").replace(b"</channel></rss>", b"<item><title>Cut")
    feed = parse_feed(broken)
    assert feed.problem and feed.problem.startswith("malformed feed")
    assert feed.items and feed.items[0].link == "https://daily.example/storm"


@pytest.mark.parametrize("body", [b"<html><body><h1>Welcome</h1></body></html>", b"", b'{"not": "a feed"}'])
def test_what_is_not_a_feed_is_refused(body):
    with pytest.raises(NotAFeed):
        parse_feed(body)


def test_html_to_text_drops_markup_and_scripts():
    assert html_to_text("<p>One <a href='x'>link</a>.</p><script>evil()</script><p>Two.</p>") == "One link.\n\nTwo."
    assert html_to_text("plain &amp; simple") == "plain & simple"


OPML = b"""<?xml version="1.0"?><opml version="1.0"><head><title>Mine</title></head><body>
<outline text="World"><outline text="BBC" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/>
<outline title="DW" text="dw" xmlUrl="https://rss.dw.com/rdf/rss-en-all"/></outline>
<outline text="dup" xmlUrl="https://feeds.bbci.co.uk/news/world/rss.xml"/></body></opml>"""


def test_opml_import_reads_nested_outlines_once_each():
    feeds = parse_opml(OPML)
    assert [(f.url, f.name) for f in feeds] == [
        ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC"),
        ("https://rss.dw.com/rdf/rss-en-all", "DW"),
    ]


def test_opml_export_round_trips():
    feeds = [Feed("https://a.example/rss?x=1&y=2", "A & B"), Feed("https://b.example/atom")]
    assert [(f.url, f.name) for f in parse_opml(export_opml(feeds).encode())] == [
        ("https://a.example/rss?x=1&y=2", "A & B"), ("https://b.example/atom", "https://b.example/atom")]


@pytest.mark.parametrize("bad", [
    b"<rss/>",
    b"not xml",
    b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><opml>&b;</opml>',
])
def test_bad_opml_is_refused_with_a_reason(bad):
    with pytest.raises(InvalidOPML):
        parse_opml(bad)


def test_the_shipped_default_feeds_are_many_and_varied():
    from newsweave.updater import default_feeds

    feeds = default_feeds()
    assert 30 <= len(feeds) <= 60
    assert len({f.url for f in feeds}) == len(feeds)
    assert all(f.url.startswith("https://") and f.name for f in feeds)


def test_a_page_names_its_feeds_in_its_head():
    page = b"""<html><head><title>News</title>
    <link rel="stylesheet" href="/style.css">
    <link rel="alternate" type="application/rss+xml" title="Top stories" href="/rss/top.xml">
    <link rel="Alternate home" type="application/atom+xml; charset=utf-8" href="https://cdn.example.org/atom">
    <link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
    <link rel="alternate" type="text/html" hreflang="fr" href="/fr/">
    <link rel="alternate" type="application/rss+xml" href="/rss/top.xml">
    </head><body><a href="/rss/other.xml" type="application/rss+xml">not in the head</a></body></html>"""
    assert feed_links(page, "https://news.example.org/world/") == [
        "https://news.example.org/rss/top.xml", "https://cdn.example.org/atom"]
    wordpress = (b'<head><link rel="alternate" type="application/rss+xml" title="Blog &raquo; Comments Feed" '
                 b'href="/comments/feed/"><link rel="alternate" type="application/rss+xml" title="Blog &raquo; Feed" '
                 b'href="/feed/"></head>')
    assert feed_links(wordpress, "https://blog.example/") == ["https://blog.example/feed/",
                                                              "https://blog.example/comments/feed/"]
    assert feed_links(b"<html><body>no feed here</body></html>", "https://a.example/") == []
    assert feed_links(b"", "https://a.example/") == [] and feed_links(b"\x00\xff garbage", None) == []
