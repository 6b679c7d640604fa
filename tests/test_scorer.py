"""The clusterer's scorer: probabilities, the time prior and the choice of the best candidate."""

import math

import numpy as np

from newsweave.stages.cluster import FEATURES, Scorer


def _scorer() -> Scorer:
    return Scorer(weights=(2.0, -1.0) + (0.0,) * (len(FEATURES) - 2), bias=-0.5, threshold=0.5,
                  time_bits=3.0, time_scale_hours=12.0)


def _rows(*pairs: tuple[float, float]) -> np.ndarray:
    rows = np.zeros((len(pairs), len(FEATURES)))
    rows[:, :2] = pairs
    return rows


def test_probabilities_are_the_logistic_of_the_weighted_evidence():
    rows = _rows((1.0, 0.5), (0.2, 0.9))
    expected = [1 / (1 + math.exp(-(2.0 * x - y - 0.5))) for x, y in rows[:, :2]]
    assert np.allclose(_scorer().probabilities(rows, [None, None]), expected, rtol=1e-12)


def test_a_candidate_as_recent_as_the_article_gains_the_time_bits_and_an_old_one_loses():
    rows = _rows((1.0, 0.5), (1.0, 0.5), (1.0, 0.5))
    untimed = _scorer().probabilities(rows, [None, None, None])[0]
    now, half_day, days = _scorer().probabilities(rows, [0.0, 12.0, 96.0])
    odds = lambda p: math.log2(p / (1 - p))  # noqa: E731
    assert math.isclose(odds(now) - odds(untimed), 3.0, abs_tol=1e-9)
    assert math.isclose(half_day, untimed, rel_tol=1e-12)
    assert math.isclose(odds(days) - odds(untimed), -9.0, abs_tol=1e-9)  # capped at three times the bits


def test_the_best_candidate_is_the_first_of_equals_with_its_probability():
    rows = _rows((0.1, 0.0), (1.0, 0.5), (1.0, 0.5), (0.6, 0.0))
    probabilities = _scorer().probabilities(rows, [None] * 4)
    assert _scorer().best(rows, [None] * 4) == (1, probabilities[1])
    assert probabilities[1] == probabilities[2]
    # the time prior can turn the choice: the third is as recent as the article, the second two days older
    best, probability = _scorer().best(rows, [48.0, 48.0, 0.0, None])
    assert best == 2 and probability == _scorer().probabilities(rows, [48.0, 48.0, 0.0, None])[2]
