"""The metrics lip2tongue reports, declared once: results.csv columns, results rows, the units
and settings in metrics.json and the summary and demo tables all follow these tuples.

Every function scores a chunk of frames: f(pred, real, ctx) -> (F,) float64, with pred and
real (F, H, W) float64 images on the 8-bit scale (IMAGE_METRICS) or (F, K, 2) points
(POINT_METRICS), and `ctx` a `FrameContext` (the contour extractor, the blurred training mean,
the true contours of these frames on talker corpora). A unit's "{length}" is the unit of
positions: pixels of the target image, or the prepared dataset's target units.

r2_speckle_free sees the tongue rather than the speckle: prediction and target are blurred
alike with a Gaussian of BLUR_SIGMA target pixels (on the 128 x 64 raw target of the talker's
probe, 3 px is about 1.5 mm along a scanline and 0.14 rad ~ 8 mm across scanlines at mid
depth), and R^2 = 1 - sum_f |blur(pred_f) - blur(real_f)|^2 / sum_f |blur(real_f) - m|^2 over
the evaluated frames, m the blurred training-mean target. Each frame's value is
1 - |blur(pred_f) - blur(real_f)|^2 / D with D the denominator's mean over the evaluated
frames, so the mean over frames is exactly that R^2 (0 for the training mean, 1 for perfect).
contour_mm is the MSD in mm between the contour extracted from the predicted frame (mapped
through the probe geometry) and the talker's TRUE contour of that ultrasound frame.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np
from scipy.ndimage import gaussian_filter

from artimap.metrics import aggregate
from artimap.metrics.cw_ssim import cw_ssim, cw_ssim_pyssim
from artimap.metrics.declare import Metric, union
from artimap.metrics.image import ssim
from artimap.metrics.points import msd_frames, point_error_frames

BLUR_SIGMA = 3.0  # target pixels (r2_speckle_free)


def blur(images: np.ndarray, sigma: float = BLUR_SIGMA) -> np.ndarray:
    """Gaussian blur of images (F, H, W) or (H, W) over the last two axes (edges repeated)."""
    x = np.asarray(images, np.float64)
    return gaussian_filter(x, sigma=(0,) * (x.ndim - 2) + (sigma, sigma), mode="nearest")


@dataclass
class FrameContext:
    """What the metrics of a chunk of frames need beyond pred and real (module doc)."""

    contours: Callable[[np.ndarray], np.ndarray] | None = None  # (F, H, W) -> (F, L, 2) px
    blur_mean: np.ndarray | None = None  # (H, W) blurred training-mean target, 8-bit scale
    blur_den: float = float("nan")  # mean over the evaluated frames of |blur(real) - m|^2
    true_contour: np.ndarray | None = None  # (F, K, 2) mm, the frames' true contours
    to_mm: Callable[[np.ndarray], np.ndarray] | None = None  # (F, L, 2) target px -> mm
    # id -> (images, contours) extracted in a chunk's context (`rows`); None: not kept
    _extracted: dict | None = field(default=None, init=False, repr=False, compare=False)

    def rows(self, part: slice) -> FrameContext:
        """The context of frames `part` of the evaluated frames, for one pass of the metrics
        over arrays that do not change: contours extracted there are kept for the metrics
        that follow (msd and contour_mm score the same predicted contours)."""
        true = None if self.true_contour is None else self.true_contour[part]
        out = replace(self, true_contour=true)
        out._extracted = {}
        return out

    def contours_of(self, images: np.ndarray) -> np.ndarray:
        """contours(images) (F, H, W) -> (F, L, 2); once per array in a chunk's context."""
        if self._extracted is None:
            return self.contours(images)
        hit = self._extracted.get(id(images))
        if hit is None or hit[0] is not images:  # the array is kept, so its id is not reused
            hit = self._extracted[id(images)] = (images, self.contours(images))
        return hit[1]


def r2_denominator(real: np.ndarray, blur_mean: np.ndarray) -> float:
    """Mean over frames of |blur(real_f) - blur_mean|^2 for images real (F, H, W)."""
    total = 0.0
    for c in range(0, len(real), 256):
        total += float(((blur(real[c:c + 256]) - blur_mean) ** 2).sum())
    return total / max(len(real), 1)


def gap_closed(sections: dict[str, dict]) -> None:
    """Add "gap_closed" to every section {name: {metric: {"mean", ...}}} that has
    r2_speckle_free, given the "train_mean" and "lip_oracle" sections among them (in place;
    nothing without a lip oracle)."""
    def r2(name: str):
        return ((sections.get(name) or {}).get("r2_speckle_free") or {}).get("mean")
    floor, top = r2("train_mean"), r2("lip_oracle")
    if floor is None or top is None or top <= floor:
        return
    for section in sections.values():
        value = section.get("r2_speckle_free")
        if value and value.get("mean") is not None:
            section["gap_closed"] = aggregate.gap_closed(
                value, sections["train_mean"]["r2_speckle_free"],
                sections["lip_oracle"]["r2_speckle_free"], higher_better=True, mean_only=True)


def _ssim(pred: np.ndarray, real: np.ndarray, ctx=None) -> np.ndarray:
    return np.array([ssim(a, b) for a, b in zip(pred, real)], np.float64)


def _cw_ssim(pred: np.ndarray, real: np.ndarray, ctx=None) -> np.ndarray:
    return np.array([cw_ssim(a, b) for a, b in zip(pred, real)], np.float64)


def _cw_ssim_pyssim(pred: np.ndarray, real: np.ndarray, ctx=None) -> np.ndarray:
    # pyssim scores 8-bit images: round as writing the frames out would
    return np.array([cw_ssim_pyssim(np.rint(a), np.rint(b)) for a, b in zip(pred, real)],
                    np.float64)


def _msd_images(pred: np.ndarray, real: np.ndarray, ctx: FrameContext) -> np.ndarray:
    return msd_frames(ctx.contours_of(pred), ctx.contours_of(real))


def _r2_speckle_free(pred: np.ndarray, real: np.ndarray, ctx: FrameContext) -> np.ndarray:
    err = ((blur(pred) - blur(real)) ** 2).sum((1, 2))  # (F,)
    return 1.0 - err / ctx.blur_den


def _contour_mm(pred: np.ndarray, real: np.ndarray, ctx: FrameContext) -> np.ndarray:
    if ctx.true_contour is None or ctx.to_mm is None:
        return np.full(len(pred), np.nan)  # no truth: not a talker corpus
    return msd_frames(ctx.to_mm(ctx.contours_of(pred)), ctx.true_contour)


def _msd_points(pred: np.ndarray, real: np.ndarray, ctx=None) -> np.ndarray:
    return msd_frames(pred, real)


def _point_error(pred: np.ndarray, real: np.ndarray, ctx=None) -> np.ndarray:
    return point_error_frames(pred, real)


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
    Metric("r2_speckle_free", _r2_speckle_free, "1 = perfect, 0 = training mean", True,
           "R^2 of Gaussian-blurred prediction vs blurred target over the evaluated frames",
           "R2 (blurred)", f"gaussian sigma {BLUR_SIGMA:g} target px, edges repeated"),
    Metric("contour_mm", _contour_mm, "mm", False, "MSD between the contour extracted from "
           "the prediction and the talker's true contour (talker corpora only)",
           "true-contour MSD (mm)"),
    Metric("gap_closed", None, "1 = lip oracle, 0 = training mean", True, "share of the "
           "r2_speckle_free gap from the training mean to the lip oracle closed (talker "
           "corpora only)", "gap closed"),
)
POINT_METRICS: tuple[Metric, ...] = (
    Metric("point_error", _point_error, "{length}", False,
           "mean Euclidean distance over the points present", "point error"),
    Metric("msd", _msd_points, "{length}", False, "mean sum of distances between the point "
           "sets", "MSD"),
)
METRICS: tuple[Metric, ...] = union(IMAGE_METRICS, POINT_METRICS)  # every name, table order
# the headline metric of a table and the reference rows its gap runs between (floor, ceiling)
GAP = ("r2_speckle_free", "train_mean", "lip_oracle")
