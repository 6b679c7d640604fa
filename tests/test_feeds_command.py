"""`newsweave feeds …`, `update` and `extract` as a user runs them, against servers on loopback."""

from __future__ import annotations

import json

from local_server import Reply, serve

PRIVATE_OK = {"NEWSWEAVE_ALLOW_PRIVATE_NETWORKS": "1", "NEWSWEAVE_HOST_DELAY": "0"}

FEED = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>Local</title>'
        b"<item><title>One</title><link>/one</link><description>First item.</description></item>"
        b"</channel></rss>")
PAGE = ("<html><head><title>One</title></head><body><article><h1>One</h1>"
        + "".join(f"<p>Paragraph {n} of the first story, with enough words to be a real body of text.</p>"
                  for n in range(6))
        + "</article></body></html>").encode()


def test_add_list_export_import_remove(newsweave, tmp_path, db):
    added = newsweave("feeds", "add", "https://a.example/rss", "--name", "A", "--db", db)
    assert added.out == "following https://a.example/rss\n"
    assert "already following" in newsweave("feeds", "add", "https://a.example/rss", "--db", db).out
    bad = newsweave("feeds", "add", "javascript:alert(1)", "--db", db)
    assert bad.code == 2 and "not an absolute http(s) URL" in bad.err
    exported = newsweave("feeds", "export", "--db", db).out
    (tmp_path / "subs.opml").write_text(exported)
    other = tmp_path / "other.db"
    imported = newsweave("feeds", "import", tmp_path / "subs.opml", "--db", other)
    assert imported.out == "1 feeds added, 0 already followed, 0 skipped\n"
    listed = json.loads(newsweave("feeds", "list", "--format", "json", "--db", other).out)
    assert [(f["url"], f["name"], f["error_count"]) for f in listed] == [("https://a.example/rss", "A", 0)]
    assert newsweave("feeds", "remove", "https://a.example/rss", "--db", db).code == 0
    missing = newsweave("feeds", "remove", "https://a.example/rss", "--db", db)
    assert missing.code == 2 and "not following" in missing.err


def test_import_follows_the_good_feeds_of_a_list_and_names_the_bad_ones(newsweave, tmp_path, db):
    newsweave("feeds", "add", "https://b.example/rss", "--db", db)
    (tmp_path / "mixed.opml").write_text(
        '<opml version="2.0"><body><outline text="World">'
        '<outline text="A" xmlUrl="https://a.example/rss"/>'
        '<outline text="Old" xmlUrl="ftp://old.example/rss"/>'
        '<outline text="B" xmlUrl="https://b.example/rss"/>'
        '<outline text="Script" xmlUrl="javascript:alert(1)"/>'
        '<outline text="C" xmlUrl="https://c.example/rss"/>'
        "</outline></body></opml>"
    )
    imported = newsweave("feeds", "import", "mixed.opml", "--db", db)  # run in tmp_path
    assert imported.code == 1, imported
    assert imported.out == "2 feeds added, 1 already followed, 2 skipped\n"
    assert imported.err.splitlines() == [
        "mixed.opml: skipped: not an absolute http(s) URL: 'ftp://old.example/rss'",
        "mixed.opml: skipped: not an absolute http(s) URL: 'javascript:alert(1)'",
    ]
    listed = json.loads(newsweave("feeds", "list", "--format", "json", "--db", db).out)
    assert sorted(f["url"] for f in listed) == ["https://a.example/rss", "https://b.example/rss", "https://c.example/rss"]


def test_update_stores_new_articles_and_lists_failures(newsweave, db):
    routes = {"/feed": lambda r: Reply(200, FEED), "/one": lambda r: Reply(200, PAGE),
              "/broken": lambda r: Reply(200, b"<html><body>not a feed</body></html>")}
    with serve(routes) as server:
        newsweave("feeds", "add", server.base + "/feed", "--name", "Local", "--db", db)
        newsweave("feeds", "add", server.base + "/broken", "--db", db)
        before = newsweave("feeds", "list", "--db", db).out
        result = newsweave("update", "--db", db, env=PRIVATE_OK)
        again = newsweave("update", "--all", "--db", db, env=PRIVATE_OK)
    assert result.code == 0, result
    assert result.out.strip() == "1 feeds ok (0 unchanged), 1 failed, 1 new articles, 1 new stories, 0 updated"
    assert "/broken: failed: not an RSS, Atom or JSON feed" in result.err
    assert again.out.strip() == "1 feeds ok (0 unchanged), 1 failed, 0 new articles, 0 new stories, 0 updated"
    assert before.count("last success never · not polled yet") == 2
    listing = newsweave("feeds", "list", "--db", db).out
    assert "failing (2×): not an RSS, Atom or JSON feed" in listing
    assert "Local · last success 20" in listing and listing.count("· ok") == 1
    exported = [json.loads(line) for line in newsweave("export", "--db", db).out.splitlines()]
    assert [(a["title"], a["source"]) for a in exported] == [("One", "Local")]


def test_private_addresses_are_refused_unless_allowed(newsweave, db):
    with serve({"/feed": lambda r: Reply(200, FEED)}) as server:
        newsweave("feeds", "add", server.base + "/feed", "--db", db)
        refused = newsweave("update", "--db", db)
        assert server.log == []
    assert "failed: host '127.0.0.1' is on a private, loopback or link-local network" in refused.err


def test_extract_a_url_and_a_file(newsweave, tmp_path):
    with serve({"/one": lambda r: Reply(200, PAGE)}) as server:
        fetched = json.loads(newsweave("extract", server.base + "/one", "--format", "json", env=PRIVATE_OK).out)
    (tmp_path / "one.html").write_bytes(PAGE)
    saved = newsweave("extract", tmp_path / "one.html")
    assert fetched["title"] == "One" and fetched["text"].startswith("Paragraph 0 of the first story")
    assert saved.out.startswith("title:     One\n")


def test_a_page_with_no_body_says_so_once_without_the_extractors_own_log(newsweave, tmp_path):
    (tmp_path / "empty.html").write_bytes(b"just a line of plain text\n")
    quiet = newsweave("extract", tmp_path / "empty.html")
    assert quiet.code == 0, quiet
    assert quiet.out.startswith("partial:   no article body found") and quiet.err == ""
    verbose = newsweave("-v", "extract", tmp_path / "empty.html")
    assert "empty HTML tree" in verbose.err
