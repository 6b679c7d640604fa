"""Shared fixtures: a fresh SQLite store, the real ``newsweave`` command, the shared data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from newsweave.store import SQLiteStore

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
NEWSWEAVE = [sys.executable, "-m", "newsweave"]


def shared_file(relative: str) -> Path:
    """A file of ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA / relative
    if not path.exists():
        pytest.skip(f"needs {path} (the project's shared data, present in CI, absent in a user's clone)")
    return path


@pytest.fixture
def store(tmp_path: Path):
    with SQLiteStore(tmp_path / "store.db") as opened:
        yield opened


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "news.db"


class CommandResult:
    def __init__(self, completed: subprocess.CompletedProcess):
        self.code = completed.returncode
        self.out = completed.stdout.decode("utf-8")
        self.err = completed.stderr.decode("utf-8")

    def __repr__(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.out}\n--- stderr\n{self.err}"


@pytest.fixture
def newsweave(tmp_path: Path, tmp_path_factory):
    """Run the real ``newsweave`` command in a subprocess, with its own working folder, and an embedding cache
    shared by the test session (never the user's own)."""
    cache = tmp_path_factory.getbasetemp() / "embeddings.db"

    def run(*args: str | Path, stdin: bytes | None = None, env: dict | None = None) -> CommandResult:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("NEWSWEAVE_")}
        environment.update({"NEWSWEAVE_CACHE": str(cache), **(env or {})})
        completed = subprocess.run(
            [*NEWSWEAVE, *map(str, args)],
            input=stdin,
            capture_output=True,
            cwd=tmp_path,
            env=environment,
            timeout=900,  # catches a hung command, not a slow one: on a loaded 2-core machine a cold ingest of
                          # the crawl set once took over 300 s
        )
        return CommandResult(completed)

    return run


def write_jsonl(path: Path, records: list) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write((record if isinstance(record, str) else json.dumps(record, ensure_ascii=False)) + "\n")
    return path


def read_jsonl(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
