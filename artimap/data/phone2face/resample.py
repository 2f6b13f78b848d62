"""Resampling marker tracks to a target frame rate (120 fps by default, the capture rate of the
published setup).

Frame k of the output is at time k / rate_out from the first input frame. Values come from a
cubic spline through the input frames (linear on request); face-marker trajectories are smooth
and far below the Nyquist rate of any capture system, so no anti-alias filter is applied when
going down in rate. An output frame is valid only when both input frames around it are valid;
masked input samples are bridged linearly before the spline so they do not disturb their
neighbours, and the output there stays masked.
"""

from __future__ import annotations

import numpy as np
from scipy.interpolate import CubicSpline


def n_frames_at(n_in: int, rate_in: float, rate_out: float) -> int:
    """Output frames covering the input's span [0, (n_in - 1) / rate_in] at rate_out."""
    if n_in <= 0:
        return 0
    return int(np.floor((n_in - 1) * rate_out / rate_in + 1e-9)) + 1


def _bridge(flat: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Replace invalid rows of flat (F, D) by linear interpolation over valid rows (per column)."""
    out = flat.copy()
    frames = np.arange(len(flat))
    for d in range(flat.shape[1]):
        v = valid[:, d]
        if v.all():
            continue
        out[:, d] = np.interp(frames, frames[v], flat[v, d]) if v.any() else 0.0
    return out


def resample(
    points: np.ndarray, mask: np.ndarray, rate_in: float, rate_out: float, method: str = "cubic"
) -> tuple[np.ndarray, np.ndarray]:
    """points (F, M, 3), mask (F, M) at rate_in -> (points (F', M, 3), mask (F', M)) at rate_out.

    Output points are NaN where the mask is False. Same rates return copies of the input.
    """
    pts = np.asarray(points, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool) & np.isfinite(pts).all(axis=2)
    if abs(rate_in - rate_out) <= 1e-9 * rate_out:
        out = pts.copy()
        out[~mask] = np.nan
        return out, mask.copy()
    if method not in ("cubic", "linear"):
        raise ValueError(f"resample method must be 'cubic' or 'linear', got {method!r}")
    n_in, m = mask.shape
    n_out = n_frames_at(n_in, rate_in, rate_out)
    x = np.arange(n_out, dtype=np.float64) * (rate_in / rate_out)  # output times in input frames
    x = np.minimum(x, n_in - 1)
    lo, hi = np.floor(x).astype(int), np.ceil(x).astype(int)
    mask_out = mask[lo] & mask[hi]  # (F', M)
    flat = _bridge(pts.reshape(n_in, m * 3), np.repeat(mask, 3, axis=1))  # (F, M*3)
    if method == "cubic" and n_in >= 4:
        vals = CubicSpline(np.arange(n_in, dtype=np.float64), flat, axis=0)(x)
    else:
        vals = np.stack([np.interp(x, np.arange(n_in), flat[:, d]) for d in range(m * 3)], 1)
    out = vals.reshape(n_out, m, 3)  # (F', M, 3)
    out[~mask_out] = np.nan
    return out, mask_out
