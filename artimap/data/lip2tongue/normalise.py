"""Normalisation statistics of a prepared lip2tongue dataset, fitted on the training split only.

`fit_normalisation` reads the arrays in chunks (memory stays small) and returns:

    {"fitted_on": "train" | "all", "n_frames": F_train,
     "frames":  {"mean": m, "std": s}            lip frames scaled to [0, 1]
     "flow":    {"mean": [u, v], "std": [u, v]}  pixels; first frames of utterances excluded
     "target":  {"mean": m, "std": s}            images scaled to [0, 1], or per point and
                                                 coordinate (K, 2) lists for points (NaN-aware)
     "mean_target": (H_t, W_t) 0..255 per-pixel mean image, or (K, 2) mean points (NaN where
                    a point is never seen): the floor of every evaluation, fitted once here}

`prepare` stores it as stats.json beside the manifest; a model applies (x - mean) / std.
"""

from __future__ import annotations

import numpy as np

from artimap.data.prepared import Prepared

CHUNK = 256  # frames read at a time


class _Moments:
    """Running count, sum and sum of squares over `axis` of chunks, NaN-aware."""

    def __init__(self) -> None:
        self.n = self.s = self.s2 = 0

    def add(self, x: np.ndarray, axis: int | tuple[int, ...] | None = None) -> None:
        x = x.astype(np.float64)
        ok = ~np.isnan(x)
        x = np.where(ok, x, 0.0)
        self.n = self.n + ok.sum(axis=axis)
        self.s = self.s + x.sum(axis=axis)
        self.s2 = self.s2 + (x * x).sum(axis=axis)

    def result(self) -> dict:
        n = np.maximum(self.n, 1)
        mean = self.s / n
        std = np.sqrt(np.maximum(self.s2 / n - mean**2, 0))
        mean = np.where(self.n > 0, mean, np.nan)
        std = np.where(self.n > 0, std, np.nan)
        return {"mean": _plain(mean), "std": _plain(std)}


def _plain(a: np.ndarray):
    a = np.asarray(a, np.float64)
    if a.ndim == 0:
        return float(a) if np.isfinite(a) else None
    return [_plain(x) for x in a]


def mean_target(prepared: Prepared, ranges: list[tuple[int, int]]) -> np.ndarray:
    """Mean target over row ranges [lo, hi): (H_t, W_t) 0..255 or (K, 2) (NaN-aware)."""
    targets = prepared.array("targets")
    total = np.zeros(targets.shape[1:], np.float64)
    count = np.zeros(targets.shape[1:], np.int64)
    for lo, hi in ranges:
        for c in range(lo, hi, 512):
            t = np.asarray(targets[c:min(c + 512, hi)], np.float64)
            ok = np.isfinite(t)
            total += np.where(ok, t, 0.0).sum(0)
            count += ok.sum(0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


def fit_normalisation(prepared: Prepared) -> dict:
    """Mean and std of frames, flow and targets over the training split (see module doc)."""
    fitted_on = "train"
    ranges = prepared.row_ranges("train")
    if not ranges:  # user lists with an empty train split: better than nothing, and said so
        fitted_on = "all"
        ranges = [(e.offset, e.offset + e.n_frames) for e in prepared.entries]
    frames, flow, targets = (prepared.array(n) for n in ("frames", "flow", "targets"))
    m_frames, m_flow, m_target, m_pixel = _Moments(), _Moments(), _Moments(), _Moments()
    is_image = targets.dtype == np.uint8
    for lo, hi in ranges:
        for c in range(lo, hi, CHUNK):
            end = min(c + CHUNK, hi)
            m_frames.add(np.asarray(frames[c:end], np.float32) / 255.0)  # (F_c, H, W)
            first = c + 1 if c == lo else c  # the first frame's flow is zero by convention
            if end > first:
                m_flow.add(np.asarray(flow[first:end], np.float32), axis=(0, 2, 3))
            t = np.asarray(targets[c:end], np.float32)
            if is_image:
                m_target.add(t / 255.0)  # (F_c, H_t, W_t)
                m_pixel.add(t, axis=0)  # per pixel, 0..255: the mean image
            else:
                m_target.add(t, axis=0)  # (F_c, K, 2) -> per point and coordinate
    return {
        "fitted_on": fitted_on,
        "n_frames": int(sum(hi - lo for lo, hi in ranges)),
        "frames": m_frames.result(),
        "flow": m_flow.result(),
        "target": m_target.result(),
        "mean_target": (m_pixel if is_image else m_target).result()["mean"],
    }


def training_mean_target(prepared: Prepared) -> np.ndarray:
    """The training split's mean target (stats.json's, fitted at prepare; computed for a
    dataset prepared before it was stored): (H_t, W_t) 0..255 or (K, 2) float32."""
    stored = prepared.stats.get("mean_target")
    if stored is not None:
        return np.asarray(stored, np.float64).astype(np.float32)
    return mean_target(prepared, prepared.row_ranges("train"))
