"""The reader's web app in-process: every route and its JSON twin, the Atom feed, OpenAPI, escaping, headers."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from xml.etree import ElementTree

import pytest
from conftest import shared_file
from lxml import html as lxml_html
from starlette.testclient import TestClient
from story_db import build_story_db, read_article_file, read_article_records

from newsweave.store import SQLiteStore
from newsweave.web import create_app
from newsweave.web.app import CONTENT_SECURITY_POLICY
from newsweave.web.rendering import ago, safe_url

EVIL = "<script>alert(1)</script>"
EVIL_OUTLET = "Evil <b>Outlet</b>"
ATOM = "{http://www.w3.org/2005/Atom}"

RECORDS = [
    {"id": "bridge-1", "story": "bridge", "title": EVIL, "source": EVIL_OUTLET, "url": "https://evil.example/a",
     "published": "2025-02-12T10:00:00Z",
     "text": "The council approved the new bridge budget of 40 million dollars on Tuesday after a long debate. "
             "<img src=x onerror=alert(2)> Officials said work starts in May."},
    {"id": "bridge-2", "story": "bridge", "title": "Council approves bridge budget", "source": "Daily Plain",
     "url": "https://plain.example/bridge", "published": "2025-02-12T11:00:00Z",
     "text": "The council approved the new bridge budget of 40 million dollars on Tuesday after a long debate. "
             "\"We will build it,\" said Mayor Jane Doe."},
    {"id": "bridge-3", "story": "bridge", "title": "Bridge budget passes", "source": "Harbour Times",
     "url": "https://harbour.example/bridge", "published": "2025-02-12T12:30:00Z",
     "text": "The council approved the new bridge budget of 40 million dollars on Tuesday after a long debate. "
             "The vote was seven to two."},
    {"id": "storm-1", "story": "storm", "title": EVIL, "source": EVIL_OUTLET, "url": "https://evil.example/b",
     "published": "2025-02-11T09:00:00Z",
     "text": "Storm <script>alert(4)</script> closed the harbour of the town on Monday morning, "
             "the port authority said in a statement."},
    {"id": "fair-1", "story": "fair", "title": "Town fair opens with record crowds", "source": "Daily Plain",
     "url": "https://plain.example/fair", "published": "2025-02-11T15:00:00Z",
     "text": "The town fair opened on Monday with record crowds of 12,000 visitors, organisers said."},
    {"id": "fair-2", "story": "fair", "title": "Record crowds at the town fair", "source": "Harbour Times",
     "url": "https://harbour.example/fair", "published": "2025-02-11T16:00:00Z",
     "text": "The town fair opened on Monday with record crowds of 12,000 visitors, organisers said."},
]
STORIES = ("bridge", "fair", "storm")


@pytest.fixture(scope="module")
def small_db(tmp_path_factory):
    return build_story_db(tmp_path_factory.mktemp("web") / "small.db", read_article_records(RECORDS))


@pytest.fixture(scope="module")
def client(small_db):
    with TestClient(create_app(small_db)) as opened:
        yield opened


@pytest.fixture(scope="module")
def crawl(tmp_path_factory):
    articles = read_article_file(shared_file("allsides/crawl.articles.jsonl"))
    db = build_story_db(tmp_path_factory.mktemp("web") / "crawl.db", articles)
    with TestClient(create_app(db)) as opened:
        yield opened


def tree(response):
    assert response.status_code == 200, response.text
    return lxml_html.fromstring(response.text)


# Pages and their JSON twins

PAGES = [
    ("/", "/index.json"),
    ("/stories/bridge", "/stories/bridge.json"),
    ("/outlets", "/outlets.json"),
    ("/outlets/Daily%20Plain", "/outlets/Daily%20Plain.json"),
    ("/search?q=bridge", "/search.json?q=bridge"),
]


@pytest.mark.parametrize(("page", "twin"), PAGES)
def test_every_page_has_a_json_twin_it_links_to(client, page, twin):
    document = tree(client.get(page))
    assert document.xpath("//link[@rel='alternate'][@type='application/json']/@href") == [twin]
    response = client.get(twin)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json()


def test_the_front_page_ranks_the_newest_day_first_then_by_outlets(client):
    stories = client.get("/index.json").json()["stories"]
    assert [s["story"] for s in stories] == ["bridge", "fair", "storm"]
    assert stories[0]["outlets"] == [EVIL_OUTLET, "Daily Plain", "Harbour Times"]
    assert stories[0]["outlet_count"] == 3
    document = tree(client.get("/"))
    assert [h.text_content() for h in document.xpath("//section[@class='day']/h2")] == [
        "Wednesday 12 February 2025", "Tuesday 11 February 2025"]
    card = document.xpath("//article[@class='card']")[0]
    assert "3 outlets" in card.text_content() and "Daily Plain, Harbour Times" in card.text_content()
    assert card.xpath(".//time/@title") == ["Wed 12 Feb 2025, 12:30 UTC"]
    assert card.xpath(".//time")[0].text.endswith("ago")


def test_a_time_in_the_far_future_is_not_believed_on_the_front_page_or_in_the_chart(tmp_path):
    """A feed's wrong year (9999) is not believed: a story dated only so is shown as undated stories are, not as
    the newest of all until 9999, and a source dated so is left off the coverage chart, whose axis it would stretch."""
    year_9999 = {"published": "9999-01-01T00:00:00Z"}
    records = [*RECORDS[:2], {**RECORDS[2], **year_9999}, {**RECORDS[3], **year_9999}, *RECORDS[4:]]
    db = build_story_db(tmp_path / "future.db", read_article_records(records))
    with TestClient(create_app(db)) as opened:
        stories = {s["story"]: s for s in opened.get("/index.json").json()["stories"]}
        days = [h.text_content() for h in tree(opened.get("/")).xpath("//section[@class='day']/h2")]
        bridge = tree(opened.get("/stories/bridge"))
    assert stories["storm"]["last_updated"] is None and stories["storm"]["first_seen"] is None
    assert days == ["Undated", "Wednesday 12 February 2025", "Tuesday 11 February 2025"]
    assert stories["bridge"]["last_updated"] == "2025-02-12T11:00:00+00:00"
    assert len(bridge.xpath("//figure[@class='chart']/svg//circle")) == 2
    assert len(bridge.xpath("//ol[@class='sources']/li")) == 3  # the source itself is listed, with its stated time


def test_the_front_page_filters_by_day_and_by_outlet(client):
    assert [s["story"] for s in client.get("/index.json?day=2025-02-11").json()["stories"]] == ["fair", "storm"]
    by_outlet = client.get("/index.json", params={"outlet": "Harbour Times"}).json()
    assert [s["story"] for s in by_outlet["stories"]] == ["bridge", "fair"]
    assert by_outlet["filters"] == {"day": None, "outlet": "Harbour Times"}
    document = tree(client.get("/?outlet=Harbour+Times"))
    assert document.xpath("//select[@name='outlet']/option[@selected]/@value") == ["Harbour Times"]
    assert "No story matches" in client.get("/?day=2020-01-01").text


def test_the_story_json_twin_is_exactly_the_stored_brief(client, small_db):
    with SQLiteStore(small_db) as store:
        for story in STORIES:
            assert client.get(f"/stories/{story}.json").json() == store.get_brief(story).to_dict()


def test_a_merged_storys_old_address_moves_the_reader_on_and_its_twin_answers_with_the_successor(tmp_path):
    from newsweave.store.base import ClusteringChanges

    db = build_story_db(tmp_path / "merged.db", read_article_records(RECORDS))
    with SQLiteStore(db) as store:
        store.apply_clustering(ClusteringChanges(attached=[], stories=[], merged=[("fair", "bridge")], dormant=[],
                                                 engine="test/1", engine_state={}))
    with TestClient(create_app(db)) as opened:
        moved = opened.get("/stories/fair?from=bookmark", follow_redirects=False)
        page = opened.get("/stories/fair")
        twin = opened.get("/stories/fair.json")
    assert moved.status_code == 301 and moved.headers["location"] == "/stories/bridge"
    assert page.url.path == "/stories/bridge" and tree(page).xpath("//h1")
    assert twin.status_code == 200 and twin.json()["story"] == "bridge"


def test_the_story_page_shows_the_whole_brief_with_its_sources(client, small_db):
    with SQLiteStore(small_db) as store:
        brief = store.get_brief("bridge")
    document = tree(client.get("/stories/bridge"))
    text = document.text_content()
    assert document.xpath("//h1")[0].text_content() == brief.headline
    for claim in brief.summary:
        assert claim.text in text
    assert "We will build it" in text and "Mayor Jane Doe" in text
    sources = document.xpath("//ol[@class='sources']/li")
    assert [li.get("id") for li in sources] == ["src-1", "src-2", "src-3"]
    assert sources[1].xpath(".//a/@href") == ["https://plain.example/bridge"]
    assert sources[1].xpath(".//span[@class='src-outlet']")[0].text == "Daily Plain"
    assert len(document.xpath("//figure[@class='chart']/svg//circle")) == 3
    assert {"Summary", "Quotes", "Coverage", "Sources"} <= {h.text_content() for h in document.xpath("//h2")}


TOLL_RECORDS = [
    {"id": f"flood-{n}", "story": "flood", "title": f"Valley floods ({outlet})", "source": outlet,
     "url": f"https://{outlet.split()[0].lower()}.example/flood", "published": f"2025-02-13T0{n}:00:00Z",
     "text": f"Floods killed {toll} people in the river valley on Thursday, {said}. "
             "Rescue teams searched the flooded villages through the night."}
    for n, outlet, toll, said in ((1, "North Post", 12, "officials said"),
                                  (2, "South Herald", 15, "according to regional officials"))
]


def test_the_story_page_sets_outlets_that_give_different_numbers_side_by_side(tmp_path):
    db = build_story_db(tmp_path / "toll.db", read_article_records(TOLL_RECORDS))
    with TestClient(create_app(db)) as opened:
        document = tree(opened.get("/stories/flood"))
        atom = opened.get("/feed.atom").text
    (section,) = document.xpath("//section[@aria-labelledby='h-differ']")
    assert [h.text_content() for h in section.xpath(".//h3")] == ["Death toll"]
    sides = {side.xpath("./p[@class='side-outlets']")[0].text_content(): side.text_content()
             for side in section.xpath(".//div[@class='side']")}
    assert set(sides) == {"North Post", "South Herald"}
    assert "killed 12 people" in sides["North Post"] and "killed 15 people" in sides["South Herald"]
    assert [m.text_content() for m in section.xpath(".//mark")] == ["12", "15"]  # what differs, marked
    flagged = document.xpath("//a[@class='differ-tag']")
    assert flagged and all(a.get("href") == "#h-differ" for a in flagged)  # a disputed claim points there
    assert len(section.xpath(".//span[@class='cite']/a")) == 2
    assert "Where outlets differ: death toll" in atom


def test_an_opinion_source_is_tagged_in_the_source_list(tmp_path):
    column = {**TOLL_RECORDS[0], "id": "flood-op", "source": "North Post", "title": "The valley deserved better",
              "url": "https://north.example/opinion/2025/02/13/valley-deserved-better",
              "text": "The valley deserved far better planning from its leaders. Floods killed 12 people in the "
                      "river valley on Thursday, officials said."}
    db = build_story_db(tmp_path / "op.db", read_article_records([*TOLL_RECORDS, column]))
    with TestClient(create_app(db)) as opened:
        document = tree(opened.get("/stories/flood"))
    tagged = [li.xpath(".//a")[0].text_content() for li in document.xpath("//ol[@class='sources']/li")
              if li.xpath(".//span[@class='opinion-tag']")]
    assert tagged == ["The valley deserved better"]


def test_every_citation_marker_links_to_its_source_and_carries_the_exact_source_sentence(client, small_db):
    with SQLiteStore(small_db) as store:
        brief = store.get_brief("bridge")
    numbers = {source.article: n for n, source in enumerate(brief.sources, start=1)}
    document = tree(client.get("/stories/bridge"))
    claims = document.xpath("//section[@class='summary']//span[starts-with(@class, 'claim')]")
    assert len(claims) == len(brief.summary)
    for element, claim in zip(claims, brief.summary, strict=True):
        cites = element.getnext().xpath(".//span[@class='cite']")
        assert [c.xpath("./a/@href")[0] for c in cites] == [
            f"#src-{n}" for n in sorted({numbers[c.article] for c in claim.citations})]
        for cite in cites:
            tooltip = document.get_element_by_id(cite.xpath("./a/@aria-describedby")[0])
            assert tooltip.get("role") == "tooltip"
            quotes = {q.text_content() for q in tooltip.xpath(".//span[@class='pop-quote']")}
            assert quotes <= {c.quote for c in claim.citations}
            # the source's outlet and date, so a claim that says "today" or "last week" can be read in time
            source = brief.sources[int(cite.xpath("./a")[0].text_content()) - 1]
            outlet = tooltip.xpath(".//span[@class='pop-outlet']")[0]
            assert outlet.text_content().startswith(source.source or "Unknown outlet")
            assert source.published  # the fixture's articles are all dated
            when = source.published.astimezone(UTC)
            assert outlet.xpath("./time/@datetime") == [when.isoformat()]
            assert outlet.xpath("./time")[0].text_content() == when.strftime("%-d %b %Y")


def test_single_source_claims_are_marked_and_corroborated_ones_are_not(client, small_db):
    with SQLiteStore(small_db) as store:
        brief = store.get_brief("bridge")
    document = tree(client.get("/stories/bridge"))
    claims = document.xpath("//section[@class='summary']//span[starts-with(@class, 'claim')]")
    for element, claim in zip(claims, brief.summary, strict=True):
        after_markers = element.getnext().getnext()
        marked = after_markers is not None and after_markers.get("class") == "single-tag"
        assert element.text_content() == claim.text and marked == claim.single_source
    assert any(c.single_source for c in brief.summary) and not all(c.single_source for c in brief.summary)


def test_the_outlets_page_and_an_outlet_page_show_coverage_and_what_was_missed(client):
    outlets = client.get("/outlets.json").json()["outlets"]
    assert [(o["name"], o["stories"]) for o in outlets] == [("Daily Plain", 2), (EVIL_OUTLET, 2), ("Harbour Times", 2)]
    assert tree(client.get("/outlets")).xpath("//table//a/@href")[0] == "/outlets/Daily%20Plain"
    evil = client.get("/outlets/" + quote(EVIL_OUTLET, safe="") + ".json").json()
    assert [s["story"] for s in evil["stories"]] == ["bridge", "storm"]
    assert [s["story"] for s in evil["missed"]] == ["fair"]
    document = tree(client.get("/outlets/" + quote(EVIL_OUTLET, safe="")))
    assert document.xpath("//h1")[0].text_content() == EVIL_OUTLET
    assert "Town fair opens" in document.xpath("//section[@class='missed']")[0].text_content()
    assert client.get("/outlets/Nobody").status_code == 404


def test_search_finds_stories_and_articles_and_marks_the_matches(client):
    document = tree(client.get("/search?q=bridge+budget"))
    marks = [m.text for m in document.xpath("//section[@aria-labelledby='h-stories']//mark")]
    assert {"bridge", "budget"} <= {m.lower() for m in marks}
    assert document.xpath("//section[@aria-labelledby='h-articles']//article")
    found = client.get("/search.json?q=bridge budget").json()
    assert found["stories"][0]["story"] == "bridge"
    headline = found["stories"][0]["headline"]
    assert [headline["text"][a:b].lower() for a, b in headline["matches"]] == ["bridge", "budget"]
    assert {a["article"] for a in found["articles"]} == {"bridge-1", "bridge-2", "bridge-3"}
    assert client.get("/search.json?q=").json() == {"query": "", "stories": [], "articles": []}
    assert client.get('/search.json?q="unbalanced (quote AND').status_code == 200
    assert client.get("/search.json?q=bridge%00").json()["stories"][0]["story"] == "bridge"  # a NUL in a query
    assert client.get("/search?q=%00").status_code == 200


def test_the_atom_feed_is_valid_xml_with_one_entry_per_story_carrying_its_brief(client):
    response = client.get("/feed.atom")
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(STORIES)
    assert {e.find(f"{ATOM}id").text for e in entries} == {f"urn:newsweave:story:{s}" for s in STORIES}
    bridge = next(e for e in entries if e.find(f"{ATOM}id").text.endswith(":bridge"))
    assert bridge.find(f"{ATOM}link[@type='text/html']").get("href") == "http://testserver/stories/bridge"
    content = bridge.find(f"{ATOM}content")
    assert content.get("type") == "html"
    body = lxml_html.fromstring(content.text)
    assert "https://plain.example/bridge" in body.xpath("//ol/li/a/@href")
    assert "Mayor Jane Doe" in body.text_content()
    assert {c.get("term") for c in bridge.findall(f"{ATOM}category")} == {EVIL_OUTLET, "Daily Plain", "Harbour Times"}


def test_openapi_describes_every_json_route(client):
    document = client.get("/openapi.json").json()
    assert document["openapi"].startswith("3.")
    described = set(document["paths"])
    for route in client.app.routes:
        path = getattr(route, "path", "").replace("{name:path}", "{name}.json")
        if path.endswith((".json", ".atom")) and path != "/openapi.json":
            assert path in described, f"{path} is not in /openapi.json"
    assert set(document["components"]["schemas"]["Brief"]["required"]) == set(
        client.get("/stories/bridge.json").json())


# Errors

@pytest.mark.parametrize("path", ["/stories/nope", "/outlets/Nobody", "/no/such/page"])
def test_an_unknown_page_is_a_404_page_and_its_twin_a_json_error(client, path):
    page = client.get(path)
    assert page.status_code == 404 and "Not found" in page.text
    twin = client.get(path + ".json")
    assert twin.status_code == 404 and twin.json()["status"] == 404


@pytest.mark.parametrize("query", ["day=yesterday", "day=2025-13-01", "page=0", "page=x", "page=99999999"])
def test_a_bad_parameter_is_a_400_that_says_what_to_send(client, query):
    page = client.get(f"/?{query}")
    assert page.status_code == 400
    assert client.get(f"/index.json?{query}").json()["error"]


# Security

SURFACES = ["/", "/index.json", "/stories/bridge", "/stories/bridge.json", "/stories/storm", "/outlets",
            "/outlets.json", "/outlets/" + quote(EVIL_OUTLET, safe=""), "/search?q=alert", "/search.json?q=alert",
            "/search?q=harbour", "/feed.atom"]


@pytest.mark.parametrize("path", SURFACES)
def test_hostile_text_from_feeds_shows_as_text_everywhere(client, path):
    response = client.get(path)
    if path.split("?")[0].endswith(".json"):  # data served as application/json with nosniff: the text itself
        assert response.headers["content-type"] == "application/json"
        assert EVIL in response.text or EVIL_OUTLET in response.text or "alert" in response.text
        return
    body = response.text
    assert "<script>alert" not in body and "<img src=x" not in body and "<b>Outlet" not in body
    if path != "/feed.atom":
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body or "Evil &lt;b&gt;Outlet&lt;/b&gt;" in body


def test_the_atom_feed_carries_hostile_titles_as_text(client):
    feed = ElementTree.fromstring(client.get("/feed.atom").content)
    storm = next(e for e in feed.findall(f"{ATOM}entry") if e.find(f"{ATOM}id").text.endswith(":storm"))
    assert storm.find(f"{ATOM}title").text == EVIL
    content = lxml_html.fromstring(storm.find(f"{ATOM}content").text)
    assert not content.xpath("//script") and EVIL in content.text_content()


@pytest.mark.parametrize("path", ["/", "/stories/bridge", "/index.json", "/feed.atom", "/static/style.css",
                                  "/no/such/page", "/?page=0"])
def test_every_response_carries_a_strict_content_security_policy(client, path):
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", ["/", "/stories/bridge", "/outlets", "/outlets/Daily%20Plain", "/search?q=bridge"])
def test_pages_have_no_inline_script_or_style_and_load_nothing_from_elsewhere(client, path):
    document = tree(client.get(path))
    assert all(script.get("src", "").startswith("/static/") for script in document.xpath("//script"))
    assert not document.xpath("//style") and not document.xpath("//*[@style]")
    assert not document.xpath("//*[starts-with(@onclick, '') and @onclick]")
    loaded = document.xpath("//script/@src | //link[@rel='stylesheet' or @rel='icon']/@href | //img/@src")
    assert loaded and all(url.startswith("/") and not url.startswith("//") for url in loaded)


def test_only_http_links_are_linked():
    assert safe_url("https://example.com/a") == "https://example.com/a"
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None and safe_url(None) is None


def test_static_files_and_landmarks_are_there(client):
    assert client.get("/static/reader.js").status_code == 200
    document = tree(client.get("/stories/bridge"))
    assert len(document.xpath("//main")) == 1 and document.xpath("//header") and document.xpath("//footer")
    assert document.xpath("//nav[@aria-label]") and document.xpath("//form[@role='search']")
    assert document.xpath("//html/@lang") == ["en"]


# Times in the reader's terms

def test_times_are_said_the_way_a_reader_says_them():
    now = datetime(2025, 2, 12, 12, 0, tzinfo=UTC)
    assert ago(now - timedelta(seconds=20), now) == "just now"
    assert ago(now - timedelta(minutes=1), now) == "1 minute ago"
    assert ago(now - timedelta(hours=3, minutes=5), now) == "3 hours ago"
    assert ago(now - timedelta(days=1, hours=2), now) == "yesterday"
    assert ago(now - timedelta(days=9), now) == "1 week ago"
    assert ago(now - timedelta(days=800), now) == "2 years ago"
    assert ago(None, now) == "time unknown"


# The reader index follows the briefs

def test_a_rewritten_brief_replaces_its_entry_in_the_reader_index(tmp_path):
    db = build_story_db(tmp_path / "news.db", read_article_records(RECORDS))
    with SQLiteStore(db) as store:
        brief = store.get_brief("fair")
        store.save_brief(replace(brief, headline="Fairground draws a crowd"))
        assert [hit.story for hit in store.search_stories("fairground")] == ["fair"]
        assert store.search_stories("record crowds town fair opens") == []
        headlines = [b.headline for b in store.reader_stories()]
        assert len(headlines) == len(STORIES) and "Fairground draws a crowd" in headlines


# The crawl's stories: many pages

def test_the_front_page_pages_through_the_crawls_stories(crawl):
    first = crawl.get("/index.json").json()
    assert len(first["stories"]) == 20 and first["previous"] is None and first["next"] == "/?page=2"
    second = crawl.get("/index.json?page=2").json()
    assert not {s["story"] for s in first["stories"]} & {s["story"] for s in second["stories"]}
    document = tree(crawl.get("/?page=2"))
    assert document.xpath("//nav[@class='pager']//a[@rel='prev']/@href") == ["/"]
    outlets = [s["outlet_count"] for s in first["stories"] if s["last_updated"][:10] == first["stories"][0][
        "last_updated"][:10]]
    assert outlets == sorted(outlets, reverse=True)


def test_every_crawl_story_page_renders(crawl):
    stories = crawl.get("/index.json").json()["stories"]
    for story in stories:
        assert tree(crawl.get(story["url"])).xpath("//h1")[0].text_content() == story["headline"]
