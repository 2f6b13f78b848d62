"""Per-frame scores of predicted vs real lip2tongue targets, and their aggregation.

Images (F, H, W) on the 8-bit scale: ssim, cw_ssim, cw_ssim_pyssim and msd between contours
extracted identically from the predicted and the real frame; points (F, K, 2): point_error and
msd. Used by the evaluation of a run and by the reference rows alike.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.fsutil import atomic_path

IMAGE_METRICS = ("ssim", "cw_ssim", "cw_ssim_pyssim", "msd")
POINT_METRICS = ("point_error", "msd")
CHUNK = 256  # frames scored at a time


def clip_subset(n: int, max_frames: int) -> np.ndarray:
    """Indices of the clips evaluated: all, or `max_frames` evenly spread: (F,) int64."""
    if max_frames <= 0 or max_frames >= n:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, max_frames).round().astype(np.int64))


def contour_fn(mode: str, real: np.ndarray):
    """Contour extractor for images (F, H, W) -> points (F, L, 2) (x, y) pixels.

    mode "raw": one line per column (depth down the rows); "fan": rays from the apex of the
    fan (probe at the top, as prepare scan-converts) estimated once on `real` (F, H, W), used
    unchanged for every image."""
    from artimap.ultrasound import contour

    if mode == "raw":
        def raw(images: np.ndarray) -> np.ndarray:
            pts = contour.extract_raw(np.ascontiguousarray(images.transpose(0, 2, 1)))
            return pts  # (F, W, 2): (column, row) = (x, y)
        return raw
    mask = contour.fan_mask(real)
    geo = contour.estimate_fan(real, probe="top", mask=mask)  # prepare draws the probe on top
    return lambda images: contour.extract_fan(images, geo, mask=mask)


def _msd_frames(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """MSD per frame of point sets a, b (F, K, 2); NaN where either has no finite point."""
    from artimap.metrics.contour import msd

    out = np.full(len(a), np.nan)
    for i, (u, v) in enumerate(zip(a, b)):
        if np.isfinite(u).all(1).any() and np.isfinite(v).all(1).any():
            out[i] = msd(u, v)
    return out


def score_frames(pred: np.ndarray, real: np.ndarray, contours=None) -> dict[str, np.ndarray]:
    """Per-frame metrics of pred vs real: images (F, H, W) 0..255 (IMAGE_METRICS, `contours`
    the extractor) or points (F, K, 2) (POINT_METRICS) -> {name: (F,) float64}."""
    from artimap.metrics.cw_ssim import cw_ssim, cw_ssim_pyssim
    from artimap.metrics.image import ssim

    if contours is None:  # points
        d = np.linalg.norm(pred.astype(np.float64) - real, axis=-1)  # (F, K)
        ok = np.isfinite(d)
        err = np.where(ok.any(1), np.nansum(d, 1) / np.maximum(ok.sum(1), 1), np.nan)
        return {"point_error": err, "msd": _msd_frames(pred, real)}
    out: dict[str, list] = {k: [] for k in IMAGE_METRICS}
    for c in range(0, len(pred), CHUNK):
        p, r = pred[c:c + CHUNK].astype(np.float64), real[c:c + CHUNK].astype(np.float64)
        out["ssim"].extend(ssim(a, b) for a, b in zip(p, r))
        out["cw_ssim"].extend(cw_ssim(a, b) for a, b in zip(p, r))
        out["cw_ssim_pyssim"].extend(cw_ssim_pyssim(np.rint(a), np.rint(b)) for a, b in zip(p, r))
        out["msd"].extend(_msd_frames(contours(p), contours(r)))
    return {k: np.asarray(v, np.float64) for k, v in out.items()}


def aggregate(per_frame: dict[str, np.ndarray], utt_ids: list[str]) -> dict[str, dict]:
    """{name: {"mean", "std", "n_frames", "n_missing", "per_utterance"}} (NaN-aware)."""
    ids = np.asarray(utt_ids)
    out = {}
    for name, v in per_frame.items():
        ok = np.isfinite(v)
        per_utt = {u: _num(np.nanmean(v[ids == u])) if ok[ids == u].any() else None
                   for u in dict.fromkeys(utt_ids)}
        out[name] = {"mean": _num(np.nanmean(v)) if ok.any() else None,
                     "std": _num(np.nanstd(v)) if ok.any() else None,
                     "n_frames": int(ok.sum()), "n_missing": int((~ok).sum()),
                     "per_utterance": per_utt}
    return out


def _num(x: float) -> float:
    return round(float(x), 6)


def metric_units(meta_data: dict) -> dict[str, str]:
    """The unit of every metric, from the checkpoint's data settings."""
    if meta_data["target"] != "image":
        unit = meta_data["target_units"]
        return {"point_error": unit, "msd": unit}
    h, w = meta_data["target_size"]
    kind = ("raw scanline image: rows = echo depth, columns = scanlines"
            if meta_data["ultrasound"] == "raw" else "scan-converted fan image")
    return {"msd": f"pixels of the {h}x{w} target image ({kind})",
            "ssim": "1 = identical", "cw_ssim": "1 = identical", "cw_ssim_pyssim": "1 = identical"}


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
