"""A crash or Ctrl-C in the middle of an ingest leaves the database consistent, and a rerun completes it."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import NEWSWEAVE, write_jsonl

from newsweave.store import SQLiteStore

pytestmark = pytest.mark.slow

TOTAL = 40_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    records = [{"id": f"a{n}", "title": f"Title {n}", "text": f"Text {n}.\n\nMore {n}."} for n in range(TOTAL)]
    return write_jsonl(tmp_path_factory.mktemp("big") / "big.jsonl", records)


def _interruptible() -> None:
    """Ctrl-C's default in the child. A suite started as a background job (``make test &``) runs with SIGINT
    ignored, which the child would inherit, and Python installs its KeyboardInterrupt handler only when SIGINT
    is at its default as it starts."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_ingest(source: Path, db: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [*NEWSWEAVE, "ingest", str(source), "--no-stories", "--db", str(db)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_interruptible,
    )


def wait_for_progress(process: subprocess.Popen) -> None:
    """Block until the command reports that it is well into the file."""
    line = process.stderr.readline()
    assert "lines read" in line, line


def assert_consistent(db: Path) -> int:
    """The file and its full-text index are sound, and every stored article is whole."""
    with SQLiteStore(db) as store:
        assert store.check_integrity() == []
        stored = list(store.iter_articles())
        for article in stored:
            n = article.id[1:]
            assert (article.title, article.text) == (f"Title {n}", f"Text {n}.\n\nMore {n}.")
        assert len(store.search_articles("Title")) == min(len(stored), 20)
        return len(stored)


def rerun_completes(source: Path, db: Path, already: int) -> None:
    result = subprocess.run([*NEWSWEAVE, "ingest", str(source), "--no-stories", "--db", str(db)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{TOTAL - already} ingested, 0 updated, {already} already known, 0 skipped"
    assert assert_consistent(db) == TOTAL


def test_ctrl_c_stops_cleanly_and_a_rerun_completes(big_file, tmp_path):
    db = tmp_path / "int.db"
    process = start_ingest(big_file, db)
    wait_for_progress(process)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted:" in err and "run the same command again to finish" in err
    assert "Traceback" not in err
    stored = assert_consistent(db)
    assert 0 < stored < TOTAL
    reported = int(err.split("interrupted: ")[1].split(" ingested")[0])
    assert reported == stored
    rerun_completes(big_file, db, stored)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_killed_ingest_leaves_whole_articles_and_a_rerun_completes(big_file, tmp_path):
    db = tmp_path / "kill.db"
    process = start_ingest(big_file, db)
    wait_for_progress(process)
    process.kill()
    process.wait(timeout=60)
    stored = assert_consistent(db)
    assert stored < TOTAL
    rerun_completes(big_file, db, stored)
