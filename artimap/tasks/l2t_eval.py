"""Evaluate a lip2tongue run: `artimap evaluate RUN_DIR [--split test]`.

Every clip of the split (or `eval.max_frames` clips evenly spread over it) is predicted with the
run's best checkpoint; each clip gives one predicted frame, the one the clip is aligned with
(target_position last/centre; for "all" the last output step, aligned with the clip's last lip
frame). Per frame, on 8-bit images (0..255, as they would be written out):

  ssim            Gaussian window sigma 1.5 (11 x 11), data range 255 (artimap.metrics.ssim)
  cw_ssim         Sampat et al. complex steerable pyramid, coarsest level >= 7 px, K = 0
  cw_ssim_pyssim  pyssim 0.7.1's cw_ssim_value (width 30, k 0.01), the published numbers' kind
  msd             mean sum of distances between contours extracted by artimap.contour, applied
                  identically to the predicted and the real frame: raw images are searched
                  column by column (a column = a scanline), fan images ray by ray from the apex
                  estimated on the real frames; in pixels of the target image
and for point targets: point_error (mean Euclidean distance over the K points present) and msd
between the point sets, in the prepared dataset's target units.

metrics.json: {"metrics": {name: {"mean", "std" (over frames), "per_utterance": {id: mean}}},
"references": {"train_mean": {...}, "nearest_neighbour": {...}}, "units", "settings",
"training", "n_frames", ...}; samples.npz keeps a few frames for the figures.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from artimap.errors import ArtimapError
from artimap.evaluate import metrics_path
from artimap.fsutil import atomic_path, atomic_write_json
from artimap.rundir import training_summary

IMAGE_METRICS = ("ssim", "cw_ssim", "cw_ssim_pyssim", "msd")
POINT_METRICS = ("point_error", "msd")
CHUNK = 256  # frames scored at a time


def clip_subset(n: int, max_frames: int) -> np.ndarray:
    """Indices of the clips evaluated: all, or `max_frames` evenly spread: (F,) int64."""
    if max_frames <= 0 or max_frames >= n:
        return np.arange(n, dtype=np.int64)
    return np.unique(np.linspace(0, n - 1, max_frames).round().astype(np.int64))


def eval_dataset(cfg, split: str):
    """The clips evaluated: `cfg`'s clip length; "all" runs are scored on the last frame."""
    from artimap.data.lip2tongue import Lip2TongueDataset

    position = "last" if cfg.target_position == "all" else cfg.target_position
    return Lip2TongueDataset(cfg.data, split, cfg.clip_len, position, stride=1)


def predict_clips(model, norm, ds, index: np.ndarray, batch_size: int, device) -> dict:
    """Model outputs for clips `index` of `ds`: {"pred", "real" (F, ...) in target units
    (images 0..255 float32), "utterance" (F,), "frame" (F,)} (frame within the utterance)."""
    import torch
    from torch.utils.data import DataLoader, Subset

    loader = DataLoader(Subset(ds, index.tolist()), batch_size=batch_size, shuffle=False)
    image = ds.manifest["settings"]["target"] == "image"
    out: dict[str, list] = {"pred": [], "real": [], "utterance": [], "frame": []}
    with torch.inference_mode():
        for batch in loader:
            frames, flow = norm.inputs(batch["frames"].to(device), batch["flow"].to(device))
            y = norm.untarget(model(frames, flow).float())
            if y.dim() == batch["target"].dim() + 1:  # target_position all: (B, S, ...)
                y = y[:, -1]
            y, real = y.cpu().numpy(), batch["target"].numpy()
            if image:
                y, real = np.clip(y, 0.0, 1.0) * 255.0, real * 255.0
            out["pred"].append(y.astype(np.float32))
            out["real"].append(real.astype(np.float32))
            out["utterance"].append(batch["utterance"].numpy())
            out["frame"].append(batch["frame"].numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


def contour_fn(mode: str, real: np.ndarray):
    """Contour extractor for images (F, H, W) -> points (F, L, 2) (x, y) pixels.

    mode "raw": one line per column (depth down the rows); "fan": rays from the apex of the
    fan (probe at the top, as prepare scan-converts) estimated once on `real` (F, H, W), used
    unchanged for every image."""
    from artimap import contour

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
    from artimap.metrics import msd

    out = np.full(len(a), np.nan)
    for i, (u, v) in enumerate(zip(a, b)):
        if np.isfinite(u).all(1).any() and np.isfinite(v).all(1).any():
            out[i] = msd(u, v)
    return out


def score_frames(pred: np.ndarray, real: np.ndarray, contours=None) -> dict[str, np.ndarray]:
    """Per-frame metrics of pred vs real: images (F, H, W) 0..255 (IMAGE_METRICS, `contours`
    the extractor) or points (F, K, 2) (POINT_METRICS) -> {name: (F,) float64}."""
    from artimap.metrics import cw_ssim, cw_ssim_pyssim, ssim

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


def _units(meta_data: dict) -> dict[str, str]:
    if meta_data["target"] != "image":
        unit = meta_data["target_units"]
        return {"point_error": unit, "msd": unit}
    h, w = meta_data["target_size"]
    kind = ("raw scanline image: rows = echo depth, columns = scanlines"
            if meta_data["ultrasound"] == "raw" else "scan-converted fan image")
    return {"msd": f"pixels of the {h}x{w} target image ({kind})",
            "ssim": "1 = identical", "cw_ssim": "1 = identical", "cw_ssim_pyssim": "1 = identical"}


def evaluate_run(run_dir: str | Path, split: str = "test", max_frames: int | None = None
                 ) -> dict:
    """Evaluate the run's best checkpoint on `split`; writes and returns eval/metrics.json.

    `max_frames` overrides the run's eval.max_frames (0 = every clip).
    """
    import torch

    from artimap.models import load_model
    from artimap.tasks import best_checkpoint, load_run
    from artimap.tasks.l2t_refs import references
    from artimap.tasks.lip2tongue import Normaliser

    t0 = time.perf_counter()
    run_dir = Path(run_dir)
    _, cfg = load_run(run_dir)
    if max_frames is not None:
        cfg.eval.max_frames = max_frames
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    ckpt = best_checkpoint(run_dir)
    model, meta = load_model(ckpt, device)
    norm = Normaliser(meta["normalisation"], meta["normalise_inputs"], meta["normalise_target"])
    ds = eval_dataset(cfg, split)
    if len(ds) == 0:
        raise ArtimapError(f"{cfg.data}: split {split!r} has no clip of {cfg.clip_len} frames")
    index = clip_subset(len(ds), cfg.eval.max_frames)
    got = predict_clips(model, norm, ds, index, cfg.eval.batch_size, device)
    utts = [ds.manifest["utterances"][u]["id"] for u in got["utterance"]]
    got["utterance_id"] = utts
    mode = _contour_mode(cfg, meta["data"])
    contours = contour_fn(mode, got["real"]) if meta["data"]["target"] == "image" else None
    refs, ref_arrays, cache = references(cfg, ds, index, split, mode, run_dir, contours)
    result = {
        "task": "lip2tongue", "run": str(run_dir), "checkpoint": ckpt.name, "split": split,
        "n_frames": len(index), "n_clips_in_split": len(ds), "n_utterances": len(set(utts)),
        "units": _units(meta["data"]),
        "settings": {"contour": mode, **_settings_of(cfg), "references_cache": str(cache)},
        "training": training_summary(run_dir, meta.get("state", {})),
        "metrics": aggregate(score_frames(got["pred"], got["real"], contours), utts),
        "references": refs,
    }
    sample_frames(run_dir / "eval" / "samples.npz", cfg, got, ref_arrays)
    result["seconds"] = round(time.perf_counter() - t0, 3)
    atomic_write_json(metrics_path(run_dir, split), result)
    return result


def sample_frames(path: Path, cfg, got: dict, refs: dict) -> None:
    """Save eval.n_samples random evaluated frames (the same ones for every run on the same
    data and settings) for the figures: real, pred, nearest_neighbour (S, ...), train_mean,
    lips (S, H, W) (the lip frame aligned with the target), utterance, frame (S,)."""
    from artimap.data.common import open_array

    n = len(got["pred"])
    pick = np.sort(np.random.default_rng(0).choice(n, min(cfg.eval.n_samples, n), replace=False))
    targets, frames = open_array(cfg.data, "targets"), open_array(cfg.data, "frames")
    rows = refs["rows"][pick]
    ids = np.asarray(got["utterance_id"])[pick]
    save_npz(path, real=got["real"][pick], pred=got["pred"][pick], utterance_id=ids,
             nearest_neighbour=np.asarray(targets[refs["nn_rows"][pick]], np.float32),
             train_mean=refs["mean"], lips=np.asarray(frames[rows]),
             utterance=got["utterance"][pick], frame=got["frame"][pick], pick=pick)


def _contour_mode(cfg, data: dict) -> str:
    if cfg.eval.contour != "auto":
        return cfg.eval.contour
    return "fan" if data.get("ultrasound") == "fan" else "raw"


def _settings_of(cfg) -> dict[str, Any]:
    return {"max_frames": cfg.eval.max_frames, "clip_len": cfg.clip_len,
            "target_position": cfg.target_position,
            "ssim": "gaussian sigma 1.5, data_range 255", "cw_ssim": "level auto, 4 orientations, "
            "7x7 windows, K 0", "cw_ssim_pyssim": "width 30, k 0.01"}


def result_row(run_dir: str | Path, metrics: dict) -> dict:
    """One results.csv row: config, seed, metric means, best_epoch, train_seconds."""
    from artimap.tasks import read_run_config

    exp = read_run_config(run_dir)["experiment"]
    row: dict[str, Any] = {"config": exp["name"], "seed": exp["train"]["seed"]}
    for name in ("ssim", "cw_ssim", "cw_ssim_pyssim", "msd", "point_error"):
        row[name] = metrics["metrics"].get(name, {}).get("mean")
    row["best_epoch"] = metrics["training"]["best_epoch"]
    row["train_seconds"] = metrics["training"]["train_seconds"]
    return row


def save_npz(path: Path, **arrays: np.ndarray) -> None:
    """np.savez_compressed, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, **arrays)
