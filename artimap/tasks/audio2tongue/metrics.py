"""The metrics audio2tongue reports, declared once (results.csv columns, metrics.json units and
definitions, summary tables). Every function scores frames: f(pred, real) -> (F,) float64, with
pred and real (F, K, 2) points in the data's unit ("{length}": pixels of the DLC ultrasound
video, or mm for talker contours) or (F, H, W) images on the 0..255 scale.

gap_closed: on talker corpora, the share of the gap from the training mean (floor) to the
state oracle (the best regressor from the true articulation: the ceiling) that a row closes in
point_error; real corpora have no ceiling, so no gap (their tables bracket a model between the
floor and the ridge on log-mel).
"""

from __future__ import annotations

import numpy as np

from artimap.metrics.declare import Metric
from artimap.metrics.image import ssim
from artimap.metrics.points import msd_frames, point_error_frames


def _point_error(pred: np.ndarray, real: np.ndarray) -> np.ndarray:
    return point_error_frames(pred, real)


def _msd(pred: np.ndarray, real: np.ndarray) -> np.ndarray:
    return msd_frames(pred, real)


def _ssim(pred: np.ndarray, real: np.ndarray) -> np.ndarray:
    return np.array([ssim(a, b) for a, b in zip(pred, real)], np.float64)


def _rmse(pred: np.ndarray, real: np.ndarray) -> np.ndarray:
    d = np.asarray(pred, np.float64) - np.asarray(real, np.float64)
    return np.sqrt((d * d).reshape(len(d), -1).mean(1))


POINT_METRICS: tuple[Metric, ...] = (
    Metric("point_error", _point_error, "{length}", False,
           "mean Euclidean distance over the points present, per frame, averaged",
           "point error"),
    Metric("msd", _msd, "{length}", False, "mean sum of distances between the point sets "
           "(contours), per frame, averaged", "MSD"),
)
IMAGE_METRICS: tuple[Metric, ...] = (
    Metric("ssim", _ssim, "1 = identical", True, "SSIM, Gaussian window (Wang et al. 2004)",
           "SSIM", "gaussian sigma 1.5, data_range 255"),
    Metric("rmse", _rmse, "intensity (0..255)", False, "RMSE over the pixels of a frame, "
           "averaged over frames", "RMSE"),
)
GAP_METRIC = Metric("gap_closed", None, "1 = state oracle, 0 = training mean", True,
                    "share of the training mean -> state_oracle gap closed in point_error "
                    "(talker corpora only)", "gap closed")
METRICS: tuple[Metric, ...] = (*POINT_METRICS, *IMAGE_METRICS, GAP_METRIC)
# the headline metric of a table and the reference rows its gap runs between (floor, ceiling)
GAP = ("point_error", "train_mean", "state_oracle")


def for_target(image: bool) -> tuple[Metric, ...]:
    """The metrics with a function that a target kind can give."""
    return IMAGE_METRICS if image else POINT_METRICS


def length_unit(target_units: str) -> str:
    """"mm" or "px": the unit of point positions."""
    return "mm" if target_units.startswith("mm") else "px"
