"""The domain operations, one function each, called by the CLI, the scheduler and the web app alike.

A function here wires stages to the store; it neither parses arguments nor prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from itertools import islice

from newsweave.http import Fetcher
from newsweave.models import Article, Brief
from newsweave.stages.extract import Page, extract_page
from newsweave.stages.synthesize import synthesize
from newsweave.store import SaveOutcome, Store

#: Articles written per transaction: an interrupted ingest loses at most one batch, which a
#: rerun completes.
INGEST_BATCH = 256


@dataclass(slots=True)
class IngestCounts:
    new: int = 0
    updated: int = 0
    known: int = 0

    @property
    def stored(self) -> int:
        return self.new + self.updated

    def add(self, outcomes: Iterable[SaveOutcome]) -> None:
        for outcome in outcomes:
            if outcome is SaveOutcome.NEW:
                self.new += 1
            elif outcome is SaveOutcome.UPDATED:
                self.updated += 1
            else:
                self.known += 1


def _batches(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def ingest_articles(
    store: Store,
    articles: Iterable[Article],
    counts: IngestCounts | None = None,
    batch_size: int = INGEST_BATCH,
    feed_url: str | None = None,
) -> IngestCounts:
    """Store articles, each new or changed one once; already known ones are counted, not rewritten.

    Writes in batches, each one transaction. ``counts``, when given, is updated after every
    commit, so a caller that is interrupted still knows what was stored.
    """
    counts = counts if counts is not None else IngestCounts()
    for batch in _batches(articles, batch_size):
        counts.add(store.save_articles(batch, feed_url=feed_url))
    return counts


def extract_url(fetcher: Fetcher, url: str) -> Page:
    """Fetch one article page (obeying robots.txt) and extract it."""
    response = fetcher.get(url, obey_robots=True)
    return extract_page(response.body, response.url)


def write_brief(store: Store, story_id: str) -> Brief | None:
    """Write (or rewrite) the verified brief of one stored story; None when it has no article."""
    articles = store.story_articles(story_id)
    if not articles:
        return None
    story = store.get_story(story_id)
    brief = synthesize(story.id if story else story_id, articles)
    store.save_brief(brief)
    return brief


def group_by_story(
    articles: Iterable[Article], assignments: Mapping[str, str] | None = None
) -> dict[str, list[Article]]:
    """Articles grouped into stories, in input order: by ``assignments`` (article id → story) when
    given, else by each article's ``story`` label; articles with neither form one story, "unassigned"."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        story = (assignments or {}).get(article.id) if assignments is not None else article.label
        groups.setdefault(story or "unassigned", []).append(article)
    return groups
