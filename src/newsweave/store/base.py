"""The store's contract: what every backend (SQLite now, PostgreSQL later) must do.

The store speaks the domain: articles, stories, briefs, feeds. No caller sees SQL or rows.
One contract test suite (``tests/test_store_contract.py``) runs against every backend.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import numpy as np

from newsweave.models import Article, Brief, Feed, Story

#: Search matches are marked in the text of a hit by these two characters (control characters,
#: which stored text never contains); the reader escapes the text first, then turns them into marks.
MATCH_START, MATCH_END = "\x02", "\x03"


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


@dataclass(frozen=True, slots=True)
class StoryHit:
    """A story found by a search: its headline and a passage of its summary, matches marked."""

    story: str
    headline: str
    snippet: str
    outlets: int
    last_updated: datetime


@dataclass(frozen=True, slots=True)
class ArticleHit:
    """An article found by a search, with its title and a passage of its text, matches marked."""

    article: Article
    title: str
    snippet: str
    story: str | None


@dataclass(frozen=True, slots=True)
class OutletSummary:
    """One outlet as the briefs cite it: in how many stories, with how many articles, and how lately."""

    name: str
    stories: int
    articles: int
    last_updated: datetime


@dataclass(frozen=True, slots=True)
class StoredStory:
    """What the clustering engine keeps of one story between runs (the store does not interpret it)."""

    id: str
    vector_sum: np.ndarray
    signals: dict
    last_article_at: datetime | None
    status: str = "active"


@dataclass(frozen=True, slots=True)
class ClusteringChanges:
    """One batch of the live clusterer's work, written in one transaction."""

    attached: list[tuple[str, str]]
    """(article id, story id) pairs."""
    stories: list[StoredStory]
    """Stories whose state changed."""
    merged: list[tuple[str, str]]
    """(story merged away, story it joined)."""
    dormant: list[str]
    engine: str
    engine_state: dict
    moved: list[tuple[str, str]] = field(default_factory=list)
    """(article id, story id) for articles an earlier batch attached that a review has moved: each moves
    with its copies (the articles whose ``duplicate_of`` it is)."""


class Store(Protocol):
    """Persistence for newsweave. Every write is atomic: it happens whole or not at all."""

    # Articles
    def save_articles(self, articles: Iterable[Article], feed_url: str | None = None) -> list[SaveOutcome]:
        """Store each article (new, changed, or already known as it is), in one transaction;
        ``feed_url`` records the feed they came from."""

    def get_article(self, article_id: str) -> Article | None: ...

    def find_article_by_url(self, url: str) -> Article | None:
        """The article whose canonical URL equals ``url``'s canonical form."""

    def is_known(self, url: str) -> bool:
        """Whether an article is stored under ``url`` or was found under it (see ``add_link``)."""

    def add_link(self, url: str, article_id: str) -> None:
        """Remember that ``url`` leads to ``article_id`` (a feed's link to a page with another canonical URL)."""

    def find_by_title(self, title: str, limit: int = 20) -> list[Article]:
        """Stored articles with exactly this title, first stored first."""

    def near_duplicate_candidates(self, text: str, limit: int = 20) -> list[Article]:
        """Stored articles whose text may be a copy of ``text`` (sharing a MinHash bucket), most shared first."""

    def iter_articles(self) -> Iterator[Article]:
        """Every article, in the order it was first stored."""

    def iter_assignments(self) -> Iterator[tuple[str, str | None]]:
        """(article id, story id or None when it is in no story yet) for every article, in the order first stored."""

    def iter_briefs(self) -> Iterator[Brief]:
        """The brief of every story that is not merged away, in the order the stories were created."""

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

    def story_of_article(self, article_id: str) -> Story | None: ...

    def unassigned_articles(self, limit: int = 10_000) -> list[Article]:
        """Stored articles in no story yet (new, or left by an interrupted run), first stored first."""

    def active_stories(self, dormant_since: datetime | None = None) -> list[StoredStory]:
        """Every active story, and every dormant one whose newest article is at or after ``dormant_since``,
        with the clustering engine's state of it."""

    def engine_state(self, name: str) -> dict | None: ...

    def clustering_lock(self) -> AbstractContextManager[None]:
        """Held while the clustering engine's state is read, changed and saved: one clusterer at a time per
        database, across processes (two would hand out the same story ids). Waits for the other to finish."""

    def apply_clustering(self, changes: ClusteringChanges) -> None:
        """Attach articles, save story states, record merges and dormancy, and the engine state: all or nothing."""

    def story_ids(self) -> list[str]:
        """Every story id ever handed out, merged and retired ones too."""

    def stale_stories(self) -> list[str]:
        """Stories (not merged away) holding articles whose brief is missing or tells of another number of
        articles than they hold: left so by an interrupted settling, which saves stories before briefs."""

    def retire_stories(self, engine: str, engine_state: dict) -> None:
        """Forget every story so that all articles can be grouped again (``newsweave recluster``), in one
        transaction: memberships and briefs deleted, the engine's state replaced by ``engine_state``. Every
        story id handed out stays reserved, resolving to no story until ``redirect_stories`` points it on, and
        what it held is kept in ``retired_members`` until then (added to, when an earlier retirement was not
        redirected: an interrupted regrouping)."""

    def retired_members(self) -> dict[str, list[str]]:
        """Each retired story id (merged ones too) with the articles it led to, its merges followed; an id
        caught in a merge cycle led to none and is absent."""

    def redirect_stories(self, successors: Mapping[str, str]) -> None:
        """Point each retired story id at its successor, as a merged story's id points at the story it joined,
        and forget what the retired stories held."""

    # Briefs
    def save_brief(self, brief: Brief) -> None: ...

    def get_brief(self, story_id: str) -> Brief | None: ...

    # Feeds
    def add_feed(self, feed: Feed) -> bool:
        """Follow a feed; False when it was already followed."""

    def list_feeds(self) -> list[Feed]: ...

    def get_feed(self, url: str) -> Feed | None: ...

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds never checked, or whose next check is at or before ``now``."""

    def save_feed_state(self, feed: Feed) -> None:
        """Record what the updater learnt about a feed (validators, health, schedule)."""

    def remove_feed(self, url: str) -> bool: ...

    def move_feed(self, url: str, new_url: str) -> bool:
        """Follow ``new_url`` in place of ``url``, keeping its name and history; when ``new_url`` is already
        followed, ``url`` is only dropped (False)."""

    # Embeddings, cached by model name and content key (a digest of the exact text)
    def get_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached vectors among ``keys``; keys never embedded are absent."""

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None: ...

    # Articles' text analyses (signals.Analysis as JSON), cached by analyser and content key
    def get_analyses(self, analyser: str, keys: Sequence[str]) -> dict[str, str]:
        """The cached analyses among ``keys``; keys never analysed by ``analyser`` are absent."""

    def save_analyses(self, analyser: str, analyses: Mapping[str, str]) -> None: ...

    # The whole store
    def stats(self) -> StoreStats: ...

    def close(self) -> None: ...

    # Reader queries: what the web pages, the Atom feed and the digest show, all from stored briefs
    def reader_stories(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
        limit: int = 20,
        offset: int = 0,
        order: Literal["ranked", "recent", "breadth"] = "ranked",
    ) -> list[Brief]:
        """Briefs of stories (not merged away) covered in [since, until) and citing ``outlet`` when given.

        ``ranked``: the newest day of last update first, then most outlets, then most recent;
        ``recent``: most recently updated first; ``breadth``: most outlets first, then most recent.
        """

    def list_outlets(self) -> list[OutletSummary]:
        """Every outlet the briefs cite, the one in most stories first."""

    def stories_missed_by(self, outlet: str, limit: int = 10, min_outlets: int = 2) -> list[Brief]:
        """Widely covered stories (most outlets first) of the outlet's active period that it did not cover."""

    def search_stories(self, query: str, limit: int = 20) -> list[StoryHit]:
        """Stories whose headline or summary match the words of ``query``, best first."""

    def search_article_hits(self, query: str, limit: int = 20) -> list[ArticleHit]:
        """Like ``search_articles``, with matches marked and the story of each article."""
