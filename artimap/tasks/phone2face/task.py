"""phone2face study: phone sequences -> 3-D lower-face marker trajectories (BiGRU + decoders).

One `ExperimentConfig` is one row of the study (baseline, or a latent decoder built from PCA,
blendshapes or an autoencoder, injected or randomly initialised). `make_task` turns it into a
`Task` for the shared training loop:
    fit the basis on the train split  ->  BiGRU with that decoder (filled or random)
    batches of whole utterances (collate_padded)  ->  masked MSE on normalised targets

The run settings live in config.py; evaluation, summary and prediction in their own modules of
this package (see its __init__).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import torch

from artimap.config import build_config, to_dict
from artimap.data.phone2face.dataset import (
    Phone2FaceDataset,
    collate_padded,
    open_prepared,
    phone_set,
)
from artimap.data.phone2face.sampler import BucketBatchSampler
from artimap.data.prepared import check_finite
from artimap.errors import ArtimapError
from artimap.models import build_model
from artimap.models.bases import basis_from_state
from artimap.models.bigru import Phone2FaceConfig, make_model
from artimap.tasks.phone2face import bases as p2f_bases
from artimap.tasks.phone2face.config import BIGRU, ExperimentConfig, model_settings


class Phone2FaceTask:
    """The `artimap.train.Task` of one phone2face row (see the module docstring)."""

    FREEZE_GROUPS = {"encoder": ("gru.",)}  # `train --freeze` groups: the GRU encoder

    def __init__(self, cfg: ExperimentConfig) -> None:
        if cfg.task != "phone2face":
            raise ArtimapError(f"task: expected 'phone2face' for this config, got {cfg.task!r}")
        self.cfg = cfg
        self.data = Path(cfg.data)
        self.prepared = open_prepared(self.data)
        self.manifest, self.splits = self.prepared.manifest, self.prepared.splits
        self.phones = phone_set(self.prepared)
        self.markers: list[str] = list(self.manifest["markers"])
        self.model_name = cfg.model
        mean, scale = p2f_bases.target_stats(self.prepared, cfg.normalise)
        self.mean, self.scale = torch.from_numpy(mean), torch.from_numpy(scale)  # (D,), (D,)
        self.model_cfg = model_settings(cfg, len(self.phones), 3 * len(self.markers),
                                        float(self.manifest["rate"]))
        self.basis, self.basis_rmse = self._fit_basis(mean, scale)

    def _fit_basis(self, mean: np.ndarray, scale: np.ndarray):
        """Basis fitted on the train split (injected latent decoders only) and its
        reconstruction RMSE in mm on the train and test splits."""
        cfg = self.cfg
        if cfg.decoder == "dense" or cfg.init != "injected":
            return None, {}
        frames = p2f_bases.split_frames(self.prepared, "train", cfg.basis_max_frames,
                                        cfg.train.seed)
        raw = frames.X
        frames.X = (raw - mean) / scale
        settings = {"bounds": cfg.blend_bounds, "hidden": cfg.ae_hidden, "layers": cfg.ae_layers,
                    "epochs": cfg.ae_epochs, "batch_size": cfg.ae_batch_size,
                    "lr": cfg.train.lr, "seed": cfg.train.seed}
        visemes = p2f_bases.phone_groups(self.prepared, cfg.keyshape_classes) \
            if cfg.decoder == "blendshape" else None
        basis = p2f_bases.fit_basis(cfg.decoder, frames, cfg.latent_dim, settings, visemes)
        rmse = {"train": p2f_bases.basis_rmse_mm(basis, raw, mean, scale)}
        if self.splits.get("test"):
            test = p2f_bases.split_frames(self.prepared, "test", cfg.basis_max_frames)
            rmse["test"] = p2f_bases.basis_rmse_mm(basis, test.X, mean, scale)
        return basis, rmse

    def keep_normalisation(self, meta: dict[str, Any], source: str) -> None:
        """Use a source checkpoint's target scale and decoder basis, with this data's own mean
        face (`train --init-from`, see artimap.tasks.init_from); the phone inventory and the
        markers must be the same (the weights index them)."""

        for key, here in (("phones", list(self.phones.phones)), ("markers", self.markers)):
            there = list((meta.get("phones") or {}).get("phones", [])) if key == "phones" \
                else list(meta.get("markers") or [])
            if there != here:
                raise ArtimapError(f"--init-from {source}: its {key} differ from this data's "
                                   f"({len(there)} vs {len(here)}); prepare the new data with "
                                   f"the same {key}")
        self.scale = torch.as_tensor(meta["target_scale"], dtype=torch.float32)  # (D,)
        state = meta.get("basis")
        self.basis = basis_from_state(state) if state is not None else None
        self.basis_rmse = dict(meta.get("basis_rmse_mm") or {})

    def build_model(self) -> torch.nn.Module:
        """Phones (B, T) -> markers (B, T, D): the BiGRU with its decoder filled from the
        basis or random, or another registry model (dense output)."""
        if self.model_name == BIGRU:
            return make_model(build_config(Phone2FaceConfig, self.model_cfg), self.basis)
        return build_model(self.model_name, self.model_cfg)

    def datasets(self) -> tuple[Phone2FaceDataset, Phone2FaceDataset | None]:
        """Whole utterances of the train and val splits (mm; normalised in `loss`)."""
        check_finite(self.prepared, {"markers": False})  # missing ones are masked
        val = Phone2FaceDataset(self.data, "val") if self.splits.get("val") else None
        return Phone2FaceDataset(self.data, "train"), val

    def collate(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        return collate_padded(items)

    def batches(self, ds: Phone2FaceDataset, batch_size: int, rank: int, world_size: int,
                seed: int, epoch: int) -> list[list[int]] | None:
        """Length-bucketed training batches of this process for `epoch` (None: plain shuffle)."""
        if not self.cfg.bucket_batches:
            return None
        sampler = BucketBatchSampler(ds.lengths, batch_size, shuffle=True, seed=seed,
                                     rank=rank, world_size=world_size)
        sampler.set_epoch(epoch)
        return [list(map(int, b)) for b in sampler]

    def loss(self, model: torch.nn.Module, batch: dict[str, Any]):
        """Masked MSE per coordinate on normalised targets; padded and missing values do not
        count. Extras: loss_sum (squared error summed over the D coordinates of a frame) and
        mse_mm (per coordinate, in mm^2)."""
        y = batch["markers"]  # (B, T, D) mm
        mask = batch["mask"].to(y.dtype)  # (B, T, D)
        mean, scale = self.mean.to(y.device), self.scale.to(y.device)
        pred = model(batch["phones"], batch["lengths"]).float()  # (B, T, D)
        err2 = (pred - (y - mean) / scale) ** 2 * mask  # (B, T, D)
        n = mask.sum().clamp(min=1.0)
        loss = err2.sum() / n
        with torch.no_grad():
            mm2 = (err2 * scale**2).sum() / n
        return loss, {"loss_sum": loss.detach() * y.shape[-1], "mse_mm": mm2}

    def meta(self) -> dict[str, Any]:
        """What evaluate and predict need besides the weights."""
        m = self.manifest
        return {
            "task": "phone2face",
            "config": to_dict(self.cfg),
            "data": str(self.data.resolve()),
            "data_fingerprint": self.prepared.fingerprint,
            "normalise": self.cfg.normalise,
            "target_mean": self.mean.numpy(),
            "target_scale": self.scale.numpy(),
            "phones": dataclasses.asdict(self.phones),
            "markers": self.markers,
            "lip_markers": list(m.get("lip_markers") or []),
            "upper_lip_centre": m.get("upper_lip_centre"),
            "lower_lip_centre": m.get("lower_lip_centre"),
            "rate": float(m["rate"]),
            "decoder": self.cfg.decoder,
            "init": self.cfg.init if self.cfg.decoder != "dense" else "random",
            "basis": self.basis.to_state() if self.basis is not None else None,
            "basis_rmse_mm": self.basis_rmse,
        }


def make_task(cfg: ExperimentConfig) -> Phone2FaceTask:
    """The training task of a phone2face row (fits its basis; may take a while)."""
    return Phone2FaceTask(cfg)
