"""`newsweave export assignments` and `export briefs`: the live path's stories and briefs in the batch formats."""

from __future__ import annotations

import json

from conftest import read_jsonl, shared_file, write_jsonl

from newsweave.store import SQLiteStore


def test_the_live_paths_stories_and_briefs_export_in_the_formats_the_batch_commands_write(newsweave, tmp_path, db):
    rows = read_jsonl(shared_file("allsides/crawl.articles.jsonl").read_text(encoding="utf-8"))[:95]
    assert newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", rows[:60]), "--db", db).code == 0
    assert newsweave("ingest", write_jsonl(tmp_path / "b.jsonl", rows[60:90]), "--db", db).code == 0

    exported = newsweave("export", "assignments", "--db", db)
    assert exported.code == 0 and exported.err == "", exported
    with SQLiteStore(db) as store:
        stored = [{"id": row["id"], "story": store.story_of_article(row["id"]).id} for row in rows[:90]]
        briefs = {story: store.get_brief(story).to_dict() for story in {s["story"] for s in stored}}
    assert read_jsonl(exported.out) == stored  # every article, in the order stored, with the story it is in
    gold = write_jsonl(tmp_path / "gold.jsonl", rows[:90])
    scores = newsweave("eval", "clustering", gold, write_jsonl(tmp_path / "live.jsonl", stored), "--format", "json")
    assert scores.code == 0 and json.loads(scores.out)["bcubed"]["f1"] > 0

    written = read_jsonl(newsweave("export", "briefs", "--db", db).out)
    assert sorted(b["story"] for b in written) == sorted(briefs) and all(b == briefs[b["story"]] for b in written)

    assert newsweave("ingest", write_jsonl(tmp_path / "c.jsonl", rows[90:]), "--no-stories", "--db", db).code == 0
    partial = newsweave("export", "assignments", "-o", tmp_path / "out.jsonl", "--db", db)
    assert partial.code == 1 and partial.err.startswith("5 articles are in no story yet and were left out")
    assert read_jsonl((tmp_path / "out.jsonl").read_text()) == stored
