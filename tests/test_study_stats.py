"""Holm correction and Kendall's W against hand-worked answers and scipy's Friedman test."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import friedmanchisquare

from artimap.study.design import rater_pages
from artimap.study.stats import holm, kendall_w


def test_holm_matches_a_worked_example():
    # sorted p 0.01, 0.02, 0.04 -> x3, x2, x1 = 0.03, 0.04, 0.04 (made non-decreasing)
    np.testing.assert_allclose(holm([0.04, 0.01, 0.02]), [0.04, 0.03, 0.04])
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1


def test_kendall_w_known_values():
    # 3 judges rank 4 items, two agree and one reverses: rank sums 6, 7, 8, 9 -> S = 5,
    # W = 12 * 5 / (9 * 60) = 1/9
    ranks = np.array([[1, 2, 3, 4], [1, 2, 3, 4], [4, 3, 2, 1]])
    assert kendall_w(ranks) == pytest.approx(1 / 9)
    assert kendall_w(np.tile([[5, 1, 3, 2]], (4, 1))) == pytest.approx(1.0)


def test_kendall_w_with_ties_equals_friedman_over_m_n_minus_1():
    # W = chi2_F / (m (n - 1)), with scipy's tie-corrected Friedman statistic as reference
    rng = np.random.default_rng(3)
    scores = rng.integers(1, 6, size=(5, 8))  # 5 raters, 8 items, many ties
    chi2 = friedmanchisquare(*scores.T).statistic
    assert kendall_w(scores) == pytest.approx(chi2 / (5 * 7))


def test_rater_orders_are_deterministic_and_differ_between_raters():
    study = {"seed": 0, "methods": ["a", "b", "c"], "frames": [{}] * 10}
    one, again, other = (rater_pages(study, r) for r in ("ann", "ann", "bob"))
    assert one == again and one != other
    assert sorted(p.frame for p in one) == list(range(10))
    assert all(sorted(p.methods) == [0, 1, 2] for p in one)
