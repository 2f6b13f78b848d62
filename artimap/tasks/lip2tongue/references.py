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

from artimap.data.lip2tongue.clips import ClipIndex
from artimap.data.lip2tongue.inputs import thumbnails
from artimap.data.lip2tongue.normalise import training_mean_target
from artimap.data.lip2tongue.truth import has_truth, talker_truth
from artimap.data.prepared import Prepared
from artimap.fsutil import atomic_write_json
from artimap.metrics.aggregate import aggregate
from artimap.tasks.lip2tongue import metrics as declared
from artimap.tasks.lip2tongue.metrics import FrameContext
from artimap.tasks.lip2tongue.ridge_refs import ridge_references
from artimap.tasks.lip2tongue.scoring import clip_subset, frame_context, save_npz, score_frames
from artimap.ultrasound.target import raw_to_mm

CACHE_VERSION = 2
NAMES = ("train_mean", "nearest_neighbour", "ridge_lip_pixels", "lip_oracle",
         "state_oracle")


def _key(cfg, prepared: Prepared, clips: ClipIndex, index: np.ndarray, split: str,
         mode: str) -> str:
    parts = {
        "version": CACHE_VERSION, "data": prepared.fingerprint, "split": split,
        "clip_len": clips.clip_len, "position": clips.position, "contour": mode,
        "index": hashlib.sha1(np.ascontiguousarray(index).tobytes()).hexdigest(),
        "nn": [cfg.eval.nn_max_clips, cfg.eval.nn_size],
        "metrics": [m.name for m in declared.METRICS],  # a new metric is scored, not missing
    }
    return hashlib.sha1(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def _cache_dir(data: Path, run_dir: Path) -> Path:
    folder = data / "cache"
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


def lip_features(prepared: Prepared, size: int) -> np.ndarray:
    """Every lip frame of the dataset downsampled to size x size: (F, size * size) float32."""
    frames = prepared.array("frames")
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


def _compute(cfg, ds, index: np.ndarray, mode: str, fan_image
             ) -> tuple[dict, dict, FrameContext]:
    """Reference metrics, arrays {"mean", "nn_rows" (F,), "rows" (F,) target rows} and the
    FrameContext of the evaluated frames."""
    prepared, clips = ds.prepared, ds.clips
    rows = clips.first_rows(index)  # (F,) first lip frame of each evaluated clip
    at = clips.target_rows(index)  # (F,) their target rows
    train = ClipIndex(prepared, "train", clips.clip_len, clips.position)
    mean = training_mean_target(prepared)
    feats = lip_features(prepared, cfg.eval.nn_size)
    cand = train.first_rows(clip_subset(len(train), cfg.eval.nn_max_clips))
    nn = nearest_rows(feats, rows, cand, clips.clip_len) + clips.offset  # (F,) target rows
    targets = prepared.array("targets")
    real = np.asarray(targets[at], np.float32)
    utts = [clips.locate(int(i))[0].id for i in index]
    truth = talker_truth(prepared) if has_truth(prepared) else None
    ctx = _context(prepared, mode, fan_image, real, mean, truth, at)
    preds = {"train_mean": np.broadcast_to(mean, real.shape),
             "nearest_neighbour": np.asarray(targets[nn], np.float32)}
    about = {"train_mean": "mean training target for every frame",
             "nearest_neighbour": f"target of the training clip with the closest lip frames "
                                  f"({cfg.eval.nn_size}x{cfg.eval.nn_size} L2, {len(cand)} "
                                  "training clips searched)"}
    fits = ridge_references(prepared, clips, rows, feats, truth)
    for name, (pred, text) in fits.items():
        preds[name] = pred.reshape(real.shape).astype(np.float32)
        about[name] = text
    if real.ndim == 3 and real.shape[-1] != 2:  # images: clip as the models' outputs are
        preds = {k: np.clip(v, 0.0, 255.0) for k, v in preds.items()}
    metrics = {name: aggregate(score_frames(p, real, ctx), utts) for name, p in preds.items()}
    for name, text in about.items():
        metrics[name]["description"] = text
    return metrics, {"mean": mean, "nn_rows": nn, "rows": at}, ctx


def _context(prepared: Prepared, mode: str, fan_image, real: np.ndarray, mean: np.ndarray,
             truth: dict | None, target_rows: np.ndarray) -> FrameContext:
    """The FrameContext of the evaluated frames (true contours only for raw talker images)."""
    true = to_mm = None
    settings = prepared.settings
    if truth is not None and settings["target"] == "image" and settings["ultrasound"] == "raw":
        param = prepared.entries[0].raw["files"]["param"]  # the talker has one probe
        true = raw_to_mm(param, None)(truth["contour_raw"][target_rows])
        to_mm = raw_to_mm(param, tuple(settings["target_size"]))
    return frame_context(mode, real, fan_image, mean, true, to_mm)


def references(cfg, ds, index: np.ndarray, split: str, mode: str, run_dir: Path,
               fan_image: dict | None) -> tuple[dict, dict, Path, FrameContext]:
    """(metrics of the references, arrays {"mean", "nn_rows", "rows"}, cache file, the
    FrameContext of the evaluated frames); metrics and arrays cached."""

    key = _key(cfg, ds.prepared, ds.clips, index, split, mode)
    folder = _cache_dir(ds.prepared.folder, Path(run_dir))
    js, npz = folder / f"l2t_refs_{key}.json", folder / f"l2t_refs_{key}.npz"
    with _lock(folder / f"l2t_refs_{key}.lock"):
        if js.is_file() and npz.is_file():
            with np.load(npz) as z:
                arrays = {k: z[k] for k in z.files}
            metrics = json.loads(js.read_text(encoding="utf-8"))["metrics"]
            return metrics, arrays, js, _cached_context(ds.prepared, mode, fan_image, arrays)
        metrics, arrays, ctx = _compute(cfg, ds, index, mode, fan_image)
        save_npz(npz, **arrays)
        atomic_write_json(js, {"key": key, "split": split, "metrics": metrics})
    return metrics, arrays, js, ctx


def _cached_context(prepared: Prepared, mode: str, fan_image, arrays: dict) -> FrameContext:
    real = np.asarray(prepared.array("targets")[arrays["rows"]], np.float32)
    truth = talker_truth(prepared) if has_truth(prepared) else None
    return _context(prepared, mode, fan_image, real, arrays["mean"], truth, arrays["rows"])
