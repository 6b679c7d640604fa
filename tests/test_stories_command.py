"""`newsweave synthesize`, `story`, `stories` and `eval synthesis` as a user runs them; Markdown rendering."""

from __future__ import annotations

import json
from dataclasses import replace

from conftest import read_jsonl, shared_file, write_jsonl

from newsweave.models import Brief, Citation, Claim, Coverage, Disagreement, Quote, SourceRef
from newsweave.render.markdown import render_markdown

TEXTS = {
    "a1": ("Dam opens after storm",
           "Officials opened the northern dam on Tuesday after the storm filled the reservoir. "
           "About 3,000 residents downstream were told to leave their homes by noon."),
    "b1": ("Residents flee as dam gates open", "Authorities opened the northern dam on Tuesday after heavy rain. "
           "About 3,000 residents downstream were told to leave their homes by noon, police said."),
    "c1": ("Chess prodigy wins title",
           "A twelve-year-old won the national chess championship on Sunday in the capital. "
           "She beat three grandmasters on the way to the title."),
}


def articles(story_field: bool = True) -> list[dict]:
    story = {"a1": "dam", "b1": "dam", "c1": "chess"}
    return [{"id": key, "title": title, "text": text, "source": key[0].upper() + " News",
             **({"story": story[key]} if story_field else {})} for key, (title, text) in TEXTS.items()]


PARAPHRASED = [  # one fact in other words: too few shared words for the lexical match alone
    {"id": "x", "story": "airline", "source": "X News", "title": "Flights canceled",
     "text": "Southwest Airlines canceled hundreds of flights over the weekend."},
    {"id": "y", "story": "airline", "source": "Y News", "title": "Travelers stranded",
     "text": "Over the weekend Southwest scrapped hundreds of trips, stranding travelers."},
]


def test_synthesize_cites_every_outlet_that_paraphrases_a_claim(newsweave, tmp_path):
    brief = read_jsonl(newsweave("synthesize", write_jsonl(tmp_path / "p.jsonl", PARAPHRASED)).out)[0]
    assert {c["article"] for c in brief["summary"][0]["citations"]} == {"x", "y"}
    assert set(brief["summary"][0]["outlets"]) == {"X News", "Y News"}
    assert not brief["summary"][0]["single_source"]


def test_stored_briefs_cite_paraphrasing_outlets_too(newsweave, tmp_path):
    """The live path writes briefs with the same paraphrase matching as `synthesize`."""
    db = tmp_path / "news.db"
    assert newsweave("ingest", write_jsonl(tmp_path / "p.jsonl", PARAPHRASED), "--db", db).code == 0
    stories = json.loads(newsweave("stories", "--format", "json", "--db", db).out)
    assert [s["articles"] for s in stories] == [2]
    brief = json.loads(newsweave("story", stories[0]["story"], "--format", "json", "--db", db).out)
    assert {c["article"] for c in brief["summary"][0]["citations"]} == {"x", "y"}


def test_synthesize_writes_one_verified_brief_per_story(newsweave, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", articles())
    result = newsweave("synthesize", source)
    assert result.code == 0, result
    briefs = {b["story"]: b for b in read_jsonl(result.out)}
    assert sorted(briefs) == ["chess", "dam"]
    for brief in briefs.values():
        for claim in brief["summary"]:
            for citation in claim["citations"]:
                assert TEXTS[citation["article"]][1][citation["start"]:citation["end"]] == citation["quote"]
    assert {s["article"] for s in briefs["dam"]["sources"]} == {"a1", "b1"}
    assert briefs["dam"]["engine"] == "extractive/1"


def test_synthesize_groups_by_a_cluster_assignments_file(newsweave, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", articles(story_field=False))
    groups = write_jsonl(tmp_path / "s.jsonl", [{"id": "a1", "story": "x"}, {"id": "b1", "story": "x"},
                                                {"id": "c1", "story": "y"}])
    briefs = read_jsonl(newsweave("synthesize", source, "--assignments", groups).out)
    assert sorted((b["story"], b["coverage"]["articles"]) for b in briefs) == [("x", 2), ("y", 1)]
    alone = read_jsonl(newsweave("synthesize", source).out)
    assert [(b["story"], b["coverage"]["articles"]) for b in alone] == [("unassigned", 3)]
    partial = write_jsonl(tmp_path / "p.jsonl", [{"id": "a1", "story": "x"}, "not json"])
    mixed = newsweave("synthesize", source, "--assignments", partial)
    assert mixed.code == 1  # a line of the assignments was skipped
    assert f"{partial}:2: skipped: not valid JSON" in mixed.err
    assert f"{partial}: 2 of the 3 articles have no story there" in mixed.err
    assert sorted((b["story"], b["coverage"]["articles"]) for b in read_jsonl(mixed.out)) == [("unassigned", 2),
                                                                                               ("x", 1)]


def test_synthesize_as_markdown_and_to_a_file(newsweave, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", articles())
    result = newsweave("synthesize", source, "--format", "markdown", "-o", tmp_path / "out.md")
    text = (tmp_path / "out.md").read_text()
    assert result.code == 0 and text.count("\n# ") + text.startswith("# ") == 2
    assert "## Sources" in text and "\n---\n" in text


def test_eval_synthesis_prints_rouge_and_verification(newsweave, tmp_path):
    source = write_jsonl(tmp_path / "a.jsonl", articles())
    newsweave("synthesize", source, "-o", tmp_path / "b.jsonl")
    refs = write_jsonl(tmp_path / "r.jsonl", [
        {"story": "dam", "headline": "Dam opened after storm", "summary": TEXTS["a1"][1]},
        {"story": "chess", "headline": "Girl wins chess title", "summary": TEXTS["c1"][1]},
    ])
    scores = json.loads(newsweave("eval", "synthesis", tmp_path / "b.jsonl", refs, "--articles", source,
                                  "--format", "json").out)
    assert scores["stories"] == 2 and scores["verified"] == 1.0
    assert scores["summary"]["rouge1"] > 50


def test_dev_set_briefs_all_verify(newsweave, tmp_path):
    dev = shared_file("allsides/dev.articles.jsonl")
    refs = shared_file("allsides/dev.references.jsonl")
    assert newsweave("synthesize", dev, "-o", tmp_path / "b.jsonl").code == 0
    scores = json.loads(newsweave("eval", "synthesis", tmp_path / "b.jsonl", refs, "--articles", dev,
                                  "--format", "json").out)
    assert scores["stories"] == 307 and scores["missing"] == 0
    assert scores["verified"] == 1.0
    assert scores["headline"]["rougeL"] >= 38


def test_story_and_stories_read_stored_briefs(newsweave, tmp_path, db):
    from newsweave.pipeline import write_brief
    from newsweave.store import SQLiteStore

    newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", articles()), "--no-stories", "--db", db)
    with SQLiteStore(db) as store:
        store.attach("a1", "s-1")
        store.attach("b1", "s-1")
        write_brief(store, "s-1")
    shown = newsweave("story", "s-1", "--db", db)
    assert shown.code == 0 and shown.out.startswith("# ")
    assert json.loads(newsweave("story", "s-1", "--format", "json", "--db", db).out)["story"] == "s-1"
    listed = json.loads(newsweave("stories", "--format", "json", "--db", db).out)
    assert [(s["story"], s["articles"], s["outlets"]) for s in listed] == [("s-1", 2, 2)]
    with SQLiteStore(db) as store:
        store.attach("c1", "s-2")
        write_brief(store, "s-2")
    table = newsweave("stories", "--db", db).out.splitlines()
    assert [line.split()[:6] for line in table] == [["s-2", "(untimed)", "1", "article", "1", "outlet"],
                                                     ["s-1", "(untimed)", "2", "articles", "2", "outlets"]]
    assert table[0].index("outlet") == table[1].index("outlets")  # the columns line up
    missing = newsweave("story", "nope", "--db", db)
    assert missing.code == 2 and "no brief for story 'nope'" in missing.err


def test_stories_are_listed_by_when_they_were_reported_and_filtered_as_the_reader_filters(newsweave, tmp_path, db):
    """`stories` lists what the front page lists: by the newest report's time, not by when a brief was written."""
    from newsweave.pipeline import write_brief
    from newsweave.store import SQLiteStore

    dated = {"a1": "2025-02-11T08:00:00Z", "b1": "2025-02-11T09:30:00+01:00", "c1": "2025-02-12T18:45:00Z"}
    records = [{**record, "published": dated[record["id"]]} for record in articles(story_field=False)]
    newsweave("ingest", write_jsonl(tmp_path / "a.jsonl", records), "--no-stories", "--db", db)
    with SQLiteStore(db) as store:  # the chess story first, so its brief is written before the dam's
        store.attach("c1", "s-chess")
        write_brief(store, "s-chess")
        for article in ("a1", "b1"):
            store.attach(article, "s-dam")
        write_brief(store, "s-dam")

    def listed(*options: str) -> list[list[str]]:
        result = newsweave("stories", *options, "--db", db)
        assert result.code == 0, result
        return [line.split()[:3] for line in result.out.splitlines()]

    assert listed() == [["s-chess", "2025-02-12", "18:45"], ["s-dam", "2025-02-11", "08:30"]]
    assert listed("--order", "breadth") == [["s-dam", "2025-02-11", "08:30"], ["s-chess", "2025-02-12", "18:45"]]
    assert listed("--since", "2025-02-12") == [["s-chess", "2025-02-12", "18:45"]]
    assert listed("--since", "0999-12-31") == listed() == listed("--since", "999999d")  # years before 1000 too
    assert listed("--order", "ranked") == listed()  # the newest day first, then the most outlets
    later = newsweave("stories", "--since", "2025-02-13", "--db", db)
    assert (later.code, later.out) == (0, "") and "no stories match" in later.err
    assert listed("--outlet", "B News") == [["s-dam", "2025-02-11", "08:30"]]
    as_json = json.loads(newsweave("stories", "--outlet", "B News", "--format", "json", "--db", db).out)
    assert as_json == [{"story": "s-dam", "headline": as_json[0]["headline"], "articles": 2, "outlets": 2,
                        "first_seen": "2025-02-11T08:00:00+00:00", "last_updated": "2025-02-11T09:30:00+01:00"}]
    unknown = newsweave("stories", "--outlet", "b news", "--db", db)
    assert unknown.code == 2 and "no stored brief cites the outlet 'b news'; did you mean 'B News'" in unknown.err
    bad = newsweave("stories", "--since", "last week", "--db", db)
    assert bad.code == 2 and "--since 'last week'" in bad.err


def test_an_empty_database_lists_nothing_and_says_what_adds_something(newsweave, tmp_path):
    db = tmp_path / "empty.db"
    for command, hint in ((("stories",), "`newsweave update` polls the feeds"),
                          (("feeds", "list"), "`newsweave feeds add URL`")):
        listed = newsweave(*command, "--db", db)
        assert (listed.code, listed.out) == (0, "") and hint in listed.err
        as_json = newsweave(*command, "--format", "json", "--db", db)
        assert (as_json.code, json.loads(as_json.out), as_json.err) == (0, [], "")


def test_markdown_escapes_what_sources_say_and_links_only_the_web():
    citation = Citation("x", 0, 5, "Hello")
    brief = Brief(
        story="s", headline="<script>alert(1)</script> **bold** [link](javascript:alert(1))", headline_from="x",
        summary=(Claim("![img](http://evil.example/p.png) said", (citation,), ("Evil",)),),
        quotes=(Quote("We will [win]", None, (citation,)),),
        sources=(SourceRef("x", "Title ](javascript:x)", "javascript:alert(1)", "Evil", None),
                 SourceRef("y", "Good", "https://good.example/a b)", "Good", None)),
        coverage=Coverage(2, 2, None, None), engine="test/1",
    )
    text = render_markdown(brief)
    assert "<script>" not in text and "\\<script\\>" in text
    assert "[link](javascript" not in text and "\\[link\\](javascript" in text
    assert "![img]" not in text and "\\!\\[img\\]" in text
    assert "[Good](<https://good.example/a%20b%29>)" in text
    assert "*(single source)*" in text and "unattributed" in text
    assert "*2 articles from 2 outlets.*" in text
    one = replace(brief, sources=brief.sources[:1], coverage=Coverage(1, 1, None, None))
    assert "*1 article from 1 outlet.*" in render_markdown(one)


def test_markdown_sets_the_versions_of_a_disagreement_apart_with_what_differs_in_bold():
    a, b = "Floods killed 12 people in the valley *today*.", "Floods killed 15 people in the valley."
    brief = Brief(
        story="s", headline="Valley floods", headline_from="x",
        summary=(Claim(a, (Citation("x", 0, len(a), a),), ("North Post",)),),
        disagreements=(Disagreement("death toll", (Claim(a, (Citation("x", 0, len(a), a),), ("North Post",)),
                                                   Claim(b, (Citation("y", 0, len(b), b),), ("South Herald",)))),),
        sources=(SourceRef("x", "One", None, "North Post", None), SourceRef("y", "Two", None, "South Herald", None)),
        coverage=Coverage(2, 2, None, None), engine="test/1",
    )
    text = render_markdown(brief)
    assert "## Where outlets differ: death toll" in text
    assert text.splitlines()[2].endswith("*(single source)* *(outlets differ: see below)*")
    assert "- Floods killed **12** people in the valley \\*today\\*. [1] — North Post" in text
    assert "- Floods killed **15** people in the valley. [2] — South Herald" in text


def test_markdown_tags_the_sources_that_present_themselves_as_opinion():
    brief = Brief(
        story="s", headline="Valley floods", headline_from="x",
        sources=(SourceRef("x", "Floods hit the valley", "https://north.example/news/floods", "North Post", None),
                 SourceRef("y", "The valley deserved better", "https://north.example/opinion/valley", "North Post",
                           None),
                 SourceRef("z", "Floods: what we know", None, "Daily Herald (Opinion)", None)),
        coverage=Coverage(3, 2, None, None), engine="test/1",
    )
    sources = [line for line in render_markdown(brief).splitlines() if line[:2] in {"1.", "2.", "3."}]
    assert [line.endswith("*(opinion)*") for line in sources] == [False, True, True]
