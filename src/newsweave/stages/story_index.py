"""The index of story centroids the clusterer asks for an article's nearest stories.

``StoryIndex`` is the interface (an ANN index or pgvector can take its place); ``NumpyStoryIndex`` keeps the
active centroids in one growable float32 matrix and answers exactly. What costs at this size (an article
against a few thousand centroids, once per article) is less the product than what surrounds it, so the
k best rows are picked in one compiled pass (numba) over the scores, not sorted or partitioned.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
from numba import njit


class StoryIndex(Protocol):
    """Nearest active-story centroids."""

    def upsert(self, story_id: str, centroid: np.ndarray) -> None: ...

    def remove(self, story_id: str) -> None: ...

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        """The ``k`` stories whose centroids have the highest dot product with ``vector``, best first."""
        ...

    def ahead(self, vectors: np.ndarray, block: int = 512) -> ScoredAhead:
        """Many queries to come, asked in about this order and scored ``block`` at a time; each answer is kept
        current as the index changes."""
        ...

    def __len__(self) -> int: ...


class ScoredAhead(Protocol):
    def nearest(self, query: int, k: int) -> list[tuple[str, float]]:
        """What ``index.nearest(vectors[query], k)`` would return now."""
        ...


class NumpyStoryIndex:
    """Active centroids in one growable float32 matrix; exact top-k by dot product, ties to the row filled
    first. Its dimension is the first centroid's (the embedder's); a centroid of another dimension is refused."""

    def __init__(self, capacity: int = 256):
        self._matrix = np.zeros((capacity, 0), np.float32)
        self._live = np.zeros(capacity, bool)
        self._version = np.zeros(capacity, np.int64)
        """When each row last changed (a count of changes), so scores computed ahead know which are stale."""
        self._changes = 0
        self._ids: list[str | None] = []
        self._rows: dict[str, int] = {}
        self._free: list[int] = []

    def __len__(self) -> int:
        return len(self._rows)

    def upsert(self, story_id: str, centroid: np.ndarray) -> None:
        if not self._matrix.shape[1]:
            self._matrix = np.zeros((len(self._matrix), len(centroid)), np.float32)
        if len(centroid) != self._matrix.shape[1]:
            raise ValueError(f"story {story_id}: a centroid of {len(centroid)} dimensions in an index of "
                             f"{self._matrix.shape[1]}: the stories were embedded with another model")
        row = self._rows.get(story_id)
        if row is None:
            row = self._free.pop() if self._free else self._grow()
            self._rows[story_id], self._ids[row], self._live[row] = row, story_id, True
        self._matrix[row] = centroid
        self._changed(row)

    def remove(self, story_id: str) -> None:
        row = self._rows.pop(story_id)
        self._live[row], self._ids[row] = False, None
        self._free.append(row)
        self._changed(row)

    def nearest(self, vector: np.ndarray, k: int) -> list[tuple[str, float]]:
        if not self._rows:
            return []
        used = len(self._ids)
        return self._named(*_top(self._matrix[:used] @ vector, self._live[:used], k))

    def ahead(self, vectors: np.ndarray, block: int = 512) -> NumpyScoredAhead:
        return NumpyScoredAhead(self, vectors, block)

    def _named(self, rows: np.ndarray, scores: np.ndarray) -> list[tuple[str, float]]:
        ids = self._ids
        return [(ids[r], s) for r, s in zip(rows.tolist(), scores.tolist(), strict=True)]  # type: ignore[misc]

    def _changed(self, row: int) -> None:
        self._changes += 1
        self._version[row] = self._changes

    def _grow(self) -> int:
        if len(self._ids) == len(self._matrix):
            self._matrix = np.vstack([self._matrix, np.zeros_like(self._matrix)])
            self._live = np.concatenate([self._live, np.zeros_like(self._live)])
            self._version = np.concatenate([self._version, np.zeros_like(self._version)])
        self._ids.append(None)
        return len(self._ids) - 1


class NumpyScoredAhead:
    """Queries against a NumpyStoryIndex scored in blocks, one matrix product a block, when the first query of
    a block is asked for; a row that has changed since (or is new) is scored again at each query, so every
    answer is what ``nearest`` would give (to float32 rounding: one product adds up in another order). A
    review asks about every article of a batch while moving only a few, and the online pass changes one row per
    article (so it scores small blocks): one product per block replaces a product per article. A query of a
    block before the one scored last is answered directly: blocks are scored going forward."""

    def __init__(self, index: NumpyStoryIndex, vectors: np.ndarray, block: int = 512) -> None:
        self._index, self._vectors, self._size = index, np.asarray(vectors, np.float32), block
        """``block``: queries scored together (512 against 3,000 stories hold 6 MB)."""
        self._block: tuple[int, np.ndarray, np.ndarray] = (-1, np.empty((0, 0), np.float32), np.empty(0, np.int64))
        """The block scored last: its number, its scores, the index's row versions then."""

    def nearest(self, query: int, k: int) -> list[tuple[str, float]]:
        index = self._index
        if not index._rows:
            return []
        block = query // self._size
        if block < self._block[0]:  # a query asked late is asked directly: blocks are scored going forward
            return index.nearest(self._vectors[query], k)
        if block != self._block[0]:
            used = len(index._ids)
            queries = self._vectors[block * self._size : (block + 1) * self._size]
            scores = queries @ index._matrix[:used].T
            scores[:, ~index._live[:used]] = -np.inf
            self._block = (block, scores, index._version[:used].copy())
        _, scores, versions = self._block
        used = len(index._ids)
        return index._named(*_top_ahead(scores[query % self._size], versions, index._version[:used],
                                        index._live[:used], index._matrix, self._vectors[query], k))


# ---- compiled ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _keep(rows: np.ndarray, scores: np.ndarray, n: int, row: int, score: float) -> int:
    """Insert (row, score) into the ``n`` best kept so far (best first; of equal scores the lower row first,
    in whatever order they come), dropping the last when full; the new count."""
    k = len(rows)
    if n == k and not _before(row, score, rows[k - 1], scores[k - 1]):
        return n
    at = n if n < k else k - 1
    while at > 0 and _before(row, score, rows[at - 1], scores[at - 1]):
        rows[at], scores[at] = rows[at - 1], scores[at - 1]
        at -= 1
    rows[at], scores[at] = row, score
    return min(n + 1, k)


@njit(cache=True)
def _before(row: int, score: float, other_row: int, other_score: float) -> bool:
    return score > other_score or (score == other_score and row < other_row)


@njit(cache=True)
def _top(scores: np.ndarray, live: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The rows of the ``k`` best live scores, best first, ties to the lower row; and their scores."""
    rows, best, n = np.empty(k, np.int64), np.empty(k, np.float64), 0
    for row in range(len(scores)):
        if live[row]:
            n = _keep(rows, best, n, row, scores[row])
    return rows[:n], best[:n]


@njit(cache=True)
def _top_ahead(scores: np.ndarray, versions: np.ndarray, now: np.ndarray, live: np.ndarray, matrix: np.ndarray,
               query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``_top`` of one query's scores computed ahead (rows dead then at minus infinity), each row changed since
    (its version in ``now`` is not the one in ``versions``) or added since scored again. A changed row's old
    score is set to minus infinity (it stays stale for every later query of the block), so the pass over the
    others reads one array."""
    rows, best, n = np.empty(k, np.int64), np.empty(k, np.float64), 0
    known = len(versions)
    changed = np.empty(len(now), np.int64)
    m = 0
    for row in range(known):
        if now[row] != versions[row]:
            scores[row] = -np.inf
            changed[m] = row
            m += 1
    for row in range(known, len(now)):
        changed[m] = row
        m += 1
    floor = -np.inf
    for row in range(known):
        if scores[row] > floor:  # never a row dead when scored, nor one changed since
            n = _keep(rows, best, n, row, scores[row])
            if n == k:
                floor = best[k - 1]
    for i in range(m):
        row = changed[i]
        if live[row]:
            n = _keep(rows, best, n, row, _dot(matrix[row], query))
    return rows[:n], best[:n]


@njit(cache=True, fastmath=True)
def _dot(a: np.ndarray, b: np.ndarray) -> np.float32:
    """A float32 dot product, summed in whatever order vectorises (as BLAS does: to float32 rounding)."""
    total = np.float32(0.0)
    for d in range(len(a)):
        total += a[d] * b[d]
    return total
