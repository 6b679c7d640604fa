"""Sentence splitting with offsets, residue trimming, numbers and names."""

from __future__ import annotations

import pytest

from newsweave.stages.sentences import (
    Span,
    cut_short,
    find_names,
    find_numbers,
    is_call_to_action,
    split_sentences,
    trim_residue,
)


def texts(text: str) -> list[str]:
    return [span.text for span in split_sentences(text)]


def test_offsets_index_the_text_exactly():
    text = 'WASHINGTON (AP) — The Senate voted Tuesday.  "It is over," he said.\n\nA new paragraph'
    for span in split_sentences(text):
        assert text[span.start : span.end] == span.text


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = (
        "Sen. Rand Paul, R-Ky., spoke to Dr. Smith in the U.S. Capitol. John F. Kennedy Jr. was 3.5 points "
        "ahead. The U.S. The end."
    )
    assert texts(text) == [
        "Sen. Rand Paul, R-Ky., spoke to Dr. Smith in the U.S. Capitol.",
        "John F. Kennedy Jr. was 3.5 points ahead.",
        "The U.S.",
        "The end.",
    ]


def test_quotes_that_end_sentences_stay_with_their_sentence():
    assert texts('"Zero chance of conviction." Paul said it twice. "No way!" She left.') == [
        '"Zero chance of conviction."',
        "Paul said it twice.",
        '"No way!"',
        "She left.",
    ]
    assert texts("“It is a farce,” Paul said. Later he left.") == ["“It is a farce,” Paul said.", "Later he left."]


def test_paragraph_breaks_always_split():
    assert texts("First paragraph without a stop\n\nSecond one.") == ["First paragraph without a stop", "Second one."]


def test_datelines_bylines_and_read_more_are_trimmed_inside_the_span():
    for raw, clean in [
        ("WASHINGTON (AP) — The Senate voted.", "The Senate voted."),
        ("(CNN) - Patience is in short supply.", "Patience is in short supply."),
        ("WASHINGTON — Travel limits will be lifted.", "Travel limits will be lifted."),
        ("Washington (CNN)Ross Perot died on Tuesday.", "Ross Perot died on Tuesday."),
        ("Why it matters: The cancellations come after pilots sued.", "The cancellations come after pilots sued."),
        ("Driving the news: McConnell tweeted on Friday.", "McConnell tweeted on Friday."),
        ("WASHINGTON (AP) — The bottom line: Rates stay put.", "Rates stay put."),
        ("The law was upheld. Read more", "The law was upheld."),
        ("He served three presidents in...", "He served three presidents in"),
    ]:
        span = trim_residue(split_sentences(raw)[0])
        assert raw[span.start : span.end] == span.text == clean
    for kept in ("The law was upheld by the court, the judge said — firmly.", "Context: a word that opens it."):
        sentence = split_sentences(kept)[0]
        assert trim_residue(sentence).text == sentence.text


def test_numbers_with_values_and_counted_nouns():
    found = {
        n.text: (n.value, n.unit) for n in find_numbers("The $150 billion plan: nine people, 1,800 flights, 5.9%.")
    }
    assert found == {
        "$150 billion": (150e9, "$"),
        "nine": (9.0, "people"),
        "1,800": (1800.0, "flights"),
        "5.9%": (5.9, "%"),
    }


def test_proper_names_skip_function_words_and_possessives():
    names = find_names("But Sen. Bernie Sanders told Fox News that the U.S. Supreme Court and Donald Trump's team")
    assert names == ["Bernie Sanders", "Fox News", "U.S. Supreme Court", "Donald Trump"]
    assert find_names("He said it was over.") == []


def test_a_call_to_action_is_page_furniture_but_a_quoted_imperative_is_not():
    assert is_call_to_action("Watch the full 60 Minutes interview with the director (video).")
    assert is_call_to_action("Read his opening remarks below.")
    assert is_call_to_action("Sign up for our morning newsletter.")
    assert not is_call_to_action("“Listen, anything can happen,” McConnell said.")
    assert not is_call_to_action("Listen, anything can happen in the Senate this week.")
    assert not is_call_to_action("Readers of the newspaper were quick to respond.")


@pytest.mark.parametrize(
    ("text", "cut"),
    [
        ("The order was backed by Judges James C....", True),
        ("Federal prosecutors said that Mr....", True),
        ("Voters decided to boot then-Gov....", True),
        ("The tariffs covered $11.5 billion of goods from EU wine to U.S....", True),
        ("Some were seen with blood on their faces and apparently unconscious....", False),
        ("Some were seen with blood on their faces and apparently unconscious…", False),
        ("Trump flew back to the U.S.", False),
    ],
)
def test_an_excerpt_cut_at_an_abbreviation_is_cut_short(text, cut):
    assert cut_short(Span(0, len(text), text)) is cut


@pytest.mark.parametrize(
    ("text", "ends_text", "cut"),
    [
        ("Late Monday, CNN published a story titled “U.S.", True, True),
        ('Late Monday, CNN published a story titled "U.S.', True, True),
        ("Late Monday, CNN published a story titled “U.S.", False, False),  # the quotation may close later
        ("“We will win,” she said of the vote on Tuesday.", True, False),
        ("The senator called it “a disgrace” and left the chamber.", True, False),
    ],
)
def test_an_excerpt_that_ends_inside_its_quotation_is_cut_short(text, ends_text, cut):
    assert cut_short(Span(0, len(text), text), ends_text) is cut
