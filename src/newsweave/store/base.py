"""The store's contract: what every backend (SQLite now, PostgreSQL later) must do.

The store speaks the domain: articles, stories, briefs, feeds. No caller sees SQL or rows.
One contract test suite (``tests/test_store_contract.py``) runs against every backend.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from newsweave.models import Article, Brief, Feed, Story


class SaveOutcome(enum.Enum):
    NEW = "new"
    UPDATED = "updated"
    KNOWN = "known"


@dataclass(frozen=True, slots=True)
class StoreStats:
    articles: int
    outlets: int
    stories: int
    briefs: int
    feeds: int

    def to_dict(self) -> dict[str, int]:
        return {
            "articles": self.articles,
            "outlets": self.outlets,
            "stories": self.stories,
            "briefs": self.briefs,
            "feeds": self.feeds,
        }


class Store(Protocol):
    """Persistence for newsweave. Every write is atomic: it happens whole or not at all."""

    # Articles
    def save_articles(self, articles: Iterable[Article]) -> list[SaveOutcome]:
        """Store each article (new, changed, or already known as it is), in one transaction."""

    def get_article(self, article_id: str) -> Article | None: ...

    def find_article_by_url(self, url: str) -> Article | None:
        """The article whose canonical URL equals ``url``'s canonical form."""

    def is_known(self, url: str) -> bool: ...

    def iter_articles(self) -> Iterator[Article]:
        """Every article, in the order it was first stored."""

    def search_articles(self, query: str, limit: int = 20) -> list[Article]:
        """Articles matching the words of ``query``, best first."""

    # Stories
    def attach(self, article_id: str, story_id: str) -> None:
        """Make ``article_id`` a member of ``story_id`` (created when new), leaving any other."""

    def get_story(self, story_id: str) -> Story | None:
        """The story, following merges: a merged id resolves to the story it joined."""

    def list_stories(self, limit: int = 50, offset: int = 0) -> list[Story]:
        """Stories that are not merged away, most recently updated first."""

    def story_articles(self, story_id: str) -> list[Article]: ...

    # Briefs
    def save_brief(self, brief: Brief) -> None: ...

    def get_brief(self, story_id: str) -> Brief | None: ...

    # Feeds
    def add_feed(self, feed: Feed) -> bool:
        """Follow a feed; False when it was already followed."""

    def list_feeds(self) -> list[Feed]: ...

    def remove_feed(self, url: str) -> bool: ...

    # Embeddings, cached by model name and content key (a digest of the exact text)
    def get_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``; keys never embedded are absent."""

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...

    # The whole store
    def stats(self) -> StoreStats: ...

    def close(self) -> None: ...
