"""Training LipNet on labelled lip frames: random augmented views, masked L1 on the points.

The loss is the L1 distance of the normalised points (missing points masked out) plus
`measure_weight` times the L1 error of the aperture (mid bottom-inner minus mid top-inner, v)
and width (right minus left corner, u): those two numbers are what the model is for, and a
small shared shift of both mid points costs little on the points but ruins the aperture.
AdamW with a one-cycle learning rate; a fixed number of steps (no validation split: the data
are few and evaluation holds speakers out instead, see `evaluate`).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch

from artimap.lips.augment import AugmentConfig, augment
from artimap.lips.data import LabelledFrames
from artimap.lips.model import LipNet, LipNetConfig, shrink, to_input, to_normalised


@dataclass
class LipTrainConfig:
    """How to train."""

    steps: int = 1500  # optimiser steps
    batch: int = 32  # frames per step
    lr: float = 3e-3  # peak learning rate (one-cycle)
    weight_decay: float = 1e-4  # AdamW weight decay
    measure_weight: float = 2.0  # weight of the aperture / width loss beside the points'
    seed: int = 0  # random seed (init, sampling, augmentation)
    augment: AugmentConfig = field(default_factory=AugmentConfig)


def make_batch(data: LabelledFrames, idx: np.ndarray, rng: np.random.Generator,
               net_cfg: LipNetConfig, aug: AugmentConfig | None
               ) -> tuple[torch.Tensor, torch.Tensor]:
    """Frames `idx` (augmented unless `aug` is None) -> ((B, 1, in_h, in_w), (B, 8, 2) uv)."""
    xs, ys = [], []
    for i in idx:
        img, pts = data.images[i], data.points[i]
        if aug is not None:
            img, pts = augment(img, pts, rng, aug)
        xs.append(to_input(img, net_cfg))
        ys.append(to_normalised(pts, img.shape))
    x = torch.from_numpy(np.stack(xs))[:, None]  # (B, 1, in_h, in_w)
    return x, torch.from_numpy(np.stack(ys).astype(np.float32))


def lip_loss(pred: torch.Tensor, true: torch.Tensor, measure_weight: float) -> torch.Tensor:
    """Masked L1 of (B, 8, 2) normalised points plus the weighted aperture / width L1."""
    ok = torch.isfinite(true)
    target = torch.where(ok, true, pred.detach())
    loss = (pred - target).abs()[ok].mean()
    ap_p, ap_t = pred[:, 5, 1] - pred[:, 4, 1], target[:, 5, 1] - target[:, 4, 1]
    wd_p, wd_t = pred[:, 1, 0] - pred[:, 0, 0], target[:, 1, 0] - target[:, 0, 0]
    ok_ap = ok[:, 5, 1] & ok[:, 4, 1]
    ok_wd = ok[:, 1, 0] & ok[:, 0, 0]
    extra = (ap_p - ap_t).abs()[ok_ap].sum() + (wd_p - wd_t).abs()[ok_wd].sum()
    return loss + measure_weight * extra / max(int(ok_ap.sum() + ok_wd.sum()), 1)


def train_lipnet(data: LabelledFrames, net_cfg: LipNetConfig, cfg: LipTrainConfig,
                 init: LipNet | None = None, sample_weight: np.ndarray | None = None,
                 log: Callable[[str], None] | None = None) -> LipNet:
    """Train a LipNet (from `init` if given, else fresh) on `data`; returns it in eval mode.

    `sample_weight` (N,) makes some frames drawn more often (few-shot fine-tuning).
    """
    torch.manual_seed(cfg.seed)
    small = [shrink(im, pts, net_cfg) for im, pts in zip(data.images, data.points)]
    data = LabelledFrames([s[0] for s in small], np.stack([s[1] for s in small]),
                          data.groups, data.names)
    rng = np.random.default_rng(cfg.seed)
    model = init if init is not None else LipNet(net_cfg)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=cfg.steps,
                                                pct_start=0.15)
    p = None if sample_weight is None else sample_weight / sample_weight.sum()
    start = time.monotonic()
    for step in range(cfg.steps):
        idx = rng.choice(len(data), size=cfg.batch, replace=True, p=p)
        x, y = make_batch(data, idx, rng, net_cfg, cfg.augment)
        loss = lip_loss(model(x), y, cfg.measure_weight)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if log is not None and (step + 1) % max(cfg.steps // 10, 1) == 0:
            log(f"step {step + 1}/{cfg.steps} loss {loss.item():.4f} "
                f"({time.monotonic() - start:.0f} s)")
    return model.eval()
