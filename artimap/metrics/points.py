"""Per-frame errors between point sets (tongue points, contours): pred and real (F, K, 2) in
one unit (pixels or mm); NaN marks a missing point and a frame with none left is NaN."""

from __future__ import annotations

import numpy as np

from artimap.metrics.contour import msd


def point_error_frames(pred: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Mean Euclidean distance over the points present in both, per frame: (F,) float64."""
    d = np.linalg.norm(np.asarray(pred, np.float64) - np.asarray(real, np.float64), axis=-1)
    ok = np.isfinite(d)  # (F, K)
    return np.where(ok.any(1), np.nansum(d, 1) / np.maximum(ok.sum(1), 1), np.nan)


def msd_frames(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MSD (mean sum of distances, `artimap.metrics.contour.msd`) per frame of point sets a, b
    (F, K, 2); NaN where either has no finite point."""
    out = np.full(len(a), np.nan)
    for i, (u, v) in enumerate(zip(a, b)):
        if np.isfinite(u).all(1).any() and np.isfinite(v).all(1).any():
            out[i] = msd(u, v)
    return out
