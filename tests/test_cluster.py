"""Story clustering: accuracy floors on the shared data, determinism, exact resume, merges, dormancy, reopening."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from conftest import read_jsonl, shared_file, write_jsonl

from newsweave.evaluation.clustering import score_clustering
from newsweave.models import Article
from newsweave.pipeline import embed_articles
from newsweave.stages.cluster import (
    FEATURES,
    ClusterConfig,
    OnlineClusterer,
    Scorer,
    StoryState,
    assign_in_order,
    cluster_articles,
    processing_order,
    review_in_order,
)
from newsweave.stages.embed import MiniLMEmbedder, article_text, story_embedder
from newsweave.stages.ingest import read_articles


@pytest.fixture
def cache_env(tmp_path_factory):
    """One embedding cache for the whole test session's cluster runs (as a user's machine has one)."""
    return {"NEWSWEAVE_CACHE": str(tmp_path_factory.getbasetemp() / "embeddings.db")}


def clustered(newsweave, source, tmp_path, env, name="out.jsonl") -> dict[str, str]:
    result = newsweave("cluster", source, "-o", tmp_path / name, env=env)
    assert result.code == 0, result
    return {row["id"]: row["story"] for row in read_jsonl((tmp_path / name).read_text())}


def gold_of(path) -> dict[str, str]:
    return {row["id"]: row["story"] for row in read_jsonl(path.read_text())}


@pytest.mark.slow
def test_dev_scores_hold_their_floor_and_the_story_field_is_ignored(newsweave, tmp_path, cache_env):
    dev = shared_file("allsides/dev.articles.jsonl")
    predicted = clustered(newsweave, dev, tmp_path, cache_env)
    scores = score_clustering(gold_of(dev), predicted)
    assert scores.bcubed.precision >= 0.93 and scores.bcubed.f1 >= 0.912  # measured 0.932 / 0.920
    blind = write_jsonl(tmp_path / "blind.jsonl", [{k: v for k, v in row.items() if k != "story"}
                                                     for row in read_jsonl(dev.read_text())])
    assert clustered(newsweave, blind, tmp_path, cache_env, "blind.out.jsonl") == predicted
    assert clustered(newsweave, dev, tmp_path, cache_env, "again.jsonl") == predicted  # deterministic


@pytest.mark.slow
def test_the_review_keeps_dev_in_a_random_order_nearly_as_good(newsweave, tmp_path, cache_env):
    """Stories interleaved, as a live feed has them: the online pass alone measured F1 0.841 (seed 13), with
    the review 0.919, against 0.920 in file order."""
    rows = read_jsonl(shared_file("allsides/dev.articles.jsonl").read_text())
    random.Random(13).shuffle(rows)
    shuffled = write_jsonl(tmp_path / "dev.13.jsonl", rows)
    assert score_clustering(gold_of(shuffled), clustered(newsweave, shuffled, tmp_path, cache_env)).bcubed.f1 >= 0.91


@pytest.mark.slow
def test_crawl_with_real_times_reaches_its_target(newsweave, tmp_path, cache_env):
    crawl = shared_file("allsides/crawl.articles.jsonl")
    scores = score_clustering(gold_of(crawl), clustered(newsweave, crawl, tmp_path, cache_env))
    assert scores.bcubed.f1 >= 0.975  # measured 0.986 (the target: 0.95)


@pytest.mark.slow
def test_the_news_adapter_brings_articles_of_one_story_closer():
    """On dev, which it was not fitted on, MiniLM with the news adapter finds a nearest neighbour of the same
    story more often than plain MiniLM (measured 0.887 against 0.832); a different model name keeps the caches
    and the databases of the two apart."""
    rows = read_jsonl(shared_file("allsides/dev.articles.jsonl").read_text())
    texts, stories = [article_text(r["title"], r["text"]) for r in rows], np.array([r["story"] for r in rows])

    def nearest_is_same_story(embedder) -> float:
        vectors = embedder.embed(texts)
        similarity = vectors @ vectors.T
        np.fill_diagonal(similarity, -1.0)
        return float((stories[similarity.argmax(axis=1)] == stories).mean())

    plain, adapted = MiniLMEmbedder(), story_embedder()
    assert adapted.name != plain.name
    assert nearest_is_same_story(adapted) >= nearest_is_same_story(plain) + 0.03


def test_output_has_one_line_per_article_in_input_order(newsweave, tmp_path, cache_env):
    rows = [{"id": f"x{n}", "title": f"Unrelated headline number {n}", "text": f"Body {n} about topic {n}."}
            for n in range(5)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    result = newsweave("cluster", source, env=cache_env)
    assert [row["id"] for row in read_jsonl(result.out)] == [f"x{n}" for n in range(5)]


def test_a_repeated_id_is_skipped_with_the_line_that_gave_it_first(newsweave, tmp_path, cache_env):
    """An assignments file names articles by id: two lines with one id would give it two stories."""
    rows = [{"id": "x0", "title": "Senate passes the budget", "text": "The Senate passed the budget."},
            {"id": "x1", "title": "Storm hits the coast", "text": "A storm hit the coast."},
            {"id": "x0", "title": "Unrelated repeat", "text": "Another text under the same id."}]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    result = newsweave("cluster", source, env=cache_env)
    assert result.code == 1
    assert f"{source}:3: skipped: id 'x0' was already given on line 1" in result.err
    assert [row["id"] for row in read_jsonl(result.out)] == ["x0", "x1"]


def test_the_default_cache_and_its_folder_are_created_on_a_fresh_machine(newsweave, tmp_path):
    """``~/.cache/newsweave/`` does not exist until newsweave makes it; the stateless commands must not need it
    made by hand."""
    home = tmp_path / "home"
    home.mkdir()
    source = write_jsonl(tmp_path / "in.jsonl", [{"id": "x0", "title": "Senate passes the budget", "text": "It did."}])
    result = newsweave("cluster", source, env={"NEWSWEAVE_CACHE": "", "HOME": str(home)})
    assert result.code == 0, result
    assert [row["id"] for row in read_jsonl(result.out)] == ["x0"]
    assert (home / ".cache" / "newsweave" / "embeddings.db").is_file()


def never_stopped(parts) -> dict[str, str]:
    """What one clusterer kept in memory makes of the parts, each settled as the live path settles a batch."""
    clusterer, placed, embedder = OnlineClusterer(), {}, story_embedder()
    for part in parts:
        with part.open("rb") as stream:
            articles = [p.article for p in read_articles(stream)]
        vectors = embed_articles(embedder, articles)
        for _ in assign_in_order(clusterer, articles, vectors, placed):
            pass
        review_in_order(clusterer, articles, placed)
    return placed


@pytest.mark.slow
def test_the_live_path_resumes_exactly_where_it_was(newsweave, tmp_path, cache_env):
    """Two processes, the second restoring everything from the store, group the two halves of dev exactly as
    one clusterer that never stopped; and as well as the batch command does with the whole file at once
    (which reviews all of it together, so its stories differ in detail)."""
    dev = shared_file("allsides/dev.articles.jsonl")
    lines = dev.read_text().splitlines(keepends=True)
    parts = [tmp_path / "first.jsonl", tmp_path / "second.jsonl"]
    parts[0].write_text("".join(lines[:400]))
    parts[1].write_text("".join(lines[400:]))
    db = tmp_path / "live.db"
    for part in parts:  # two processes: the second restores from the store
        assert newsweave("ingest", part, "--db", db).code == 0
    from newsweave.store import SQLiteStore

    with SQLiteStore(db) as store:
        live = {a.id: store.story_of_article(a.id).id for a in store.iter_articles()}
        assert store.stats().briefs == store.stats().stories
    assert live == never_stopped(parts)
    batch = score_clustering(gold_of(dev), clustered(newsweave, dev, tmp_path, cache_env)).bcubed.f1
    assert score_clustering(gold_of(dev), live).bcubed.f1 >= batch - 0.01  # measured 0.929, in one batch 0.920


@pytest.mark.slow
def test_the_live_path_moves_an_earlier_batchs_article_when_its_story_goes_dormant(newsweave, tmp_path):
    """Crawl with its outlets spread up to ±12 hours apart, ingested by two processes a third of the way
    through: the second one's reviews of stories going dormant move some of the first one's articles, and the
    store ends exactly as one clusterer that never stopped."""
    rows = read_jsonl(shared_file("allsides/crawl.articles.jsonl").read_text())
    rng = random.Random(1)
    for row in rows:
        published = datetime.fromisoformat(row["published"]) + timedelta(hours=rng.uniform(-12, 12))
        row["published"] = published.isoformat()
    rows.sort(key=lambda row: datetime.fromisoformat(row["published"]))
    parts = [write_jsonl(tmp_path / "early.jsonl", rows[:460]), write_jsonl(tmp_path / "late.jsonl", rows[460:])]
    db = tmp_path / "live.db"
    from newsweave.store import SQLiteStore

    stories_after = []
    for part in parts:
        assert newsweave("ingest", part, "--db", db).code == 0
        with SQLiteStore(db) as store:
            stories_after.append({row["id"]: store.story_of_article(row["id"]).id for row in rows[:460]})
    with SQLiteStore(db) as store:
        live = {a.id: store.story_of_article(a.id).id for a in store.iter_articles()}
        moved = [a for a, before in stories_after[0].items() if store.get_story(before).id != live[a]]
    assert moved, "no article of the first batch left its story (other than by a merge): nothing was tested"
    assert live == never_stopped(parts)


# In-memory checks with hand-made vectors: the rules themselves.


def unit(*values: float, dim: int = 384) -> np.ndarray:
    vector = np.zeros(dim, np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def article(n: int, title: str, text: str, hours: float | None = None) -> Article:
    published = datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=hours) if hours is not None else None
    return Article(id=f"a{n}", title=title, text=text, published=published)


FLOOD = "Floods in Valencia kill 95 as rivers burst their banks on Tuesday, officials in Spain said."
VOTE = "The Senate in Ottawa passed the budget bill 51 to 49 on Friday after a long debate."


@pytest.mark.parametrize("dim", [384, 768, 16])  # MiniLM's, a base model's, any other embedder's
def test_reports_of_one_event_join_and_others_do_not(dim):
    articles = [article(1, "Valencia floods kill 95", FLOOD), article(2, "Senate passes budget", VOTE),
                article(3, "Deadly floods in Valencia", FLOOD.replace("kill", "killed"))]
    vectors = np.stack([unit(1, 0.1, dim=dim), unit(0, 1, dim=dim), unit(1, 0.12, dim=dim)])
    stories = cluster_articles(articles, vectors)
    assert stories["a1"] == stories["a3"] != stories["a2"]


def test_timed_articles_are_processed_in_time_order_untimed_first():
    articles = [article(1, "t", "x", hours=5), article(2, "t", "x"), article(3, "t", "x", hours=1)]
    assert processing_order(articles) == [1, 2, 0]


def test_a_publication_time_far_in_the_future_counts_as_untimed():
    """A feed's wrong year (9999) must not move the clock ahead: the stories of today would all go dormant."""
    wrong = Article(id="a9", title="Senate passes budget", text=VOTE, published=datetime(9999, 1, 1, tzinfo=UTC))
    assert processing_order([article(1, "t", "x", hours=5), wrong, article(3, "t", "x", hours=1)]) == [1, 2, 0]
    clusterer = OnlineClusterer()
    first = clusterer.assign(article(1, "Valencia floods kill 95", FLOOD, hours=0), unit(1, 0.1))
    clusterer.assign(wrong, unit(0, 1))
    assert clusterer.dormant == [] and first.story in clusterer.stories
    late = clusterer.assign(article(3, "Valencia floods kill 95", FLOOD, hours=2), unit(1, 0.1))
    assert late.story == first.story and late.probability > 0.5


def test_a_story_goes_dormant_and_a_late_report_reopens_it():
    clusterer = OnlineClusterer(config=ClusterConfig(active_days=1))
    first = clusterer.assign(article(1, "Valencia floods kill 95", FLOOD, hours=0), unit(1, 0.1))
    clusterer.assign(article(2, "Senate passes budget", VOTE, hours=24 * 5), unit(0, 1))
    assert first.story in clusterer.dormant and first.story not in clusterer.stories
    late = clusterer.assign(article(3, "Valencia floods kill 95", FLOOD, hours=24 * 5 + 1), unit(1, 0.1))
    assert late.story == first.story and first.story in clusterer.stories


def test_two_stories_that_turn_out_to_be_one_are_merged_into_the_older():
    clusterer = OnlineClusterer(config=ClusterConfig(merge_similarity=0.3))
    older = clusterer.assign(article(1, "Valencia floods kill 95", FLOOD), unit(1, 0.0, 1))
    newer = clusterer.assign(article(2, "Senate passes budget", VOTE), unit(1, 0.0, -1))
    assert older.story != newer.story  # centroids 90° apart
    # A third report joins the older story and pulls its centroid within reach of the newer one.
    joined = clusterer.assign(article(3, "Valencia floods kill 95", FLOOD), unit(1, 0.0, 0))
    assert joined.story == older.story and joined.merged == (newer.story,)
    assert newer.story not in clusterer.stories


def at(degrees: float) -> np.ndarray:
    return unit(np.cos(np.radians(degrees)), np.sin(np.radians(degrees)))


# Join when the centroid is within about 45° (cosine 0.7), online and in the review alike.
BY_CENTROID = Scorer(weights=(20.0,) + (0.0,) * (len(FEATURES) - 1), bias=-14.0, threshold=0.5)


def by_centroid() -> OnlineClusterer:
    return OnlineClusterer(BY_CENTROID, review_scorer=BY_CENTROID)


def test_the_review_moves_an_article_to_the_story_that_grew_after_it():
    # Online, a2 (40°) can only join a1's story; a3 and a4 (75°) then start their own, nearer a2 (35° away).
    articles = [article(n, "t", "x") for n in range(1, 5)]
    vectors = np.stack([at(0), at(40), at(75), at(75)])
    clusterer, placed = by_centroid(), {}
    online = [a.story for a in assign_in_order(clusterer, articles, vectors, placed)]
    assert online[0] == online[1] != online[2] == online[3]
    moves = review_in_order(clusterer, articles, placed)
    assert [(m.article, m.source, m.story, m.emptied) for m in moves] == [("a2", online[0], online[2], False)]
    assert placed == {"a1": online[0], "a2": online[2], "a3": online[2], "a4": online[2]}
    assert clusterer.stories[online[0]].size == 1 and clusterer.stories[online[2]].size == 3
    assert cluster_articles(articles, vectors, by_centroid()) == placed  # the batch form reviews the same way


class RecordingClusterer(OnlineClusterer):
    """Notes which articles the review reconsiders, in order."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.reviewed: list[str] = []

    def reconsider(self, article_id: str, story_id: str):
        self.reviewed.append(article_id)
        return super().reconsider(article_id, story_id)


def test_a_second_pass_reviews_only_articles_whose_story_changed_after_their_review():
    # As above: the first pass moves a2 into a3's story. a1 was reviewed before its story lost a2, so it is
    # reviewed again; a3 and a4 were reviewed after their story gained it, and a2 where it now is: they are not.
    articles = [article(n, "t", "x") for n in range(1, 5)]
    vectors = np.stack([at(0), at(40), at(75), at(75)])
    clusterer, placed = RecordingClusterer(BY_CENTROID, review_scorer=BY_CENTROID), {}
    for _ in assign_in_order(clusterer, articles, vectors, placed):
        pass
    (move,) = review_in_order(clusterer, articles, placed)
    assert move.article == "a2" and clusterer.reviewed == ["a1", "a2", "a3", "a4", "a1"]


def test_a_story_the_review_empties_is_folded_into_where_its_article_went():
    # a1 (0°) and a2 (50°) start two stories; a3 (30°) joins a2's, whose centroid (40°) then suits a1 too.
    articles = [article(1, "t", "x"), article(2, "t", "x"), article(3, "t", "x"),
                Article(id="a4", title="t", text="x", duplicate_of="a1")]
    vectors = np.stack([at(0), at(50), at(30), at(0)])
    clusterer, placed = by_centroid(), {}
    first, second, third, copy = (a.story for a in assign_in_order(clusterer, articles, vectors, placed))
    assert first == copy != second == third
    (move,) = review_in_order(clusterer, articles, placed)
    assert (move.article, move.source, move.story, move.emptied) == ("a1", first, second, True)
    assert set(placed.values()) == {second}  # the copy followed its original
    assert first not in clusterer.stories and clusterer.stories[second].size == 3


def test_a_story_going_dormant_is_reviewed_first_and_its_moves_carry_copies():
    # As in the test above, but timed: a2 (40°) joins a1's story and a3, a4 (75°) start the one nearer it. The
    # next article, days later, sends both stories dormant, and a2 moves before they go (a6, its copy, with it).
    timeless = replace(BY_CENTROID, time_bits=0.0)
    articles = [article(1, "t", "x", hours=0), article(2, "t", "x", hours=1), article(3, "t", "x", hours=2),
                article(4, "t", "x", hours=2), article(5, "t", "x", hours=24 * 5),
                Article(id="a6", title="t", text="x", duplicate_of="a2", published=article(0, "", "", 3).published)]
    vectors = np.stack([at(0), at(40), at(75), at(75), at(180), at(40)])
    clusterer, placed = OnlineClusterer(timeless, ClusterConfig(active_days=1), review_scorer=timeless), {}
    by_id = {a.article: a for a in assign_in_order(clusterer, articles, vectors, placed)}
    first, second = by_id["a1"].story, by_id["a3"].story
    assert by_id["a2"].story == first and by_id["a6"].story == first  # online, before the review
    assert [(m.article, m.source, m.story) for m in by_id["a5"].moves] == [("a2", first, second)]
    assert placed["a2"] == placed["a6"] == second and {first, second} <= set(clusterer.resting)
    assert clusterer.resting[first].size == 1 and clusterer.resting[second].size == 3


def test_the_review_leaves_well_placed_articles_alone():
    articles = [article(n, "t", "x") for n in range(1, 5)]
    vectors = np.stack([at(0), at(5), at(90), at(95)])
    clusterer, placed = by_centroid(), {}
    for _ in assign_in_order(clusterer, articles, vectors, placed):
        pass
    before = dict(placed)
    assert review_in_order(clusterer, articles, placed) == [] and placed == before


def test_story_state_survives_a_json_round_trip():
    clusterer = OnlineClusterer()
    clusterer.assign(article(1, "Valencia floods kill 95", FLOOD, hours=0), unit(1, 0.1))
    story = next(iter(clusterer.stories.values()))
    again = StoryState.from_dict(story.id, story.vector_sum, json.loads(json.dumps(story.to_dict())))
    assert again.to_dict() == story.to_dict() and np.array_equal(again.vector_sum, story.vector_sum)


@pytest.mark.slow
def test_the_live_path_over_months_of_timed_news_matches_the_batch_command(newsweave, tmp_path, cache_env):
    crawl = shared_file("allsides/crawl.articles.jsonl")
    db = tmp_path / "crawl.db"
    assert newsweave("ingest", crawl, "--db", db).code == 0
    from newsweave.store import SQLiteStore

    with SQLiteStore(db) as store:
        assert store.unassigned_articles() == []
        live = {a.id: store.story_of_article(a.id).id for a in store.iter_articles()}
        stats = store.stats()
        assert stats.briefs == stats.stories
    assert live == clustered(newsweave, crawl, tmp_path, cache_env)


def test_a_syndicated_copy_follows_its_original_without_being_weighed():
    original = article(1, "Valencia floods kill 95", FLOOD)
    copy = Article(id="a2", title="Senate passes budget", text=VOTE, duplicate_of="a1")
    clusterer = OnlineClusterer()
    stories = cluster_articles([original, copy], np.stack([unit(1, 0), unit(0, 1)]), clusterer)
    assert stories["a2"] == stories["a1"]
    assert next(iter(clusterer.stories.values())).size == 1  # the copy added no voice to the story


class FirstDimensions:
    """Another embedding model: MiniLM's first 64 dimensions, renormalised, under a name of its own."""

    name, dim = "minilm-first-64", 64

    def __init__(self, inner):
        self.inner = inner

    def embed(self, texts):
        vectors = self.inner.embed(texts)[:, : self.dim]
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_stories_grouped_with_one_model_are_not_extended_with_another(tmp_path):
    from newsweave import pipeline
    from newsweave.errors import StoreError
    from newsweave.store import SQLiteStore

    flood, vote = article(1, "Valencia floods kill 95", FLOOD), article(2, "Senate passes budget", VOTE)
    with SQLiteStore(tmp_path / "news.db") as store:
        pipeline.ingest_articles(store, [flood])
        minilm = pipeline.story_store_embedder(store)
        pipeline.settle_stories(store, minilm)
        pipeline.ingest_articles(store, [vote])
        with pytest.raises(StoreError, match="'all-MiniLM-L6-v2-onnx-int8\\+news-bitfit-1'.*'minilm-first-64'"):
            pipeline.settle_stories(store, FirstDimensions(minilm))
        assert store.story_of_article("a2") is None  # nothing half-done
        assert pipeline.settle_stories(store, minilm).assigned == 1
