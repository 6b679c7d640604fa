"""Persistence. ``open_store`` picks the backend; only this package knows SQL."""

from __future__ import annotations

from pathlib import Path

from newsweave.store.base import SaveOutcome, Store, StoreStats
from newsweave.store.sqlite import SQLiteStore

__all__ = ["SaveOutcome", "Store", "StoreStats", "SQLiteStore", "open_store"]


def open_store(path: str | Path) -> SQLiteStore:
    """Open (creating and migrating when needed) the database at ``path``."""
    return SQLiteStore(path)
