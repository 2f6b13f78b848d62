"""Marker trajectory metrics (phone2face): (T, M, 3) arrays in mm, or lists of them (one per
utterance). `rmse_per_coordinate`, `mean_euclidean_error`, `pearson_per_channel`,
`lip_vertex_error`, and `p2f_metrics` collecting them under stable names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from artimap.metrics.aggregate import reduce_sums

__all__ = [
    "rmse_per_coordinate", "mean_euclidean_error", "pearson_per_channel",
    "lip_vertex_error", "p2f_metrics",
]


def _pair(pred: np.ndarray, true: np.ndarray, mask: np.ndarray | None) -> tuple:
    """Check shapes; return pred, true (T, M, 3) float64 and a (T, M) bool validity mask."""
    p, t = np.asarray(pred, dtype=np.float64), np.asarray(true, dtype=np.float64)
    if p.shape != t.shape or p.ndim != 3 or p.shape[2] != 3:
        raise ValueError(f"expected pred and true of equal shape (T, M, 3): {p.shape}, {t.shape}")
    valid = np.isfinite(p).all(axis=2) & np.isfinite(t).all(axis=2)  # (T, M)
    if mask is not None:
        m = np.asarray(mask, dtype=bool)
        valid &= m[:, None] if m.ndim == 1 else m
    return p, t, valid


def _utterances(pred, true, mask) -> list[tuple]:
    """One (T, M, 3) array or a list of them (one per utterance) -> list of _pair results."""
    if isinstance(pred, np.ndarray) and pred.ndim == 3:
        pred, true, mask = [pred], [true], [mask]
    masks = mask if isinstance(mask, (list, tuple)) else [mask] * len(pred)
    if not (len(pred) == len(true) == len(masks)) or len(pred) == 0:
        raise ValueError("expected equally long non-empty lists of utterances")
    return [_pair(p, t, m) for p, t, m in zip(pred, true, masks, strict=True)]


def rmse_per_coordinate(pred, true, mask=None, pooled: bool = False) -> float:
    """RMSE over every coordinate value, in the input unit (mm).

    pred, true: (T, M, 3) or lists of those (one per utterance); mask: (T,) or (T, M) bool,
    or a list of those; False or NaN entries are left out. RMSE = sqrt(mean over valid frames,
    markers and the 3 axes of (pred - true)^2). pooled=False: per utterance, then the mean of
    the utterance RMSEs; pooled=True: one RMSE over all frames of all utterances.
    """
    parts = [(float(((p - t)[v] ** 2).sum()), int(v.sum()) * 3)
             for p, t, v in _utterances(pred, true, mask)]
    return reduce_sums(parts, pooled, root=True)


def mean_euclidean_error(pred, true, mask=None, pooled: bool = False) -> float:
    """Mean per-marker Euclidean distance |pred - true| over valid frames and markers (mm).

    Shapes and pooling as in `rmse_per_coordinate`. Relation to the RMSE: an error of equal
    size a on every axis gives RMSE a and Euclidean error sqrt(3) a; isotropic Gaussian errors
    (sigma per axis) give RMSE sigma but mean Euclidean error 2 sqrt(2/pi) sigma ~ 1.596 sigma
    (sqrt(3) sigma is their root-mean-square distance).
    """
    parts = []
    for p, t, v in _utterances(pred, true, mask):
        d = np.linalg.norm(p - t, axis=2)  # (T, M)
        parts.append((float(d[v].sum()), int(v.sum())))
    return reduce_sums(parts, pooled)


def pearson_per_channel(pred, true, mask=None) -> float:
    """Pearson correlation per channel (marker axis) per utterance, averaged.

    pred, true: (T, M, 3) or lists of them; channels are the M*3 coordinates. Per utterance,
    frames where a marker is invalid are dropped for that marker's channels. Constant channels
    (variance below 1e-12 of the squared magnitude, i.e. zero up to rounding): a constant truth
    has nothing to correlate with, so the channel is left out (as are channels with < 2 valid
    frames); a constant prediction of a moving truth scores 0. NaN if no channel is left.
    """
    values = []
    for p, t, v in _utterances(pred, true, mask):
        for m in range(p.shape[1]):
            keep = v[:, m]
            if keep.sum() < 2:
                continue
            a, b = p[keep, m] - p[keep, m].mean(0), t[keep, m] - t[keep, m].mean(0)  # (T', 3)
            va, vb = (a * a).sum(0), (b * b).sum(0)  # (3,)
            tiny = 1e-12 * keep.sum() * max(1.0, float(np.abs(t[keep, m]).max()) ** 2)
            moving = vb > tiny
            r = np.where(va > tiny, (a * b).sum(0) / np.sqrt(np.maximum(va * vb, tiny**2)), 0.0)
            values.extend(r[moving].tolist())
    return float(np.mean(values)) if values else float("nan")


def lip_vertex_error(
    pred, true, lip_idx: Sequence[int], mask=None, squared: bool = False
) -> float:
    """Lip vertex error: per frame the largest lip-marker error, averaged over frames.

    pred, true: (T, M, 3) in mm (or lists of them: frames of all utterances pooled);
    lip_idx: indices of the lip markers. Per frame e_t = max over lip markers of |pred - true|
    (MeshTalk form, mm); squared=True uses the squared distance (CodeTalker form, mm^2).
    Invalid markers are skipped; frames with no valid lip marker are left out.
    """
    idx = np.asarray(lip_idx, dtype=int)
    per_frame = []
    for p, t, v in _utterances(pred, true, mask):
        d2 = ((p[:, idx] - t[:, idx]) ** 2).sum(axis=2)  # (T, L)
        d2 = np.where(v[:, idx], d2, -np.inf)
        worst = d2.max(axis=1)
        worst = worst[np.isfinite(worst)]
        per_frame.append(worst if squared else np.sqrt(worst))
    frames = np.concatenate(per_frame)
    return float(frames.mean()) if len(frames) else float("nan")


def p2f_metrics(pred, true, lip_idx: Sequence[int] | None = None, mask=None) -> dict:
    """All phone2face metrics under stable names.

    pred, true: (T, M, 3) in mm, or lists of them (one per utterance). Returns
    {"rmse_mm", "rmse_pooled_mm", "euclid_mm", "euclid_pooled_mm", "corr"} plus
    {"lip_error_mm", "lip_error_sq_mm2"} when `lip_idx` is given.
    """
    out = {
        "rmse_mm": rmse_per_coordinate(pred, true, mask),
        "rmse_pooled_mm": rmse_per_coordinate(pred, true, mask, pooled=True),
        "euclid_mm": mean_euclidean_error(pred, true, mask),
        "euclid_pooled_mm": mean_euclidean_error(pred, true, mask, pooled=True),
        "corr": pearson_per_channel(pred, true, mask),
    }
    if lip_idx is not None:
        out["lip_error_mm"] = lip_vertex_error(pred, true, lip_idx, mask)
        out["lip_error_sq_mm2"] = lip_vertex_error(pred, true, lip_idx, mask, squared=True)
    return out
