"""Reference rows of a lip2tongue evaluation, computed once per prepared dataset and cached.

- train_mean: every test frame predicted by the mean training target (per-pixel mean image, or
  per-point mean position); what a model that ignores the lips would score.
- nearest_neighbour: the target of the training clip whose lip frames are closest to the test
  clip's (L2 over the N frames downsampled to nn_size x nn_size, area interpolation, values in
  [0, 1]); up to eval.nn_max_clips training clips, evenly spread, are searched. A model should
  beat plain retrieval.

- ridge_lip_pixels, and on talker corpora lip_oracle and state_oracle: closed-form ridge maps
  (artimap.tasks.lip2tongue.baselines) from the clip's lip thumbnails, from the true lip
  parameters, from the true tongue state; the penalty is picked on the validation split.

All are scored exactly like a model (artimap.tasks.lip2tongue.scoring.score_frames) on the
same frames, with the same FrameContext (returned, so the model is scored with it too).
The cache lives in PREPARED/cache/ (or, when that is not writable, the run's eval/ folder),
keyed by everything the numbers depend on; a lock file makes parallel runs wait for the first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
from pathlib import Path

import numpy as np

from artimap.data.common import open_array
from artimap.data.lip2tongue.inputs import thumbnails
from artimap.data.lip2tongue.truth import has_truth, talker_truth
from artimap.fsutil import atomic_write_json
from artimap.metrics.aggregate import aggregate
from artimap.tasks.lip2tongue import metrics as declared
from artimap.tasks.lip2tongue.metrics import FrameContext
from artimap.tasks.lip2tongue.ridge_refs import ridge_references
from artimap.tasks.lip2tongue.scoring import (
    clip_subset,
    frame_context,
    raw_to_mm,
    save_npz,
    score_frames,
)

CACHE_VERSION = 2
NAMES = ("train_mean", "nearest_neighbour", "ridge_lip_pixels", "lip_oracle",
         "state_oracle")


def target_offset(ds) -> int:
    """Clip frame of the target of a last/centre dataset."""
    return ds.clip_len - 1 if ds.target_position == "last" else ds.clip_len // 2


def clip_rows(ds, index: np.ndarray) -> np.ndarray:
    """First array row of each clip `index` of `ds`: (F,) int64."""
    utts = ds.manifest["utterances"]
    rows = [int(utts[u]["offset"]) + s for u, s in (ds.locate(int(i)) for i in index)]
    return np.asarray(rows, np.int64)


def _key(cfg, ds, index: np.ndarray, split: str, mode: str) -> str:
    folder = Path(cfg.data).resolve()
    parts = {
        "version": CACHE_VERSION, "data": str(folder), "split": split,
        "manifest_mtime": (folder / "manifest.json").stat().st_mtime_ns,
        "clip_len": ds.clip_len, "position": ds.target_position, "contour": mode,
        "index": hashlib.sha1(np.ascontiguousarray(index).tobytes()).hexdigest(),
        "nn": [cfg.eval.nn_max_clips, cfg.eval.nn_size],
        "metrics": [m.name for m in declared.METRICS],  # a new metric is scored, not missing
    }
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _cache_dir(data: str, run_dir: Path) -> Path:
    folder = Path(data) / "cache"
    try:
        folder.mkdir(exist_ok=True)
        probe = folder / ".write-test"
        probe.touch()
        probe.unlink()
        return folder
    except OSError:
        fallback = run_dir / "eval"
        fallback.mkdir(parents=True, exist_ok=True)
        return fallback


@contextlib.contextmanager
def _lock(path: Path):
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def mean_target(data: str, train_rows: list[tuple[int, int]]) -> np.ndarray:
    """Mean training target over row ranges [lo, hi): (H_t, W_t) 0..255 or (K, 2) (NaN-aware)."""
    targets = open_array(data, "targets")
    total = np.zeros(targets.shape[1:], np.float64)
    count = np.zeros(targets.shape[1:], np.int64)
    for lo, hi in train_rows:
        for c in range(lo, hi, 512):
            t = np.asarray(targets[c:min(c + 512, hi)], np.float64)
            ok = np.isfinite(t)
            total += np.where(ok, t, 0.0).sum(0)
            count += ok.sum(0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(np.float32)


def lip_features(data: str, size: int) -> np.ndarray:
    """Every lip frame of the dataset downsampled to size x size: (F, size * size) float32."""
    frames = open_array(data, "frames")
    out = np.empty((len(frames), size * size), np.float32)
    for c in range(0, len(frames), 1024):
        chunk = np.asarray(frames[c:c + 1024])  # (F_c, S, S) uint8
        out[c:c + len(chunk)] = thumbnails(chunk, size)
    return out


def nearest_rows(feats: np.ndarray, query: np.ndarray, cand: np.ndarray, n: int) -> np.ndarray:
    """For clips starting at rows `query` (Q,), the candidate start row (from `cand` (C,)) with
    the smallest L2 distance over the n frames' features: (Q,) int64."""
    steps = np.arange(n)
    c = feats[cand[:, None] + steps].reshape(len(cand), -1)  # (C, n * s * s)
    c_sq = (c * c).sum(1)  # (C,)
    best = np.empty(len(query), np.int64)
    for lo in range(0, len(query), 256):
        q = feats[query[lo:lo + 256, None] + steps].reshape(-1, c.shape[1])  # (q, n * s * s)
        d = c_sq[None] - 2.0 * (q @ c.T)  # (q, C); |q|^2 is the same for every candidate
        best[lo:lo + len(q)] = cand[d.argmin(1)]
    return best


def _compute(cfg, ds, index: np.ndarray, split: str, mode: str, fan_image
             ) -> tuple[dict, dict, FrameContext]:
    """Reference metrics, arrays {"mean", "nn_rows" (F,), "rows" (F,) target rows} and the
    FrameContext of the evaluated frames."""
    from artimap.data.common import read_manifest
    from artimap.data.lip2tongue import Lip2TongueDataset

    at = target_offset(ds)
    rows = clip_rows(ds, index)  # (F,) first lip frame of each evaluated clip
    manifest, splits = read_manifest(cfg.data, "lip2tongue")
    train = Lip2TongueDataset(cfg.data, "train", ds.clip_len, ds.target_position)
    train_ids = set(splits["train"])
    ranges = [(u["offset"], u["offset"] + u["n_frames"]) for u in manifest["utterances"]
              if u["id"] in train_ids]
    mean = mean_target(cfg.data, ranges)
    feats = lip_features(cfg.data, cfg.eval.nn_size)
    cand = clip_rows(train, clip_subset(len(train), cfg.eval.nn_max_clips))
    nn = nearest_rows(feats, rows, cand, ds.clip_len) + at  # (F,) target rows
    targets = open_array(cfg.data, "targets")
    real = np.asarray(targets[rows + at], np.float32)
    utts = [manifest["utterances"][ds.locate(int(i))[0]]["id"] for i in index]
    truth = talker_truth(manifest) if has_truth(manifest) else None
    ctx = _context(manifest, mode, fan_image, real, mean, truth, rows + at)
    preds = {"train_mean": np.broadcast_to(mean, real.shape),
             "nearest_neighbour": np.asarray(targets[nn], np.float32)}
    about = {"train_mean": "mean training target for every frame",
             "nearest_neighbour": f"target of the training clip with the closest lip frames "
                                  f"({cfg.eval.nn_size}x{cfg.eval.nn_size} L2, {len(cand)} "
                                  "training clips searched)"}
    fits = ridge_references(cfg, ds, rows, feats, truth)
    for name, (pred, text) in fits.items():
        preds[name] = pred.reshape(real.shape).astype(np.float32)
        about[name] = text
    if real.ndim == 3 and real.shape[-1] != 2:  # images: clip as the models' outputs are
        preds = {k: np.clip(v, 0.0, 255.0) for k, v in preds.items()}
    metrics = {name: aggregate(score_frames(p, real, ctx), utts) for name, p in preds.items()}
    for name, text in about.items():
        metrics[name]["description"] = text
    return metrics, {"mean": mean, "nn_rows": nn, "rows": rows + at}, ctx


def _context(manifest: dict, mode: str, fan_image, real: np.ndarray, mean: np.ndarray,
             truth: dict | None, target_rows: np.ndarray) -> FrameContext:
    """The FrameContext of the evaluated frames (true contours only for raw talker images)."""
    true = to_mm = None
    settings = manifest["settings"]
    if truth is not None and settings["target"] == "image" and settings["ultrasound"] == "raw":
        param = manifest["utterances"][0]["files"]["param"]  # the talker has one probe
        true = raw_to_mm(param, None)(truth["contour_raw"][target_rows])
        to_mm = raw_to_mm(param, tuple(settings["target_size"]))
    return frame_context(mode, real, fan_image, mean, true, to_mm)


def references(cfg, ds, index: np.ndarray, split: str, mode: str, run_dir: Path,
               fan_image: dict | None) -> tuple[dict, dict, Path, FrameContext]:
    """(metrics of the references, arrays {"mean", "nn_rows", "rows"}, cache file, the
    FrameContext of the evaluated frames); metrics and arrays cached."""

    key = _key(cfg, ds, index, split, mode)
    folder = _cache_dir(cfg.data, Path(run_dir))
    js, npz = folder / f"l2t_refs_{key}.json", folder / f"l2t_refs_{key}.npz"
    with _lock(folder / f"l2t_refs_{key}.lock"):
        if js.is_file() and npz.is_file():
            with np.load(npz) as z:
                arrays = {k: z[k] for k in z.files}
            metrics = json.loads(js.read_text(encoding="utf-8"))["metrics"]
            return metrics, arrays, js, _cached_context(cfg, mode, fan_image, arrays)
        metrics, arrays, ctx = _compute(cfg, ds, index, split, mode, fan_image)
        save_npz(npz, **arrays)
        atomic_write_json(js, {"key": key, "split": split, "metrics": metrics})
    return metrics, arrays, js, ctx


def _cached_context(cfg, mode: str, fan_image, arrays: dict) -> FrameContext:
    from artimap.data.common import read_manifest

    manifest, _ = read_manifest(cfg.data, "lip2tongue")
    real = np.asarray(open_array(cfg.data, "targets")[arrays["rows"]], np.float32)
    truth = talker_truth(manifest) if has_truth(manifest) else None
    return _context(manifest, mode, fan_image, real, arrays["mean"], truth, arrays["rows"])


def mean_image_stats(cfg, manifest: dict, splits: dict, stats: dict) -> dict:
    """`stats` with target.mean_image (H_t, W_t) float32 in [0, 1], the training split's mean
    target image, when image targets are normalised per pixel; else `stats` unchanged."""
    if manifest["settings"]["target"] != "image" or cfg.target_norm != "pixel":
        return stats
    train = set(splits["train"])
    ranges = [(u["offset"], u["offset"] + u["n_frames"]) for u in manifest["utterances"]
              if u["id"] in train]
    image = mean_target(cfg.data, ranges) / np.float32(255.0)  # (H_t, W_t) 0..255 -> [0, 1]
    return {**stats, "target": {**stats["target"], "mean_image": image}}
