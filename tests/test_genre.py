"""Opinion or news: read from the article's URL section, outlet name and title label."""

from __future__ import annotations

import pytest

from newsweave.models import Article
from newsweave.stages.genre import is_opinion


def article(url: str | None = None, source: str | None = None, title: str = "Floods hit the coast") -> Article:
    return Article(id="a", title=title, text="Floods hit the coast on Monday.", url=url, source=source)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "https://www.washingtonpost.com/opinions/2021/08/10/climate-doubters-lose/"},
        {"url": "https://thehill.com/opinion/energy-environment/567237-to-bring-divided-americans"},
        {"url": "https://www.example.com/news/op-ed/why-the-plan-fails"},
        {"url": "https://www.example.com/commentary"},
        {"url": "https://www.dailywire.com/news/opinion-the-second-amendment-doesnt-shrink-beneath-the-threat"},
        {"url": "https://www.edweek.org/technology/opinion-why-are-we-turning-our-backs-on-remote-learning/2021/06"},
        {"source": "Wall Street Journal (Opinion)"},
        {"source": "CNN Opinion"},
        {"source": "Guest Writer - Right"},
        {"url": "https://variety.com/2021/tv/columns/ted-sarandos-dave-chappelle-netflix-1235088817/"},
        {"title": "Column: The recall was never about the governor"},
        {"title": "Guest essay: What the flood taught our town"},
        {"title": "OPINION: Ending Birthright Citizenship Is No Panacea"},
        {"title": "Op-Ed | The plan fails the people it means to help"},
    ],
)
def test_an_article_that_says_it_is_opinion_is(kwargs):
    assert is_opinion(article(**kwargs))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "https://www.reuters.com/world/india/rockets-fired-kabul-airport-2021-08-30/"},
        {"url": "https://www.example.com/news/opinion-poll-shows-lead"},  # a word in a slug, not a section
        {"url": "https://www.example.com/news/opinion-polls-tighten-in-ohio"},
        {"source": "Reuters"},
        {"title": "Opinion polls show a tight race in Ohio"},
        {"title": "Columnist fired after the newspaper's review"},  # a word, not a label
        {"source": "The Guest House Gazette"},
        {"url": "http://[not-a-url/opinion/"},  # broken URL: nothing to read, no error
        {},
    ],
)
def test_a_news_report_is_not_opinion(kwargs):
    assert not is_opinion(article(**kwargs))
