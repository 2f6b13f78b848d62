"""Lip measures from the 8 lip points (pure functions; points in `POINTS` order).

- aperture: the inner vertical gap, distance from the mid top-inner to the mid bottom-inner
  point (px);
- width: corner to corner distance (px);
- area: the mouth opening's area, the polygon corner, top inner left / mid / right, corner,
  bottom inner right / mid / left (px^2, shoelace formula);
- roundness: aperture / width, a protrusion proxy (rounded, protruded lips open narrower and
  rounder).
"""

from __future__ import annotations

import numpy as np

# Polygon through the points around the mouth opening (indices into `POINTS`).
OPENING_POLYGON: tuple[int, ...] = (0, 2, 4, 6, 1, 7, 5, 3)
MEASURES: tuple[str, ...] = ("aperture", "width", "area", "roundness")


def aperture(points: np.ndarray) -> np.ndarray:
    """(..., 8, 2) points -> (...) inner vertical gap in px."""
    return np.linalg.norm(points[..., 5, :] - points[..., 4, :], axis=-1)


def width(points: np.ndarray) -> np.ndarray:
    """(..., 8, 2) points -> (...) corner-to-corner distance in px."""
    return np.linalg.norm(points[..., 1, :] - points[..., 0, :], axis=-1)


def opening_area(points: np.ndarray) -> np.ndarray:
    """(..., 8, 2) points -> (...) area of the mouth opening polygon in px^2."""
    poly = points[..., list(OPENING_POLYGON), :]  # (..., 8, 2)
    x, y = poly[..., 0], poly[..., 1]
    return 0.5 * np.abs(np.sum(x * np.roll(y, -1, axis=-1) - np.roll(x, -1, axis=-1) * y,
                               axis=-1))


def measures(points: np.ndarray) -> dict[str, np.ndarray]:
    """(F, 8, 2) points -> {name: (F,)} for every name in `MEASURES`."""
    ap, wd = aperture(points), width(points)
    with np.errstate(invalid="ignore", divide="ignore"):
        rnd = np.where(wd > 0, ap / wd, np.nan)
    return {"aperture": ap, "width": wd, "area": opening_area(points), "roundness": rnd}


def mae_r(pred: np.ndarray, true: np.ndarray) -> tuple[float, float]:
    """Mean absolute error and Pearson r of two (N,) series, over the finite pairs."""
    ok = np.isfinite(pred) & np.isfinite(true)
    p, t = pred[ok], true[ok]
    mae = float(np.mean(np.abs(p - t))) if len(p) else float("nan")
    if len(p) < 2 or np.std(p) == 0 or np.std(t) == 0:
        return mae, float("nan")
    return mae, float(np.corrcoef(p, t)[0, 1])
