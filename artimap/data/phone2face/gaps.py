"""Occlusion gaps in marker tracks: short ones interpolated, long ones left missing (masked).

A gap is a run of frames where a marker is missing between two frames where it is seen. Gaps of
at most `max_gap` frames are filled from the marker's seen frames, by one of:
    cubic   (default) a cubic fitted by least squares to the `context` seen frames on each side;
            it averages out capture noise, which an interpolating curve would carry into the
            gap (checked on the virtual talker's 0.1 mm noise by tests/test_data_p2f_talker.py)
    spline  an interpolating cubic spline through all seen frames (best on noise-free tracks)
    pchip   shape-preserving piecewise cubic (never overshoots; one piece spans the gap)
    linear  a straight line between the two frames around the gap
Longer gaps, and frames before the first or after the last sighting (nothing to interpolate
between), stay missing and are marked invalid in the returned mask so that losses and metrics
skip them.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline, PchipInterpolator

METHODS = ("cubic", "spline", "pchip", "linear")
DEFAULT_CONTEXT = 6  # seen frames on each side of a gap used by "cubic"


def gap_runs(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Runs of False in valid (F,) bool -> (starts (G,), lengths (G,)) int arrays."""
    v = np.asarray(valid, dtype=bool)
    edges = np.diff(np.concatenate([[0], (~v).astype(np.int8), [0]]))  # +1 gap start, -1 end
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    return starts, ends - starts


def fillable(valid: np.ndarray, max_gap: int) -> np.ndarray:
    """(F,) bool: missing frames inside a gap of <= max_gap frames with seen frames both sides."""
    v = np.asarray(valid, dtype=bool)
    out = np.zeros_like(v)
    starts, lengths = gap_runs(v)
    for s, n in zip(starts, lengths, strict=True):
        if s > 0 and s + n < len(v) and n <= max_gap:
            out[s:s + n] = True
    return out


def _local_cubic(x: np.ndarray, y: np.ndarray, frames: np.ndarray, context: int) -> np.ndarray:
    """Least-squares cubic through the `context` seen frames x (n,), y (n, 3) on each side of
    one gap -> values (G, 3) at the gap's frames (G,)."""
    i = np.searchsorted(x, frames[0])
    xs, ys = x[max(0, i - context): i + context], y[max(0, i - context): i + context]
    deg = min(3, len(xs) - 1)
    coef = np.polyfit(xs - frames[0], ys, deg)  # (deg + 1, 3), frames centred for conditioning
    return np.vander(frames - frames[0], deg + 1) @ coef


def _fill_marker(y: np.ndarray, seen: np.ndarray, todo: np.ndarray, method: str, context: int):
    """Values (G, 3) at the `todo` frames of one marker's track y (F, 3)."""
    x = np.flatnonzero(seen).astype(np.float64)
    frames = np.flatnonzero(todo).astype(np.float64)
    if method == "linear" or len(x) < 4:
        return np.stack([np.interp(frames, x, y[seen, k]) for k in range(3)], axis=1)
    if method == "spline":
        return CubicSpline(x, y[seen], axis=0)(frames)
    if method == "pchip":
        return PchipInterpolator(x, y[seen], axis=0)(frames)
    starts, lengths = gap_runs(~todo)
    out = [_local_cubic(x, y[seen], np.arange(s, s + n, dtype=np.float64), context)
           for s, n in zip(starts, lengths, strict=True)]
    return np.concatenate(out)


def fill_gaps(
    points: np.ndarray, max_gap: int, method: str = "cubic", context: int = DEFAULT_CONTEXT
) -> tuple[np.ndarray, np.ndarray]:
    """Fill short gaps in points (F, M, 3) (NaN = missing) -> (filled (F, M, 3), mask (F, M)).

    mask is True where the value is seen or was filled; False where it is still NaN (long gaps,
    leading/trailing runs, markers never seen). `max_gap=0` fills nothing.
    """
    if method not in METHODS:
        raise ValueError(f"gap method must be one of {list(METHODS)}, got {method!r}")
    out = np.array(points, dtype=np.float64, copy=True)
    valid = np.isfinite(out).all(axis=2)  # (F, M)
    out[~valid] = np.nan
    for m in range(out.shape[1]):
        todo = fillable(valid[:, m], max_gap)
        if todo.any():
            out[todo, m] = _fill_marker(out[:, m], valid[:, m], todo, method, context)
            valid[todo, m] = True
    return out, valid
