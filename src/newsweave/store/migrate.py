"""Schema migrations: ordered, append-only SQL files, each applied once and recorded.

``schema/NNNN_name.sql`` files are applied in number order, each in its own transaction,
and recorded in ``schema_migrations`` with a checksum. A database that has a migration
this newsweave does not know, or whose recorded checksum differs from the file (someone
edited a migration after it landed), is refused with a message rather than guessed at.
"""

from __future__ import annotations

import hashlib
import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

from newsweave.errors import MigrationError

_FILE_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")

_LEDGER = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()

    def statements(self) -> list[str]:
        """The file's SQL statements, split where SQLite itself sees a statement end."""
        statements, pending = [], ""
        for line in self.sql.splitlines(keepends=True):
            pending += line
            if sqlite3.complete_statement(pending):
                statements.append(pending.strip())
                pending = ""
        if pending.strip() and not pending.strip().startswith("--"):
            raise MigrationError(f"migration {self.version:04d}_{self.name}: unterminated statement")
        return statements


def available_migrations() -> list[Migration]:
    """The migrations shipped with this newsweave, in order, numbered 1, 2, 3 … without gaps."""
    folder = resources.files("newsweave.store") / "schema"
    found = []
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match[1]), match[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda m: m.version)
    if [m.version for m in found] != list(range(1, len(found) + 1)):
        raise MigrationError("the shipped migrations are not numbered 1, 2, 3 … without gaps")
    return found


def _applied(conn: sqlite3.Connection) -> dict[int, str]:
    return dict(conn.execute("SELECT version, checksum FROM schema_migrations"))


def _check_known(applied: dict[int, str], known: list[Migration]) -> None:
    by_version = {m.version: m for m in known}
    for version, checksum in sorted(applied.items()):
        if version not in by_version:
            raise MigrationError(
                f"the database has schema version {version}, newer than this newsweave knows "
                f"({len(known)}); upgrade newsweave to use it"
            )
        if by_version[version].checksum != checksum:
            raise MigrationError(
                f"migration {version:04d}_{by_version[version].name} differs from the one applied "
                "to this database; migrations must never be edited once released"
            )


def _apply(conn: sqlite3.Connection, migration: Migration) -> bool:
    """Apply one migration in its own transaction; False if another process already had."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        if migration.version in _applied(conn):
            conn.execute("ROLLBACK")
            return False
        for statement in migration.statements():
            conn.execute(statement)
        conn.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)",
            (migration.version, migration.name, migration.checksum, datetime.now(UTC).isoformat()),
        )
        conn.execute("COMMIT")
        return True
    except sqlite3.Error as error:
        conn.execute("ROLLBACK")
        raise MigrationError(f"migration {migration.version:04d}_{migration.name} failed: {error}") from error


def migrate(conn: sqlite3.Connection) -> list[Migration]:
    """Bring the schema up to date; returns the migrations applied now (empty when current).

    ``conn`` must be in autocommit mode (``isolation_level=None``).
    """
    conn.execute(_LEDGER)
    known = available_migrations()
    applied = _applied(conn)
    _check_known(applied, known)
    return [m for m in known if m.version not in applied and _apply(conn, m)]
