"""`newsweave recluster`: every stored article grouped again from scratch, old story ids still leading somewhere."""

from __future__ import annotations

import json

import pytest
from conftest import read_jsonl, shared_file, write_jsonl

from newsweave.stages.cluster import ENGINE
from newsweave.store import SQLiteStore
from newsweave.store.base import ClusteringChanges


def _groups(story_of: dict[str, str]) -> list[list[str]]:
    members: dict[str, list[str]] = {}
    for article, story in story_of.items():
        members.setdefault(story, []).append(article)
    return sorted(sorted(group) for group in members.values())


def _stored_groups(db) -> dict[str, str]:
    with SQLiteStore(db) as store:
        return {a.id: store.story_of_article(a.id).id for a in store.iter_articles()}


def _assert_old_ids_lead_on(newsweave, db, before: dict[str, str], after: dict[str, str]) -> None:
    """Each story id of ``before`` leads to the story of ``after`` that holds most of its articles."""
    for old in set(before.values()):
        held = [a for a, s in before.items() if s == old]
        brief = json.loads(newsweave("story", old, "--format", "json", "--db", db).out)
        counts = {story: sum(after[a] == story for a in held) for story in set(after.values())}
        assert counts[brief["story"]] == max(counts.values())


def test_recluster_regroups_an_upgraded_database_as_the_batch_does_and_old_ids_follow(newsweave, tmp_path, db):
    rows = read_jsonl(shared_file("allsides/crawl.articles.jsonl").read_text(encoding="utf-8"))[:90]
    first, later = write_jsonl(tmp_path / "first.jsonl", rows[:60]), write_jsonl(tmp_path / "later.jsonl", rows[60:])
    assert newsweave("ingest", first, "--db", db).code == 0
    before = _stored_groups(db)
    with SQLiteStore(db) as store:  # as if an older release had grouped these with another model, and its
        # engine kept no count of the story ids it handed out
        store.apply_clustering(ClusteringChanges(attached=[], stories=[], merged=[], dormant=[], engine=ENGINE,
                                                 engine_state={"model": "an-older-model"}))
    stuck = newsweave("ingest", later, "--db", db)
    assert stuck.code == 2 and "`newsweave recluster` groups every stored article again" in stuck.err, stuck

    done = newsweave("recluster", "--db", db)
    assert done.code == 0, done
    after = _stored_groups(db)
    assert len(after) == 90  # the articles the failed ingest stored are in stories too
    assert done.out.startswith(f"90 articles regrouped into {len(set(after.values()))} stories (there were ")
    batch = newsweave("cluster", write_jsonl(tmp_path / "all.jsonl", rows))
    assert _groups(after) == _groups({r["id"]: r["story"] for r in read_jsonl(batch.out)})  # as `cluster` groups

    assert not set(after.values()) & set(before.values())  # no id is reused for another story
    _assert_old_ids_lead_on(newsweave, db, before, after)
    stats = json.loads(newsweave("stats", "--format", "json", "--db", db).out)
    assert stats["stories"] == stats["briefs"] == len(set(after.values()))
    assert newsweave("ingest", later, "--db", db).out.startswith("0 ingested, 0 updated, 30 already known")


class _StopsAfter:
    """The story embedder, interrupted (as by Ctrl-C) when asked for its ``calls + 1``-th batch."""

    def __init__(self, embedder, calls: int):
        self.embedder, self.calls = embedder, calls
        self.name, self.dim = embedder.name, embedder.dim

    def embed(self, texts):
        if self.calls == 0:
            raise KeyboardInterrupt
        self.calls -= 1
        return self.embedder.embed(texts)


def test_an_interrupted_recluster_is_finished_by_the_next_settling_and_old_ids_lead_on(newsweave, tmp_path, db,
                                                                                    monkeypatch):
    from newsweave import pipeline

    rows = read_jsonl(shared_file("allsides/crawl.articles.jsonl").read_text(encoding="utf-8"))[:60]
    assert newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", rows), "--db", db).code == 0
    before = _stored_groups(db)
    monkeypatch.setattr(pipeline, "SETTLE_CHUNK", 25)
    with SQLiteStore(db) as store:
        embedder = pipeline.story_store_embedder(store)
        with pytest.raises(KeyboardInterrupt):
            pipeline.recluster(store, _StopsAfter(embedder, calls=1), None)
        assert sum(story is None for _, story in store.iter_assignments()) == 35  # one batch of 25 was done
        assert 0 < store.stats().briefs == store.stats().stories and store.retired_members() != {}  # so far
    finished = newsweave("ingest", tmp_path / "a.jsonl", "--db", db)  # nothing new, but it settles the rest
    assert finished.out.startswith("0 ingested, 0 updated, 60 already known"), finished
    with SQLiteStore(db) as store:
        assert store.retired_members() == {} and store.stale_stories() == []
        assert store.stats().stories == store.stats().briefs
    _assert_old_ids_lead_on(newsweave, db, before, _stored_groups(db))
