"""The audit stage: each verdict on crafted sources, exact citations, quotes modulo quote style,
commentary never supported; and the per-kind targets on cases built from the AllSides dev split."""

from __future__ import annotations

import pytest
from conftest import shared_file
from story_db import read_article_file

from newsweave.evaluation.audit import MemoryCache, build_cases, score_audit
from newsweave.models import Article
from newsweave.stages.audit import Folded, audit, find_quotations
from newsweave.stages.embed import CachedEmbedder, MiniLMEmbedder
from newsweave.stages.verify import normalise_quotation

SOURCES = [
    Article("a1", "Flood", "Officials said 12 people died in the flood on Tuesday. Mayor John Brown said: "
            "“We will rebuild every home.” The storm hit the coast of Florida.", source="Outlet A"),
    Article("a2", "Rescue", "Rescue teams from three states arrived in Miami.\n\nGovernor Ron DeSantis "
            "declared a state of emergency in 20 counties.", source="Outlet B"),
]


@pytest.fixture(scope="module")
def embedder():
    return CachedEmbedder(MiniLMEmbedder(), MemoryCache())


def one(text: str, embedder) -> dict:
    report = audit(text, SOURCES, embedder).to_dict()
    assert len(report["sentences"]) == 1, report
    return report["sentences"][0] | {"quotes": report["quotes"]}


def assert_exact(report: dict) -> None:
    by_id = {a.id: a for a in SOURCES}
    citations = [c for s in report["sentences"] for c in s["evidence"]] + [
        c for q in report["quotes"] for c in q["citations"]]
    assert citations
    for c in citations:
        assert by_id[c["article"]].text[c["start"]:c["end"]] == c["quote"]


def test_verbatim_sentence_is_supported_with_exact_citation(embedder):
    report = audit("Rescue teams from three states arrived in Miami.", SOURCES, embedder).to_dict()
    assert report["sentences"][0]["verdict"] == "supported"
    assert report["counts"] == {"supported": 1, "partial": 0, "contradicted": 0, "unsupported": 0}
    assert_exact(report)


def test_changed_number_is_contradicted_in_plain_words(embedder):
    sentence = one("Officials said 15 people died in the flood on Tuesday.", embedder)
    assert sentence["verdict"] == "contradicted"
    assert "the sources say 12, not 15" in sentence["problems"]


def test_changed_weekday_and_number_word_are_contradicted(embedder):
    assert one("Officials said 12 people died in the flood on Friday.", embedder)["verdict"] == "contradicted"
    sentence = one("Rescue teams from four states arrived in Miami.", embedder)
    assert sentence["verdict"] == "contradicted"
    assert "the sources say three, not four" in sentence["problems"]


def test_swapped_name_is_not_supported(embedder):
    sentence = one("Governor Jane Smith declared a state of emergency in 20 counties.", embedder)
    assert sentence["verdict"] in {"contradicted", "partial"}
    assert any("Jane Smith" in problem for problem in sentence["problems"])


def test_missing_name_is_partial(embedder):
    sentence = one("Rescue teams from three states and Jane Smith arrived in Miami.", embedder)
    assert sentence["verdict"] == "partial"
    assert "no source names Jane Smith" in sentence["problems"]


def test_unrelated_sentence_is_unsupported(embedder):
    sentence = one("The central bank raised interest rates by half a point.", embedder)
    assert sentence == sentence | {"verdict": "unsupported", "evidence": [], "problems": ["no source states this"]}


@pytest.mark.parametrize("text", [
    "The storm hit the coast of Florida ahead of the upcoming elections.",
    "Governor Ron DeSantis declared a state of emergency in 20 counties, in what critics called political theater.",
    "The move is widely seen as political theater ahead of the upcoming elections.",
])
def test_generic_commentary_is_never_supported(text, embedder):
    assert one(text, embedder)["verdict"] != "supported"


@pytest.mark.parametrize("text", [
    'Mayor John Brown said: "We will rebuild every home."',
    "Mayor John Brown said: “We  will rebuild\nevery home,” officials reported.",
    "Mayor John Brown said the city would rebuild: «We will rebuild every home.»",
])
def test_real_quote_is_found_modulo_quote_style_and_white_space(text, embedder):
    report = audit(text, SOURCES, embedder).to_dict()
    assert [q["found"] for q in report["quotes"]] == [True]
    assert_exact(report)


def test_invented_quote_is_reported_and_sentence_not_supported(embedder):
    sentence = one('Mayor John Brown said: "We will never give up."', embedder)
    assert sentence["quotes"] == [{"text": "We will never give up.", "found": False, "citations": []}]
    assert sentence["verdict"] != "supported"
    assert any("We will never give up." in problem for problem in sentence["problems"])


def test_quotations_and_folding_keep_offsets():
    text = 'He said “one” and "two" and ‘we don’t’ but not don\'t.'
    assert [q.text for q in find_quotations(text)] == ["one", "two", "we don’t"]
    folded = Folded("A  “quoted”\n\n text  ’here’ . ")
    assert folded.text == normalise_quotation("A  “quoted”\n\n text  ’here’ . ")
    start, end = folded.find('"quoted" text')
    assert "A  “quoted”\n\n text  ’here’ . "[start:end] == "“quoted”\n\n text"


def test_without_embedder_and_without_sources():
    report = audit("Rescue teams from three states arrived in Miami. Nothing else.", SOURCES, None)
    assert [s.verdict for s in report.sentences] == ["supported", "unsupported"]
    assert audit("Anything at all.", [], None).counts["unsupported"] == 1


def test_targets_on_dev_cases(embedder):
    articles = read_article_file(shared_file("allsides/dev.articles.jsonl"))
    scores = {k.kind: k for k in score_audit(build_cases(articles, seed=7), embedder).kinds}
    assert set(scores) == {"real", "number", "name", "foreign", "commentary", "quote"}
    assert scores["real"].accuracy >= 0.95
    for kind in ("number", "name", "foreign", "commentary"):
        assert scores[kind].accuracy >= 0.95, scores[kind]
    assert scores["quote"].accuracy == 1.0
