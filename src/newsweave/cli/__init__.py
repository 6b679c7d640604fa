"""The ``newsweave`` command. Each command parses its arguments, calls one domain function, renders.

Exit codes: 0 success; 1 done, but some input was skipped (each reported on stderr);
2 an error stopped the command (usage, database); 130 interrupted.

The commands live in modules by subject (articles, feeds, evaluation); importing them here
registers them on ``main``.
"""

from newsweave.cli import articles, audit, clustering, evaluate, feeds, stories, web  # noqa: F401  (registers the commands)
from newsweave.cli.base import main

__all__ = ["main"]
