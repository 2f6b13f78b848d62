"""Reference rows are the best of several regressors on the same inputs: a ridge (quadratic
for the oracles) and a small MLP, whichever scores better on validation."""

from __future__ import annotations

import json
import re

import numpy as np

from artimap.models.mlp_select import best_regressor, mlp_select
from artimap.models.ridge import ridge_select


def _data(fn, n=600, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 3))
    y = fn(x) + 0.05 * rng.standard_normal((n, 2))
    return x, y


def _split(x, y):
    return [x[:400], x[400:500], x[500:]], y[:400], y[400:500], y[500:]


def _nonlinear(x):  # a ridge on the features and their products cannot follow it
    return np.stack([np.sin(3 * x[:, 0]) * np.cos(2 * x[:, 1]), np.abs(x[:, 2]) ** 3], 1)


def _linear(x):
    return np.stack([x[:, 0] - 2 * x[:, 1], 0.5 * x[:, 2]], 1)


def test_the_mlp_wins_where_the_map_is_not_quadratic():
    f, y, yv, yt = _split(*_data(_nonlinear))
    pred, how = best_regressor(f, y, yv, lambda v: v, quad=True)
    assert how.endswith(": the MLP")
    mlp = mlp_select(f[0], y, f[1], yv)
    np.testing.assert_allclose(pred, mlp.predict(f[2]), atol=1e-9)  # deterministic refit
    ridge_err = ((ridge_select(f[0], y, f[1], yv).predict(f[2]) - yt) ** 2).mean()
    assert ((pred - yt) ** 2).mean() < 0.5 * ridge_err


def test_the_ridge_wins_on_a_linear_map_and_the_choice_is_the_validation_max():
    f, y, yv, _ = _split(*_data(_linear, seed=1))
    _, how = best_regressor(f, y, yv, lambda v: v, quad=True)
    scores = [float(v) for v in re.findall(r"val R2 (-?[\d.]+)", how)]
    winner = "quadratic ridge" if scores[0] >= scores[1] else "MLP"
    assert how.endswith(f": the {winner}")


def test_the_talker_lip_oracle_is_the_stronger_of_ridge_and_mlp(l2t_run):
    refs = json.loads((l2t_run / "eval" / "metrics.json").read_text())["references"]
    for name in ("ridge_lip_pixels", "lip_oracle", "state_oracle"):
        about = refs[name]["description"]
        ridge, mlp = (float(v) for v in re.findall(r"val R2 (-?[\d.]+)", about))
        assert about.split(": the ")[-1].startswith("MLP" if mlp > ridge else "quadratic ridge"
                                                    if name != "ridge_lip_pixels" else "ridge")
