"""Evaluation metrics: pure functions, numpy in, floats or arrays out.

Image similarity (lip2tongue): `ssim`, `cw_ssim`, `cw_ssim_pyssim` (the last two live in
`artimap.metrics.cw_ssim` and are re-exported here). Contour distance: `msd`, `msd_mm`. Marker
trajectories (phone2face, (T, M, 3) in mm): `rmse_per_coordinate`, `mean_euclidean_error`,
`pearson_per_channel`, `lip_vertex_error`, and `p2f_metrics` collecting them under stable names.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

from artimap.metrics.cw_ssim import as_frames, cw_ssim, cw_ssim_pyssim

__all__ = [
    "cw_ssim", "cw_ssim_pyssim", "ssim", "msd", "msd_mm",
    "rmse_per_coordinate", "mean_euclidean_error", "pearson_per_channel",
    "lip_vertex_error", "p2f_metrics",
]




def ssim(
    x: np.ndarray,
    y: np.ndarray,
    data_range: float = 255.0,
    gaussian: bool = True,
    win_size: int = 7,
    sigma: float = 1.5,
    sample_covariance: bool | None = None,
    k1: float = 0.01,
    k2: float = 0.03,
) -> float:
    """Mean SSIM of two images or two stacks of frames, averaged over frames.

    x, y: (H, W) or (F, H, W), any real dtype; compared as float64 with
    `data_range` the dynamic range (255 for 8-bit images; give 1.0 for images in [0, 1]).

    Per frame, local statistics are taken in a window around every pixel (borders mirrored,
    scipy.ndimage mode 'reflect'):
      - gaussian=True (default, Wang et al. 2004): Gaussian weights, `sigma` 1.5, truncated
        at 3.5 sigma (an 11x11 window); population covariance.
      - gaussian=False: `win_size` x `win_size` uniform window (7x7), sample covariance
        (divided by win_size**2 - 1), the scikit-image default.
    `sample_covariance` overrides the covariance choice. With C1 = (k1 L)^2, C2 = (k2 L)^2:
        S = (2 mu_x mu_y + C1)(2 s_xy + C2) / ((mu_x^2 + mu_y^2 + C1)(s_x^2 + s_y^2 + C2)),
    averaged over the pixels at least (window - 1) / 2 from the border, then over frames.
    Equals skimage.metrics.structural_similarity(x_f, y_f, data_range=L,
    gaussian_weights=gaussian, use_sample_covariance=..., sigma=sigma, win_size=win_size).
    """
    a, b = as_frames(x), as_frames(y)
    if a.shape != b.shape:
        raise ValueError(f"ssim: shapes differ: {a.shape} vs {b.shape}")
    if gaussian:
        radius = int(3.5 * sigma + 0.5)
        win = 2 * radius + 1
        def filt(z):
            return ndimage.gaussian_filter(z, sigma, truncate=3.5, mode="reflect", axes=(1, 2))
    else:
        win = win_size
        def filt(z):
            return ndimage.uniform_filter(z, size=win, mode="reflect", axes=(1, 2))
    if min(a.shape[1:]) < win:
        raise ValueError(f"ssim: images {a.shape[1:]} smaller than the {win}x{win} window")
    use_sample = (not gaussian) if sample_covariance is None else sample_covariance
    norm = win * win / (win * win - 1) if use_sample else 1.0
    ux, uy = filt(a), filt(b)
    vx = norm * (filt(a * a) - ux * ux)
    vy = norm * (filt(b * b) - uy * uy)
    vxy = norm * (filt(a * b) - ux * uy)
    c1, c2 = (k1 * data_range) ** 2, (k2 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux**2 + uy**2 + c1) * (vx + vy + c2))
    p = (win - 1) // 2
    per_frame = s[:, p : s.shape[1] - p, p : s.shape[2] - p].mean(axis=(1, 2))
    return float(per_frame.mean())


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


# ---------------------------------------------------------------- phone2face (T, M, 3), mm


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


def _reduce(per_utt: list[tuple[float, int]], pooled: bool, root: bool = False) -> float:
    """(sum, count) per utterance -> pooled mean, or the mean of per-utterance means.

    root=True takes the square root of each mean (RMSE). Utterances with no valid value are
    skipped; NaN if none is left.
    """
    kept = [(s, n) for s, n in per_utt if n]
    if not kept:
        return float("nan")
    f = np.sqrt if root else float
    if pooled:
        return float(f(sum(s for s, _ in kept) / sum(n for _, n in kept)))
    return float(np.mean([f(s / n) for s, n in kept]))


def rmse_per_coordinate(pred, true, mask=None, pooled: bool = False) -> float:
    """RMSE over every coordinate value, in the input unit (mm).

    pred, true: (T, M, 3) or lists of those (one per utterance); mask: (T,) or (T, M) bool,
    or a list of those; False or NaN entries are left out. RMSE = sqrt(mean over valid frames,
    markers and the 3 axes of (pred - true)^2). pooled=False: per utterance, then the mean of
    the utterance RMSEs; pooled=True: one RMSE over all frames of all utterances.
    """
    parts = [(float(((p - t)[v] ** 2).sum()), int(v.sum()) * 3)
             for p, t, v in _utterances(pred, true, mask)]
    return _reduce(parts, pooled, root=True)


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
    return _reduce(parts, pooled)


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
