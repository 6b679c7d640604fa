"""Migrations: applied once, in order, recorded; an unknown or edited one is refused."""

from __future__ import annotations

import sqlite3

import pytest

from newsweave.errors import MigrationError
from newsweave.store import SQLiteStore
from newsweave.store.migrate import available_migrations


def ledger(path) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT version, name FROM schema_migrations ORDER BY version").fetchall()


def test_a_new_database_gets_every_migration_once(tmp_path):
    path = tmp_path / "new.db"
    with SQLiteStore(path) as store:
        assert [m.version for m in store.applied_migrations] == [m.version for m in available_migrations()]
    assert ledger(path) == [(m.version, m.name) for m in available_migrations()]


def test_an_existing_database_is_not_migrated_again(tmp_path):
    path = tmp_path / "existing.db"
    SQLiteStore(path).close()
    before = ledger(path)
    with SQLiteStore(path) as store:
        assert store.applied_migrations == []
    assert ledger(path) == before


def test_the_database_is_in_wal_mode_with_a_full_text_index(tmp_path):
    path = tmp_path / "wal.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    assert {"articles", "articles_fts", "stories", "story_articles", "briefs", "feeds"} <= tables


def test_a_database_from_a_newer_newsweave_is_refused(tmp_path):
    path = tmp_path / "future.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', 'x', '2030-01-01')")
    with pytest.raises(MigrationError, match="schema version 999, newer than this newsweave"):
        SQLiteStore(path)


def test_an_edited_migration_is_refused(tmp_path):
    path = tmp_path / "edited.db"
    SQLiteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE schema_migrations SET checksum = 'tampered' WHERE version = 1")
    with pytest.raises(MigrationError, match="must never be edited"):
        SQLiteStore(path)


def test_shipped_migrations_are_numbered_without_gaps_and_parse():
    migrations = available_migrations()
    assert [m.version for m in migrations] == list(range(1, len(migrations) + 1))
    assert all(m.statements() for m in migrations)
