"""Quotations: who said them, when a quote goes on from an attributed one, and fragments ranked last."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from newsweave.models import Article
from newsweave.stages.quotes import find_quotes, names_a_work, quotations


def speakers(text: str) -> list[tuple[str, str | None]]:
    return [(q.text, q.speaker) for q in quotations(text)]


def test_a_quote_that_goes_straight_on_from_an_attributed_one_is_the_same_speakers():
    text = ('"This is a miraculous place, literally filled with wonders," de Blasio said of the city. '
            '"If you are vaccinated, you can enjoy all of it." "We will open every door."')
    assert [s for _, s in speakers(text)] == ["de Blasio", "de Blasio", "de Blasio"]
    # "he said" right after the named speaker's sentence is the named speaker, as a reader takes it
    text = ('"This is a miraculous place, full of wonders," de Blasio said, speaking at City Hall. '
            '"If you are vaccinated, come along," he said.')
    assert [s for _, s in speakers(text)] == ["de Blasio", "de Blasio"]


@pytest.mark.parametrize(
    "text",
    [
        # a new paragraph may be someone else speaking
        '"This is a miraculous place, full of wonders," de Blasio said.\n\n"If you are vaccinated, come along."',
        # "he said" in a new paragraph: the name is not in the sentence before
        '"This is a miraculous place, full of wonders," de Blasio said.\n\n"If you are vaccinated, come," he said.',
        # the writer's words come between
        '"This is a miraculous place, full of wonders," de Blasio said. Critics called the pass "a gimmick for '
        'the tourists and nothing else."',
    ],
)
def test_a_quote_after_other_words_or_a_new_paragraph_is_not_given_the_earlier_speaker(text):
    (first, first_speaker), (_, second_speaker) = speakers(text)
    assert first_speaker == "de Blasio" and second_speaker is None


@pytest.mark.parametrize(
    ("text", "speaker"),
    [
        ("“President Joe Biden will host the family on Tuesday,” CNBC reported Sunday.", "CNBC"),
        ("“Was Harris paid for these books? Is she profiting from this crisis?” — Republican National "
         "Committee Chair Ronna McDaniel, in a tweet, April 26, 2021",
         "Republican National Committee Chair Ronna McDaniel"),
        ("“I gave his daughter the flag,” said his wife, Sheraine Lathon, 69, of Richton Park.", "Sheraine Lathon"),
        ("“Why are you so confident?” CNN's chief White House correspondent, Kaitlan Collins, asked Biden.",
         "Kaitlan Collins"),
        ("“The vote will happen next week,” said Sen. Chuck Schumer, D-N.Y., on Monday.", "Sen. Chuck Schumer"),
        ("Zhao Lijian called the deal “extremely irresponsible and short-sighted” on Friday.", "Zhao Lijian"),
        ("Prime Minister Benjamin Netanyahu said on Tuesday officials would “increase both the strength and rate "
         "of the strikes” on Gaza.", "Prime Minister Benjamin Netanyahu"),
        ("At a news conference on Tuesday, Schumer vowed to “use my clout as majority leader to make it a "
         "priority” this year. Schumer is the leader.", "Schumer"),
        ("NIAID director Anthony Fauci told CNN on Monday the country could “start getting back to normality” "
         "by spring.", "NIAID director Anthony Fauci"),
        ("Boris Johnson has spoken of his shock at the loss of “one of the kindest people” in politics.",
         "Boris Johnson"),
        ("In a newspaper column, Sen. Joe Manchin sharply accused the bill of having “no regard to rising "
         "inflation” at all.", "Sen. Joe Manchin"),
        ("“The nationwide eviction moratorium is one such decision,” D.C. District Court Judge Dabney Friedrich, "
         "a Trump appointee, ruled on Wednesday.", "D.C. District Court Judge Dabney Friedrich"),
        ("“It was just auxiliary to the broader efforts we have,” Miller commented in an email.", "Miller"),
        ("“And I think nobody wants to see anything that interrupts it,” Mr Johnson was saying before being cut "
         "off.", "Mr Johnson"),
        # the verb first, then someone who reports it: the speaker is the one after the verb
        ("“In reality, the virus clinically no longer exists,” said Alberto Zangrillo, who leads a hospital in "
         "Milan, Business Insider reported.", "Alberto Zangrillo"),
        # the sentence ends on who said what it quotes
        ("Moise was shot dead by attackers in an “inhuman and barbaric act” and his wife was injured, Interim Prime "
         "Minister Claude Joseph said on Wednesday.", "Interim Prime Minister Claude Joseph"),
        # the subject speaks in the sentence's last clause
        ("Defense Secretary Mark Esper made the announcement at the Pentagon, saying “all indications are that Iran "
         "was responsible” for the attack.", "Defense Secretary Mark Esper"),
        ("Vice President Mike Pence voiced support for the move, telling NBC News that “it's the right decision.”",
         "Vice President Mike Pence"),
        ("President Joe Biden addressed the nation, while admitting that the fall of the country “did unfold more "
         "quickly than we had anticipated.”", "President Joe Biden"),
        # a possessor is not the subject
        ("President Trump's new lawyer, Rudy Giuliani, issued a statement, noting that his “references to timing "
         "were not describing my understanding.”", None),
        # a name with a capital inside needs no other mention to be a name; a description may run before it
        ("YouTube on Wednesday said it would ban content that “poses a serious risk of egregious harm.”", "YouTube"),
        ("Leading infectious disease expert Anthony Fauci warned that its development “might take some time” to "
         "come to market.", "Leading infectious disease expert Anthony Fauci"),
        # someone else speaks between the subject's verb and the quotation
        ("Biden said Republicans claimed the vote was “stolen from all of us” last year.", None),
        ("Analyst Nicholas Fondacaro called out NBC for cutting a call in which a woman is heard saying: “It's these "
         "grown girls trying to fight us.”", None),
        # words put in someone's mouth before the quotation are theirs, not the words of the one who reports them
        ("Critics called the plan “a giveaway to the developers” last week, Mayor John Smith said.", None),
        ("He called it “the toughest challenge we face” — and Congress agreed.", None),
    ],
)
def test_speaker_named_by_a_report_or_a_signature(text, speaker):
    (quote,) = quotations(text)
    assert quote.speaker == speaker


def test_the_writers_words_between_two_quotations_are_not_a_quotation():
    text = ('Abbott said he would open the state "100%," roughly a year after the pandemic began across the '
            'country. "To be clear, COVID has not suddenly disappeared," he said. She called it "unwise."')
    assert [q.text for q in quotations(text)] == ["To be clear, COVID has not suddenly disappeared"]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Biles charged the FBI “turned a blind eye to the abuse” as he molested patients.", True),
        ("He said the pass was the “Key to New York City” for everyone.", True),
        ("Activists returned to their refrain: “It's great, but it's not enough.”", False),
        ("“It's great, but it's not enough,” the activists said.", False),
        ("The activists said “it's great, but it's not enough” on Monday.", False),
        ("The order states that “no entity in Texas can compel anyone to be vaccinated.”", False),
    ],
)
def test_a_quote_woven_into_the_writers_sentence_is_a_fragment(text, fragment):
    (quote,) = quotations(text)
    assert quote.fragment is fragment


def test_whole_utterances_come_before_fragments_when_neither_names_a_speaker():
    text = ("Critics said the plan was a “Big Giveaway to the developers of the city” and little else. "
            "“Nobody asked us about any of this,” one resident said.")
    article = Article(id="a", title="Plan", text=text, source="Outlet", published=datetime(2025, 1, 1, tzinfo=UTC))
    assert [q.text for q in find_quotes([article])] == ["Nobody asked us about any of this",
                                                         "Big Giveaway to the developers of the city"]


@pytest.mark.parametrize(("passage", "title"), [
    ("The Joe Rogan Experience", True), ("From the Desk of Donald J. Trump", True), ("For The People Act", True),
    ("Big Giveaway to the developers of the city", False), ("Do Not Come Here Ever Again.", False),
    ("We will never give up", False),
])
def test_a_title_of_a_work_is_told_from_speech(passage, title):
    assert names_a_work(passage) is title


def test_an_unattributed_title_is_no_quote_but_an_attributed_slogan_is():
    text = ("Spotify hosts “The Joe Rogan Experience” for millions of listeners. "
            "“We stand by every one of our hosts,” Daniel Ek said. Critics called the show “a danger to all of us.” "
            "Senator Smith said: “Make Spotify Accountable Again”")
    article = Article(id="a", title="Podcast", text=text, source="Outlet", published=datetime(2025, 1, 1, tzinfo=UTC))
    assert [(q.text, q.speaker) for q in find_quotes([article])] == [
        ("Make Spotify Accountable Again", "Senator Smith"), ("We stand by every one of our hosts", "Daniel Ek"),
        ("a danger to all of us.", None)]


def test_a_text_of_thousands_of_quotations_is_read_only_as_far_as_a_news_article_goes():
    from newsweave.stages.quotes import MAX_QUOTATIONS

    sentence = 'Facebook said the rule was "idea number {} of many bad ones." '
    text = "".join(sentence.format(n) for n in range(3 * MAX_QUOTATIONS))
    found = quotations(text)
    assert len(found) == MAX_QUOTATIONS and found[-1].text == f"idea number {MAX_QUOTATIONS - 1} of many bad ones."


def _article(article_id: str, text: str) -> Article:
    return Article(id=article_id, title="Deal", text=text, source=article_id.upper(),
                   published=datetime(2025, 1, 1, tzinfo=UTC))


def test_the_versions_outlets_give_of_one_utterance_are_shown_once():
    articles = [
        _article("a", "“We have a deal,” Biden said on Thursday. “The vaccine is safe, effective, and our best defense "
                      "against the virus, but should remain voluntary,” Abbott said."),
        _article("b", "“To answer your direct question, we have a deal,” the president told reporters. “The vaccine "
                      "is safe, effective, & our best defense against the virus, but should always remain voluntary,” "
                      "Governor Greg Abbott wrote."),
        # two halves of one sentence are two quotations, and so are the same words from two named speakers
        _article("c", "“If you can say it on the streets of New York,” John Matze said, “you can say it on Parler.” "
                      "“We will not back down from this fight,” Senator Jane Smith said. "
                      "“We will never back down from this fight,” Senator John Doe said."),
    ]
    shown = [(q.text, q.speaker) for q in find_quotes(articles)]
    assert ("We have a deal", "Biden") in shown
    assert not any(text.startswith("To answer your direct question") for text, _ in shown)
    assert sum("our best defense against the virus" in text for text, _ in shown) == 1
    assert {("We will not back down from this fight", "Senator Jane Smith"),
            ("We will never back down from this fight", "Senator John Doe")} <= set(shown)
    assert len(shown) == 5 and ("If you can say it on the streets of New York", "John Matze") in shown
