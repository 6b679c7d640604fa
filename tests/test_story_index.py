"""The index of story centroids: exact nearest live stories, and scores computed ahead that stay current."""

from __future__ import annotations

import numpy as np
import pytest

from newsweave.stages.story_index import NumpyStoryIndex


def unit(*values: float, dim: int = 384) -> np.ndarray:
    vector = np.zeros(dim, np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def test_the_index_returns_the_nearest_live_stories():
    index = NumpyStoryIndex(capacity=2)
    for n, vector in enumerate([unit(1, 0), unit(0, 1), unit(1, 1)]):
        index.upsert(f"s{n}", vector)
    index.remove("s2")
    assert [sid for sid, _ in index.nearest(unit(1, 0.2), 5)] == ["s0", "s1"]
    assert len(index) == 2
    with pytest.raises(ValueError, match="another model"):
        index.upsert("s3", unit(1, 0, dim=768))


def same_answer(ahead: list[tuple[str, float]], now: list[tuple[str, float]]) -> bool:
    """The same stories in the same order, with the same similarities up to float32 rounding (one matrix
    product for many queries adds in another order than one for each)."""
    return ([s for s, _ in ahead] == [s for s, _ in now]
            and [x for _, x in ahead] == pytest.approx([x for _, x in now], abs=1e-6))


def test_scores_computed_ahead_answer_as_the_index_does_now_after_it_changed():
    rng = np.random.default_rng(7)
    index = NumpyStoryIndex(capacity=4)
    for n in range(6):
        index.upsert(f"s{n}", unit(*rng.normal(size=8)))
    queries = np.stack([unit(*rng.normal(size=8)) for _ in range(700)])  # two blocks of NumpyScoredAhead
    ahead = index.ahead(queries)
    assert all(same_answer(ahead.nearest(q, 3), index.nearest(queries[q], 3)) for q in (0, 600))
    index.upsert("s1", queries[5])  # moved onto query 5
    index.remove("s2")
    index.upsert("s9", -queries[6])  # a new story, in a freed row
    index.upsert("s10", queries[7])  # and one in a new row
    for q in (5, 6, 7, 650):
        assert same_answer(ahead.nearest(q, 4), index.nearest(queries[q], 4))
    assert ahead.nearest(5, 1)[0][0] == "s1" and ahead.nearest(7, 1)[0][0] == "s10"
    assert "s2" not in {sid for q in range(700) for sid, _ in ahead.nearest(q, 7)}



def test_small_blocks_asked_out_of_order_still_answer_as_the_index_does_now():
    # As the online pass uses them: each answer is followed by a change, and a review may ask about an earlier
    # article (an earlier block) in between.
    rng = np.random.default_rng(11)
    index = NumpyStoryIndex(capacity=2)
    queries = np.stack([unit(*rng.normal(size=8)) for _ in range(20)])
    ahead = index.ahead(queries, block=4)
    for q in [0, 1, 2, 5, 3, 6, 9, 1, 10, 14, 13, 19, 0]:
        assert same_answer(ahead.nearest(q, 3), index.nearest(queries[q], 3))
        index.upsert(f"s{q % 7}", unit(*rng.normal(size=8)))
        if q % 5 == 4:
            index.remove(f"s{q % 7}")


def test_equal_scores_go_to_the_story_indexed_first_and_k_beyond_the_live_stories_gives_them_all():
    index = NumpyStoryIndex(capacity=2)
    for name, vector in [("a", unit(1, 0)), ("b", unit(0, 1)), ("c", unit(1, 0)), ("d", unit(-1, 0))]:
        index.upsert(name, vector)
    assert [sid for sid, _ in index.nearest(unit(1, 0), 2)] == ["a", "c"]
    index.remove("a")
    index.upsert("e", unit(1, 0))  # takes a's freed row, before c's
    assert [sid for sid, _ in index.nearest(unit(1, 0), 10)] == ["e", "c", "b", "d"]
    ahead = index.ahead(np.stack([unit(1, 0)] * 3))
    assert [sid for sid, _ in ahead.nearest(0, 10)] == ["e", "c", "b", "d"]
    index.remove("b")  # dead from now on: never among the answers, however many are asked for
    assert [sid for sid, _ in ahead.nearest(1, 10)] == ["e", "c", "d"]
    index.upsert("b", unit(1, 0))  # back in its old row: scored again, yet still between e and c
    index.upsert("f", unit(1, 0))  # a new row after them all
    assert [sid for sid, _ in ahead.nearest(2, 10)] == ["e", "b", "c", "f", "d"]
    assert same_answer(ahead.nearest(2, 3), index.nearest(unit(1, 0), 3))
