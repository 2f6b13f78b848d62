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

from artimap.tasks.lip2tongue.config import TASK, ExperimentConfig, data_meta, resolve_model_config
from artimap.tasks.lip2tongue.normalise import Normaliser
from artimap.tasks.lip2tongue.references import mean_image_stats


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
        from artimap.data.common import read_manifest
        from artimap.data.lip2tongue import load_normalisation

        self.cfg = cfg
        self.model_name = cfg.model
        self.manifest, splits = read_manifest(cfg.data, TASK)
        self.stats = mean_image_stats(cfg, self.manifest, splits,
                                      load_normalisation(cfg.data))
        self.model_config = resolve_model_config(cfg, self.manifest)
        self.norm = Normaliser(self.stats, cfg.normalise_inputs, cfg.normalise_target)

    def keep_normalisation(self, meta: dict, source: str) -> None:
        """Use a source checkpoint's statistics instead of this data's (`train --init-from`,
        see artimap.tasks.init_from); the normalise_* switches must agree."""
        from artimap.errors import ArtimapError

        for key in ("normalise_inputs", "normalise_target"):
            if meta.get(key) != getattr(self.cfg, key):
                raise ArtimapError(f"--init-from {source}: {key} is {meta.get(key)} there, "
                                   f"{getattr(self.cfg, key)} here; set {key} to match")
        self.stats = meta["normalisation"]
        self.norm = Normaliser(self.stats, self.cfg.normalise_inputs, self.cfg.normalise_target)

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
