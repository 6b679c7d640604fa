"""The compiled pair arithmetic of the clusterer: the same figures as their definitions, exactly symmetric,
and independent of the ids this process gave the words."""

from __future__ import annotations

import math

import numpy as np
import pytest

from newsweave.models import Article
from newsweave.stages import pairs
from newsweave.stages.cluster import FEATURES, StoryState, evidence_rows, read_signals
from newsweave.stages.signals import TermStats

TEXTS = [
    ("Floods in Valencia kill 95", "Floods in Valencia kill 95 as rivers burst their banks on Tuesday, officials in "
     "Spain said. Rescuers searched 1,200 homes."),
    ("Valencia flood toll rises", "The toll from floods in Valencia rose to 95 on Tuesday, as Spain's Pedro Sanchez "
     "visited the region and 1,200 homes stood empty."),
    ("Spain mourns flood victims", "Spain began three days of mourning on Wednesday for the 95 killed in Valencia."),
    ("Senate passes budget", "The Senate in Ottawa passed the budget bill 51 to 49 on Friday after a long debate."),
    ("A quiet day", "nothing here names anything at all"),
]
LONG = ("Lawmakers weighed tariffs, subsidies, pensions, wages, rents, loans, bonds, exports, imports, harvests, "
        "railways, harbours, pipelines, refineries, mines, forests, fisheries, vineyards, orchards, dairies and "
        "bakeries before the vote")


def signals_of(texts=TEXTS):
    stats = TermStats()
    vector = np.ones(4, np.float32) / 2
    return [read_signals(Article(id=f"a{n}", title=title, text=text), vector, stats)
            for n, (title, text) in enumerate(texts)]


def by_definition(a, b) -> tuple[float, float, float, float]:
    def jaccard(x: dict, y: dict) -> float:
        shared = math.fsum(min(x[k], y[k]) for k in x.keys() & y.keys())
        return shared / (math.fsum(x.values()) + math.fsum(y.values()) - shared) if shared else 0.0

    days = 0.0 if not a.weekdays or not b.weekdays else (1.0 if a.weekdays & b.weekdays else -1.0)
    return (math.fsum(a.terms[k] * b.terms[k] for k in a.terms.keys() & b.terms.keys()), jaccard(a.names, b.names),
            jaccard(a.numbers, b.numbers), days)


def shared(a, b) -> list[float]:
    return pairs.shared_with(a.lexicon, b.lexicon)[0].tolist()


def test_what_two_articles_share_is_what_its_definition_says_and_the_same_both_ways():
    found = signals_of()
    for a in found:
        for b in found:
            assert shared(a, b) == pytest.approx(by_definition(a, b), abs=1e-12)
            assert shared(a, b) == shared(b, a)  # to the last bit
    flood, toll, _, budget, quiet = found
    assert shared(flood, toll)[1] > 0.3 and shared(flood, toll)[2] > 0.5 and shared(flood, toll)[3] == 1.0
    assert shared(flood, budget)[3] == -1.0 and shared(flood, quiet) == [0.0, 0.0, 0.0, 0.0]


def test_the_figures_do_not_depend_on_the_ids_words_were_given(monkeypatch):
    texts = [*TEXTS, ("Budget vote", LONG), ("Budget vote nears", f"{LONG} in the capital on Tuesday")]
    before = [[shared(a, b) for b in signals_of(texts)] for a in signals_of(texts)]
    monkeypatch.setattr(pairs, "_IDS", {})
    for word in reversed(sorted({w for _, text in texts for w in text.lower().replace(",", "").split()})):
        pairs._IDS[word.removesuffix("s")] = len(pairs._IDS)  # now in another order
    again = signals_of(texts)
    assert [[shared(a, b) for b in again] for a in again] == before


def test_the_evidence_of_a_story_is_read_off_its_members():
    flood, toll, mourns, budget, _ = signals_of()
    story, other = StoryState("s1"), StoryState("s2")
    for member in (toll, mourns):
        story.add(member)
    other.add(budget)
    rows = evidence_rows(flood, [(story, 0.8), (other, 0.1)])
    row = dict(zip(FEATURES, rows[0], strict=True))
    with_toll, with_mourns = by_definition(flood, toll), by_definition(flood, mourns)
    dense = flood.vector @ toll.vector
    assert row["dense_centroid"] == 0.8 and row["dense_max"] == pytest.approx(dense)
    assert row["lex_max"] == pytest.approx(max(with_toll[0], with_mourns[0]))
    assert row["lex_mean"] == pytest.approx((with_toll[0] + with_mourns[0]) / 2)
    term_sum_dot = math.fsum(flood.terms[k] * story.terms()[k] for k in flood.terms.keys() & story.terms().keys())
    term_sum_norm = math.sqrt(math.fsum(w * w for w in story.terms().values()))
    assert row["lex_story"] == pytest.approx(term_sum_dot / term_sum_norm)
    assert story.term_norm() == pytest.approx(term_sum_norm)
    assert row["names_max"] == pytest.approx(max(with_toll[1], with_mourns[1]))
    assert row["numbers_max"] == pytest.approx(max(with_toll[2], with_mourns[2]))
    assert row["weekday"] == 1.0
    assert dict(zip(FEATURES, rows[1], strict=True))["weekday"] == -1.0


def test_a_story_s_kept_term_norm_is_the_one_the_evidence_would_work_out_to_the_last_bit():
    flood, toll, mourns, budget, _ = signals_of()
    story = StoryState("s1")
    for member in (toll, mourns, budget):
        story.add(member)
    given = evidence_rows(flood, [(story, 0.8)])
    members = story.member_lexicons()
    worked_out = pairs.evidence_table(flood.lexicon, members, (story.member_matrix() @ flood.vector).astype(float),
                                      np.array([[3, 0.8, math.nan, math.nan, -1]]))
    assert given.tobytes() == worked_out.tobytes()
    story.add(flood)  # a change: the kept norm is worked out again
    assert story.term_norm() == pytest.approx(math.sqrt(math.fsum(w * w for w in story.terms().values())))


def test_a_story_weighed_without_one_of_its_members_is_the_story_with_that_member_taken_out():
    # The review weighs an article's own story as if the article were not in it, without taking it out.
    flood, toll, mourns, budget, quiet = signals_of()
    rng = np.random.default_rng(3)
    for member in (flood, toll, mourns, budget, quiet):
        member.vector = rng.normal(size=4).astype(np.float32)
    home, other = StoryState("s1"), StoryState("s2")
    for member in (toll, flood, mourns, quiet):
        home.add(member)
    other.add(budget)
    masked = evidence_rows(flood, [(other, 0.2), (home, 0.7)], home=home)
    home.remove(flood)
    taken_out = evidence_rows(flood, [(other, 0.2), (home, 0.7)])
    assert masked.tolist() == taken_out.tolist()  # to the last bit
    home.add(flood)
    assert evidence_rows(flood, [(other, 0.2), (home, 0.7)]).tolist() != taken_out.tolist()


def test_the_same_holds_for_a_story_that_has_let_members_go():
    # Past MAX_MEMBERS a story keeps its members' term sum rather than all of them: weighed without one of
    # those it keeps, the sum is taken apart as removing it would.
    texts = [(f"Valencia floods day {n}", f"{TEXTS[n % 3][1]} Report {n} of {n * 7} from Valencia.") for n in range(15)]
    found = signals_of(texts)
    home, other = StoryState("s1"), StoryState("s2")
    for member in found[:14]:
        home.add(member)
    other.add(found[14])
    assert not home.all_kept()
    article = home.members[3]
    masked = evidence_rows(article, [(home, 0.6), (other, 0.5)], home=home)
    home.remove(article)
    assert masked.tolist() == evidence_rows(article, [(home, 0.6), (other, 0.5)]).tolist()
