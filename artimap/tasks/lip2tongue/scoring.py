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


def raw_to_mm(param_file: str, target_size: tuple[int, int] | None):
    """Map (F, L, 2) (x, y) pixels of the raw-scanline target image (H_t rows of depth, W_t
    scanline columns, resized from the .ult frame by area; `target_size` (H_t, W_t), or None
    for (scanline, sample) of the .ult frame itself) to (F, L, 2) mm in the midsagittal plane
    of the probe described by `param_file` (artimap.ultrasound.geometry)."""
    from artimap.io.ult import read_param
    from artimap.ultrasound.geometry import ProbeGeometry

    geo = ProbeGeometry.from_params(read_param(param_file))
    h, w = target_size or (geo.pix_per_vector, geo.num_vectors)

    def to_mm(pts: np.ndarray) -> np.ndarray:
        # pixel centres: target pixel i covers raw [i, i + 1) * (raw / target) (area resize)
        line = (pts[..., 0] + 0.5) * geo.num_vectors / w - 0.5
        sample = (pts[..., 1] + 0.5) * geo.pix_per_vector / h - 0.5
        return np.stack(geo.raw_to_mm(line, sample), axis=-1)
    return to_mm


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
