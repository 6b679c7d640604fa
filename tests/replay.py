"""The shared replay server (../shared/tools/replay_feeds.py) as a test fixture: a news web on loopback."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOOL = Path(__file__).resolve().parents[2] / "shared" / "tools" / "replay_feeds.py"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_replay(articles: Path, faults: bool, per_feed: int = 100):
    """Start the replay server; returns (process, base URL). Skips when the tool is absent."""
    if not TOOL.exists():
        pytest.skip(f"needs {TOOL} (the project's shared tools, present in CI)")
    port = free_port()
    args = [sys.executable, str(TOOL), str(articles), "--port", str(port), "--per-feed", str(per_feed)]
    process = subprocess.Popen([*args, *(["--faults"] if faults else [])], stdout=subprocess.PIPE, text=True)
    process.stdout.readline()  # "serving N articles …" once it listens
    base = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, base
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the replay server did not start")
