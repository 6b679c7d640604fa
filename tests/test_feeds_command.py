"""`newsweave feeds …`, `update` and `extract` as a user runs them, against servers on loopback."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time

import httpx
from conftest import NEWSWEAVE
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
        listing = newsweave("feeds", "list", "--db", db).out
        newsweave("feeds", "remove", server.base + "/broken", "--db", db)
        healthy = newsweave("update", "--all", "--db", db, env=PRIVATE_OK)
    assert healthy.code == 0 and healthy.out.startswith("1 feeds ok (0 unchanged), 0 failed"), healthy
    assert result.code == 1, result  # done, but a feed was skipped
    assert result.out.strip() == "1 feeds ok (0 unchanged), 1 failed, 1 new articles, 1 new stories, 0 updated"
    assert "/broken: failed: not an RSS, Atom or JSON feed" in result.err
    assert again.out.strip() == "1 feeds ok (0 unchanged), 1 failed, 0 new articles, 0 new stories, 0 updated"
    assert before.count("last success never · not polled yet") == 2
    assert "failing (2×): not an RSS, Atom or JSON feed" in listing
    assert "Local · last success 20" in listing and listing.count("· ok") == 1
    exported = [json.loads(line) for line in newsweave("export", "--db", db).out.splitlines()]
    assert [(a["title"], a["source"]) for a in exported] == [("One", "Local")]


def test_a_feed_read_despite_its_fault_is_ok_with_the_fault_beside_it(newsweave, db):
    broken = FEED.replace(b"First item.", b"Fish & chips") + b"<item><title>Cut"  # a bare ampersand, cut short

    def feed(request) -> Reply:
        if request.headers.get("If-None-Match") == '"v1"':
            return Reply(304)
        return Reply(200, broken, {"ETag": '"v1"'})

    with serve({"/feed": feed, "/one": lambda r: Reply(200, PAGE)}) as server:
        newsweave("feeds", "add", server.base + "/feed", "--name", "Local", "--db", db)
        result = newsweave("update", "--db", db, env=PRIVATE_OK)
        listed = newsweave("feeds", "list", "--db", db).out
        unchanged = newsweave("update", "--all", "--db", db, env=PRIVATE_OK)
    assert result.code == 0, result
    assert result.out.startswith("1 feeds ok (0 unchanged), 0 failed, 1 new articles")
    assert "/feed: 1 new (read despite: malformed feed" in result.err
    assert "· ok, read despite: malformed feed" in listed
    # Not modified: the same broken feed as before, so its fault stays beside it
    assert unchanged.out.startswith("1 feeds ok (1 unchanged), 0 failed"), unchanged
    assert "· ok, read despite: malformed feed" in newsweave("feeds", "list", "--db", db).out


HOME = (b'<html><head><title>Local news</title><link rel="alternate" type="application/rss+xml" href="/feed">'
        b"</head><body><h1>Local news</h1><p>Today's stories.</p></body></html>")


def test_a_sites_page_stands_for_the_feed_it_names(newsweave, db):
    """As readers expect of a feed reader: give the site, get its feed."""
    routes = {"/": lambda r: Reply(200, HOME), "/feed": lambda r: Reply(200, FEED), "/one": lambda r: Reply(200, PAGE),
              "/bare": lambda r: Reply(200, b"<html><body>no feed named</body></html>")}
    with serve(routes) as server:
        newsweave("feeds", "add", server.base + "/", "--name", "Local", "--db", db)
        newsweave("feeds", "add", server.base + "/bare", "--db", db)
        result = newsweave("update", "--db", db, env=PRIVATE_OK)
        listed = json.loads(newsweave("feeds", "list", "--format", "json", "--db", db).out)
        newsweave("feeds", "add", server.base + "/", "--db", db)  # the page again: its feed is followed already
        again = newsweave("update", "--all", "--db", db, env=PRIVATE_OK)
    assert f"{server.base}/: a page naming its feed; now following {server.base}/feed: 1 new" in result.err
    assert "/bare: failed: not an RSS, Atom or JSON feed (an HTML page)" in result.err
    assert [(f["url"], f["name"]) for f in listed] == [(server.base + "/feed", "Local"), (server.base + "/bare", None)]
    assert [a["title"] for a in map(json.loads, newsweave("export", "--db", db).out.splitlines())] == ["One"]
    assert again.out.startswith("2 feeds ok (0 unchanged), 1 failed, 0 new articles"), again  # nothing twice
    followed = [f["url"] for f in json.loads(newsweave("feeds", "list", "--format", "json", "--db", db).out)]
    assert followed == [server.base + "/feed", server.base + "/bare"]


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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _lines_of(stream, into: list[str]) -> None:
    for line in stream:
        into.append(line)


def test_run_updates_on_its_schedule_serves_the_stories_and_stops_cleanly(newsweave, db, tmp_path):
    """The main job, as `make run` starts it: an update, then another on schedule, the web app serving what they
    stored all along, and Ctrl-C ending it with everything kept."""
    port = _free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("NEWSWEAVE_")}, **PRIVATE_OK,
           "NEWSWEAVE_CACHE": str(tmp_path / "cache.db")}
    with serve({"/feed": lambda r: Reply(200, FEED), "/one": lambda r: Reply(200, PAGE)}) as server:
        newsweave("feeds", "add", server.base + "/feed", "--name", "Local", "--db", db)
        process = subprocess.Popen([*NEWSWEAVE, "run", "--every", "0.02", "--port", str(port), "--db", str(db)],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        updates: list[str] = []
        threading.Thread(target=_lines_of, args=(process.stdout, updates), daemon=True).start()
        try:
            deadline = time.monotonic() + 120
            while len(updates) < 2 and time.monotonic() < deadline and process.poll() is None:
                time.sleep(0.2)
            front = httpx.get(f"http://127.0.0.1:{port}/index.json", timeout=10).json()
        finally:
            process.send_signal(signal.SIGINT)
            _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert len(updates) >= 2, (updates, err)
    assert updates[0].endswith(" 1 feeds ok (0 unchanged), 0 failed, 1 new articles, 1 new stories, 0 updated\n")
    assert " 0 new articles" in updates[1]  # the second poll finds the same item: nothing stored twice
    assert [story["headline"] for story in front["stories"]] == ["One"]
    assert "Serving newsweave on http://127.0.0.1:" in err and "stopped; everything fetched so far is stored" in err


def test_serve_and_run_stop_with_a_message_when_the_port_is_taken(newsweave, db):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        served = newsweave("serve", "--port", port, "--db", db)
        ran = newsweave("run", "--port", port, "--db", db, env=PRIVATE_OK)
    assert served.code == 2 and f"error: cannot listen on 127.0.0.1:{port}: " in served.err
    assert "choose another with --port" in served.err and "Traceback" not in served.err
    assert ran.code == 2 and "--port 0 to run without the web app" in ran.err
    assert ran.out == "" and "following the" not in ran.err  # stopped before polling any feed
