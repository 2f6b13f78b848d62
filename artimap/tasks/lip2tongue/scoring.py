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
from artimap.ultrasound.target import contour_fn

CHUNK = 256  # frames scored at a time


def clip_subset(n: int, max_frames: int) -> np.ndarray:
    """Indices of the clips evaluated: all, or `max_frames` evenly spread: (F,) int64."""
    if max_frames <= 0 or max_frames >= n:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, max_frames).round().astype(np.int64))


def frame_context(mode: str, real: np.ndarray, fan_image: dict | None, mean: np.ndarray,
                  truth: np.ndarray | None = None, to_mm=None) -> declared.FrameContext:
    """The FrameContext of the evaluated frames: image targets real (F, H, W) 0..255 with the
    training mean `mean` (H, W) 0..255 and, on talker corpora, the true contours `truth`
    (F, K, 2) mm and the pixel -> mm map `to_mm`; points targets get an empty context."""
    if real.ndim != 3 or real.shape[-1] == 2:
        return declared.FrameContext()
    m = declared.blur(mean)
    return declared.FrameContext(contour_fn(mode, real, fan_image), m,
                                 declared.r2_denominator(real, m), truth, to_mm)


def score_frames(pred: np.ndarray, real: np.ndarray, ctx: declared.FrameContext | None = None
                 ) -> dict[str, np.ndarray]:
    """Per-frame metrics of pred vs real: images (F, H, W) 0..255 (IMAGE_METRICS, `ctx` from
    `frame_context`) or points (F, K, 2) (POINT_METRICS) -> {name: (F,) float64}."""
    ctx = ctx or declared.FrameContext()
    metrics = declared.POINT_METRICS if ctx.contours is None else declared.IMAGE_METRICS
    metrics = tuple(m for m in metrics if m.function is not None)  # the rest come later
    out: dict[str, list[np.ndarray]] = {m.name: [] for m in metrics}
    for c in range(0, len(pred), CHUNK):
        p, r = pred[c:c + CHUNK].astype(np.float64), real[c:c + CHUNK].astype(np.float64)
        part = ctx.rows(slice(c, c + CHUNK))
        for m in metrics:
            out[m.name].append(np.asarray(m.function(p, r, part), np.float64))
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
