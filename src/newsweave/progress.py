"""Progress for long reads: a bar on a terminal, a plain line now and then otherwise."""

from __future__ import annotations

import os
import sys
from typing import IO, TextIO

from tqdm import tqdm


class LineProgress:
    """Progress through one file of lines, measured in bytes read."""

    def __init__(self, label: str, total_bytes: int | None, out: TextIO = sys.stderr, every: int = 10_000):
        self.label, self.lines, self._every, self._out = label, 0, every, out
        self._bar = None
        if out.isatty():
            name = os.path.basename(label)
            self._bar = tqdm(total=total_bytes, desc=name, unit="B", unit_scale=True, file=out, leave=False)

    def advance(self, nbytes: int, line_ended: bool = True) -> None:
        self.lines += line_ended
        if self._bar is not None:
            self._bar.update(nbytes)
        elif line_ended and self.lines % self._every == 0:
            print(f"{self.label}: {self.lines:,} lines read", file=self._out, flush=True)

    def write(self, message: str) -> None:
        """Print a message without breaking the bar."""
        if self._bar is not None:
            self._bar.write(message, file=self._out)
        else:
            print(message, file=self._out, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


class ProgressReader:
    """A binary stream whose ``readline`` reports each line to a LineProgress."""

    def __init__(self, stream: IO[bytes], progress: LineProgress):
        self._stream, self._progress = stream, progress

    def readline(self, limit: int = -1) -> bytes:
        line = self._stream.readline(limit)
        if line:
            self._progress.advance(len(line), line.endswith(b"\n"))
        return line
