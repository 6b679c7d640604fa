"""The SQLite store: one file, WAL mode, migrations applied on open, FTS5 over articles.

The connection runs in autocommit mode and every write goes through ``_transaction``
(``BEGIN IMMEDIATE`` … ``COMMIT``), so a write happens whole or not at all, even when the
process is interrupted in the middle of it: SQLite rolls back an unfinished transaction.
"""

from __future__ import annotations

import fcntl
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from newsweave.errors import StoreError
from newsweave.models import Article, Brief, Feed, Story, format_time, parse_time
from newsweave.stages.dedupe import canonical_url, lsh_buckets
from newsweave.store.base import (
    ArticleHit,
    ClusteringChanges,
    OutletSummary,
    SaveOutcome,
    StoredStory,
    StoreStats,
    StoryHit,
)
from newsweave.store.migrate import Migration, migrate

_ARTICLE_FIELDS = (
    "id", "url", "title", "text", "source", "published", "language", "author", "label", "extra", "partial",
    "duplicate_of",
)
_ARTICLE_COLUMNS = ", ".join(_ARTICLE_FIELDS)
_ARTICLE_COLUMNS_A = ", ".join(f"a.{name}" for name in _ARTICLE_FIELDS)
_STORY_SUMMARY = """
    SELECT s.id, s.status, s.merged_into, s.created_at, s.updated_at,
           COUNT(sa.article_id), COUNT(DISTINCT a.source)
    FROM stories s
    LEFT JOIN story_articles sa ON sa.story_id = s.id
    LEFT JOIN articles a ON a.id = sa.article_id
"""
_FEED_COLUMNS = (
    "url, name, added_at, etag, last_modified, last_checked, last_success, last_error, error_count,"
    " next_check, interval_seconds"
)
_MAX_MERGE_HOPS = 100
_SQL_VARIABLES = 500


def _final_story(story: str, joined: Mapping[str, str | None]) -> str | None:
    """Where a story's merges lead: the story it ends up in, or None for a merge cycle."""
    for _ in range(_MAX_MERGE_HOPS):
        if joined.get(story) is None:
            return story
        story = joined[story]
    return None


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _time(value: str | None) -> datetime | None:
    return parse_time(value) if value else None


def _canonical_or_none(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return canonical_url(url)
    except ValueError:
        return None


def _article_from_row(row: sqlite3.Row) -> Article:
    return Article(
        id=row["id"],
        title=row["title"],
        text=row["text"],
        url=row["url"],
        source=row["source"],
        published=_time(row["published"]),
        language=row["language"],
        author=row["author"],
        label=row["label"],
        extra=json.loads(row["extra"]) if row["extra"] else {},
        partial=bool(row["partial"]),
        duplicate_of=row["duplicate_of"],
    )


def _article_values(article: Article) -> tuple:
    return (
        article.url,
        _canonical_or_none(article.url),
        article.title,
        article.text,
        article.source,
        format_time(article.published),
        article.language,
        article.author,
        article.label,
        json.dumps(article.extra, ensure_ascii=False) if article.extra else None,
        int(article.partial),
        article.duplicate_of,
        article.content_hash,
    )


def _feed_from_row(row: sqlite3.Row) -> Feed:
    return Feed(
        url=row["url"],
        name=row["name"],
        added=_time(row["added_at"]),
        etag=row["etag"],
        last_modified=row["last_modified"],
        last_checked=_time(row["last_checked"]),
        last_success=_time(row["last_success"]),
        last_error=row["last_error"],
        error_count=row["error_count"],
        next_check=_time(row["next_check"]),
        interval_seconds=row["interval_seconds"],
    )


def _story_from_row(row: sqlite3.Row | tuple) -> Story:
    story_id, status, merged_into, created, updated, articles, outlets = row
    return Story(story_id, status, _time(created), _time(updated), articles, outlets, merged_into)


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fts_query(text: str) -> str:
    """Words of a user's query as an FTS5 query that matches all of them, never a syntax error (a NUL would end
    a quoted word early: control characters part words)."""
    words = [word.replace('"', '""') for word in _CONTROL.sub(" ", text).split()]
    return " ".join(f'"{word}"' for word in words)


def _open_hint(error: sqlite3.Error) -> str:
    """What to look at when a database file cannot be opened."""
    if isinstance(error, sqlite3.DatabaseError) and "not a database" in str(error):
        return "the file is something else, or damaged; give another --db path"
    return "does its folder exist, and may newsweave write there?"


class SQLiteStore:
    """The Store contract on one SQLite file (or ``:memory:``)."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        self._conn = self._connect(self.path)
        self._lock = threading.RLock()
        self.applied_migrations: list[Migration] = migrate(self._conn)

    @staticmethod
    def _connect(path: str) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=30)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
        except sqlite3.Error as error:
            raise StoreError(f"cannot open the database {path}: {error} ({_open_hint(error)})") from error
        return conn

    def __enter__(self) -> SQLiteStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def _query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    # Articles

    def save_articles(self, articles: Iterable[Article], feed_url: str | None = None) -> list[SaveOutcome]:
        now = _now()
        with self._transaction() as conn:
            return [self._save_article(conn, article, now, feed_url) for article in articles]

    def _save_article(self, conn: sqlite3.Connection, article: Article, now: str, feed_url: str | None) -> SaveOutcome:
        row = conn.execute("SELECT content_hash FROM articles WHERE id = ?", (article.id,)).fetchone()
        if row and row[0] == article.content_hash:
            return SaveOutcome.KNOWN
        if row:
            conn.execute(
                "UPDATE articles SET url = ?, canonical_url = ?, title = ?, text = ?, source = ?,"
                " published = ?, language = ?, author = ?, label = ?, extra = ?, partial = ?, duplicate_of = ?,"
                " content_hash = ?, updated_at = ? WHERE id = ?",
                (*_article_values(article), now, article.id),
            )
        else:
            conn.execute(
                "INSERT INTO articles (url, canonical_url, title, text, source, published, language, author,"
                " label, extra, partial, duplicate_of, content_hash, id, ingested_at, updated_at, feed_url)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (*_article_values(article), article.id, now, now, feed_url),
            )
        self._index_buckets(conn, article)
        return SaveOutcome.UPDATED if row else SaveOutcome.NEW

    @staticmethod
    def _index_buckets(conn: sqlite3.Connection, article: Article) -> None:
        conn.execute("DELETE FROM article_buckets WHERE article_id = ?", (article.id,))
        buckets = lsh_buckets(article.text)
        if buckets:
            conn.executemany(
                "INSERT INTO article_buckets (article_id, band, bucket) VALUES (?, ?, ?)",
                [(article.id, band, bucket) for band, bucket in enumerate(buckets)],
            )

    def near_duplicate_candidates(self, text: str, limit: int = 20) -> list[Article]:
        """Stored articles whose text may be a copy of ``text`` (sharing a MinHash bucket), most shared first."""
        buckets = lsh_buckets(text)
        if not buckets:
            return []
        matches = " OR ".join("(b.band = ? AND b.bucket = ?)" for _ in buckets)
        params = [value for band, bucket in enumerate(buckets) for value in (band, bucket)]
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS_A} FROM article_buckets b JOIN articles a ON a.id = b.article_id"
            f" WHERE {matches} GROUP BY a.id ORDER BY COUNT(*) DESC, a.rowid LIMIT ?",
            (*params, limit),
        )
        return [_article_from_row(row) for row in rows]

    def get_article(self, article_id: str) -> Article | None:
        rows = self._query(f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE id = ?", (article_id,))
        return _article_from_row(rows[0]) if rows else None

    def find_article_by_url(self, url: str) -> Article | None:
        canonical = _canonical_or_none(url)
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE canonical_url = ? ORDER BY rowid LIMIT 1",
            (canonical,),
        )
        return _article_from_row(rows[0]) if rows else None

    def is_known(self, url: str) -> bool:
        """Whether an article is stored under ``url`` or was found under it (see ``add_link``)."""
        canonical = _canonical_or_none(url)
        return bool(self._query(
            "SELECT 1 FROM articles WHERE canonical_url = ? UNION ALL"
            " SELECT 1 FROM article_links WHERE canonical_link = ? LIMIT 1",
            (canonical, canonical),
        ))

    def add_link(self, url: str, article_id: str) -> None:
        """Remember that ``url`` leads to ``article_id`` (a feed's link to a page with another canonical URL)."""
        canonical = _canonical_or_none(url)
        if canonical:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT OR IGNORE INTO article_links (canonical_link, article_id) VALUES (?, ?)",
                    (canonical, article_id),
                )

    def find_by_title(self, title: str, limit: int = 20) -> list[Article]:
        """Stored articles with exactly this title, first stored first."""
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS} FROM articles WHERE title = ? ORDER BY rowid LIMIT ?", (title, limit)
        )
        return [_article_from_row(row) for row in rows]

    def iter_articles(self, batch_size: int = 500) -> Iterator[Article]:
        last = 0
        while rows := self._query(
            f"SELECT rowid, {_ARTICLE_COLUMNS} FROM articles WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, batch_size),
        ):
            yield from map(_article_from_row, rows)
            last = rows[-1]["rowid"]

    def iter_assignments(self, batch_size: int = 5_000) -> Iterator[tuple[str, str | None]]:
        last = 0
        while rows := self._query(
            "SELECT a.rowid, a.id, sa.story_id FROM articles a LEFT JOIN story_articles sa ON sa.article_id = a.id"
            " WHERE a.rowid > ? ORDER BY a.rowid LIMIT ?",
            (last, batch_size),
        ):
            yield from ((row[1], row[2]) for row in rows)
            last = rows[-1][0]

    def iter_briefs(self, batch_size: int = 200) -> Iterator[Brief]:
        last = 0
        while rows := self._query(
            "SELECT s.rowid, b.brief FROM stories s JOIN briefs b ON b.story_id = s.id"
            " WHERE s.status != 'merged' AND s.rowid > ? ORDER BY s.rowid LIMIT ?",
            (last, batch_size),
        ):
            yield from (Brief.from_dict(json.loads(row[1])) for row in rows)
            last = rows[-1][0]

    def search_articles(self, query: str, limit: int = 20) -> list[Article]:
        match = _fts_query(query)
        if not match:
            return []
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS_A}"
            " FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
            " WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts) LIMIT ?",
            (match, limit),
        )
        return [_article_from_row(row) for row in rows]

    # Stories

    def _resolve_story_id(self, story_id: str) -> str | None:
        for _ in range(_MAX_MERGE_HOPS):
            rows = self._query("SELECT merged_into FROM stories WHERE id = ?", (story_id,))
            if not rows:
                return None
            if rows[0]["merged_into"] is None:
                return story_id
            story_id = rows[0]["merged_into"]
        raise StoreError(f"story {story_id} is part of a merge cycle")

    def attach(self, article_id: str, story_id: str) -> None:
        now = _now()
        target = self._resolve_story_id(story_id) or story_id
        try:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO stories (id, created_at, updated_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at, status = 'active'",
                    (target, now, now),
                )
                conn.execute(
                    "INSERT INTO story_articles (article_id, story_id, attached_at) VALUES (?, ?, ?)"
                    " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id,"
                    " attached_at = excluded.attached_at",
                    (article_id, target, now),
                )
        except sqlite3.IntegrityError:
            raise StoreError(f"cannot attach article {article_id!r}: no such article") from None

    def get_story(self, story_id: str) -> Story | None:
        resolved = self._resolve_story_id(story_id)
        if resolved is None:
            return None
        rows = self._query(_STORY_SUMMARY + " WHERE s.id = ? GROUP BY s.id", (resolved,))
        return _story_from_row(tuple(rows[0]))

    def list_stories(self, limit: int = 50, offset: int = 0) -> list[Story]:
        rows = self._query(
            _STORY_SUMMARY + " WHERE s.status != 'merged' GROUP BY s.id"
            " ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ? OFFSET ?",
            (limit, offset),
        )
        return [_story_from_row(tuple(row)) for row in rows]

    def story_articles(self, story_id: str) -> list[Article]:
        resolved = self._resolve_story_id(story_id)
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS_A}"
            " FROM story_articles sa JOIN articles a ON a.id = sa.article_id"
            " WHERE sa.story_id = ? ORDER BY a.published, a.rowid",
            (resolved,),
        )
        return [_article_from_row(row) for row in rows]

    def story_of_article(self, article_id: str) -> Story | None:
        rows = self._query("SELECT story_id FROM story_articles WHERE article_id = ?", (article_id,))
        return self.get_story(rows[0]["story_id"]) if rows else None

    def unassigned_articles(self, limit: int = 10_000) -> list[Article]:
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS_A} FROM articles a LEFT JOIN story_articles sa ON sa.article_id = a.id"
            " WHERE sa.article_id IS NULL ORDER BY a.rowid LIMIT ?",
            (limit,),
        )
        return [_article_from_row(row) for row in rows]

    def active_stories(self, dormant_since: datetime | None = None) -> list[StoredStory]:
        rows = self._query(
            "SELECT id, vector_sum, signals, last_article_at, status FROM stories WHERE signals IS NOT NULL"
            " AND (status = 'active' OR (status = 'dormant' AND last_article_at >= ?)) ORDER BY rowid",
            (format_time(dormant_since) if dormant_since else "9999",),
        )
        return [StoredStory(r["id"], np.frombuffer(r["vector_sum"], dtype="<f4").copy(), json.loads(r["signals"]),
                            _time(r["last_article_at"]), r["status"]) for r in rows]

    def engine_state(self, name: str) -> dict | None:
        rows = self._query("SELECT state FROM engine_state WHERE name = ?", (name,))
        return json.loads(rows[0]["state"]) if rows else None

    @contextmanager
    def clustering_lock(self) -> Iterator[None]:
        """An exclusive lock on ``PATH.lock`` beside the database file (a thread lock for ``:memory:``): SQLite's own
        locks last one transaction, and clustering a backlog spans many."""
        if self.path == ":memory:":
            with self._lock:
                yield
            return
        with open(f"{self.path}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def apply_clustering(self, changes: ClusteringChanges) -> None:
        now = _now()
        with self._transaction() as conn:
            for story in changes.stories:
                conn.execute(
                    "INSERT INTO stories (id, created_at, updated_at, vector_sum, signals, last_article_at)"
                    " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET updated_at = excluded.updated_at,"
                    " status = 'active', vector_sum = excluded.vector_sum, signals = excluded.signals,"
                    " last_article_at = excluded.last_article_at",
                    (story.id, now, now, np.asarray(story.vector_sum, "<f4").tobytes(),
                     json.dumps(story.signals), format_time(story.last_article_at)),
                )
            self._record_merges(conn, changes.merged, now)
            conn.executemany(
                "INSERT INTO story_articles (article_id, story_id, attached_at) VALUES (?, ?, ?)"
                " ON CONFLICT (article_id) DO UPDATE SET story_id = excluded.story_id,"
                " attached_at = excluded.attached_at",
                [(article, story, now) for article, story in changes.attached],
            )
            conn.executemany(
                "UPDATE story_articles SET story_id = ?, attached_at = ? WHERE article_id = ?"
                " OR article_id IN (SELECT id FROM articles WHERE duplicate_of = ?)",
                [(story, now, article, article) for article, story in changes.moved],
            )
            conn.executemany("UPDATE stories SET status = 'dormant' WHERE id = ? AND status = 'active'",
                             [(story,) for story in changes.dormant])
            conn.execute(
                "INSERT INTO engine_state (name, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (changes.engine, json.dumps(changes.engine_state), now),
            )

    def story_ids(self) -> list[str]:
        return [row[0] for row in self._query("SELECT id FROM stories ORDER BY rowid")]

    def stale_stories(self) -> list[str]:
        rows = self._query(
            "SELECT s.id FROM stories s JOIN (SELECT story_id, COUNT(*) AS held FROM story_articles GROUP BY story_id)"
            " m ON m.story_id = s.id LEFT JOIN reader_stories r ON r.story_id = s.id"
            " WHERE s.status != 'merged' AND (r.articles IS NULL OR r.articles != m.held) ORDER BY s.rowid"
        )
        return [row[0] for row in rows]

    def retire_stories(self, engine: str, engine_state: dict) -> None:
        now = _now()
        with self._transaction() as conn:
            joined = dict(conn.execute("SELECT id, merged_into FROM stories").fetchall())
            members: dict[str, list[str]] = {}
            for article, story in conn.execute("SELECT article_id, story_id FROM story_articles"):
                members.setdefault(story, []).append(article)
            conn.executemany(
                "INSERT OR IGNORE INTO retired_members (story_id, article_id) VALUES (?, ?)",
                [(story, article) for story in joined for article in members.get(_final_story(story, joined), ())],
            )
            conn.execute("DELETE FROM briefs")
            conn.execute("DELETE FROM story_articles")
            conn.execute("UPDATE stories SET status = 'merged', merged_into = NULL, vector_sum = NULL, signals = NULL,"
                         " last_article_at = NULL, updated_at = ?", (now,))
            conn.execute(
                "INSERT INTO engine_state (name, state, updated_at) VALUES (?, ?, ?) ON CONFLICT (name)"
                " DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
                (engine, json.dumps(engine_state), now),
            )

    def retired_members(self) -> dict[str, list[str]]:
        members: dict[str, list[str]] = {}
        for story, article in self._query("SELECT story_id, article_id FROM retired_members ORDER BY 1, 2"):
            members.setdefault(story, []).append(article)
        return members

    def redirect_stories(self, successors: Mapping[str, str]) -> None:
        with self._transaction() as conn:
            conn.executemany("UPDATE stories SET merged_into = ? WHERE id = ? AND status = 'merged'",
                             [(new, old) for old, new in successors.items()])
            conn.execute("DELETE FROM retired_members")

    @staticmethod
    def _record_merges(conn: sqlite3.Connection, merged: list[tuple[str, str]], now: str) -> None:
        for gone, kept in merged:
            conn.execute("UPDATE story_articles SET story_id = ? WHERE story_id = ?", (kept, gone))
            conn.execute("UPDATE stories SET status = 'merged', merged_into = ?, updated_at = ?, signals = NULL"
                         " WHERE id = ?", (kept, now, gone))
            conn.execute("UPDATE stories SET merged_into = ? WHERE merged_into = ?", (kept, gone))
            conn.execute("DELETE FROM briefs WHERE story_id = ?", (gone,))

    # Briefs

    def save_brief(self, brief: Brief) -> None:
        payload = json.dumps(brief.to_dict(), ensure_ascii=False)
        try:
            with self._transaction() as conn:
                conn.execute(
                    "INSERT INTO briefs (story_id, engine, brief, written_at) VALUES (?, ?, ?, ?)"
                    " ON CONFLICT (story_id) DO UPDATE SET engine = excluded.engine,"
                    " brief = excluded.brief, written_at = excluded.written_at",
                    (brief.story, brief.engine, payload, _now()),
                )
        except sqlite3.IntegrityError:
            raise StoreError(f"cannot save a brief for story {brief.story!r}: no such story") from None

    def get_brief(self, story_id: str) -> Brief | None:
        resolved = self._resolve_story_id(story_id)
        rows = self._query("SELECT brief FROM briefs WHERE story_id = ?", (resolved,))
        return Brief.from_dict(json.loads(rows[0]["brief"])) if rows else None

    # Feeds

    def add_feed(self, feed: Feed) -> bool:
        added = format_time(feed.added) or _now()
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT INTO feeds (url, name, added_at) VALUES (?, ?, ?) ON CONFLICT (url) DO NOTHING",
                (feed.url, feed.name, added),
            )
            return cursor.rowcount == 1

    def list_feeds(self) -> list[Feed]:
        return [_feed_from_row(row) for row in self._query(f"SELECT {_FEED_COLUMNS} FROM feeds ORDER BY rowid")]

    def get_feed(self, url: str) -> Feed | None:
        rows = self._query(f"SELECT {_FEED_COLUMNS} FROM feeds WHERE url = ?", (url,))
        return _feed_from_row(rows[0]) if rows else None

    def due_feeds(self, now: datetime) -> list[Feed]:
        """Feeds never checked, or whose next check is at or before ``now``."""
        rows = self._query(
            f"SELECT {_FEED_COLUMNS} FROM feeds WHERE next_check IS NULL OR next_check <= ? ORDER BY rowid",
            (format_time(now),),
        )
        return [_feed_from_row(row) for row in rows]

    def save_feed_state(self, feed: Feed) -> None:
        """Record what the updater learnt about a feed (validators, health, schedule)."""
        with self._transaction() as conn:
            conn.execute(
                "UPDATE feeds SET name = COALESCE(?, name), etag = ?, last_modified = ?, last_checked = ?,"
                " last_success = ?, last_error = ?, error_count = ?, next_check = ?, interval_seconds = ?"
                " WHERE url = ?",
                (feed.name, feed.etag, feed.last_modified, format_time(feed.last_checked),
                 format_time(feed.last_success), feed.last_error, feed.error_count, format_time(feed.next_check),
                 feed.interval_seconds, feed.url),
            )

    def remove_feed(self, url: str) -> bool:
        with self._transaction() as conn:
            return conn.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 1

    def move_feed(self, url: str, new_url: str) -> bool:
        with self._transaction() as conn:
            if conn.execute("SELECT 1 FROM feeds WHERE url = ?", (new_url,)).fetchone():
                conn.execute("DELETE FROM feeds WHERE url = ?", (url,))
                return False
            return conn.execute("UPDATE feeds SET url = ? WHERE url = ?", (new_url, url)).rowcount == 1

    # Embeddings

    def get_embeddings(self, model: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        select = "SELECT content_key, vector FROM embeddings WHERE model = ? AND content_key IN"
        return {row[0]: np.frombuffer(row[1], dtype="<f4") for row in self._keyed_rows(select, model, keys)}

    def save_embeddings(self, model: str, vectors: Mapping[str, np.ndarray]) -> None:
        rows = [(model, key, np.asarray(vector, dtype="<f4").tobytes()) for key, vector in vectors.items()]
        with self._transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO embeddings (model, content_key, vector) VALUES (?, ?, ?)", rows)

    # Text analyses

    def get_analyses(self, analyser: str, keys: Sequence[str]) -> dict[str, str]:
        select = "SELECT content_key, analysis FROM analyses WHERE analyser = ? AND content_key IN"
        return {row[0]: row[1] for row in self._keyed_rows(select, analyser, keys)}

    def _keyed_rows(self, select: str, owner: str, keys: Sequence[str]) -> Iterator[sqlite3.Row]:
        """The rows ``select`` (ending in "content_key IN") finds for ``owner`` and each distinct key, asked in
        chunks that SQLite's limit on variables allows."""
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), _SQL_VARIABLES):
            chunk = unique[start : start + _SQL_VARIABLES]
            yield from self._query(f"{select} ({', '.join('?' * len(chunk))})", (owner, *chunk))

    def save_analyses(self, analyser: str, analyses: Mapping[str, str]) -> None:
        with self._transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO analyses (analyser, content_key, analysis) VALUES (?, ?, ?)",
                             [(analyser, key, analysis) for key, analysis in analyses.items()])

    # The whole store

    def stats(self) -> StoreStats:
        row = self._query(
            "SELECT (SELECT COUNT(*) FROM articles),"
            " (SELECT COUNT(DISTINCT source) FROM articles),"
            " (SELECT COUNT(*) FROM stories WHERE status != 'merged'),"
            " (SELECT COUNT(*) FROM briefs),"
            " (SELECT COUNT(*) FROM feeds)"
        )[0]
        return StoreStats(*row)

    def check_integrity(self) -> list[str]:
        """Problems SQLite finds in the file and the full-text indexes; empty when sound."""
        problems = [r[0] for r in self._query("PRAGMA integrity_check") if r[0] != "ok"]
        for index in ("articles_fts", "reader_fts"):
            try:
                with self._transaction() as conn:
                    conn.execute(f"INSERT INTO {index} ({index}) VALUES ('integrity-check')")
            except sqlite3.DatabaseError as error:
                problems.append(f"full-text index {index}: {error}")
        return problems

    # Reader queries: what the web pages, the Atom feed and the digest show, from the reader index
    # that migration 0005's triggers keep over the briefs (reader_stories, reader_outlets, reader_fts).

    _READER_ORDER = {
        "ranked": "r.day DESC, r.outlets DESC, r.last_updated DESC, r.rowid DESC",
        "recent": "r.last_updated DESC, r.rowid DESC",
        "breadth": "r.outlets DESC, r.last_updated DESC, r.rowid DESC",
    }
    _READER_BRIEFS = (
        "SELECT b.brief FROM reader_stories r JOIN stories s ON s.id = r.story_id"
        " JOIN briefs b ON b.story_id = r.story_id WHERE s.status != 'merged'"
    )

    @staticmethod
    def _utc(value: datetime) -> str:
        utc = value.astimezone(UTC)  # the year padded to four digits, so that text order is time order
        return f"{utc.year:04d}-{utc:%m-%dT%H:%M:%S}Z"

    def _briefs(self, sql: str, params: tuple) -> list[Brief]:
        return [Brief.from_dict(json.loads(row[0])) for row in self._query(sql, params)]

    def reader_stories(
        self,
        since: datetime | None = None,
        until: datetime | None = None,
        outlet: str | None = None,
        limit: int = 20,
        offset: int = 0,
        order: str = "ranked",
    ) -> list[Brief]:
        where, params = [], []
        if since is not None:
            where.append("r.last_updated >= ?")
            params.append(self._utc(since))
        if until is not None:
            where.append("r.first_seen < ?")
            params.append(self._utc(until))
        if outlet is not None:
            where.append("r.story_id IN (SELECT story_id FROM reader_outlets WHERE outlet = ?)")
            params.append(outlet)
        conditions = "".join(f" AND {condition}" for condition in where)
        sql = f"{self._READER_BRIEFS}{conditions} ORDER BY {self._READER_ORDER[order]} LIMIT ? OFFSET ?"
        return self._briefs(sql, (*params, limit, offset))

    def list_outlets(self) -> list[OutletSummary]:
        rows = self._query(
            "SELECT o.outlet, COUNT(*), SUM(o.articles), MAX(r.last_updated) FROM reader_outlets o"
            " JOIN reader_stories r ON r.story_id = o.story_id JOIN stories s ON s.id = o.story_id"
            " WHERE s.status != 'merged' GROUP BY o.outlet ORDER BY COUNT(*) DESC, o.outlet"
        )
        return [OutletSummary(row[0], row[1], row[2], parse_time(row[3])) for row in rows]

    def stories_missed_by(self, outlet: str, limit: int = 10, min_outlets: int = 2) -> list[Brief]:
        span = self._query(
            "SELECT MIN(r.first_seen), MAX(r.last_updated) FROM reader_outlets o"
            " JOIN reader_stories r ON r.story_id = o.story_id WHERE o.outlet = ?",
            (outlet,),
        )[0]
        if span[0] is None:
            return []
        sql = (
            f"{self._READER_BRIEFS} AND r.last_updated >= ? AND r.first_seen <= ? AND r.outlets >= ?"
            " AND r.story_id NOT IN (SELECT story_id FROM reader_outlets WHERE outlet = ?)"
            " ORDER BY r.outlets DESC, r.last_updated DESC, r.rowid DESC LIMIT ?"
        )
        return self._briefs(sql, (span[0], span[1], min_outlets, outlet, limit))

    def search_stories(self, query: str, limit: int = 20) -> list[StoryHit]:
        match = _fts_query(query)
        if not match:
            return []
        rows = self._query(
            "SELECT r.story_id, highlight(reader_fts, 0, char(2), char(3)),"
            " snippet(reader_fts, 1, char(2), char(3), '…', 40), r.outlets, r.last_updated"
            " FROM reader_fts JOIN reader_stories r ON r.rowid = reader_fts.rowid JOIN stories s ON s.id = r.story_id"
            " WHERE reader_fts MATCH ? AND s.status != 'merged' ORDER BY bm25(reader_fts, 2.0, 1.0) LIMIT ?",
            (match, limit),
        )
        return [StoryHit(row[0], row[1], row[2], row[3], parse_time(row[4])) for row in rows]

    def search_article_hits(self, query: str, limit: int = 20) -> list[ArticleHit]:
        match = _fts_query(query)
        if not match:
            return []
        rows = self._query(
            f"SELECT {_ARTICLE_COLUMNS_A}, highlight(articles_fts, 0, char(2), char(3)) AS marked_title,"
            " snippet(articles_fts, 1, char(2), char(3), '…', 32) AS marked_text, sa.story_id AS story"
            " FROM articles_fts JOIN articles a ON a.rowid = articles_fts.rowid"
            " LEFT JOIN story_articles sa ON sa.article_id = a.id"
            " WHERE articles_fts MATCH ? ORDER BY bm25(articles_fts) LIMIT ?",
            (match, limit),
        )
        return [
            ArticleHit(_article_from_row(row), row["marked_title"], row["marked_text"], row["story"]) for row in rows
        ]
