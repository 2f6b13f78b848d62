"""What the audio tasks (audio2tongue, audio2face) share once a run is built: standardisation of
log-mel inputs and targets, the training task around `artimap.models.inversion`, and prediction
of one utterance's targets from its log-mel frames.

Inputs are standardised per band with the training split's log-mel statistics; targets with the
training mean and std of the prepared stats (`artimap.data.audio.stream.target_stats`): per
point and coordinate for points and markers, the mean image and one std for images (on [0, 1]).
The model's D outputs are the standardised target values, flattened.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from artimap.data.audio.dataset import AudioSequenceDataset, collate_padded
from artimap.data.audio.features import wav_features
from artimap.data.audio.mel import frame_at
from artimap.data.audio.stream import entry_mel
from artimap.data.prepared import Prepared, check_finite
from artimap.errors import ArtimapError
from artimap.models import build_model
from artimap.models.bases import fill_linear, fit_pca
from artimap.models.inversion import TINY_INVERSION
from artimap.tasks.registry import best_checkpoint
from artimap.tasks.scaffold import LoadedRun, load_for_evaluation


class Normaliser:
    """Log-mel and target standardisation from a stats dict {"mel", "target"} (module doc)."""

    def __init__(self, stats: dict[str, Any], target_shape: tuple[int, ...],
                 image: bool) -> None:
        self.shape, self.image = tuple(target_shape), image
        self.mel_mean = torch.tensor(stats["mel"]["mean"], dtype=torch.float32)  # (M,)
        self.mel_std = torch.tensor(stats["mel"]["std"], dtype=torch.float32)  # (M,)
        mean = np.asarray(stats["target"]["mean"], np.float32).reshape(-1)
        std = np.broadcast_to(np.asarray(stats["target"]["std"], np.float32).reshape(-1),
                              mean.shape)
        self.t_mean, self.t_std = torch.from_numpy(mean), torch.from_numpy(std.copy())  # (D,)
        self.scale = 255.0 if image else 1.0  # images: 0..255 targets, statistics on [0, 1]

    def mel(self, x: torch.Tensor) -> torch.Tensor:
        """(..., M) log-mel -> standardised."""
        return (x - self.mel_mean.to(x.device)) / self.mel_std.to(x.device)

    def target(self, y: torch.Tensor) -> torch.Tensor:
        """(B, N, *shape) targets -> (B, N, D) standardised (NaN stays NaN)."""
        flat = y.reshape(*y.shape[:2], -1) / self.scale  # (B, N, D)
        return (flat - self.t_mean.to(y.device)) / self.t_std.to(y.device)

    def decode(self, z: np.ndarray) -> np.ndarray:
        """(N, D) standardised outputs -> (N, *shape) targets in their units."""
        y = (z * self.t_std.numpy() + self.t_mean.numpy()) * self.scale
        if self.image:
            y = np.clip(y, 0.0, 255.0)
        return y.reshape(len(z), *self.shape).astype(np.float32)

    def mean_target(self) -> np.ndarray:
        """The training mean target (*shape), in target units: the floor reference."""
        return self.decode(np.zeros((1, self.t_mean.numel()), np.float32))[0]


def predict_frames(model: torch.nn.Module, norm: Normaliser, mel: np.ndarray,
                   index: np.ndarray, device: Any = "cpu") -> np.ndarray:
    """One sequence: log-mel (T, M), target mel frames (N,) -> targets (N, *shape)."""
    with torch.no_grad():
        x = norm.mel(torch.tensor(np.asarray(mel), dtype=torch.float32)[None].to(device))
        idx = torch.tensor(np.asarray(index), dtype=torch.long)[None].to(device)
        z = model(x, idx).float()[0].cpu().numpy()  # (N, D)
    return norm.decode(z)


def split_predictions(run: Any, prepared: Prepared, split: str
                      ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(predictions (F, ...), targets (F, ...), utterance id per frame) of `split`, for a
    loaded run (`artimap.tasks.scaffold.LoadedRun`: model, meta, device)."""
    meta = run.meta
    norm = Normaliser(meta["normalisation"], tuple(meta["data"]["target_shape"]), meta["image"])
    preds, ids = [], []
    for e in prepared.entries_in(split):
        mel, index = entry_mel(prepared, e)
        preds.append(predict_frames(run.model, norm, mel, index, run.device))
        ids += [e.id] * e.n_frames
    real = np.asarray(prepared.array("targets")[prepared.rows(split)], np.float32)
    pred = np.concatenate(preds) if preds else np.zeros_like(real)
    return pred, real, ids


def target_times(duration_s: float, fps: float, start: float) -> np.ndarray:
    """Times (F,) s of the target frames from `start` to the end of the audio at `fps`."""
    if start < 0 or start >= duration_s:
        raise ArtimapError(f"--start {start:g}: must lie inside the audio (0 to "
                           f"{duration_s:.3f} s)")
    return start + np.arange(int(np.floor((duration_s - start) * fps)) + 1) / fps


def load_run(run_dir: Path) -> LoadedRun:
    """A trained audio run for prediction (a clear error first when it has no weights)."""
    best_checkpoint(run_dir)
    return load_for_evaluation(run_dir)


def predict_wav(run: LoadedRun, wav: Path, start: float) -> tuple[np.ndarray, np.ndarray]:
    """(times (F,) s, predictions (F, *shape)) of a loaded run on a wav: target frames at the
    run's target rate from `start` s to the end of the audio, each read at its mel frame."""
    data = run.meta["data"]
    mel, audio = wav_features(wav)
    times = target_times(audio.duration_s, float(data["target_fps"]), float(start))
    index = np.clip(frame_at(times), 0, len(mel) - 1)
    norm = Normaliser(run.meta["normalisation"], tuple(data["target_shape"]),
                      bool(run.meta.get("image", False)))
    return times, predict_frames(run.model, norm, mel, index, run.device)


class AudioTask:
    """The `artimap.train.Task` of one audio run: the inversion model on standardised log-mel,
    masked MSE on standardised targets (missing points and padding left out).

    `cfg` needs: data, model, model_config, seq_len, stride, zero_output, code_dim, train.
    `model_config` is the resolved builder dict (sizes from the data); `meta_extra` goes into
    every checkpoint beside the normalisation."""

    def __init__(self, cfg: Any, prepared: Prepared, model_config: dict[str, Any],
                 norm: Normaliser, meta_extra: dict[str, Any]) -> None:
        self.cfg, self.prepared, self.norm = cfg, prepared, norm
        self.model_name = cfg.model
        self.model_config = model_config
        self.meta_extra = meta_extra

    def build_model(self) -> torch.nn.Module:
        model = build_model(self.model_name, self.model_config)
        if self.cfg.zero_output:
            model.zero_output()
        k = int(self.model_config.get("code_dim", 0))
        if k > 0:  # eigen-targets: the output layer decodes the top-k PCA of training targets
            fill_linear(model.out, fit_pca(self._train_targets(), k))
        return model

    def _train_targets(self) -> np.ndarray:
        """Standardised training targets (F, D), missing values at the mean (0)."""
        y = torch.from_numpy(np.array(self.prepared.array("targets")[self.prepared.rows(
            "train")], np.float32))[None]  # (1, F, *shape)
        return torch.nan_to_num(self.norm.target(y)[0]).numpy().astype(np.float64)

    def datasets(self):
        check_finite(self.prepared, {"targets": True})  # NaN points: left out by the loss
        train = AudioSequenceDataset(self.prepared, "train", self.cfg.seq_len, self.cfg.stride)
        val = AudioSequenceDataset(self.prepared, "val")
        return train, (val if len(val) else None)

    def collate(self, items: list[dict]) -> dict:
        return collate_padded(items)

    def loss(self, model, batch):
        """Masked MSE between the output and the standardised targets."""
        mel = self.norm.mel(batch["mel"])
        pred = model(mel, batch["index"], batch["lengths"]).float()  # (B, N, D)
        target = self.norm.target(batch["target"].float())  # (B, N, D)
        ok = torch.isfinite(target)
        err = (pred - target.nan_to_num()) ** 2 * ok
        return err.sum() / ok.sum().clamp(min=1), {}

    def meta(self) -> dict[str, Any]:
        return {"normalisation": {"mel": self.prepared.stats["mel"],
                                  "target": self.prepared.stats["target"]},
                "data_fingerprint": self.prepared.fingerprint, **self.meta_extra}


def resolve_model_config(cfg: Any, prepared: Prepared, image: bool) -> dict[str, Any]:
    """The builder dict: tiny preset (if asked) < model_config < what the data fix (bands,
    outputs, the eigentongue bottleneck of image targets)."""
    shape = prepared.manifest["arrays"]["targets"]["shape"][1:]
    n_out = 1
    for s in shape:
        n_out *= int(s)
    fixed = {"n_mels": int(prepared.settings["n_mels"]), "n_out": n_out,
             "code_dim": int(getattr(cfg, "eigentongue_k", 0)) if image else 0}
    for key, value in fixed.items():
        if key in cfg.model_config and cfg.model_config[key] != value:
            raise ArtimapError(f"model_config.{key}: {cfg.model_config[key]!r} disagrees with "
                               f"{value!r} set by the data; remove model_config.{key}")
    return {**(TINY_INVERSION if cfg.tiny else {}), **cfg.model_config, **fixed}
