"""The Store contract. Every backend runs these tests (SQLite now; PostgreSQL joins ``BACKENDS`` later)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from newsweave.errors import StoreError
from newsweave.models import Article, Brief, Citation, Claim, Coverage, Feed, SourceRef
from newsweave.store import SaveOutcome, SQLiteStore

BACKENDS = {"sqlite": lambda tmp_path: SQLiteStore(tmp_path / "contract.db")}


@pytest.fixture(params=sorted(BACKENDS))
def store(request, tmp_path):
    opened = BACKENDS[request.param](tmp_path)
    yield opened
    opened.close()


def make_article(n: int, **fields) -> Article:
    values = {"id": f"a{n}", "title": f"Title {n}", "text": f"Text of article {n}.", "source": "Outlet", **fields}
    return Article(**values)


def test_saving_reports_new_known_and_updated(store):
    first = make_article(1)
    assert store.save_articles([first, make_article(2)]) == [SaveOutcome.NEW, SaveOutcome.NEW]
    assert store.save_articles([first]) == [SaveOutcome.KNOWN]
    assert store.save_articles([make_article(1, text="Changed.")]) == [SaveOutcome.UPDATED]
    assert store.get_article("a1").text == "Changed."
    assert store.stats().articles == 2


def test_an_article_comes_back_exactly_as_saved(store):
    saved = make_article(
        1,
        url="https://example.com/x",
        published=datetime(2025, 2, 12, 14, 5, tzinfo=UTC),
        language="en",
        author="Jane Doe",
        label="gold-1",
        extra={"leaning": "left", "tags": ["a"]},
    )
    store.save_articles([saved])
    assert store.get_article("a1") == saved
    assert store.get_article("missing") is None


def test_find_by_url_uses_the_canonical_form(store):
    store.save_articles([make_article(1, url="https://Example.com:443/story?id=7&utm_source=rss#top")])
    assert store.find_article_by_url("https://example.com/story?utm_medium=x&id=7").id == "a1"
    assert store.is_known("https://example.com/story?id=7")
    assert not store.is_known("https://example.com/story?id=8")


def test_iteration_is_in_first_stored_order(store):
    store.save_articles([make_article(n) for n in (3, 1, 2)])
    store.save_articles([make_article(3, text="Updated later.")])
    assert [a.id for a in store.iter_articles(batch_size=2)] == ["a3", "a1", "a2"]


def test_full_text_search_finds_words_and_follows_updates(store):
    store.save_articles([
        make_article(1, title="Parliament passes budget", text="The vote was close."),
        make_article(2, title="Storm hits the coast", text="Thousands without power."),
    ])
    assert [a.id for a in store.search_articles("budget")] == ["a1"]
    assert [a.id for a in store.search_articles("POWER thousands")] == ["a2"]
    store.save_articles([make_article(2, title="Storm weakens", text="Power restored.")])
    assert store.search_articles("thousands") == []
    assert store.search_articles('"unbalanced AND (') == []
    assert [a.id for a in store.search_articles("budget\x00")] == ["a1"]  # a NUL parts words, never ends a query
    assert [a.id for a in store.search_articles("passes\x00budget\x1f")] == ["a1"]
    assert store.search_articles("   ") == []


def test_attach_creates_stories_and_moves_articles(store):
    store.save_articles([make_article(n, source=src) for n, src in ((1, "A"), (2, "B"), (3, "B"))])
    store.attach("a1", "s1")
    store.attach("a2", "s1")
    store.attach("a3", "s2")
    story = store.get_story("s1")
    assert (story.articles, story.outlets, story.status) == (2, 2, "active")
    store.attach("a2", "s2")
    assert store.get_story("s1").articles == 1
    assert [a.id for a in store.story_articles("s2")] == ["a2", "a3"]
    assert [s.id for s in store.list_stories()] == ["s2", "s1"]
    assert store.stats().stories == 2


def test_attaching_an_unknown_article_is_an_error_and_changes_nothing(store):
    with pytest.raises(StoreError, match="no such article"):
        store.attach("ghost", "s1")
    assert store.get_story("s1") is None


def test_a_brief_round_trips(store):
    store.save_articles([make_article(1)])
    store.attach("a1", "s1")
    citation = Citation("a1", 0, 8, "Text of ")
    brief = Brief(
        story="s1",
        headline="Title 1",
        headline_from="a1",
        summary=(Claim("Text of article 1.", (citation,), ("Outlet",)),),
        sources=(SourceRef("a1", "Title 1", None, "Outlet", None),),
        coverage=Coverage(1, 1, None, None),
        engine="test/1",
    )
    store.save_brief(brief)
    assert store.get_brief("s1") == brief
    assert store.stats().briefs == 1
    with pytest.raises(StoreError, match="no such story"):
        store.save_brief(Brief(story="nope", headline="h", headline_from=None))


def test_assignments_and_briefs_come_back_in_the_order_stored_without_merged_stories(store):
    from newsweave.store.base import ClusteringChanges

    store.save_articles([make_article(n) for n in (1, 2, 3, 4)])
    for article, story in (("a3", "s1"), ("a1", "s2"), ("a2", "s3")):
        store.attach(article, story)
    for story in ("s1", "s2", "s3"):
        store.save_brief(Brief(story=story, headline=f"About {story}", headline_from=None))
    store.apply_clustering(ClusteringChanges(attached=[], stories=[], merged=[("s3", "s2")], dormant=[],
                                             engine="test/1", engine_state={}))
    assert list(store.iter_assignments()) == [("a1", "s2"), ("a2", "s2"), ("a3", "s1"), ("a4", None)]
    assert [b.headline for b in store.iter_briefs()] == ["About s1", "About s2"]


def test_a_story_whose_brief_is_missing_or_tells_of_fewer_articles_is_stale(store):
    store.save_articles([make_article(n) for n in (1, 2, 3)])
    store.attach("a1", "s1")
    store.attach("a2", "s2")
    assert store.stale_stories() == ["s1", "s2"]
    for story in ("s1", "s2"):
        store.save_brief(Brief(story=story, headline="h", headline_from=None, coverage=Coverage(1, 1, None, None)))
    assert store.stale_stories() == []
    store.attach("a3", "s2")  # saved, and interrupted before its brief was rewritten
    assert store.stale_stories() == ["s2"]


def test_a_feed_moves_to_a_new_url_with_its_name_and_history(store):
    store.add_feed(Feed("https://example.com/", "Example"))
    store.save_feed_state(Feed("https://example.com/", "Example", error_count=2, last_error="an HTML page"))
    assert store.move_feed("https://example.com/", "https://example.com/rss")
    (moved,) = store.list_feeds()
    assert (moved.url, moved.name, moved.error_count) == ("https://example.com/rss", "Example", 2)
    assert store.get_feed("https://example.com/") is None
    store.add_feed(Feed("https://example.com/news", "Example news"))
    assert not store.move_feed("https://example.com/news", "https://example.com/rss")  # already followed: merged
    assert [f.url for f in store.list_feeds()] == ["https://example.com/rss"]


def test_one_clusterer_at_a_time_holds_a_database(store):
    """Another connection to the same database, as another process would open, waits for the lock."""
    import threading

    other = SQLiteStore(store.path) if store.path != ":memory:" else store
    entered = threading.Event()

    def settle() -> None:
        with other.clustering_lock():
            entered.set()

    with store.clustering_lock():
        waiting = threading.Thread(target=settle)
        waiting.start()
        assert not entered.wait(0.5)  # still held here
    assert entered.wait(10)
    waiting.join()
    if other is not store:
        other.close()


def test_feeds_are_added_once_listed_and_removed(store):
    assert store.add_feed(Feed("https://example.com/rss", "Example"))
    assert not store.add_feed(Feed("https://example.com/rss", "Again"))
    store.add_feed(Feed("https://other.example/atom"))
    assert [(f.url, f.name) for f in store.list_feeds()] == [
        ("https://example.com/rss", "Example"),
        ("https://other.example/atom", None),
    ]
    assert store.remove_feed("https://example.com/rss")
    assert not store.remove_feed("https://example.com/rss")
    assert store.stats().feeds == 1


def test_a_failed_batch_stores_nothing(store):
    def articles():
        yield make_article(1)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        store.save_articles(articles())
    assert store.stats().articles == 0
    assert store.save_articles([make_article(1)]) == [SaveOutcome.NEW]


def test_embeddings_are_cached_by_model_and_key(store):
    vectors = {"k1": np.array([0.5, -1.25, 3.0], dtype=np.float32), "k2": np.zeros(3, dtype=np.float32)}
    store.save_embeddings("model-a", vectors)
    found = store.get_embeddings("model-a", ["k1", "k2", "k3", "k1"])
    assert sorted(found) == ["k1", "k2"]
    assert np.array_equal(found["k1"], vectors["k1"]) and found["k1"].dtype == np.float32
    assert store.get_embeddings("model-b", ["k1"]) == {}


def test_many_embeddings_are_looked_up_at_once(store):
    vectors = {f"key-{n}": np.full(4, n, dtype=np.float32) for n in range(1_200)}
    store.save_embeddings("m", vectors)
    found = store.get_embeddings("m", list(vectors))
    assert len(found) == 1_200 and found["key-1199"][0] == 1199


def test_text_analyses_are_cached_by_analyser_and_key(store):
    analyses = {f"key-{n}": f'[{{"flood":{n}}},["Valencia"],[],[]]' for n in range(1_200)}
    store.save_analyses("signals-a", analyses)
    found = store.get_analyses("signals-a", [*analyses, "key-x", "key-1"])
    assert found == analyses
    assert store.get_analyses("signals-b", ["key-1"]) == {}
    store.save_analyses("signals-a", {"key-1": "changed"})  # the first analysis of a text stands
    assert store.get_analyses("signals-a", ["key-1"]) == {"key-1": analyses["key-1"]}


def test_clustering_changes_apply_whole_and_merged_ids_stay_resolvable(store):
    from newsweave.store.base import ClusteringChanges, StoredStory

    store.save_articles([make_article(n) for n in (1, 2, 3)])
    assert [a.id for a in store.unassigned_articles()] == ["a1", "a2", "a3"]
    vector = np.ones(384, np.float32)
    store.apply_clustering(ClusteringChanges(
        attached=[("a1", "s1"), ("a2", "s2"), ("a3", "s2")],
        stories=[StoredStory("s1", vector, {"k": 1}, None), StoredStory("s2", vector, {"k": 2}, None)],
        merged=[], dormant=[], engine="test/1", engine_state={"next": 3},
    ))
    assert store.unassigned_articles() == [] and store.engine_state("test/1") == {"next": 3}
    assert sorted((s.id, s.signals["k"]) for s in store.active_stories()) == [("s1", 1), ("s2", 2)]
    store.apply_clustering(ClusteringChanges(
        attached=[], stories=[StoredStory("s1", vector * 2, {"k": 3}, None)], merged=[("s2", "s1")],
        dormant=[], engine="test/1", engine_state={"next": 3},
    ))
    assert store.get_story("s2").id == "s1" and store.get_story("s1").articles == 3
    assert [s.id for s in store.list_stories()] == ["s1"]
    assert store.story_of_article("a3").id == "s1"
    store.apply_clustering(ClusteringChanges(attached=[], stories=[], merged=[], dormant=["s1"],
                                             engine="test/1", engine_state={}))
    assert store.get_story("s1").status == "dormant" and store.active_stories() == []


def test_retired_stories_free_their_articles_and_keep_their_ids_until_redirected(store):
    from newsweave.store.base import ClusteringChanges, StoredStory

    store.save_articles([make_article(n) for n in range(1, 6)])
    vector = np.ones(384, np.float32)
    stories = [StoredStory(s, vector, {}, None) for s in ("s1", "s2", "s3", "s4")]

    def apply(attached=(), merged=()):
        store.apply_clustering(ClusteringChanges(attached=list(attached), stories=stories, merged=list(merged),
                                                 dormant=[], engine="test/1", engine_state={"next_seq": 9}))

    apply(attached=[("a1", "s1"), ("a2", "s1"), ("a3", "s2"), ("a4", "s3"), ("a5", "s4")])
    apply(merged=[("s2", "s1")])
    apply(merged=[("s3", "s4")])
    apply(merged=[("s4", "s3")])  # two writers' merges crossed: s3 and s4 now lead to each other
    store.save_brief(Brief(story="s1", headline="One", headline_from=None, coverage=Coverage(3, 1, None, None)))
    assert store.reader_stories() != []

    store.retire_stories("test/1", {"next_seq": 9, "fresh": True})
    held = {"s1": ["a1", "a2", "a3"], "s2": ["a1", "a2", "a3"]}  # s3 and s4, in a cycle, led nowhere
    assert store.retired_members() == held
    assert [a.id for a in store.unassigned_articles()] == ["a1", "a2", "a3", "a4", "a5"]
    assert store.engine_state("test/1") == {"next_seq": 9, "fresh": True}
    assert store.get_brief("s1") is None and store.reader_stories() == [] and store.active_stories() == []
    assert store.list_stories() == [] and store.stats().stories == 0

    def regroup(story, articles):
        store.apply_clustering(ClusteringChanges(attached=[(a, story) for a in articles],
                                                 stories=[StoredStory(story, vector, {}, None)], merged=[],
                                                 dormant=[], engine="test/1", engine_state={"next_seq": 11}))

    regroup("s10", ["a1", "a2"])  # interrupted here: a second retirement adds to what the first kept
    assert store.stale_stories() == ["s10"] and store.story_ids() == ["s1", "s2", "s3", "s4", "s10"]
    store.retire_stories("test/1", {"next_seq": 11})
    assert store.retired_members() == {**held, "s10": ["a1", "a2"]}
    regroup("s11", ["a1", "a2", "a3", "a4", "a5"])
    store.redirect_stories({"s1": "s11", "s2": "s11", "s10": "s11"})
    assert store.get_story("s2").id == "s11" and store.get_story("s10").articles == 5
    assert [s.id for s in store.list_stories()] == ["s11"] and store.retired_members() == {}


def test_an_article_a_review_moves_after_its_batch_takes_its_copies_along(store):
    from newsweave.store.base import ClusteringChanges, StoredStory

    store.save_articles([make_article(1), make_article(2, duplicate_of="a1"), make_article(3)])
    vector = np.ones(384, np.float32)
    stories = [StoredStory("s1", vector, {}, None), StoredStory("s2", vector, {}, None)]
    store.apply_clustering(ClusteringChanges(attached=[("a1", "s1"), ("a2", "s1"), ("a3", "s2")], stories=stories,
                                             merged=[], dormant=[], engine="test/1", engine_state={}))
    store.apply_clustering(ClusteringChanges(attached=[], stories=stories, merged=[], dormant=[], engine="test/1",
                                             engine_state={}, moved=[("a1", "s2")]))
    assert {a: store.story_of_article(a).id for a in ("a1", "a2", "a3")} == {"a1": "s2", "a2": "s2", "a3": "s2"}
    assert store.get_story("s1").articles == 0 and store.get_story("s2").articles == 3
