"""Per-frame scores of predicted vs real lip2tongue targets.

Images (F, H, W) on the 8-bit scale are scored with IMAGE_METRICS (msd between contours
extracted identically from the predicted and the real frame), points (F, K, 2) with
POINT_METRICS (both declared in artimap.tasks.lip2tongue.metrics); aggregation is
artimap.metrics.aggregate. Used by the evaluation of a run and by the reference rows alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.fsutil import atomic_path
from artimap.metrics.declare import units
from artimap.tasks.lip2tongue import metrics as declared

CHUNK = 256  # frames scored at a time


def clip_subset(n: int, max_frames: int) -> np.ndarray:
    """Indices of the clips evaluated: all, or `max_frames` evenly spread: (F,) int64."""
    if max_frames <= 0 or max_frames >= n:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, max_frames).round().astype(np.int64))


def contour_fn(mode: str, real: np.ndarray, fan_image: dict | None = None):
    """Contour extractor for images (F, H, W) -> points (F, L, 2) (x, y) pixels.

    mode "raw": one line per column (depth down the rows); "fan": rays from the apex of the
    fan along the exact geometry prepare recorded (`fan_image`, a `FanImage.to_dict()`), or,
    for datasets prepared without it, estimated once on `real` (F, H, W) (probe at the top, as
    prepare scan-converts); used unchanged for every image."""
    from artimap.ultrasound import contour
    from artimap.ultrasound.geometry import FanImage

    if mode == "raw":
        def raw(images: np.ndarray) -> np.ndarray:
            pts = contour.extract_raw(np.ascontiguousarray(images.transpose(0, 2, 1)))
            return pts  # (F, W, 2): (column, row) = (x, y)
        return raw
    if fan_image is not None:
        known = FanImage.from_dict(fan_image)
        mask = known.mask()
        return lambda images: contour.extract_fan(images, known, mask=mask)
    mask = contour.fan_mask(real)
    geo = contour.estimate_fan(real, probe="top", mask=mask)  # prepare draws the probe on top
    return lambda images: contour.extract_fan(images, geo, mask=mask)


def score_frames(pred: np.ndarray, real: np.ndarray, contours=None) -> dict[str, np.ndarray]:
    """Per-frame metrics of pred vs real: images (F, H, W) 0..255 (IMAGE_METRICS, `contours`
    the extractor) or points (F, K, 2) (POINT_METRICS) -> {name: (F,) float64}."""
    metrics = declared.POINT_METRICS if contours is None else declared.IMAGE_METRICS
    out: dict[str, list[np.ndarray]] = {m.name: [] for m in metrics}
    for c in range(0, len(pred), CHUNK):
        p, r = pred[c:c + CHUNK].astype(np.float64), real[c:c + CHUNK].astype(np.float64)
        for m in metrics:
            out[m.name].append(np.asarray(m.function(p, r, contours), np.float64))
    return {k: np.concatenate(v) if v else np.zeros(0) for k, v in out.items()}


def metric_units(meta_data: dict) -> dict[str, str]:
    """The unit of every metric of the run's target kind, from the checkpoint's data settings."""
    if meta_data["target"] != "image":
        return units(declared.POINT_METRICS, length=meta_data["target_units"])
    h, w = meta_data["target_size"]
    kind = ("raw scanline image: rows = echo depth, columns = scanlines"
            if meta_data["ultrasound"] == "raw" else "scan-converted fan image")
    return units(declared.IMAGE_METRICS, length=f"pixels of the {h}x{w} target image ({kind})")


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
