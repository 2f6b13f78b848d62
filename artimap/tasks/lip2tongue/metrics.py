"""The metrics lip2tongue reports, declared once: results.csv columns, results rows, the units
and settings in metrics.json and the summary and demo tables all follow these tuples.

Every function scores a chunk of frames: f(pred, real, contours) -> (F,) float64, with pred and
real (F, H, W) float64 images on the 8-bit scale (IMAGE_METRICS; `contours` the extractor
(F, H, W) -> (F, L, 2) used identically on both) or (F, K, 2) points (POINT_METRICS; `contours`
None). A unit's "{length}" is the unit of positions: pixels of the target image, or the
prepared dataset's target units.
"""

from __future__ import annotations

import numpy as np

from artimap.metrics.declare import Metric, union


def msd_frames(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MSD per frame of point sets a, b (F, K, 2); NaN where either has no finite point."""
    from artimap.metrics.contour import msd

    out = np.full(len(a), np.nan)
    for i, (u, v) in enumerate(zip(a, b)):
        if np.isfinite(u).all(1).any() and np.isfinite(v).all(1).any():
            out[i] = msd(u, v)
    return out


def _ssim(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    from artimap.metrics.image import ssim

    return np.array([ssim(a, b) for a, b in zip(pred, real)], np.float64)


def _cw_ssim(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    from artimap.metrics.cw_ssim import cw_ssim

    return np.array([cw_ssim(a, b) for a, b in zip(pred, real)], np.float64)


def _cw_ssim_pyssim(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    from artimap.metrics.cw_ssim import cw_ssim_pyssim

    # pyssim scores 8-bit images: round as writing the frames out would
    return np.array([cw_ssim_pyssim(np.rint(a), np.rint(b)) for a, b in zip(pred, real)],
                    np.float64)


def _msd_images(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    return msd_frames(contours(pred), contours(real))


def _msd_points(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    return msd_frames(pred, real)


def _point_error(pred: np.ndarray, real: np.ndarray, contours=None) -> np.ndarray:
    d = np.linalg.norm(pred - real, axis=-1)  # (F, K)
    ok = np.isfinite(d)
    return np.where(ok.any(1), np.nansum(d, 1) / np.maximum(ok.sum(1), 1), np.nan)


_SAME = "1 = identical"
IMAGE_METRICS: tuple[Metric, ...] = (
    Metric("ssim", _ssim, _SAME, True, "SSIM, Gaussian window (Wang et al. 2004)", "SSIM",
           "gaussian sigma 1.5, data_range 255"),
    Metric("cw_ssim", _cw_ssim, _SAME, True, "CW-SSIM on a complex steerable pyramid "
           "(Sampat et al. 2009)", "CW-SSIM", "level auto, 4 orientations, 7x7 windows, K 0"),
    Metric("cw_ssim_pyssim", _cw_ssim_pyssim, _SAME, True, "pyssim 0.7.1's cw_ssim_value",
           "CW-SSIM (pyssim)", "width 30, k 0.01"),
    Metric("msd", _msd_images, "{length}", False, "mean sum of distances between the contours "
           "extracted from the predicted and the real frame", "MSD (px)"),
)
POINT_METRICS: tuple[Metric, ...] = (
    Metric("point_error", _point_error, "{length}", False,
           "mean Euclidean distance over the points present", "point error"),
    Metric("msd", _msd_points, "{length}", False, "mean sum of distances between the point "
           "sets", "MSD"),
)
METRICS: tuple[Metric, ...] = union(IMAGE_METRICS, POINT_METRICS)  # every name, table order
