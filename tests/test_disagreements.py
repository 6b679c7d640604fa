"""Disagreements: the same thing counted differently by two outlets, and nothing else."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import shared_file

from newsweave.stages.disagreements import (
    conflicting,
    differing_values,
    disagreeing_topics,
    find_conflicts,
    quantities,
)
from newsweave.stages.ingest import read_articles

LABELS = Path(__file__).resolve().parents[1] / "scripts" / "data"


def test_two_tolls_of_one_attack_disagree_even_in_other_words():
    a = "The gunman's rampage at two New Zealand mosques killed 50 people and wounded dozens more."
    b = "The mass shooting at two New Zealand mosques that left 49 people dead was streamed online."
    assert disagreeing_topics(a, b) == ["death toll"]


def test_how_many_sources_an_outlet_had_is_no_figure_of_the_story():
    a = ("A declassified intelligence report finds that the crown prince approved the killing of the journalist, "
         "four U.S. officials familiar with the matter said.")
    b = ("The administration will release an intelligence report that concludes that the crown prince approved the "
         "killing of the journalist, three U.S. officials familiar with the matter said.")
    assert disagreeing_topics(a, b) == []
    assert quantities("The talks stalled, according to two people briefed on them.") == ()
    killed = "Four officials were killed in the attack, the ministry said."
    assert disagreeing_topics(killed, killed.replace("Four", "Three")) == ["death toll"]  # officials as a count


def test_a_toll_that_counts_the_attacker_fits_the_victims_alone():
    with_attacker = "The terror attack near Parliament left four people dead, including the assailant, police said."
    victims = "The assailant killed three people in the terror attack near Parliament, police said."
    assert disagreeing_topics(with_attacker, victims) == []
    assert disagreeing_topics(with_attacker.replace(", including the assailant", ""), victims) == ["death toll"]
    assert disagreeing_topics(with_attacker, victims.replace("three", "two")) == ["death toll"]


def test_seats_out_of_a_total_are_compared_as_seats():
    a = "The Liberals took 156 seats of the 338 in the House of Commons."
    b = "Trudeau's Liberal Party had won 157 of 338 seats, according to preliminary results."
    assert disagreeing_topics(a, b) == ["number of seats"]
    assert not disagreeing_topics(a, a.replace("156", "156"))


def test_an_expectation_never_disagrees_with_the_result():
    result = "The US economy added 943,000 jobs in July, the Bureau of Labor Statistics reported Friday."
    for forecast in ("Economists surveyed by Dow Jones had been looking for 845,000 new jobs in July.",
                     "Analysts were expecting 870,000 jobs added in July.",
                     "The economy needed 700,000 jobs a month in July to recover by next year."):
        assert not disagreeing_topics(result, forecast), forecast


def test_different_measures_with_one_unit_are_not_the_same_thing():
    a = "The labor force participation rate in the country was unchanged at 61.6% in August."
    b = "The unemployment rate in the country increased to 5.9% in August, the Bureau of Labor Statistics said."
    assert not disagreeing_topics(a, b)
    c = "The country's unemployment rate rose to 6.2% in August, the Labor Department said."
    assert disagreeing_topics(b, c) == ["percentage"]


@pytest.mark.parametrize(("a", "b"), [
    ("More than 180 people were killed in shootings across the country over the holiday weekend.",
     "At least 150 people were killed in shootings across the country over the holiday weekend."),
    ("By Monday night, 189 people were killed in shootings across the country over the weekend.",
     "At least 150 people were killed in shootings across the country over the weekend."),
    ("About 10,000 migrants are packed under the Del Rio bridge, officials said.",
     "The mayor said 10,503 migrants were packed under the Del Rio bridge on Thursday."),
])
def test_values_that_can_both_be_true_do_not_disagree(a, b):
    assert not disagreeing_topics(a, b)
    assert not conflicting(a, b)


def test_a_value_both_sentences_state_is_not_set_against_another_amount():
    a = "The House passed a $3.5 trillion budget resolution and advanced a $1 trillion infrastructure bill."
    b = "Pelosi struck a deal on the infrastructure bill and on adopting the $3.5 trillion budget resolution."
    assert not disagreeing_topics(a, b)


def test_tallies_names_dates_and_years_are_not_counts():
    text = "Senators voted 54-35 on June 24, 2021, as the S&P 500 rose and COVID-19 cases fell in K-12 schools."
    assert quantities(text) == ()
    assert [(q.value, q.unit) for q in quantities("The Senate needs 60 votes, and 51 senators agreed.")] == [
        (60.0, "vote"), (51.0, "senator")]


def test_bounds_roles_and_expectations_are_read_off_the_clause():
    (about,) = quantities("Roughly 4 million doses will be sent abroad.")
    assert about.bound == "about" and about.expected
    (at_least,) = quantities("At least 28 Palestinians have been killed in Gaza.")
    assert at_least.bound == "at least" and at_least.interval() == (28.0, float("inf"))
    change, level = quantities("Filings rose by 37,000 claims to 412,000 claims last week.")
    assert (change.role, level.role) == ("by", "")
    (average,) = quantities("Adjustments averaged just 1.65% a year over the past decade.")
    assert average.role == "average"


def test_the_numbers_that_differ_are_located_in_each_version():
    a = "Floods killed 12 people in the valley, and 3 bridges collapsed."
    b = "Floods killed 15 people in the valley, and 3 bridges collapsed."
    marked = [[text[s:e] for s, e in spans] for text, spans in zip((a, b), differing_values([a, b]), strict=True)]
    assert marked == [["12"], ["15"]]


def test_a_different_number_blocks_corroboration_but_an_unrelated_one_does_not():
    assert conflicting("Floods killed 12 people in New Jersey.", "Floods killed 15 people in New Jersey.")
    assert not conflicting("Floods killed 12 people in New Jersey.", "Floods killed about 12 people in New Jersey.")
    assert not conflicting("Floods killed 12 people in New Jersey.", "Analysts expect 15 people to be hired.")


def labelled_pairs(split: str) -> list[tuple[str, str, bool]]:
    with shared_file(f"allsides/{split}.articles.jsonl").open("rb") as stream:
        by_id = {p.article.id: p.article for p in read_articles(stream) if p.article}
    rows = [json.loads(line) for line in (LABELS / f"disagreements-{split}.jsonl").read_text().splitlines()]
    text = lambda ref: by_id[ref[0]].text[ref[1] : ref[2]]  # noqa: E731
    return [(text(r["a"]), text(r["b"]), r["label"] == "disagree") for r in rows]


def test_on_labelled_real_pairs_almost_every_disagreement_found_is_one():
    """Pairs of related crawl and dev sentences of different outlets that count some noun differently,
    labelled by reading (scripts/data/disagreements-*.jsonl): 8 of 80 are disagreements. The detector this
    one replaced flagged 74 of them, 5 rightly (precision 0.07)."""
    rows = labelled_pairs("crawl") + labelled_pairs("dev")
    found = [truth for a, b, truth in rows if disagreeing_topics(a, b)]
    assert sum(found) >= 6 and sum(found) / len(found) >= 0.6


def test_a_list_of_numbers_is_not_a_statement_and_a_long_sentence_keeps_its_reading():
    listing = " ".join(f"{i} people" for i in range(1, 4001)) + "."
    assert quantities(listing) == ()
    padding = " ".join(["and so the long day went on"] * 3000)
    (toll,) = quantities(f"Floods killed 12 people in the valley {padding} until dusk.")
    assert (toll.value, toll.unit, toll.topic) == (12.0, "people", "death toll")


def test_versions_of_one_topic_are_each_listed_once_however_many_there_are():
    texts = [f"Prices rose {n}% in the city of the region on Monday." for n in range(60)]
    groups = find_conflicts(texts, text=lambda s: s, related=lambda a, b: True)
    assert groups
    listed = [version for topic, versions in groups for version in versions]
    assert len(listed) == len(set(listed)) == len(texts)
