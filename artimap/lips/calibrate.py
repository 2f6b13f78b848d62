"""Few-shot calibration: a handful of labelled frames of a new speaker correct the model.

The model's error on a new speaker is mostly systematic (where that speaker's lip edge is drawn,
how their mouth sits in the frame), so a correction fitted on 10-20 labelled frames of the
speaker carries over to the rest of their frames. Three corrections (`METHODS`):

- offset: each point coordinate moves by its mean error over the labelled frames;
- affine: each point coordinate is mapped by a line fitted on the labelled frames (slope
  pulled towards 1 by `shrink`, a prior worth that many frames), which also fixes a model that
  under- or over-states how far that point moves;
- ridge: the 12 inner-lip coordinate errors are regressed on the model's feature vector
  (ridge with a fixed penalty `alpha` on standardised features) on top of the offset.

The corners (width) always get the median error as their offset and nothing else: one
mislabelled corner among the labelled frames (the shared TaL_lips_training folder has a frame
labelled 57 px wide among widths of 168-224 px) would otherwise shift every frame's width.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

METHODS: tuple[str, ...] = ("offset", "affine", "ridge")
CORNERS = 4  # the first 4 of the 16 coordinates: leftLip x, y, rightLip x, y


@dataclass
class Calibration:
    """A fitted per-speaker correction of predicted points."""

    method: str  # one of METHODS
    pred_mean: np.ndarray  # (16,) mean predicted coordinates of the labelled frames
    true_mean: np.ndarray  # (16,) mean labelled coordinates
    slope: np.ndarray  # (16,) affine slopes (ones for offset / ridge)
    feat_mean: np.ndarray | None = None  # (d,) ridge feature means
    feat_sd: np.ndarray | None = None  # (d,) ridge feature standard deviations
    weights: np.ndarray | None = None  # (d, 16) ridge weights

    def apply(self, points: np.ndarray, features: np.ndarray | None = None) -> np.ndarray:
        """(F, 8, 2) predicted points (and (F, d) features for ridge) -> corrected points."""
        p = points.reshape(len(points), -1)  # (F, 16)
        out = self.slope * (p - self.pred_mean) + self.true_mean
        if self.weights is not None:
            if features is None:
                raise ValueError("a ridge calibration needs the model's features")
            out = out + ((features - self.feat_mean) / self.feat_sd) @ self.weights
        return out.reshape(points.shape)


def fit_calibration(pred: np.ndarray, true: np.ndarray, method: str = "affine",
                    features: np.ndarray | None = None, shrink: float = 10.0,
                    alpha: float = 10.0) -> Calibration:
    """Fit a correction from K frames' predicted (K, 8, 2) to labelled (K, 8, 2) points (NaN
    labels are skipped); `features` (K, d) are needed for 'ridge'."""
    if method not in METHODS:
        raise ValueError(f"unknown calibration {method!r}; choose one of {', '.join(METHODS)}")
    p, t = pred.reshape(len(pred), -1), true.reshape(len(true), -1)  # (K, 16)
    ok = np.isfinite(t)
    t = np.where(ok, t, p)  # a missing label leaves its coordinate uncorrected
    pm, tm = p.mean(0), t.mean(0)
    slope = np.ones(p.shape[1])
    if method == "affine":
        dp, dt = p - pm, t - tm
        var = (dp * dp).sum(0)
        prior = shrink * var / max(len(p), 1)  # pulls the slope towards 1 with `shrink` frames
        slope = ((dp * dt).sum(0) + prior) / (var + prior + 1e-9)
    slope[:CORNERS] = 1.0
    tm[:CORNERS] = pm[:CORNERS] + np.median((t - p)[:, :CORNERS], axis=0)
    cal = Calibration(method, pm, tm, slope)
    if method == "ridge":
        if features is None:
            raise ValueError("a ridge calibration needs the model's features")
        mu, sd = features.mean(0), features.std(0) + 1e-3
        x = (features - mu) / sd  # (K, d)
        r = (t - t.mean(0)) - (p - pm)  # (K, 16) residual after the offset
        r[:, :CORNERS] = 0.0
        # dual form: K is small and d large
        cal.weights = x.T @ np.linalg.solve(x @ x.T + alpha * np.eye(len(x)), r)
        cal.feat_mean, cal.feat_sd = mu, sd
    return cal


def fewshot_predict(pred: np.ndarray, true: np.ndarray, groups: list[str], shots: int,
                    method: str, features: np.ndarray | None = None, seed: int = 0,
                    **kwargs) -> tuple[np.ndarray, np.ndarray]:
    """Held-out few-shot evaluation: every frame is corrected by a calibration fitted on
    `shots` other labelled frames of its own group (all the others when the group has fewer).

    Returns ((N, 8, 2) corrected points, (N,) number of calibration frames used).
    """
    rng = np.random.default_rng(seed)
    out = np.full_like(pred, np.nan)
    used = np.zeros(len(pred), int)
    names = np.asarray(groups)
    for g in sorted(set(groups)):
        rows = np.flatnonzero(names == g)
        for j in rows:
            others = rows[rows != j]
            cal_rows = rng.choice(others, size=min(shots, len(others)), replace=False)
            f = None if features is None else features[cal_rows]
            cal = fit_calibration(pred[cal_rows], true[cal_rows], method, f, **kwargs)
            out[j] = cal.apply(pred[j:j + 1], None if features is None else features[j:j + 1])[0]
            used[j] = len(cal_rows)
    return out, used
