"""lip2tongue training: the `artimap.train.Task` of one run.

`make_task` builds it: the registry model, clips of the prepared dataset's train and val splits
(`Lip2TongueDataset`), and an MSE loss on standardised targets (`normalise.Normaliser`). The
output layer starts at zero (`zero_output`), so an untrained model predicts the training mean.
The statistics (with the mean image) and the data settings go into every checkpoint (`meta`),
so evaluation and prediction need only the run directory.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import torch
from torch.utils.data import Subset

from artimap.data.lip2tongue.dataset import Lip2TongueDataset, open_prepared
from artimap.data.lip2tongue.normalise import training_mean_target
from artimap.data.prepared import check_finite
from artimap.errors import ArtimapError
from artimap.models import build_model
from artimap.models.bases import fill_linear
from artimap.tasks.lip2tongue.config import TASK, ExperimentConfig, data_meta, resolve_model_config
from artimap.tasks.lip2tongue.heads import (
    LipTargets,
    fit_target_pca,
    gaussian_blur,
    lip_estimates,
    lip_loss,
)
from artimap.tasks.lip2tongue.lip_pretrain import pretrain_frame_tower
from artimap.tasks.lip2tongue.normalise import Normaliser
from artimap.tasks.lip2tongue.readout import ridge_readout


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

    FREEZE_GROUPS = {"towers": ("frame_tower.", "flow_tower.")}  # `train --freeze` groups

    def __init__(self, cfg: ExperimentConfig) -> None:
        self.cfg = cfg
        self.model_name = cfg.model
        self.prepared = open_prepared(cfg.data)
        self.manifest = self.prepared.manifest
        self.stats = mean_image_stats(cfg, self.prepared)
        self.model_config = resolve_model_config(cfg, self.manifest)
        self.norm = Normaliser(self.stats, cfg.normalise_inputs, cfg.normalise_target)
        self.lip_targets: LipTargets | None = None
        self.lip_pretrain: dict | None = None  # start(): the lip pretraining's record
        if cfg.aux_lip_weight > 0:
            self.lip_targets = LipTargets(self.prepared, self.train_rows(), cfg.clip_len,
                                          cfg.aux_lip_source)

    def train_rows(self) -> np.ndarray:
        """Every prepared row of the training utterances: (R,) int64."""
        return self.prepared.rows("train")

    def keep_normalisation(self, meta: dict, source: str) -> None:
        """Use a source checkpoint's scales with this data's target mean (`train --init-from`,
        see artimap.tasks.init_from); the normalise_* switches must agree."""
        for key in ("normalise_inputs", "normalise_target"):
            if meta.get(key) != getattr(self.cfg, key):
                raise ArtimapError(f"--init-from {source}: {key} is {meta.get(key)} there, "
                                   f"{getattr(self.cfg, key)} here; set {key} to match")
        kept, own = meta["normalisation"], self.stats["target"]
        centre = {k: own[k] for k in ("mean", "mean_image") if k in own}
        self.stats = {**kept, "target": {**kept["target"], **centre}}
        self.norm = Normaliser(self.stats, self.cfg.normalise_inputs, self.cfg.normalise_target)

    def build_model(self):
        model = build_model(self.model_name, self.model_config)
        head = getattr(model, "head", None)  # None: the ConvLSTM's interp decoder
        if self.cfg.zero_output and self.cfg.normalise_target and head is not None:
            head.zero_output()
        if self.cfg.eigentongue_k > 0 and self.cfg.eigentongue_init == "injected":
            if head is None or not hasattr(head.out, "weight"):
                raise ArtimapError(f"eigentongue_k: model {self.model_name} has no linear "
                                   "output layer to fill; use lip2tongue_ts_cnn_lstm")
            basis = fit_target_pca(self.prepared, self.train_rows(), self.norm,
                                   self.cfg.eigentongue_k)
            fill_linear(head.out, basis, self.cfg.freeze_decoder)
        return model

    def start(self, model) -> None:
        """A fresh run's warm-up: lip pretraining of the frame tower when asked."""
        if self.cfg.aux_lip_pretrain_steps > 0:
            self.lip_pretrain = pretrain_frame_tower(
                model, self, self.cfg.aux_lip_pretrain_steps, self.cfg.train.seed)

    def _dataset(self, split: str) -> Lip2TongueDataset:
        return Lip2TongueDataset(self.prepared, split, self.cfg.clip_len,
                                 self.cfg.target_position, self.cfg.stride)

    def datasets(self):
        """(train clips, val clips or None); a random training subset if max_train_clips."""

        # NaN points are left out by the loss; flow and infinities nothing can train on
        check_finite(self.prepared, {"targets": True, "flow": False})
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


        frames, flow = self.norm.inputs(batch["frames"], batch["flow"])
        net = getattr(model, "module", model)
        with lip_estimates(net if self.lip_targets is not None else None) as lips:
            pred = model(frames, flow).float()
        target = batch["target"]
        if self.cfg.target_position == "all":  # (B, N, ...) -> the S frames the model outputs
            target = target[:, net.config.target_frames()]
        target = self.norm.target(target.float())
        if self.cfg.loss_blur_sigma > 0 and target.shape[-1] != 2:  # images: blur both alike

            shape = pred.shape
            pred = gaussian_blur(pred.reshape(-1, *shape[-2:]), self.cfg.loss_blur_sigma)
            target = gaussian_blur(target.reshape(-1, *shape[-2:]), self.cfg.loss_blur_sigma)
        ok = torch.isfinite(target)  # missing points are NaN; images are always finite
        err = (pred - target.nan_to_num()) ** 2 * ok  # no host sync to choose a branch
        loss = err.sum() / ok.sum().clamp(min=1)
        if self.lip_targets is None:
            return loss, {}
        feats = lips[0]  # (B*N, 4): the frame tower's first 4 features before their activation
        wanted = self.lip_targets.clips(batch).to(feats.device).reshape(-1, 4)  # (B*N, 4)
        aux = lip_loss(feats, wanted)
        return loss + self.cfg.aux_lip_weight * aux, {"aux_lip": float(aux.detach())}

    def finish(self, run_dir) -> dict | None:
        """The step after training: the ridge readout of best.pt when `readout: ridge`."""
        if self.cfg.readout != "ridge":
            return None

        return ridge_readout(self, run_dir)

    def meta(self) -> dict[str, Any]:
        return {"task": TASK, "normalisation": self.stats,
                "normalise_inputs": self.cfg.normalise_inputs,
                "normalise_target": self.cfg.normalise_target,
                "data": data_meta(self.cfg, self.prepared),
                "data_fingerprint": self.prepared.fingerprint,
                **({"lip_pretrain": self.lip_pretrain} if self.lip_pretrain else {})}


def mean_image_stats(cfg: ExperimentConfig, prepared) -> dict:
    """The prepared statistics with target.mean_image (H_t, W_t) float32 in [0, 1], the
    training split's mean target image, when image targets are normalised per pixel."""
    stats = {k: v for k, v in prepared.stats.items() if k != "mean_target"}
    if prepared.settings["target"] != "image" or cfg.target_norm != "pixel":
        return stats
    image = training_mean_target(prepared) / np.float32(255.0)  # (H_t, W_t) 0..255 -> [0, 1]
    return {**stats, "target": {**stats["target"], "mean_image": image}}


def make_task(cfg: ExperimentConfig) -> Lip2TongueTask:
    """The training task of `cfg` (reads the prepared dataset's manifest and statistics)."""
    return Lip2TongueTask(cfg)
