"""The domain operations, one function each, called by the CLI, the scheduler and the web app alike.

A function here wires stages to the store; it neither parses arguments nor prints.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice

import numpy as np
from tqdm import tqdm

from newsweave.errors import StoreError
from newsweave.http import Fetcher
from newsweave.models import Article, Brief
from newsweave.stages.cluster import ENGINE as CLUSTER_ENGINE
from newsweave.stages.cluster import (
    Move,
    OnlineClusterer,
    StoryState,
    assign_in_order,
    one_blas_thread,
    review_in_order,
)
from newsweave.stages.embed import CachedEmbedder, Embedder, MiniLMEmbedder, article_text, story_embedder
from newsweave.stages.extract import Page, extract_page
from newsweave.stages.language_model import ChatModel, LanguageModelEngine
from newsweave.stages.signals import ANALYSER, Analysis, AnalysisCache, TermStats, analyse, analysis_key
from newsweave.stages.synthesize import SynthesisEngine, synthesize
from newsweave.store import SaveOutcome, Store
from newsweave.store.base import ClusteringChanges, StoredStory

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


def write_brief(store: Store, story_id: str, embedder: Embedder | None = None,
                engine: SynthesisEngine | None = None) -> Brief | None:
    """Write (or rewrite) the verified brief of one stored story; None when it has no article. With
    ``embedder`` (the sentence model, ``store_embedder``) a claim also cites the outlets that paraphrase it;
    ``engine`` writes it (``extractive/1`` by default)."""
    articles = store.story_articles(story_id)
    if not articles:
        return None
    story = store.get_story(story_id)
    brief = synthesize(story.id if story else story_id, articles, embedder, engine)
    store.save_brief(brief)
    return brief


def group_by_story(
    articles: Iterable[Article], assignments: Mapping[str, str] | None = None
) -> dict[str, list[Article]]:
    """Articles grouped into stories, in input order: by ``assignments`` (article id → story) when
    given, else by each article's ``story`` label; articles with neither form one story, "unassigned"."""
    groups: dict[str, list[Article]] = {}
    for article in articles:
        story = assignments.get(article.id) if assignments is not None else article.label
        groups.setdefault(story or "unassigned", []).append(article)
    return groups


EMBED_BATCH = 256


def embed_articles(embedder: Embedder, articles: Sequence[Article], progress: bool = False) -> np.ndarray:
    """The embedding of each article's title and text, in batches (a bar on stderr when ``progress``)."""
    texts = [article_text(a.title, a.text) for a in articles]
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    with tqdm(total=len(texts), desc="embedding", unit="article", file=sys.stderr, leave=False,
              disable=not progress) as bar:
        for start in range(0, len(texts), EMBED_BATCH):
            out[start : start + EMBED_BATCH] = embedder.embed(texts[start : start + EMBED_BATCH])
            bar.update(len(texts[start : start + EMBED_BATCH]))
    return out


def analyse_articles(cache: AnalysisCache, articles: Sequence[Article]) -> list[Analysis]:
    """Each article's text analysis (``signals.analyse``), read from ``cache`` where it holds one and kept there
    where it did not: as embeddings are, so a second run over the same articles analyses nothing."""
    keys = [analysis_key(a.title, a.text) for a in articles]
    found = cache.get_analyses(ANALYSER, keys)
    fresh: dict[str, str] = {}
    out = []
    for key, article in zip(keys, articles, strict=True):
        if (stored := _stored_analysis(found.get(key))) is not None:
            out.append(stored)
        else:
            out.append(analysis := analyse(article.title, article.text))
            fresh[key] = found[key] = analysis.to_json()
    if fresh:
        cache.save_analyses(ANALYSER, fresh)
    return out


def _stored_analysis(stored: str | None) -> Analysis | None:
    """A cached analysis; None when there is none, or when the entry is damaged (the text is analysed again)."""
    try:
        return Analysis.from_json(stored) if stored is not None else None
    except ValueError:
        return None


@dataclass(slots=True)
class StoryChanges:
    """What one settling of stories did."""

    assigned: int = 0
    new: set[str] = field(default_factory=set)
    updated: set[str] = field(default_factory=set)
    merged: list[tuple[str, str]] = field(default_factory=list)

    @property
    def touched(self) -> set[str]:
        return self.new | self.updated


def _restored_clusterer(store: Store, embedder: Embedder) -> OnlineClusterer:
    state = store.engine_state(CLUSTER_ENGINE) or {}
    if state.get("model", embedder.name) != embedder.name:
        raise StoreError(
            f"the stories in this database were grouped with the embedding model {state['model']!r}, and this "
            f"run embeds with {embedder.name!r}: their vectors cannot be compared. `newsweave recluster` groups "
            f"every stored article again with this model"
        )
    clusterer = OnlineClusterer(stats=TermStats.from_dict(state.get("stats", {})), next_seq=state.get("next_seq", 0))
    clock = state.get("clock")
    remembered = datetime.fromtimestamp(clock, UTC) - timedelta(days=clusterer.config.remember_days) if clock else None
    for stored in store.active_stories(dormant_since=remembered):
        story = StoryState.from_dict(stored.id, stored.vector_sum, stored.signals)
        if stored.status == "active":
            clusterer.activate(story)
        else:
            clusterer.rest(story)
    clusterer.clock = clock if clock is not None else clusterer.clock
    return clusterer


def _stored(story: StoryState) -> StoredStory:
    last = datetime.fromtimestamp(story.last_time, UTC) if story.last_time is not None else None
    return StoredStory(story.id, story.vector_sum, story.to_dict(), last)


SETTLE_CHUNK = 2_000


def settle_stories(store: Store, embedder: Embedder, model: ChatModel | None = None) -> StoryChanges:
    """The live path of clustering: put every stored article without a story into one, and write the
    briefs of the stories that changed (with ``model``, by ``llm/1``: ``stages/language_model.py``).
    Resumes from the engine state in the store; works through the backlog in chunks, each saved in one
    transaction and then briefed, so an interrupted run loses at most one chunk, and the next run rewrites
    the briefs it left missing or stale. Holds the store's clustering lock throughout:
    two processes settling one database (a scheduled update and a manual ingest) take turns."""
    with store.clustering_lock():  # another process settling the same database finishes first
        return _settle_locked(store, embedder, model)


def _settle_locked(store: Store, embedder: Embedder, model: ChatModel | None) -> StoryChanges:
    changes = StoryChanges()
    sentences = store_embedder(store)
    # One engine for the batch, so that it stops asking a service that keeps failing.
    engine = LanguageModelEngine(model, sentences) if model else None
    pending = store.unassigned_articles(limit=SETTLE_CHUNK)
    clusterer = _restored_clusterer(store, embedder) if pending else None
    while pending:  # each batch's briefs written with it: a long backlog fills the reader as it goes
        for story_id in sorted(_settle_chunk(store, clusterer, embedder, pending, changes)):
            write_brief(store, story_id, sentences, engine)
        pending = store.unassigned_articles(limit=SETTLE_CHUNK)
    gone = {g for g, _ in changes.merged}
    changes.updated -= changes.new | gone
    changes.new -= gone
    for story_id in store.stale_stories():  # left by an interrupted run
        write_brief(store, story_id, sentences, engine)
    if retired := store.retired_members():  # every article is placed: an unfinished recluster ends here
        store.redirect_stories(_successors(store, retired))
    return changes


@dataclass(frozen=True, slots=True)
class Reclustering:
    """What ``recluster`` did: the articles grouped again, the stories they now form, the stories before."""

    articles: int
    stories: int
    stories_before: int


def recluster(store: Store, embedder: Embedder, model: ChatModel | None = None) -> Reclustering:
    """Forget every story and group all stored articles again by the live path, from a fresh engine state:
    after a change of embedding model or clusterer, or to repair stories a fault has left inconsistent.
    Story ids are never reused: each old id (a bookmark, a link) leads to the new story that holds most of
    the articles it held, as a merged story's id does. Interrupted, it is finished by the next settling
    (this again, or an update or ingest)."""
    with store.clustering_lock():  # throughout: an update meanwhile would settle what this retires
        before = store.stats().stories
        store.retire_stories(CLUSTER_ENGINE, {"next_seq": _first_free_seq(store)})
        changes = _settle_locked(store, embedder, model)
    return Reclustering(changes.assigned, len(changes.new), before)


def _first_free_seq(store: Store) -> int:
    """The clusterer's next story number, past every id handed out: the engine's own count, unless its state
    is gone or another engine's (an upgraded clusterer) numbered stories too."""
    state = store.engine_state(CLUSTER_ENGINE) or {}
    numbers = [int(match[1]) for story in store.story_ids() if (match := _STORY_NUMBER.fullmatch(story))]
    return max(state.get("next_seq", 0), max(numbers, default=-1) + 1)


_STORY_NUMBER = re.compile(r"s-(\d+)")


def _successors(store: Store, former: Mapping[str, list[str]]) -> dict[str, str]:
    """Each old story id's successor: the story holding most of its articles now, the first such on a tie."""
    story_of = dict(store.iter_assignments())
    successors = {}
    for old, members in former.items():
        now = [story for article in members if (story := story_of.get(article))]
        if now:
            successors[old] = max(dict.fromkeys(now), key=now.count)
    return successors


def _settle_chunk(store: Store, clusterer: OnlineClusterer, embedder: Embedder, pending: list[Article],
                  changes: StoryChanges) -> set[str]:
    """Place one batch of articles and save it; returns the stories it changed that still stand."""
    chunk = StoryChanges()
    placed = {a.duplicate_of: story for a in pending if a.duplicate_of
              for story in [_story_of(store, a.duplicate_of)] if story}
    moves: list[Move] = []
    vectors = embed_articles(embedder, pending)
    with one_blas_thread():
        for assignment in assign_in_order(clusterer, pending, vectors, placed):
            (chunk.new if assignment.new_story else chunk.updated).add(assignment.story)
            chunk.merged += [(gone, assignment.story) for gone in assignment.merged]
            moves += assignment.moves
        moves += review_in_order(clusterer, pending, placed)
    for move in moves:
        (chunk.new if move.new_story else chunk.updated).add(move.story)
        chunk.updated.add(move.source)
        if move.emptied:
            chunk.merged.append((move.source, move.story))
    gone = {g for g, _ in chunk.merged}
    settled = {a.id for a in pending}
    store.apply_clustering(ClusteringChanges(
        attached=[(a.id, placed[a.id]) for a in pending],
        moved=sorted({m.article: placed[m.article] for m in moves if m.article not in settled}.items()),
        stories=[_stored(clusterer.state_of(s)) for s in sorted(chunk.touched - gone) if clusterer.state_of(s)],
        merged=chunk.merged,
        dormant=[s for s in dict.fromkeys(clusterer.dormant) if s not in clusterer.stories],
        engine=CLUSTER_ENGINE,
        engine_state={"stats": clusterer.stats.to_dict(), "next_seq": clusterer.next_seq, "clock": clusterer.clock,
                      "model": embedder.name},
    ))
    clusterer.dormant.clear()
    clusterer.forgotten.clear()
    changes.assigned += len(pending)
    changes.new |= chunk.new
    changes.updated |= chunk.updated
    changes.merged += chunk.merged
    return chunk.touched - gone


def _story_of(store: Store, article_id: str) -> str | None:
    story = store.story_of_article(article_id)
    return story.id if story else None


def store_embedder(store: Store) -> Embedder:
    """The sentence embedder, with its vectors cached in ``store`` so no text is embedded twice."""
    return CachedEmbedder(MiniLMEmbedder(), store)


def story_store_embedder(store: Store) -> Embedder:
    """The embedder that groups articles into stories, cached in ``store`` (see ``settle_stories``)."""
    return CachedEmbedder(story_embedder(), store)
