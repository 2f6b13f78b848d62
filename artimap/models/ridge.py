"""Closed-form ridge regression with the penalty picked on a validation split: the simple
baselines every results table carries (lip2tongue `ridge_lip_pixels`, phone2face
`ridge_phones`) and lip2tongue's ridge readout. Pure numpy.

Features are centred (and, unless told not to, standardised) on the training rows; targets
are centred on the training mean, so a huge penalty gives the training-mean reference. The
validation error of every penalty comes from d x d summaries (no prediction per penalty),
`_sweep` explains how.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

ALPHAS = np.logspace(-3, 6, 19)  # penalties tried (features standardised: unit variance)


@dataclass
class RidgeFit:
    """A fitted ridge map X (n, d) -> Y (n, D)."""

    mu: np.ndarray  # (d,) feature means
    sd: np.ndarray  # (d,) feature standard deviations (ones when not standardised)
    y_mean: np.ndarray  # (D,) training target mean
    weights: np.ndarray  # (d, D)
    alpha: float  # penalty picked on validation
    val_r2: float  # validation R^2 (of smoothed targets) at that penalty

    def predict(self, x: np.ndarray) -> np.ndarray:
        """(n, d) features -> (n, D) predictions."""
        return ((x - self.mu) / self.sd) @ self.weights + self.y_mean


def quadratic(f: np.ndarray, standardise: bool = True) -> np.ndarray:
    """Features f (n, d) (standardised first unless told they are) and all products f_i f_j,
    i <= j: (n, d + d(d+1)/2)."""
    if standardise:  # products of unit-scale features stay unit-scale
        f = (f - f.mean(0)) / (f.std(0) + 1e-6)
    i, j = np.triu_indices(f.shape[1])
    return np.concatenate([f, f[:, i] * f[:, j]], 1)


def _sweep(w: np.ndarray, g: np.ndarray, h: np.ndarray, q: np.ndarray, r0: float,
           alphas: np.ndarray) -> np.ndarray:
    """Validation sum of squared errors per penalty.

    In the eigenbasis V of X'X (eigenvalues w), the prediction of validation features Z = Xv V
    is Z S C with S = diag(1 / (w + a)) and C = V' X' smooth(Y); with residual targets R,
    |Z S C - R|^2 = s'(G o H)s - 2 s.q + |R|^2, G = Z'Z, H = C C', q_i = (Z'R C')_ii."""
    gh = g * h
    out = np.empty(len(alphas))
    for k, a in enumerate(alphas):
        s = 1.0 / (w + a)
        out[k] = s @ gh @ s - 2.0 * s @ q + r0
    return out


def ridge_select(x: np.ndarray, y: np.ndarray, xv: np.ndarray, yv: np.ndarray,
                 smooth: Callable[[np.ndarray], np.ndarray] = lambda v: v,
                 alphas: np.ndarray = ALPHAS, standardise: bool = True) -> RidgeFit:
    """Ridge from x (n, d) to y (n, D) with the penalty of best validation R^2 of
    smooth(prediction) vs smooth(yv) (xv (m, d), yv (m, D); `smooth` linear on rows, e.g. a
    blur of rows seen as images). R^2's baseline is the training mean, as in the metrics, so
    the best R^2 is the least validation squared error (RMSE). standardise=False keeps the
    features' own scale (only centred): one-hot codes, where a rare code should not be
    scaled up to unit variance and so escape the penalty."""
    mu = x.mean(0)
    sd = x.std(0) + 1e-6 if standardise else np.ones(x.shape[1])
    xs, xvs = (x - mu) / sd, (xv - mu) / sd
    y_mean = y.mean(0)
    b = xs.T @ (y - y_mean)  # (d, D)
    w, v = np.linalg.eigh(xs.T @ xs)  # (d,), (d, d)
    w = np.maximum(w, 0.0)
    c = v.T @ smooth(b)  # (d, D)
    z = xvs @ v  # (m, d)
    r = smooth(yv) - smooth(y_mean[None])  # (m, D)
    r0 = float((r * r).sum())
    sse = _sweep(w, z.T @ z, c @ c.T, ((z.T @ r) * c).sum(1), r0, alphas)
    best = int(np.argmin(sse))
    a = float(alphas[best])
    weights = v @ ((v.T @ b) / (w + a)[:, None])  # (d, D)
    return RidgeFit(mu, sd, y_mean, weights, a, 1.0 - float(sse[best]) / max(r0, 1e-12))
