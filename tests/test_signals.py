"""The lexical signals the clusterer reads: which words count as names."""

from __future__ import annotations

from newsweave.stages.signals import names


def test_names_are_capitalised_inside_a_sentence_acronyms_or_title_words_when_the_title_is_not_title_case():
    text = (
        "Officials met in Boston on Monday. The Mayor said NATO would help. “Police arrived,” a witness said;"
        " Rescuers came later.\n\n  Volunteers joined Red Cross teams"
    )
    assert names("Storm Hits The City", text) == {"boston", "mayor", "nato", "red", "cross"}
    assert names("Storm hits the city of Springfield", text) == {"boston", "mayor", "nato", "red", "cross",
                                                                  "springfield"}


def test_a_long_text_gives_the_names_of_its_parts():
    sentence = "The Mayor of Springfield met Governor Smith in Boston on Tuesday. "
    assert names("a title", sentence * 5000) == names("a title", sentence) == {"mayor", "springfield", "governor",
                                                                                 "smith", "boston"}
