"""lip2tongue: predict ultrasound tongue images (or tongue points) from clips of lip video.

One training run = one `ExperimentConfig` (a row of the paper's Table 2 or 3). `make_task`
builds the `artimap.train.Task`: the registry model, clips of the prepared dataset's train and
val splits (`Lip2TongueDataset`), and an MSE loss on standardised targets. The data decide the
model's input and output sizes (clip length, crop size, target size or number of points), so
a row config states only the model's own choices (attention, flow, widths).

Normalisation: lip frames (B, N, 1, H, W) in [0, 1] and flow (B, N-1, 2, H, W) in pixels are
standardised with the training-split statistics of the prepared dataset (stats.json; frames one
scalar, flow per channel); points (B, K, 2) likewise, per point and coordinate. Image targets
(B, H_t, W_t) in [0, 1] lose the training mean image, pixel by pixel (`target_norm` "pixel", the
default), and are divided by the one scalar std: a zero output is the mean image, so the network
learns only how a frame departs from it (with one scalar mean, `target_norm` "scalar", the output
layer must first build the whole mean image from its bias, which takes Adam thousands of
steps). The output layer starts at zero (`zero_output`), so an untrained model predicts the
training mean. The statistics (with the mean image) and the data settings go into every
checkpoint (`meta`), so evaluation and prediction need only the run directory.
"""

from __future__ import annotations

import importlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from artimap.errors import ArtimapError
from artimap.train import TrainConfig

TASK = "lip2tongue"
# Tiny presets of the registry models (`tiny: true`), as "module:CONSTANT".
TINY = {
    "lip2tongue_ts_cnn_lstm": "artimap.models.ts_cnn_lstm:TINY_TS_CNN_LSTM",
    "lip2tongue_convlstm": "artimap.models.convlstm:TINY_CONVLSTM",
}
RESULT_COLUMNS = ["config", "seed", "ssim", "cw_ssim", "cw_ssim_pyssim", "msd", "point_error",
                  "best_epoch", "train_seconds"]


@dataclass
class EvalConfig:
    """Settings of `artimap evaluate` for lip2tongue runs."""

    max_frames: int = 0  # evaluate at most this many test frames, evenly spread (0 = all)
    batch_size: int = 64  # clips per forward pass
    contour: Literal["auto", "raw", "fan"] = "auto"  # extractor; auto: from the prepare settings
    nn_max_clips: int = 20000  # training clips searched by the nearest-neighbour reference
    nn_size: int = 12  # side of the downsampled lip frames the nearest-neighbour search compares
    n_samples: int = 8  # random test frames kept in eval/samples.npz (the figures' frames)


def _paper_train() -> TrainConfig:
    return TrainConfig(lr=1e-4, batch_size=32, epochs=100, patience=5)


@dataclass
class ExperimentConfig:
    """One lip2tongue training run."""

    task: str = TASK  # must be "lip2tongue"
    name: str = "ts_cnn_lstm_att"  # row name (a line of Table 2 / 3)
    data: str = "prepared/lip2tongue"  # prepared dataset folder (`artimap prepare lip2tongue`)
    model: str = "lip2tongue_ts_cnn_lstm"  # registry name in artimap.models.MODELS
    model_config: dict[str, Any] = field(default_factory=dict)  # builder values (not data sizes)
    model_scale: dict[str, dict[str, Any]] = field(default_factory=dict)  # registry model ->
    #   builder values over model_config, for experiment `scale:` lists whose rows use models
    #   with different keys (e.g. model_scale.lip2tongue_convlstm.hidden=[8,8,4])
    train: TrainConfig = field(default_factory=_paper_train)  # loop settings (paper: Adam 1e-4)
    clip_len: int = 7  # N lip frames per clip (and N-1 flow fields)
    target_position: Literal["last", "centre", "all"] = "last"  # ultrasound frame(s) predicted
    stride: int = 1  # training and validation clips start every `stride` frames
    max_train_clips: int = 0  # random subset of training clips, drawn per seed (0 = all)
    max_val_clips: int = 0  # validate on this many clips evenly spread over val (0 = all)
    normalise_inputs: bool = True  # standardise frames and flow with the training statistics
    normalise_target: bool = True  # loss on standardised targets (else [0, 1] images / raw points)
    target_norm: Literal["pixel", "scalar"] = "pixel"  # image targets: subtract the mean image or
    #   one scalar mean (module doc); points are always per point and coordinate
    zero_output: bool = True  # output layer starts at zero: an untrained model predicts the
    #   training mean (with normalise_target), the first steps need not unlearn random outputs
    tiny: bool = False  # start the model config from the model's tiny preset (smoke runs)
    eval: EvalConfig = field(default_factory=EvalConfig)  # evaluation settings

    def __post_init__(self) -> None:
        if self.task != TASK:
            raise ArtimapError(f"task: expected {TASK!r} for this config, got {self.task!r}")
        if self.clip_len < 1 or self.stride < 1 or min(self.max_train_clips,
                                                       self.max_val_clips) < 0:
            raise ArtimapError("clip_len and stride must be >= 1, max_train/val_clips >= 0")


def _array(values: Any) -> np.ndarray:
    """Statistics from JSON (None = NaN) -> float32 array."""
    if isinstance(values, (list, tuple)):
        return np.asarray([_array(v) for v in values], np.float32)
    return np.asarray(np.nan if values is None else values, np.float32)


def _safe(mean: Any, std: Any) -> tuple[np.ndarray, np.ndarray]:
    m, s = _array(mean), _array(std)
    return np.where(np.isfinite(m), m, 0.0), np.where(np.isfinite(s) & (s > 1e-8), s, 1.0)


class Normaliser:
    """Standardise inputs and targets with the training statistics (module doc)."""

    def __init__(self, stats: dict, inputs: bool = True, target: bool = True) -> None:
        self.stats, self.use_inputs, self.use_target = stats, inputs, target
        self.frames = _safe(stats["frames"]["mean"], stats["frames"]["std"])  # scalars
        self.flow = _safe(stats["flow"]["mean"], stats["flow"]["std"])  # (2,) each
        target = stats["target"]  # "mean_image" (H_t, W_t): per-pixel mean, see mean_image_stats
        self.target_stats = _safe(target.get("mean_image", target["mean"]), target["std"])
        self._cache: dict = {}  # (id of the array, dtype, device) -> tensor: once per device

    def _t(self, x, a: np.ndarray):
        import torch

        key = (id(a), x.dtype, x.device)
        if key not in self._cache:
            self._cache[key] = torch.as_tensor(a, dtype=x.dtype, device=x.device)
        return self._cache[key]

    def inputs(self, frames, flow):
        """frames (B, N, 1, H, W), flow (B, N-1, 2, H, W) -> standardised copies."""
        if not self.use_inputs:
            return frames, flow
        (fm, fs), (um, us) = self.frames, self.flow
        frames = (frames - self._t(frames, fm)) / self._t(frames, fs)
        shape = (1,) * (flow.dim() - 3) + (2, 1, 1)  # broadcast over (..., 2, H, W)
        flow = (flow - self._t(flow, um).view(shape)) / self._t(flow, us).view(shape)
        return frames, flow

    def target(self, y):
        """Target (B, [S,] H_t, W_t) or (B, [S,] K, 2) -> standardised."""
        if not self.use_target:
            return y
        m, s = self.target_stats
        return (y - self._t(y, m)) / self._t(y, s)

    def untarget(self, y):
        """Inverse of `target`: model output -> [0, 1] images or points in target units."""
        if not self.use_target:
            return y
        m, s = self.target_stats
        return y * self._t(y, s) + self._t(y, m)


def data_model_config(cfg: ExperimentConfig, manifest: dict) -> dict[str, Any]:
    """Model config values fixed by the data and the run config (sizes, clip, head)."""
    s = manifest["settings"]
    out: dict[str, Any] = {"n_frames": cfg.clip_len, "in_size": int(s["image_size"]),
                           "target_position": cfg.target_position}
    if s["target"] == "image":
        out.update(head="image", out_h=int(s["target_size"][0]), out_w=int(s["target_size"][1]))
    else:
        out.update(head="points", n_points=int(manifest["arrays"]["targets"]["shape"][1]))
    return out


def resolve_model_config(cfg: ExperimentConfig, manifest: dict) -> dict[str, Any]:
    """The full builder dict: tiny preset (if asked) < model_config < model_scale[model] <
    data-derived values."""
    from artimap.models import MODELS

    unknown = sorted(set(cfg.model_scale) - set(MODELS))
    if unknown:
        raise ArtimapError(f"model_scale: unknown model(s) {', '.join(unknown)}; "
                           f"valid: {', '.join(sorted(MODELS))}")
    given_config = {**cfg.model_config, **cfg.model_scale.get(cfg.model, {})}
    derived = data_model_config(cfg, manifest)
    base: dict[str, Any] = {}
    if cfg.tiny:
        if cfg.model not in TINY:
            raise ArtimapError(f"tiny: no tiny preset for model {cfg.model!r}; "
                               f"models with one: {', '.join(sorted(TINY))}")
        module, name = TINY[cfg.model].split(":")
        base = dict(getattr(importlib.import_module(module), name))
    for key, value in derived.items():
        base.pop(key, None)
        given = given_config.get(key, value)
        if given != value:
            raise ArtimapError(
                f"model_config.{key}: {given!r} disagrees with {value!r} set by the data or "
                f"by clip_len/target_position; remove model_config.{key} (or model_scale)")
    return {**base, **given_config, **derived}


def data_meta(cfg: ExperimentConfig, manifest: dict) -> dict[str, Any]:
    """Data settings a checkpoint needs to be used on new video (plain values)."""
    s = manifest["settings"]
    rois = {u["speaker"]: u["roi"] for u in manifest["utterances"]}
    return {
        "prepared": cfg.data, "clip_len": cfg.clip_len, "target_position": cfg.target_position,
        "target": s["target"], "image_size": int(s["image_size"]),
        "target_size": [int(v) for v in s["target_size"]], "ultrasound": s["ultrasound"],
        "flow": s["flow"], "fps": float(s["fps"]), "target_units": manifest["target_units"],
        "point_names": list(manifest.get("point_names", [])), "rois": rois,
    }


def _batch_norm_safe(n: int, batch_size: int) -> int:
    """Clips to keep so that no process's last training batch holds a single clip (batch norm
    cannot normalise one sample)."""
    world = max(1, int(os.environ.get("WORLD_SIZE", "1")))
    per = max(1, batch_size // world)
    while n > 1 and -(-n // world) % per == 1:
        n -= 1
    return n


class Lip2TongueTask:
    """The `artimap.train.Task` of one lip2tongue run (see the module doc)."""

    def __init__(self, cfg: ExperimentConfig) -> None:
        from artimap.data.common import read_manifest
        from artimap.data.lip2tongue import load_normalisation
        from artimap.tasks.l2t_refs import mean_image_stats

        self.cfg = cfg
        self.model_name = cfg.model
        self.manifest, splits = read_manifest(cfg.data, TASK)
        self.stats = mean_image_stats(cfg, self.manifest, splits,
                                      load_normalisation(cfg.data))
        self.model_config = resolve_model_config(cfg, self.manifest)
        self.norm = Normaliser(self.stats, cfg.normalise_inputs, cfg.normalise_target)

    def build_model(self):
        from artimap.models import build_model

        model = build_model(self.model_name, self.model_config)
        head = getattr(model, "head", None)  # None: the ConvLSTM's interp decoder
        if self.cfg.zero_output and self.cfg.normalise_target and head is not None:
            head.zero_output()
        return model

    def _dataset(self, split: str):
        from artimap.data.lip2tongue import Lip2TongueDataset

        return Lip2TongueDataset(self.cfg.data, split, self.cfg.clip_len,
                                 self.cfg.target_position, self.cfg.stride)

    def datasets(self):
        """(train clips, val clips or None); a random training subset if max_train_clips."""
        from torch.utils.data import Subset

        train, val = self._dataset("train"), self._dataset("val")
        keep = np.arange(len(train))
        if 0 < self.cfg.max_train_clips < len(train):
            rng = np.random.default_rng(self.cfg.train.seed)
            keep = np.sort(rng.choice(len(train), self.cfg.max_train_clips, replace=False))
        keep = keep[:_batch_norm_safe(len(keep), self.cfg.train.batch_size)]
        if len(keep) < len(train):
            train = Subset(train, keep.tolist())
        if 0 < self.cfg.max_val_clips < len(val):
            pick = np.linspace(0, len(val) - 1, self.cfg.max_val_clips).round().astype(int)
            val = Subset(val, np.unique(pick).tolist())
        return train, (val if len(val) else None)

    def loss(self, model, batch):
        """MSE between the model output and the standardised target (NaN points left out)."""
        import torch

        frames, flow = self.norm.inputs(batch["frames"], batch["flow"])
        pred = model(frames, flow).float()
        target = batch["target"]
        if self.cfg.target_position == "all":  # (B, N, ...) -> the S frames the model outputs
            target = target[:, getattr(model, "module", model).config.target_frames()]
        target = self.norm.target(target.float())
        ok = torch.isfinite(target)  # missing points are NaN; images are always finite
        err = (pred - target.nan_to_num()) ** 2 * ok  # no host sync to choose a branch
        return err.sum() / ok.sum().clamp(min=1), {}

    def meta(self) -> dict[str, Any]:
        return {"task": TASK, "normalisation": self.stats,
                "normalise_inputs": self.cfg.normalise_inputs,
                "normalise_target": self.cfg.normalise_target,
                "data": data_meta(self.cfg, self.manifest)}


def make_task(cfg: ExperimentConfig) -> Lip2TongueTask:
    """The training task of `cfg` (reads the prepared dataset's manifest and statistics)."""
    return Lip2TongueTask(cfg)


def evaluate_run(run_dir: str | Path, split: str = "test", max_frames: int | None = None
                 ) -> dict:
    """Evaluate a run; writes run_dir/eval/metrics.json (see artimap.tasks.l2t_eval)."""
    from artimap.tasks.l2t_eval import evaluate_run as run

    return run(run_dir, split, max_frames)


def result_row(run_dir: str | Path, metrics: dict) -> dict:
    """One results.csv row (RESULT_COLUMNS) of an evaluated run."""
    from artimap.tasks.l2t_eval import result_row as row

    return row(run_dir, metrics)


def summarise(rows: list[dict], experiment: dict, out_dir: str | Path) -> None:
    """summary.md (Tables 2 and 3 beside the published numbers) and figures/."""
    from artimap.tasks.l2t_summary import summarise as run

    run(rows, experiment, Path(out_dir))


def add_predict_arguments(parser) -> None:
    """The `artimap predict RUN_DIR ...` options of lip2tongue runs."""
    from artimap.tasks.l2t_predict import add_arguments

    add_arguments(parser)


def predict(run_dir: str | Path, args) -> Path:
    """Predict ultrasound from a lip video (see artimap.tasks.l2t_predict)."""
    from artimap.tasks.l2t_predict import predict as run

    return run(Path(run_dir), args)
