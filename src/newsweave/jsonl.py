"""JSON Lines in: numbered records from an untrusted byte stream, each value or the reason it is unusable.

Lines are read with a size cap (a huge line is skipped, never held whole in memory), decoded
as UTF-8 (a byte order mark on the first line is allowed), and parsed as strict JSON (NaN and
Infinity are refused). Blank lines are passed over.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from newsweave.errors import InvalidRecord

#: A line longer than this is refused rather than read into memory whole.
MAX_LINE_BYTES = 16 * 1024 * 1024
_READ_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Record:
    """One non-blank line: its decoded JSON value, or the problem that made it unusable."""

    number: int
    value: Any = None
    problem: str | None = None


def _raw_lines(stream: IO[bytes], max_bytes: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered lines of a binary stream; None stands for a line longer than ``max_bytes``."""
    number = 0
    while chunk := stream.readline(max_bytes + 1):
        number += 1
        if len(chunk) <= max_bytes or chunk.endswith(b"\n"):
            yield number, chunk
            continue
        while (rest := stream.readline(_READ_CHUNK)) and not rest.endswith(b"\n"):
            pass
        yield number, None


def _decode(raw: bytes, number: int) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidRecord(f"not valid UTF-8 (byte {raw[error.start]:#04x} at offset {error.start})") from None
    return text.lstrip("\ufeff") if number == 1 else text


def _refuse_constant(name: str) -> Any:
    raise InvalidRecord(f"not valid JSON: {name} is not a JSON number")


def _parse(text: str) -> Any:
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise InvalidRecord(f"not valid JSON: {error.msg} (column {error.colno})") from None


def read_records(stream: IO[bytes], max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[Record]:
    """Every non-blank line of a JSONL stream as a Record."""
    for number, raw in _raw_lines(stream, max_line_bytes):
        if raw is None:
            yield Record(number, problem=f"line is longer than {max_line_bytes:,} bytes")
            continue
        try:
            text = _decode(raw, number)
            if text.strip():
                yield Record(number, value=_parse(text))
        except InvalidRecord as invalid:
            yield Record(number, problem=invalid.reason)
