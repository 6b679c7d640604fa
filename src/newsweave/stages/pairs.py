"""What an article shares with the members of the stories it is weighed against, in one compiled call.

The clusterer's lexical evidence is pairwise: the TF-IDF cosine, the IDF-weighted overlaps of names and of
numbers, and weekday agreement between an article and each member of up to five candidate stories, for
every article online and again in the review. Weighed pair by pair in Python dictionaries, that was a third
of the time clustering takes. Here an article's terms, names and numbers are one flat array (``lexicon``):
item ids and their weights in three segments, each sorted by id; a story lays its members' end to end, and
one numba function (``evidence_table``) merges the article's sorted ids with every member's and turns what
they share into the evidence rows of all the candidates at once. Flat arrays, because what costs at this
size is building and joining many small arrays, not the arithmetic.

Exact and order-free: each sum over a pair's shared items is taken over the items' contributions in
ascending order, so a figure depends neither on the ids the items happen to get (first come, in this
process) nor on which article of the pair is which: a resumed process weighs every pair as the one before it
did, to the last bit.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from numba import njit

from newsweave.stages.signals import WEEKDAYS

_IDS: dict[str, int] = {}
"""Item → id, for this process: ids only need to be equal for equal items (what a merge compares)."""
_DAY_BITS = {day: 1 << i for i, day in enumerate(WEEKDAYS)}
HEADER = 7
"""A lexicon: [items n, terms, names, numbers, weekday bits, names' weight, numbers' weight], then the n ids
(terms, names, numbers, each segment sorted by id), then their n weights; float64 throughout (ids are exact
up to 2**53)."""


def lexicon(terms: Mapping[str, float], names: Mapping[str, float], numbers: Mapping[str, float],
            weekdays: Iterable[str]) -> np.ndarray:
    """One article's lexicon (see HEADER); ``names`` and ``numbers`` weigh each item by its idf."""
    ids = _IDS
    try:  # once the process has read a few hundred articles, an article's items nearly all have ids
        items = [*map(ids.__getitem__, terms), *map(ids.__getitem__, names), *map(ids.__getitem__, numbers)]
    except KeyError:  # each new item takes the next id, in order
        items = [ids.setdefault(item, len(ids)) for segment in (terms, names, numbers) for item in segment]
    weights = [*terms.values(), *names.values(), *numbers.values()]
    header = (len(items), len(terms), len(names), len(numbers), sum(_DAY_BITS[d] for d in weekdays),
              math.fsum(names.values()), math.fsum(numbers.values()))
    return _sorted_segments(np.array([*header, *items, *weights], np.float64))


def end_to_end(lexicons: Sequence[np.ndarray]) -> np.ndarray:
    """Several lexicons as one array (a story's members; the candidates of one decision)."""
    return np.concatenate(lexicons) if len(lexicons) > 1 else lexicons[0]


def shared_with(article: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Per member laid end to end in ``members``: TF-IDF dot product, name overlap, number overlap, weekday
    agreement (see ``_pair``)."""
    starts = _starts(members, _count(members))
    return _pair_table(article, members, starts, np.empty(len(members)))


def summed_term_norm(members: np.ndarray) -> float:
    """The L2 norm of the sum of the TF-IDF vectors of the lexicons laid end to end in ``members`` (a story's
    members): exactly what ``evidence_table`` computes for a story whose row gives none."""
    starts = _starts(members, _count(members))
    return _norm_of_sum(members, starts, np.empty(len(members)))


def evidence_table(article: np.ndarray, members: np.ndarray, dense: np.ndarray, stories: np.ndarray) -> np.ndarray:
    """The evidence rows (cluster.FEATURES) of one article against its candidate stories, whose members' lexicons
    are laid end to end in ``members`` and their embedding cosines in ``dense``, story after story. A row of
    ``stories`` per candidate: its members, its centroid's cosine, the article's TF-IDF dot product with its
    term sum (NaN when every member is kept: read off the members), that sum's norm (NaN for this call to work
    it out from the members weighed: ``summed_term_norm``), and the member to leave out (its place among the story's
    members, or -1: the review weighs an article's own story without it, with every member kept)."""
    return _evidence_table(article, members, dense, stories)


# ---- compiled ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _sorted_segments(lexicon: np.ndarray) -> np.ndarray:
    """The lexicon with each segment's ids in ascending order, their weights with them (ids are distinct)."""
    n, out, lo = int(lexicon[0]), lexicon.copy(), HEADER
    for s in (1, 2, 3):
        hi = lo + int(lexicon[s])
        order = np.argsort(lexicon[lo:hi])
        out[lo:hi] = lexicon[lo:hi][order]
        out[lo + n : hi + n] = lexicon[lo + n : hi + n][order]
        lo = hi
    return out


@njit(cache=True)
def _count(lexicons: np.ndarray) -> int:
    n, at = 0, 0
    while at < len(lexicons):
        at += HEADER + 2 * int(lexicons[at])
        n += 1
    return n


@njit(cache=True)
def _ascending_sum(values: np.ndarray, n: int) -> float:
    """The sum of ``values[:n]`` taken smallest first (sorted in place): the same whatever their order."""
    for i in range(1, n):
        value, j = values[i], i - 1
        while j >= 0 and values[j] > value:
            values[j + 1] = values[j]
            j -= 1
        values[j + 1] = value
    total = 0.0
    for i in range(n):
        total += values[i]
    return total


@njit(cache=True)
def _shared(a, a_lo, a_hi, a_n, b, b_lo, b_hi, b_n, minima, scratch) -> float:
    """Over the ids two sorted segments share (weights ``n`` places after their ids): the sum of the weights'
    products, or of their minima."""
    i, j, n = a_lo, b_lo, 0
    while i < a_hi and j < b_hi:
        if a[i] == b[j]:
            x, y = a[i + a_n], b[j + b_n]
            scratch[n] = min(x, y) if minima else x * y
            n += 1
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return _ascending_sum(scratch, n)


@njit(cache=True)
def _jaccard(shared: float, a_total: float, b_total: float) -> float:
    """Weighted Jaccard from the shared weight and each side's total."""
    return shared / (a_total + b_total - shared) if shared > 0.0 else 0.0


@njit(cache=True)
def _terms_dot(a, a_at, b, b_at, scratch) -> float:
    """The TF-IDF dot product of the lexicons at ``a[a_at:]`` and ``b[b_at:]``."""
    a_lo, b_lo = a_at + HEADER, b_at + HEADER
    return _shared(a, a_lo, a_lo + int(a[a_at + 1]), int(a[a_at]), b, b_lo, b_lo + int(b[b_at + 1]), int(b[b_at]),
                   False, scratch)


@njit(cache=True)
def _pair(a, b, b_at, scratch, out) -> None:
    """The lexicon at ``b[b_at:]`` against the article's ``a``: TF-IDF dot product; weighted Jaccard of names and
    of numbers (each item weighed by its idf when read); +1 when both name a weekday they share, -1 when both
    name only others."""
    out[0] = _terms_dot(a, 0, b, b_at, scratch)
    a_n, b_n = int(a[0]), int(b[b_at])
    a_lo, b_lo = HEADER + int(a[1]), b_at + HEADER + int(b[b_at + 1])
    for s in (1, 2):
        a_hi, b_hi = a_lo + int(a[1 + s]), b_lo + int(b[b_at + 1 + s])
        out[s] = _jaccard(_shared(a, a_lo, a_hi, a_n, b, b_lo, b_hi, b_n, True, scratch), a[4 + s], b[b_at + 4 + s])
        a_lo, b_lo = a_hi, b_hi
    a_days, b_days = int(a[4]), int(b[b_at + 4])
    out[3] = 0.0 if a_days == 0 or b_days == 0 else (1.0 if a_days & b_days else -1.0)


@njit(cache=True)
def _starts(lexicons, n):
    """Where each of the ``n`` lexicons laid end to end begins."""
    starts, at = np.empty(n, np.int64), 0
    for m in range(n):
        starts[m] = at
        at += HEADER + 2 * int(lexicons[at])
    return starts


@njit(cache=True)
def _pair_table(a, members, starts, scratch):
    table = np.empty((len(starts), 4))
    for m in range(len(starts)):
        _pair(a, members, starts[m], scratch, table[m])
    return table


@njit(cache=True)
def _norm_of_sum(members, starts, scratch) -> float:
    """The L2 norm of the sum of these members' TF-IDF vectors, from their dot products with one another."""
    total = 0.0
    for i in range(len(starts)):
        for j in range(i, len(starts)):
            dot = _terms_dot(members, starts[i], members, starts[j], scratch)
            total += dot if i == j else 2.0 * dot
    return math.sqrt(total)


@njit(cache=True)
def _evidence_table(a, members, dense, stories):
    starts = _starts(members, int(stories[:, 0].sum()))
    scratch = np.empty(len(members))
    pairs = _pair_table(a, members, starts, scratch)
    rows = np.empty((len(stories), 10))
    start = 0
    for c in range(len(stories)):
        end = start + int(stories[c, 0])
        left_out = int(stories[c, 4])
        if left_out < 0:
            _story_row(pairs[start:end], dense[start:end], starts[start:end], members, stories[c], scratch, rows[c])
        else:
            kept = np.concatenate((np.arange(start, start + left_out), np.arange(start + left_out + 1, end)))
            _story_row(pairs[kept], dense[kept], starts[kept], members, stories[c], scratch, rows[c])
        start = end
    return rows


@njit(cache=True)
def _story_row(pairs, dense, starts, members, about, scratch, row) -> None:
    """One candidate's evidence row from its members' pair figures and cosines (members in story order)."""
    n = len(starts)
    lexical = pairs[:, 0]
    to_members = _ascending_sum(lexical.copy(), n)
    to_story = to_members if math.isnan(about[2]) else about[2]  # NaN: every member kept, the terms are theirs
    norm = _norm_of_sum(members, starts, scratch) if math.isnan(about[3]) else about[3]
    row[0] = about[1]
    row[1] = dense.max()
    row[2] = dense.sum() / n
    row[3] = to_story / (norm if norm > 0.0 else 1.0)
    row[4] = lexical.max()
    row[5] = to_members / n
    row[6] = pairs[:, 1].max()
    row[7] = pairs[:, 1].sum() / n
    row[8] = pairs[:, 2].max()
    row[9] = pairs[:, 3].max()
