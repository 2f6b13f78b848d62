"""The shared closed-form ridge (artimap.models.ridge) against known answers."""

from __future__ import annotations

import numpy as np
import pytest

from artimap.models.ridge import ALPHAS, quadratic, ridge_select


def test_ridge_recovers_a_linear_map_and_picks_a_small_penalty():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(5, 3))
    x, xv = rng.normal(size=(400, 5)), rng.normal(size=(100, 5))
    fit = ridge_select(x, x @ w + 2.0, xv, xv @ w + 2.0)
    assert fit.alpha <= 1e-2 and fit.val_r2 == pytest.approx(1.0, abs=1e-6)
    np.testing.assert_allclose(fit.predict(xv), xv @ w + 2.0, atol=1e-3)


def test_unstandardised_ridge_weights_are_the_true_ones_at_a_small_penalty():
    rng = np.random.default_rng(4)
    w = rng.normal(size=(4, 2))
    x, xv = rng.normal(size=(300, 4)) * [1, 10, 0.1, 3], rng.normal(size=(50, 4))
    fit = ridge_select(x, x @ w - 1.0, xv, xv @ w - 1.0, alphas=np.array([1e-8, 1.0, 1e3]),
                       standardise=False)
    assert fit.alpha == 1e-8 and np.array_equal(fit.sd, np.ones(4))
    np.testing.assert_allclose(fit.weights, w, atol=1e-8)  # unscaled features: W itself
    np.testing.assert_allclose(fit.y_mean, (x @ w - 1.0).mean(0))


def test_the_chosen_penalty_is_the_best_on_validation_by_direct_fits():
    rng = np.random.default_rng(5)
    x, xv = rng.normal(size=(60, 12)), rng.normal(size=(40, 12))
    w = rng.normal(size=(12, 3)) * 0.3
    y, yv = x @ w + rng.normal(size=(60, 3)), xv @ w + rng.normal(size=(40, 3))
    for standardise in (True, False):
        fit = ridge_select(x, y, xv, yv, standardise=standardise)
        mu, sd = x.mean(0), (x.std(0) + 1e-6 if standardise else np.ones(12))
        xs, xvs = (x - mu) / sd, (xv - mu) / sd
        sse = []
        for a in ALPHAS:  # an independent direct solve per penalty
            wa = np.linalg.solve(xs.T @ xs + a * np.eye(12), xs.T @ (y - y.mean(0)))
            sse.append(((xvs @ wa + y.mean(0) - yv) ** 2).sum())
        assert fit.alpha == ALPHAS[int(np.argmin(sse))]
        assert ALPHAS[0] < fit.alpha < ALPHAS[-1]  # noisy data: an inner optimum
        r0 = ((yv - y.mean(0)) ** 2).sum()
        assert fit.val_r2 == pytest.approx(1 - min(sse) / r0, rel=1e-8)


def test_ridge_falls_back_to_the_training_mean_when_features_are_noise():
    rng = np.random.default_rng(1)
    x, xv = rng.normal(size=(200, 20)), rng.normal(size=(200, 20))
    y, yv = rng.normal(size=(200, 4)) + 5.0, rng.normal(size=(200, 4)) + 5.0
    fit = ridge_select(x, y, xv, yv)
    assert fit.alpha >= 1e3 and fit.val_r2 < 0.01  # large penalties: no fitting of noise
    np.testing.assert_allclose(fit.predict(xv), np.broadcast_to(y.mean(0), yv.shape), atol=0.1)


def test_an_unseen_one_hot_column_gets_no_weight():
    rng = np.random.default_rng(6)
    codes = rng.integers(0, 3, size=200)  # code 3 never occurs in training
    x = np.eye(4)[codes]
    y = np.array([[1.0], [2.0], [4.0], [8.0]])[codes]
    fit = ridge_select(x, y, x[:50], y[:50], alphas=np.array([1e-6]), standardise=False)
    assert abs(fit.weights[3, 0]) < 1e-9
    np.testing.assert_allclose(fit.predict(np.eye(4)[:3]), [[1.0], [2.0], [4.0]], atol=1e-4)


def test_quadratic_features_hold_every_product_once():
    f = np.array([[1.0, 2.0], [3.0, 5.0]])
    q = quadratic(f, standardise=False)
    np.testing.assert_allclose(q, [[1, 2, 1, 2, 4], [3, 5, 9, 15, 25]])
