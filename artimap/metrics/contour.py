"""Contour distance: mean sum of distances (MSD) between two point sets, in pixels or mm."""

from __future__ import annotations

import numpy as np
from scipy.spatial import cKDTree

__all__ = ["msd", "msd_mm"]


def _points(p: np.ndarray, name: str) -> np.ndarray:
    p = np.asarray(p, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] != 2:
        raise ValueError(f"msd: {name} must have shape (K, 2), got {p.shape}")
    p = p[np.isfinite(p).all(axis=1)]
    if len(p) == 0:
        raise ValueError(f"msd: contour {name} has no finite points")
    return p


def msd(u: np.ndarray, v: np.ndarray) -> float:
    """Mean sum of distances between two contours (point sets).

    u: (n, 2), v: (m, 2) points; rows with a NaN are dropped first.
        MSD = (sum_i min_j |u_i - v_j| + sum_j min_i |v_j - u_i|) / (n + m)
    The result is in the unit of the coordinates: pixels of the image the points were taken
    in (say which in reports), or mm if the points are in mm (see `msd_mm`).
    Raises ValueError when either contour has no finite point.
    """
    a, b = _points(u, "u"), _points(v, "v")
    da, _ = cKDTree(b).query(a)
    db, _ = cKDTree(a).query(b)
    return float((da.sum() + db.sum()) / (len(a) + len(b)))


def msd_mm(u: np.ndarray, v: np.ndarray, pixels_per_mm: float) -> float:
    """MSD in mm of two contours given in pixels of an image with `pixels_per_mm` (isotropic).

    u: (n, 2), v: (m, 2) pixel coordinates; = msd(u, v) / pixels_per_mm.
    """
    if not pixels_per_mm > 0:
        raise ValueError(f"msd_mm: pixels_per_mm must be > 0, got {pixels_per_mm}")
    return msd(u, v) / float(pixels_per_mm)
