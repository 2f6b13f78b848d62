"""Evaluate a lip2tongue run: `artimap evaluate RUN_DIR [--split test]`.

Every clip of the split (or `eval.max_frames` clips evenly spread over it) is predicted with the
run's best checkpoint; each clip gives one predicted frame, the one the clip is aligned with
(target_position last/centre; for "all" the last output step, aligned with the clip's last lip
frame). Per frame, the metrics declared in artimap.tasks.lip2tongue.metrics; today, on 8-bit
images (0..255, as they would be written out):
  ssim            Gaussian window sigma 1.5 (11 x 11), data range 255 (artimap.metrics)
  cw_ssim         Sampat et al. complex steerable pyramid, coarsest level >= 7 px, K = 0
  cw_ssim_pyssim  pyssim 0.7.1's cw_ssim_value (width 30, k 0.01), the published numbers' kind
  msd             mean sum of distances between contours extracted by
                  artimap.ultrasound.contour, applied identically to the predicted and the
                  real frame: raw images are searched column by column (a column = a
                  scanline), fan images ray by ray from the apex estimated on the real
                  frames; in pixels of the target image
and for point targets: point_error (mean Euclidean distance over the K points present) and msd
between the point sets, in the prepared dataset's target units.

metrics.json: {"metrics": {name: {"mean", "std" (over frames), "per_utterance": {id: mean}}},
"references": {"train_mean": {...}, "nearest_neighbour": {...}}, "units", "settings",
"training", "n_frames", ...}; samples.npz keeps a few frames for the figures.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import DataLoader, Subset

from artimap.data.lip2tongue import Lip2TongueDataset
from artimap.errors import ArtimapError
from artimap.metrics.aggregate import aggregate
from artimap.metrics.declare import settings
from artimap.tasks import tables
from artimap.tasks.lip2tongue import metrics as declared
from artimap.tasks.lip2tongue.normalise import Normaliser
from artimap.tasks.lip2tongue.references import references
from artimap.tasks.lip2tongue.scoring import (
    clip_subset,
    metric_units,
    save_npz,
    score_frames,
)
from artimap.tasks.registry import read_run_config
from artimap.tasks.scaffold import LoadedRun, evaluate_with, load_for_evaluation


def eval_dataset(cfg, split: str):
    """The clips evaluated: `cfg`'s clip length; "all" runs are scored on the last frame."""

    position = "last" if cfg.target_position == "all" else cfg.target_position
    return Lip2TongueDataset(cfg.data, split, cfg.clip_len, position, stride=1)


def predict_clips(model, norm, ds, index: np.ndarray, batch_size: int, device) -> dict:
    """Model outputs for clips `index` of `ds`: {"pred", "real" (F, ...) in target units
    (images 0..255 float32), "utterance" (F,), "frame" (F,)} (frame within the utterance)."""

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


def predict_random_frames(run_dir: str | Path, n: int, seed: int, split: str = "test") -> dict:
    """The run's predictions of `n` random clips of `split` (the same clips for every run on
    the same data and clip length): `predict_clips`'s dict plus "utterance_id" (F,)."""
    run = load_for_evaluation(run_dir)
    meta = run.meta
    norm = Normaliser(meta["normalisation"], meta["normalise_inputs"], meta["normalise_target"])
    ds = eval_dataset(run.cfg, split)
    if len(ds) < n:
        raise ArtimapError(f"{run_dir}: split {split!r} has {len(ds)} clips, fewer than the "
                           f"{n} asked for; ask for fewer frames")
    index = np.sort(np.random.default_rng(seed).choice(len(ds), n, replace=False))
    got = predict_clips(run.model, norm, ds, index, run.cfg.eval.batch_size, run.device)
    got["utterance_id"] = np.array([ds.manifest["utterances"][u]["id"]
                                    for u in got["utterance"]])
    return got


def evaluate_run(run_dir: str | Path, split: str = "test", max_frames: int | None = None,
                 allow_other_data: bool = False, data: str | Path | None = None) -> dict:
    """Evaluate the run's best checkpoint on `split`; writes and returns eval/metrics.json.

    `max_frames` overrides the run's eval.max_frames (0 = every clip); `allow_other_data`
    scores a dataset other than the run's own, `data` another prepared folder
    (`evaluate_with`).
    """
    return evaluate_with("lip2tongue", run_dir, split, partial(_score, max_frames=max_frames),
                         allow_other_data, data)


def _score(run: LoadedRun, split: str, max_frames: int | None) -> dict[str, Any]:
    """The lip2tongue sections of metrics.json (see the module doc); writes samples.npz."""
    cfg, meta = run.cfg, run.meta
    if max_frames is not None:
        cfg.eval.max_frames = max_frames
    norm = Normaliser(meta["normalisation"], meta["normalise_inputs"], meta["normalise_target"])
    ds = eval_dataset(cfg, split)
    if len(ds) == 0:
        raise ArtimapError(f"{cfg.data}: split {split!r} has no clip of {cfg.clip_len} frames")
    index = clip_subset(len(ds), cfg.eval.max_frames)
    got = predict_clips(run.model, norm, ds, index, cfg.eval.batch_size, run.device)
    utts = [ds.manifest["utterances"][u]["id"] for u in got["utterance"]]
    got["utterance_id"] = utts
    mode = _contour_mode(cfg, meta["data"])
    refs, ref_arrays, cache, ctx = references(cfg, ds, index, split, mode, run.dir,
                                              meta["data"].get("fan_image"))
    sample_frames(run.dir / "eval" / "samples.npz", cfg, ds.prepared, got, ref_arrays, ctx)
    save_track(run.dir / "eval" / "track.npz", ds.manifest, got, ctx)
    scored = aggregate(score_frames(got["pred"], got["real"], ctx), utts)
    declared.gap_closed({"model": scored, **refs})
    return {
        "n_frames": len(index), "n_clips_in_split": len(ds), "n_utterances": len(set(utts)),
        "units": metric_units(meta["data"]),
        "settings": {"contour": mode, **_settings_of(cfg), "references_cache": str(cache)},
        "metrics": scored,
        "references": refs,
    }


def tongue_height(real: np.ndarray, ctx) -> np.ndarray | None:
    """A tongue-position proxy per real image (F, H, W): the mean depth (row) of the contour
    extracted from it, (F,) with NaN where none was found; None for point targets."""
    if ctx is None or ctx.contours is None:
        return None
    depth = np.full(len(real), np.nan)
    for c in range(0, len(real), 256):
        pts = ctx.contours(real[c:c + 256].astype(np.float64))  # (F_c, L, 2)
        with np.errstate(all="ignore"):
            depth[c:c + len(pts)] = np.nanmean(pts[..., 1], axis=1)
    return depth


def spread_pick(height: np.ndarray | None, n: int, k: int) -> np.ndarray:
    """k of n frames: evenly spread over the quantiles of `height` (F,) (the tongue's range,
    from high to low), or random (seed 0) without heights: (k,) int64 sorted."""
    k = min(k, n)
    ok = np.flatnonzero(np.isfinite(height)) if height is not None else np.zeros(0, np.int64)
    if len(ok) < k:
        return np.sort(np.random.default_rng(0).choice(n, k, replace=False))
    order = ok[np.argsort(height[ok], kind="stable")]
    return np.sort(np.unique(order[np.linspace(0, len(order) - 1, k).round().astype(int)]))


def save_track(path: Path, manifest: dict, got: dict, ctx) -> None:
    """The tongue-height proxy (`tongue_height`) of the real and the predicted frames over the
    evaluated frames of one whole test utterance (the one with most of them), for the track
    figure: time (T,) s on the utterance's clock, real, pred (T,), utterance_id, labels (the
    TextGrid beside its lip video, if any). Nothing for point targets."""
    if ctx is None or ctx.contours is None or not len(got["pred"]):
        return
    utt = int(np.bincount(got["utterance"]).argmax())
    rows = np.flatnonzero(got["utterance"] == utt)
    entry = manifest["utterances"][utt]
    start = float(entry["sync"].get("span_s", [0.0])[0])
    fps = float(manifest["settings"]["fps"])
    save_npz(path, time=start + got["frame"][rows] / fps, utterance_id=np.array(entry["id"]),
             real=tongue_height(got["real"][rows], ctx),
             pred=tongue_height(got["pred"][rows], ctx),
             labels=np.array(str(Path(entry["files"]["lips"]).with_suffix(".TextGrid"))))


def sample_frames(path: Path, cfg, prepared, got: dict, refs: dict, ctx=None) -> None:
    """Save eval.n_samples evaluated frames spread over the tongue's range (`spread_pick`; the
    same ones for every run on the same data and settings) for the figures: real, pred,
    nearest_neighbour (S, ...), train_mean, lips (S, H, W) (the lip frame aligned with the
    target), utterance, frame (S,)."""
    n = len(got["pred"])
    pick = spread_pick(tongue_height(got["real"], ctx), n, cfg.eval.n_samples)
    targets, frames = prepared.array("targets"), prepared.array("frames")
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
            "target_position": cfg.target_position, **settings(declared.METRICS)}


def result_columns() -> list[str]:
    """The results.csv columns: config, seed, every declared metric, best_epoch,
    train_seconds."""
    return tables.result_columns(declared.METRICS)


def result_row(run_dir: str | Path, metrics: dict) -> dict:
    """One results.csv row (`result_columns`) of an evaluated run."""

    exp = read_run_config(run_dir)["experiment"]
    return tables.result_row(declared.METRICS, metrics, exp["name"], exp["train"]["seed"])
