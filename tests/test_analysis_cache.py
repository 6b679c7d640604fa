"""Articles' text analyses: a function of title and text alone, cached by content as embeddings are, and read
back exactly as they were made."""

import numpy as np
import pytest

import newsweave.pipeline as pipeline
from newsweave.models import Article
from newsweave.stages.cluster import cluster_articles, read_signals
from newsweave.stages.signals import ANALYSER, Analysis, TermStats, analyse, analysis_key
from newsweave.store import SQLiteStore

REPORTS = [
    ("Floods in Valencia kill 95", "Floods in Valencia killed 95 people on Tuesday, officials in Spain said."),
    ("Valencia flood toll rises", "The toll of Tuesday's floods in Valencia rose to 95, Spain's government said."),
    ("Fed holds rates", "The Federal Reserve held rates at 5.25% on Wednesday; Powell said cuts could come in 2024."),
    ("Fed leaves rates unchanged", "Powell's Fed kept its rate at 5.25% on Wednesday, citing inflation near 3%."),
    ("São Paulo élan", "Mayor Nunes of São Paulo said the “Élan” plan costs R$ 1,200 million."),
]


def _articles() -> list[Article]:
    return [Article(id=f"a{n}", title=title, text=text) for n, (title, text) in enumerate(REPORTS)]


def test_an_analysis_survives_its_json_with_its_terms_in_order():
    for title, text in REPORTS:
        analysis = analyse(title, text)
        back = Analysis.from_json(analysis.to_json())
        assert back == analysis
        assert list(back.terms) == list(analysis.terms)  # the order weighs in: TF-IDF norms are summed in it
    assert "nune" in analyse(*REPORTS[4]).names and "1200" in analyse(*REPORTS[4]).numbers


def test_title_and_text_are_kept_apart_in_the_key():
    assert analysis_key("a\n\nb", "c") != analysis_key("a", "b\n\nc")
    assert analysis_key("a", "b") == analysis_key("a", "b")


def test_a_second_run_reads_every_analysis_back_and_clusters_the_same(tmp_path, monkeypatch):
    articles = _articles()
    with SQLiteStore(tmp_path / "cache.db") as cache:
        first = pipeline.analyse_articles(cache, articles)
        assert first == [analyse(a.title, a.text) for a in articles]
        assert len(cache.get_analyses(ANALYSER, [analysis_key(a.title, a.text) for a in articles])) == len(articles)

        def no_analysing(title: str, text: str) -> Analysis:
            raise AssertionError(f"analysed again: {title!r}")

        monkeypatch.setattr(pipeline, "analyse", no_analysing)
        second = pipeline.analyse_articles(cache, articles)
    assert second == first
    vectors = np.random.default_rng(3).normal(size=(len(articles), 16)).astype(np.float32)
    vectors[1] = vectors[0] + 0.1 * vectors[1]
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert cluster_articles(articles, vectors, analyses=second) == cluster_articles(articles, vectors)


def test_signals_from_a_cached_analysis_equal_those_read_from_the_text():
    inline, cached = TermStats(), TermStats()
    for article in _articles():
        vector = np.ones(4, np.float32)
        read = read_signals(article, vector, inline)
        stored = Analysis.from_json(analyse(article.title, article.text).to_json())
        again = read_signals(article, vector, cached, stored)
        assert (again.terms, again.names, again.numbers, again.weekdays) == (read.terms, read.names, read.numbers,
                                                                             read.weekdays)
        assert list(again.terms.values()) == list(read.terms.values())
        assert np.array_equal(again.lexicon, read.lexicon)
    assert cached == inline


@pytest.mark.parametrize("bad", ["", "[]", "not json", "[1, 2, 3, 4]", "{}"])
def test_a_damaged_cache_entry_is_refused_not_misread(bad):
    with pytest.raises(ValueError):
        Analysis.from_json(bad)


def test_a_damaged_entry_in_the_cache_is_analysed_again(tmp_path):
    articles = _articles()[:2]
    with SQLiteStore(tmp_path / "cache.db") as cache:
        cache.save_analyses(ANALYSER, {analysis_key(articles[0].title, articles[0].text): '{"truncated": '})
        assert pipeline.analyse_articles(cache, articles) == [analyse(a.title, a.text) for a in articles]
