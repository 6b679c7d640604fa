"""Story clustering: each article, in time order, joins the best active story or starts a new one.

Owns the online assignment (engine ``cluster/1``), shared by ``newsweave cluster`` (batch,
stateless) and the live path (``pipeline.assign_stories``):

1. Candidates: the active stories whose centroids are nearest the article's embedding
   (``StoryIndex``; NumPy now, any vector index later). A story goes dormant, leaving the
   index, when it has had no article for ``active_days`` before the newest time seen; untimed
   articles are contemporaneous and age nothing. So the cost per article is bounded by the
   active set, never by the archive.
2. Evidence per candidate, each a bounded similarity that means the same whatever the story's
   size: embedding cosine to the centroid and to members (max, mean), TF-IDF cosine of title and
   lead to the story and to members, IDF-weighted overlap of names and of numbers, weekday
   agreement, and closeness in time; the lexical side of all candidates is weighed in one compiled call
   (``stages/pairs.py``).
3. A logistic model (weights fitted on the AllSides train split by ``scripts/fit_cluster_scorer.py``)
   turns the evidence into a probability; the best candidate at or above the threshold wins.
4. Maintenance: after an article joins, a story whose centroid has come close to another active
   story's is merged into the older one (both ids stay resolvable in the store).
5. Review: each article is taken out of its story and placed again against the stories as they now
   stand, which hold the articles that came after it too (a second scorer, fitted for that view): the
   articles of a story about to go dormant, once, when the news of their time has all arrived; and once
   a batch is placed, each of its articles, then again those whose story a move changed after their own
   review, until nothing moves. A story left empty is folded into the one its last article went to.

Deterministic for the same input order. State is plain data (``StoryState``, ``TermStats``),
so the store persists it and the engine resumes exactly where it was.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from numba import njit
from threadpoolctl import threadpool_limits

from newsweave.models import Article
from newsweave.stages.pairs import end_to_end, evidence_table, lexicon, summed_term_norm
from newsweave.stages.signals import Analysis, TermStats, analyse
from newsweave.stages.story_index import NumpyStoryIndex, ScoredAhead, StoryIndex

ENGINE = "cluster/1"
#: Members a story is compared by (its most recent ones): keeps the cost of big stories bounded.
MAX_MEMBERS = 12


# ---- what one article brings ---------------------------------------------------------------------------


def _weighted(tf: dict[str, int], stats: TermStats) -> dict[str, float]:
    """TF-IDF weights, L2-normalised, frozen with the document frequencies of the moment."""
    idf = stats.idfs(tf)
    weights = {t: (1 + math.log(n)) * idf[t] for t, n in tf.items()}
    norm = _norm(weights) or 1.0
    return {t: w / norm for t, w in weights.items()}


@dataclass(slots=True)
class Signals:
    """Everything the clusterer knows of one article."""

    id: str
    vector: np.ndarray
    terms: dict[str, float]
    names: dict[str, float]
    """Each name with its idf when the article was read."""
    numbers: dict[str, float]
    weekdays: frozenset[str]
    time: float | None
    lexicon: np.ndarray = field(init=False, repr=False, compare=False)
    """Terms, names, numbers and weekdays as the compiled pair arithmetic reads them (``pairs.lexicon``)."""

    def __post_init__(self) -> None:
        self.lexicon = lexicon(self.terms, self.names, self.numbers, self.weekdays)

    def to_dict(self) -> dict:
        return {"id": self.id, "vector": self.vector.astype(np.float32).tobytes().hex(), "terms": self.terms,
                "names": self.names, "numbers": self.numbers, "weekdays": sorted(self.weekdays), "time": self.time}

    @classmethod
    def from_dict(cls, data: dict) -> Signals:
        return cls(data["id"], np.frombuffer(bytes.fromhex(data["vector"]), dtype=np.float32).copy(), data["terms"],
                   data["names"], data["numbers"], frozenset(data["weekdays"]), data["time"])


def clustering_time(article: Article) -> float | None:
    """When the clusterer takes ``article`` to have been published (a POSIX timestamp), or None (untimed): its
    believed publication time (``Article.believed_published``)."""
    published = article.believed_published()
    return None if published is None else published.timestamp()


def read_signals(article: Article, vector: np.ndarray, stats: TermStats, analysis: Analysis | None = None) -> Signals:
    """The article's signals; counts its terms, names and numbers into ``stats``. ``analysis``: the article's,
    when it was read ahead (as the batch command reads it from its cache)."""
    found = analysis or analyse(article.title, article.text)
    stats.add([*found.terms, *found.names, *found.numbers])
    return Signals(
        id=article.id,
        vector=np.asarray(vector, dtype=np.float32),
        terms=_weighted(found.terms, stats),
        names=stats.idfs(sorted(found.names)),
        numbers=stats.idfs(sorted(found.numbers)),
        weekdays=found.weekdays,
        time=clustering_time(article),
    )


def dot(a: dict[str, float], b: dict[str, float]) -> float:
    """Sparse dot product over the shared keys (exactly rounded, so the same whatever the set order)."""
    shared = a.keys() & b.keys()
    return math.fsum([a[t] * b[t] for t in shared]) if shared else 0.0


# ---- stories ----------------------------------------------------------------------------------------------


@dataclass(slots=True)
class StoryState:
    """One story as the clusterer sees it: its recent members' signals and running sums."""

    id: str
    vector_sum: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))
    """Sum of the members' vectors, of whatever dimension the embedder gives (empty before the first)."""
    term_sum: dict[str, float] = field(default_factory=dict)
    """The sum of the members' TF-IDF weights, kept once the story has let a member go (``size`` above the
    members kept); empty while it keeps them all, when the sum is theirs (``terms``)."""
    members: list[Signals] = field(default_factory=list)
    size: int = 0
    last_time: float | None = None
    first_seq: int = 0
    """Order of creation, for deterministic tie-breaks and for keeping the older story in a merge."""
    _matrix: np.ndarray | None = None
    _lexicons: np.ndarray | None = None
    _term_norm: float | None = None

    def member_matrix(self) -> np.ndarray:
        """The members' vectors as rows (kept until the members change)."""
        if self._matrix is None:
            self._matrix = np.array([m.vector for m in self.members])  # a quarter of np.stack's cost
        return self._matrix

    def member_lexicons(self) -> np.ndarray:
        """The members' lexicons end to end (kept until the members change)."""
        if self._lexicons is None:
            self._lexicons = end_to_end([m.lexicon for m in self.members])
        return self._lexicons

    def all_kept(self) -> bool:
        return self.size == len(self.members)

    def terms(self) -> dict[str, float]:
        """The sum of the members' TF-IDF weights."""
        return _summed([m.terms for m in self.members]) if self.all_kept() else self.term_sum

    def term_norm(self) -> float:
        """The L2 norm of ``terms()`` (kept until the members change): while every member is kept, from their
        lexicons, as the compiled evidence works it out, to the last bit."""
        if self._term_norm is None:
            self._term_norm = summed_term_norm(self.member_lexicons()) if self.all_kept() else _norm(self.term_sum)
        return self._term_norm

    def add(self, signals: Signals) -> None:
        self._matrix, self._lexicons, self._term_norm = None, None, None
        self.vector_sum = self.vector_sum + signals.vector if self.vector_sum.size else signals.vector.copy()
        letting_go = len(self.members) == MAX_MEMBERS
        if letting_go and self.all_kept():  # its first member let go: from now on the sum is kept
            self.term_sum = self.terms()
        if not self.all_kept() or letting_go:
            _add_into(self.term_sum, signals.terms)
        self.members = [*self.members, signals][-MAX_MEMBERS:]
        self.size += 1
        if signals.time is not None:
            self.last_time = signals.time if self.last_time is None else max(self.last_time, signals.time)

    def remove(self, signals: Signals) -> None:
        """Take one member out again (a review moving it elsewhere); the inverse of ``add``."""
        self._matrix, self._lexicons, self._term_norm = None, None, None
        self.vector_sum = self.vector_sum - signals.vector
        if not self.all_kept():
            self.term_sum = self.term_sum_without(signals)
        self.members = [m for m in self.members if m.id != signals.id]
        self.size -= 1
        if self.all_kept():
            self.term_sum = {}
        times = [m.time for m in self.members if m.time is not None]
        self.last_time = max(times) if times else None

    def term_sum_without(self, signals: Signals) -> dict[str, float]:
        """The kept term sum less one member's weights (what ``remove`` leaves), terms that come to nothing gone."""
        left = dict(self.term_sum)
        for term, weight in signals.terms.items():
            rest = left.get(term, 0.0) - weight
            if abs(rest) > 1e-9:
                left[term] = rest
            else:
                left.pop(term, None)
        return left

    def place_of(self, signals: Signals) -> int:
        """Where this member stands among the members."""
        return next(place for place, member in enumerate(self.members) if member is signals)

    def member(self, article_id: str) -> Signals | None:
        return next((m for m in self.members if m.id == article_id), None)

    def hours_to(self, time: float | None, without: Signals | None = None) -> float | None:
        """Hours from ``time`` to the nearest timed member (but ``without``), or None when either side has none."""
        if time is None:
            return None
        times = [m.time for m in self.members if m.time is not None and m is not without]
        return min(abs(time - t) for t in times) / 3600.0 if times else None

    def absorb(self, other: StoryState) -> None:
        self._matrix, self._lexicons, self._term_norm = None, None, None
        self.vector_sum = self.vector_sum + other.vector_sum
        term_sum = _summed([self.terms(), other.terms()])
        merged = sorted([*self.members, *other.members], key=lambda s: (s.time or 0.0))
        self.members = merged[-MAX_MEMBERS:]
        self.size += other.size
        self.term_sum = {} if self.all_kept() else term_sum
        times = [t for t in (self.last_time, other.last_time) if t is not None]
        self.last_time = max(times) if times else None

    def cosine_without(self, signals: Signals) -> float:
        """A member's cosine with the centroid of the others (its story as a review weighs it)."""
        rest = self.vector_sum - signals.vector
        return float((rest / max(float(np.sqrt(rest.dot(rest))), 1e-12)) @ signals.vector)

    def norm(self) -> float:
        """|vector_sum|: what np.linalg.norm computes, without its checks."""
        return float(np.sqrt(self.vector_sum.dot(self.vector_sum))) if self.vector_sum.size else 0.0

    def centroid(self) -> np.ndarray:
        return self.vector_sum / max(self.norm(), 1e-12)

    def to_dict(self) -> dict:
        return {"term_sum": self.terms(), "members": [m.to_dict() for m in self.members], "size": self.size,
                "last_time": self.last_time, "first_seq": self.first_seq}

    @classmethod
    def from_dict(cls, story_id: str, vector_sum: np.ndarray, data: dict) -> StoryState:
        members = [Signals.from_dict(m) for m in data["members"]]
        term_sum = dict(data["term_sum"]) if int(data["size"]) > len(members) else {}
        return cls(story_id, np.asarray(vector_sum, np.float32), term_sum, members, int(data["size"]),
                   data["last_time"], int(data.get("first_seq", 0)))


def _add_into(total: dict[str, float], weights: dict[str, float]) -> None:
    for term, weight in weights.items():
        total[term] = total.get(term, 0.0) + weight


def _norm(weights: dict[str, float]) -> float:
    return math.sqrt(sum([w * w for w in weights.values()]))  # a list sums faster than a generator, to the same bits


def _summed(weights: Sequence[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for each in weights:
        _add_into(total, each)
    return total


# ---- evidence and the scorer ------------------------------------------------------------------------------

FEATURES = ("dense_centroid", "dense_max", "dense_mean", "lex_story", "lex_max", "lex_mean",
            "names_max", "names_mean", "numbers_max", "weekday")


def evidence(article: Signals, story: StoryState, centroid_similarity: float) -> np.ndarray:
    """The features of (article, candidate story), in the order of FEATURES."""
    return evidence_rows(article, [(story, centroid_similarity)])[0]


def evidence_rows(article: Signals, candidates: Sequence[tuple[StoryState, float]],
                  home: StoryState | None = None) -> np.ndarray:
    """The features of the article against each (candidate story, centroid similarity), a row each, from one
    product of the article with all the candidates' members and one compiled pass over their lexicons.
    ``home``, if among the candidates, is the article's own story, weighed as if the article were not among its
    members (as the review weighs it)."""
    stories = [story for story, _ in candidates]
    matrices = [story.member_matrix() for story in stories]
    dense = (np.concatenate(matrices) if len(matrices) > 1 else matrices[0]) @ article.vector
    about = np.array([_about(article, story, similarity, story is home) for story, similarity in candidates])
    return evidence_table(article.lexicon, end_to_end([story.member_lexicons() for story in stories]),
                          dense.astype(np.float64), about)


def _about(article: Signals, story: StoryState, similarity: float, home: bool) -> tuple[float, ...]:
    """What the compiled evidence needs to know of a candidate besides its members' lexicons (``evidence_table``)."""
    if story.all_kept():  # the story's terms are its members' sum, and so is its dot product with the article
        if home:  # without the article: the compiled evidence works out the norm of the others' terms
            return (len(story.members), similarity, math.nan, math.nan, story.place_of(article))
        return (len(story.members), similarity, math.nan, story.term_norm(), -1)
    left_out = story.place_of(article) if home else -1
    terms = story.term_sum_without(article) if home else story.term_sum
    return (len(story.members), similarity, dot(article.terms, terms), _norm(terms) if home else story.term_norm(),
            left_out)


@dataclass(frozen=True, slots=True)
class Scorer:
    """Logistic regression over the evidence: p = sigmoid(w · x + b); join when p ≥ threshold.

    Timed articles add a prior on time: the log-odds move by ``time_bits`` bits for a candidate
    whose newest article is as recent as this one, by nothing at ``time_scale_hours`` apart,
    and down from there (news coverage of one event comes within hours, not days). Untimed
    articles are contemporaneous: no shift. Train has no times, so the prior is chosen on the
    crawl split, two-fold, with its articles also spread up to ±24 hours apart and interleaved
    as a live feed has them (``scripts/fit_time_prior.py``; figures in README.md).
    """

    weights: tuple[float, ...]
    bias: float
    threshold: float
    time_bits: float = 3.0
    time_scale_hours: float = 12.0

    _weights: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_weights", np.asarray(self.weights, np.float64))

    def probabilities(self, rows: np.ndarray, hours_apart: Sequence[float | None]) -> np.ndarray:
        """Each row's probability of joining its candidate."""
        return _probabilities(rows, self._weights, self.bias, self._shifts(hours_apart))

    def best(self, rows: np.ndarray, hours_apart: Sequence[float | None]) -> tuple[int, float]:
        """The row with the highest probability (the first of equals: deterministic) and that probability."""
        return _best(rows, self._weights, self.bias, self._shifts(hours_apart))

    def _shifts(self, hours_apart: Sequence[float | None]) -> np.ndarray:
        if all(h is None for h in hours_apart):
            return _NO_SHIFT
        return np.array([self._time_shift(h) for h in hours_apart])

    def _time_shift(self, hours: float | None) -> float:
        if hours is None:
            return 0.0
        bits = self.time_bits * max(1.0 - hours / self.time_scale_hours, -3.0)
        return bits * math.log(2.0)


_NO_SHIFT = np.zeros(0)


@njit(cache=True)
def _probabilities(rows: np.ndarray, weights: np.ndarray, bias: float, shifts: np.ndarray) -> np.ndarray:
    """sigmoid(w · row + b + shift) per row; ``shifts`` empty for none. Compiled: a decision weighs five rows,
    where NumPy's calls would cost more than the arithmetic."""
    out = np.empty(len(rows))
    for i in range(len(rows)):
        z = bias
        for j in range(len(weights)):
            z += rows[i, j] * weights[j]
        if len(shifts):
            z += shifts[i]
        out[i] = 1.0 / (1.0 + math.exp(-z))
    return out


@njit(cache=True)
def _best(rows: np.ndarray, weights: np.ndarray, bias: float, shifts: np.ndarray) -> tuple[int, float]:
    probabilities, best = _probabilities(rows, weights, bias, shifts), 0
    for i in range(1, len(probabilities)):
        if probabilities[i] > probabilities[best]:
            best = i
    return best, probabilities[best]


# Fitted on train by scripts/fit_cluster_scorer.py (vectors of the news adapter, cross-fitted); figures in README.md.
# Its threshold is chosen with the review's (--review): with a review to mend its splits, the online pass starts
# a story unless it is fairly sure (0.5; alone, 0.09 did best).
DEFAULT_SCORER = Scorer(
    weights=(-2.605071, 0.171218, 15.380503, -19.600585, 3.128573, 22.893959, -7.064651, 8.381776, 0.402246,
             0.740543),
    bias=-9.724346,
    threshold=0.5,
)


# Fitted on train by scripts/fit_cluster_scorer.py (--review): an article against its own story without it
# and against the other stories near it, as a review sees them; figures in README.md.
REVIEW_SCORER = Scorer(
    weights=(17.736067, 2.12554, -6.184633, -39.848552, 5.260719, 47.130704, -4.029532, 4.860148, 0.198553,
             0.840007),
    bias=-9.944403,
    threshold=0.03,
)


# ---- the clusterer ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClusterConfig:
    candidates: int = 5
    """Active stories weighed per article, nearest centroids first. Weighing 10 cost twice the evidence and
    found no better story: dev and crawl assignments are the same with 5, shuffled dev (seed 13) F1 0.8387 →
    0.8409, all of train clustered at once 0.7995 → 0.8033."""
    min_similarity: float = 0.3
    """Candidates whose centroid is farther than this from the article are not weighed at all."""
    active_days: float = 2.0
    merge_similarity: float = 0.92
    """Two active stories whose centroids are at least this close are one story."""
    reopen_probability: float = 0.5
    """A dormant story takes a late article only on this much evidence, its age left aside."""
    remember_days: float = 30.0
    """Dormant stories older than this (before the newest time seen) can no longer reopen."""
    review_rounds: int = 2
    """Passes of the review at most: the first over all of a batch's articles, the next over those whose story
    it changed after reviewing them. Dev F1 0.8993 / 0.9066 / 0.9127 / 0.9139 / 0.9135 with 0 / 1 / 2 / 3 / 6 passes
    (shuffled seed 13: 0.841 / 0.888 / 0.901 / 0.900 / 0.900), while each pass costs about what the first
    did less the stories left alone: all of train at once (7,356 articles) took 4.6 s with none, 8.5 s with
    one, 10.3 s with two and 14.7 s with six (measured with the online threshold at 0.09, the review's at 0.15)."""


@dataclass(frozen=True, slots=True)
class Move:
    """A review taking an article out of ``source`` into ``story``."""

    article: str
    source: str
    story: str
    new_story: bool
    emptied: bool
    """``source`` lost its last article: it is folded into ``story`` (its id stays resolvable)."""


@dataclass(frozen=True, slots=True)
class Assignment:
    article: str
    story: str
    new_story: bool
    probability: float
    merged: tuple[str, ...] = ()
    """Stories folded into ``story`` by this assignment."""
    moves: tuple[Move, ...] = ()
    """What the reviews of the stories this article's time sent dormant moved (made before it was placed)."""


class OnlineClusterer:
    """Assigns articles to stories one at a time. Holds only the active stories."""

    def __init__(self, scorer: Scorer = DEFAULT_SCORER, config: ClusterConfig | None = None,
                 stats: TermStats | None = None, index: StoryIndex | None = None, next_seq: int = 0,
                 review_scorer: Scorer = REVIEW_SCORER):
        self.scorer, self.config, self.review_scorer = scorer, config or ClusterConfig(), review_scorer
        self.stats = stats or TermStats()
        self.index: StoryIndex = index or NumpyStoryIndex()
        self.stories: dict[str, StoryState] = {}
        self.next_seq = next_seq
        self.clock: float | None = None
        self.dormant: list[str] = []
        """Stories retired since the caller last looked (the live path marks them dormant in the store)."""
        self.resting: dict[str, StoryState] = {}
        """Dormant stories that a late article may still reopen."""
        self.resting_index: StoryIndex = NumpyStoryIndex()
        self.forgotten: dict[str, StoryState] = {}
        """Dormant stories dropped from memory since the caller last looked (their state is still to be saved)."""
        self._ahead: ScoredAhead | None = None
        self._ahead_rows: dict[str, int] = {}

    def rest(self, story: StoryState) -> None:
        """Keep a dormant story where a late article can find it."""
        self.resting[story.id] = story
        self.resting_index.upsert(story.id, story.centroid())

    def activate(self, story: StoryState) -> None:
        """Bring a stored story (back) into the active set."""
        if story.id in self.resting:
            del self.resting[story.id]
            self.resting_index.remove(story.id)
        self.stories[story.id] = story
        self.index.upsert(story.id, story.centroid())
        self.next_seq = max(self.next_seq, story.first_seq + 1)
        if story.last_time is not None:
            self.clock = story.last_time if self.clock is None else max(self.clock, story.last_time)

    def assign(self, article: Article, vector: np.ndarray, new_id: str | None = None,
               analysis: Analysis | None = None) -> Assignment:
        """Put one article into its story; ``new_id`` names the story it starts, if it starts one; ``analysis``:
        its text's, if read ahead."""
        signals = read_signals(article, vector, self.stats, analysis)
        moves = self._advance_clock(signals.time)
        nearest = self._nearest_active(signals, self.config.candidates)
        best, probability = self._best_story(signals, nearest)
        if best is None and (reopened := self._dormant_story(signals)):
            self.activate(reopened)
            best = reopened.id
        story = self.stories[best] if best else self._new_story(new_id or f"s-{self.next_seq:06d}")
        before = story.norm()
        story.add(signals)
        centroid = story.centroid()
        self.index.upsert(story.id, centroid)
        kept, merged = self._merge_neighbours(story, self._merge_candidates(story, centroid, nearest, before))
        return Assignment(article.id, kept.id, best is None, probability, merged, moves)

    def _best_story(self, signals: Signals, nearest: list[tuple[str, float]]) -> tuple[str | None, float]:
        """The story ``signals`` joins among the ``nearest`` active ones, if any, and the probability it does."""
        near = [(s, sim) for s, sim in nearest if sim >= self.config.min_similarity]
        if not near:
            return None, 0.0
        rows = evidence_rows(signals, [(self.stories[sid], sim) for sid, sim in near])
        hours = [self._hours_apart(signals, self.stories[sid]) for sid, _ in near]
        best, probability = self.scorer.best(rows, hours)
        return (near[best][0] if probability >= self.scorer.threshold else None), probability

    def _dormant_story(self, signals: Signals) -> StoryState | None:
        """The dormant story a late article belongs to, on strong evidence alone (its age left aside)."""
        near = self.resting_index.nearest(signals.vector, self.config.candidates)
        if not near:
            return None
        rows = evidence_rows(signals, [(self.resting[sid], sim) for sid, sim in near])
        best, probability = self.scorer.best(rows, [None] * len(near))
        return self.resting[near[best][0]] if probability >= self.config.reopen_probability else None

    @staticmethod
    def _hours_apart(signals: Signals, story: StoryState) -> float | None:
        if signals.time is None or story.last_time is None:
            return None
        return abs(signals.time - story.last_time) / 3600.0

    def _new_story(self, story_id: str) -> StoryState:
        story = StoryState(story_id, first_seq=self.next_seq)
        self.next_seq += 1
        self.stories[story_id] = story
        return story

    def _merge_candidates(self, story: StoryState, centroid: np.ndarray, nearest: list[tuple[str, float]],
                          before: float) -> list[tuple[str, float]]:
        """The two active stories whose centroids are nearest ``story``'s (``centroid``), now that an article has
        joined it, with their similarities; from ``nearest`` (the article's nearest stories, before it joined)
        when that is sure to hold every story within ``merge_similarity``, else from the index.

        With unit centroids c and the story's vector sum S before the article a joined, c·(S + a) ≤ |S| + c·a: a
        story can only be within m of the new centroid when c·a ≥ m·|S + a| − |S|. When fewer than all of
        ``nearest`` clear that bound, the rest of the index does not either."""
        if story.size < 2:
            return []
        bound = self.config.merge_similarity * story.norm() - before - 1e-3
        if len(nearest) == self.config.candidates and nearest[-1][1] >= bound:
            return [(sid, sim) for sid, sim in self.index.nearest(centroid, 3) if sid != story.id][:2]
        found = [(sid, float(self.stories[sid].centroid() @ centroid)) for sid, sim in nearest
                 if sim >= bound and sid != story.id]
        return sorted(found, key=lambda pair: -pair[1])[:2]

    def _merge_neighbours(self, story: StoryState,
                          candidates: list[tuple[str, float]]) -> tuple[StoryState, tuple[str, ...]]:
        """Fold into ``story`` those of the ``candidates`` (story, centroid similarity) within merge_similarity."""
        merged: list[str] = []
        for other_id, similarity in candidates:
            if similarity >= self.config.merge_similarity:
                older, newer = sorted((story, self.stories[other_id]), key=lambda s: s.first_seq)
                older.absorb(newer)
                self.retire(newer.id)
                self.index.upsert(older.id, older.centroid())
                merged.append(newer.id)
                story = older
        return story, tuple(merged)

    def reconsider(self, article_id: str, story_id: str) -> Move | None:
        """Take the article out of its story and place it again, every story as it now stands (the review).

        Online, an article is judged against what has arrived before it; here its story and its rivals
        hold the articles that came later too. It moves to the nearby story that the review scorer rates
        best at or above its threshold, or starts a story of its own when none is and it had company.
        Nearby: the nearest centroids, active or resting, with a member within ``active_days`` of it.
        None when it stays, or when its signals are no longer kept (one of a big story's oldest members).
        """
        home = self.stories.get(story_id) or self.resting.get(story_id)
        signals = home.member(article_id) if home else None
        if home is None or signals is None or len(home.members) == 1 < home.size:
            return None  # not kept, or the only member kept of a story bigger than its kept members
        best = self._review_best(signals, home)
        if best is home or (best is None and home.size == 1):  # stays: its story is left exactly as it was
            return None
        home.remove(signals)
        if home.size:
            self._reindex(home)
        else:
            self._index_of(home).remove(home.id)
        target = best or self._new_story(f"s-{self.next_seq:06d}")
        if target.id in self.resting:
            self.activate(target)  # as a late article reopens a dormant story
        target.add(signals)
        self._reindex(target)
        if not home.size:
            self.stories.pop(home.id, None)
            self.resting.pop(home.id, None)
        return Move(article_id, home.id, target.id, best is None, not home.size)

    def _review_best(self, signals: Signals, home: StoryState) -> StoryState | None:
        """The story the review scorer rates best for ``signals`` at or above its threshold, ``home`` (its own
        story, weighed as if the article were out of it) among the candidates."""
        k = self.config.candidates
        found = [(sid, sim) for sid, sim in self._nearest_active(signals, k + 1) if sid != home.id][:k]
        found += [(sid, sim) for sid, sim in self.resting_index.nearest(signals.vector, k + 1) if sid != home.id][:k]
        if home.size > 1:
            found.append((home.id, home.cosine_without(signals)))
        near = [(self.state_of(sid), sim) for sid, sim in found if sim >= self.config.min_similarity]
        hours = {story.id: story.hours_to(signals.time, without=signals if story is home else None)
                 for story, _ in near}
        window = self.config.active_days * 24.0
        near = [(story, sim) for story, sim in near if (h := hours[story.id]) is None or h <= window]
        near = sorted(near, key=lambda pair: (-pair[1], pair[0].first_seq))[: self.config.candidates]
        if not near:
            return None
        rows = evidence_rows(signals, near, home)
        best, probability = self.review_scorer.best(rows, [hours[story.id] for story, _ in near])
        return near[best][0] if probability >= self.review_scorer.threshold else None

    def _nearest_active(self, signals: Signals, k: int) -> list[tuple[str, float]]:
        """The active stories nearest an article, from the scores of a review computed ahead when there are."""
        query = self._ahead_rows.get(signals.id) if self._ahead else None
        return self._ahead.nearest(query, k) if query is not None else self.index.nearest(signals.vector, k)

    @contextmanager
    def scoring_ahead(self, queries: Sequence[tuple[str, np.ndarray]], block: int = 512) -> Iterator[None]:
        """Within, these articles (id, vector), asked about in this order, find their nearest active stories
        from one matrix product per ``block`` of them, computed ahead (``StoryIndex.ahead``), not one each."""
        self._ahead_rows = {article_id: row for row, (article_id, _) in enumerate(queries)}
        self._ahead = self.index.ahead(np.stack([v for _, v in queries]), block) if queries else None
        try:
            yield
        finally:
            self._ahead, self._ahead_rows = None, {}

    def _index_of(self, story: StoryState) -> StoryIndex:
        return self.resting_index if story.id in self.resting else self.index

    def _reindex(self, story: StoryState) -> None:
        self._index_of(story).upsert(story.id, story.centroid())

    def state_of(self, story_id: str) -> StoryState | None:
        """An active or resting story's state."""
        return self.stories.get(story_id) or self.resting.get(story_id) or self.forgotten.get(story_id)

    def retire(self, story_id: str) -> None:
        self.stories.pop(story_id, None)
        self.index.remove(story_id)

    def _advance_clock(self, time: float | None) -> tuple[Move, ...]:
        """Retire the stories with no article within active_days of the newest time seen, each reviewed first
        (``review_going``); the moves those reviews made."""
        if time is None:
            return ()
        self.clock = time if self.clock is None else max(self.clock, time)
        horizon = self.clock - self.config.active_days * 86400.0
        moves = self.review_going(horizon)
        for story_id in [s for s, st in self.stories.items() if st.last_time is not None and st.last_time < horizon]:
            self.rest(self.stories[story_id])
            self.retire(story_id)
            self.dormant.append(story_id)
        forgotten = self.clock - self.config.remember_days * 86400.0
        for story_id in [s for s, st in self.resting.items() if (st.last_time or self.clock) < forgotten]:
            self.forgotten[story_id] = self.resting.pop(story_id)
            self.resting_index.remove(story_id)
        return moves

    def review_going(self, horizon: float) -> tuple[Move, ...]:
        """Reconsider each article of the stories about to go dormant (none since ``horizon``), oldest story
        first, once. Their time's news has all arrived: every story a member could belong to is still held,
        which a review at the end of a long batch no longer finds (stories a month older are forgotten)."""
        going = sorted((st for st in self.stories.values() if st.last_time is not None and st.last_time < horizon),
                       key=lambda st: st.first_seq)
        return tuple(move for story in going for member in list(story.members)
                     if (move := self.reconsider(member.id, story.id)))


def one_blas_thread() -> threadpool_limits:
    """Matrix products on one thread while stories are settled. Each is small (an article against a few thousand
    centroids), so a second thread costs more to wake than it saves, and on a busy machine a BLAS thread that
    spins waiting for a core made clustering all of train take three times as long (32.7 s against 10.3 s)."""
    return threadpool_limits(limits=1, user_api="blas")


def processing_order(articles: Sequence[Article]) -> list[int]:
    """Indices in the order to cluster: timed articles by time (``clustering_time``); untimed ones first, in input
    order."""
    times = [clustering_time(article) for article in articles]
    return sorted(range(len(articles)), key=lambda i: (-math.inf if times[i] is None else times[i], i))


ONLINE_BLOCK = 64
"""Articles whose nearest stories the online pass scores in one matrix product. Each placed article changes a
row or adds one, which the next queries of the block score again: the block stays small."""


def assign_in_order(clusterer: OnlineClusterer, articles: Sequence[Article], vectors: np.ndarray,
                    placed: dict[str, str], analyses: Sequence[Analysis] | None = None) -> Iterator[Assignment]:
    """Assign articles in processing order: the one loop of the batch command and the live path. ``analyses``:
    the articles' (``signals.analyse``), when read ahead, else each is analysed as it comes.

    ``placed`` (article id → story id, possibly holding stored originals) is kept up to date: a copy
    (``duplicate_of``) follows its original's story without counting as another voice, a merge moves
    what was placed in the story merged away, and a move of the review of a story going dormant moves
    its article (which may be one placed before this batch: it enters ``placed``) with its copies.
    """
    copies: dict[str, list[str]] = {}
    for article in articles:
        if article.duplicate_of:
            copies.setdefault(article.duplicate_of, []).append(article.id)
    order = processing_order(articles)
    with clusterer.scoring_ahead([(articles[i].id, vectors[i]) for i in order], ONLINE_BLOCK):
        for i in order:
            article = articles[i]
            if article.duplicate_of in placed:
                placed[article.id] = placed[article.duplicate_of]
                yield Assignment(article.id, placed[article.id], False, 1.0)
                continue
            assignment = clusterer.assign(article, vectors[i], analysis=analyses[i] if analyses else None)
            for move in assignment.moves:
                placed[move.article] = move.story
                placed.update({copy: move.story for copy in copies.get(move.article, ()) if copy in placed})
            placed[article.id] = assignment.story
            for gone in assignment.merged:
                placed.update({a: assignment.story for a, s in placed.items() if s == gone})
            yield assignment


def review_in_order(clusterer: OnlineClusterer, articles: Sequence[Article], placed: dict[str, str]) -> list[Move]:
    """Reconsider each of a batch's articles, in processing order, once all of them are placed; then again
    those whose story a move changed after their own review, until a pass moves none (``review_rounds``
    passes at most). The one review of the batch command and the live path.

    ``placed`` is kept up to date, copies following their originals.
    """
    moves: list[Move] = []
    voices = [articles[i].id for i in processing_order(articles) if not articles[i].duplicate_of]
    todo = voices
    for _ in range(clusterer.config.review_rounds):
        queries = [(article_id, member.vector) for article_id in todo
                   if (story := clusterer.state_of(placed[article_id])) and (member := story.member(article_id))]
        reviewed: dict[str, int] = {}
        """Article → the step of this pass that reviewed it."""
        changed: dict[str, int] = {}
        """Story → the step of this pass that last moved an article into or out of it."""
        with clusterer.scoring_ahead(queries):
            for step, article_id in enumerate(todo):
                reviewed[article_id] = step
                if move := clusterer.reconsider(article_id, placed[article_id]):
                    placed[article_id] = move.story  # a story it empties has no other article: copies follow
                    moves.append(move)
                    changed[move.source] = changed[move.story] = step
        todo = [a for a in voices if changed.get(placed[a], -1) > reviewed.get(a, -1)]
        if not todo:
            break
    for article in articles:
        if article.duplicate_of in placed:
            placed[article.id] = placed[article.duplicate_of]
    return moves


def compile_ahead() -> None:
    """Have numba compile the clusterer's inner loops (and cache them) now, on a toy batch of the real types:
    ``make install`` runs it, so the first real batch does not wait for the compiler (about 7 s here)."""
    flood = "Floods in Valencia kill 95 as rivers burst their banks on Tuesday, officials said."
    articles = [Article(id=f"a{n}", title="Valencia floods", text=flood) for n in range(3)]
    cluster_articles(articles, np.full((3, 4), 0.5, np.float32))


def cluster_articles(articles: Sequence[Article], vectors: np.ndarray, clusterer: OnlineClusterer | None = None,
                     analyses: Sequence[Analysis] | None = None) -> dict[str, str]:
    """Batch form: article id → story id. Gold ``story`` labels (``Article.label``) are never read. ``analyses``:
    the articles' text analyses (``signals.analyse``), when already at hand."""
    clusterer = clusterer or OnlineClusterer()
    story_of: dict[str, str] = {}
    with one_blas_thread():
        for _ in assign_in_order(clusterer, articles, vectors, story_of, analyses):
            pass
        review_in_order(clusterer, articles, story_of)
    return story_of
