"""Few-shot fine-tuning: a copy of LipNet adapted to one speaker from a few labelled frames.

The post-hoc corrections of `calibrate` move the model's outputs; fine-tuning changes what
it sees. Each labelled frame is drawn once as `views` random training views (`augment`, the
training ranges unless told otherwise); the layers before `train_from` stay frozen and run
once over all views, so every step only runs the trained top of the net (seconds on one CPU
thread). Batch norm keeps its running statistics and dropout is off (a handful of frames
cannot re-estimate them). Forgetting is held back by few steps with a cosine-decaying rate,
an L2 pull of the weights towards the starting ones (`anchor`), and, when generic labelled
frames are given, a share of every batch drawn from them (`generic_share`).

The loss is training's (`train.lip_loss`) with the L1 replaced by a Huber-like cap per frame
(`robust`): a frame whose labels disagree with the model by far more than the rest (a
mislabelled corner) pulls no harder than `robust` times a typical frame.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from artimap.lips.augment import AugmentConfig, augment
from artimap.lips.data import LabelledFrames
from artimap.lips.model import LipNet, shrink, to_input, to_normalised


@dataclass
class FineTuneConfig:
    """How to fine-tune LipNet to one speaker."""

    steps: int = 200  # optimiser steps
    batch: int = 32  # views per step
    lr: float = 1e-3  # starting learning rate (Adam, cosine decay to 0)
    train_from: int = 5  # first trained layer of `LipNet.conv` (len(conv): dense layers only)
    views: int = 32  # random views drawn per labelled frame
    generic_share: float = 0.0  # share of each batch drawn from generic frames (if given)
    generic_views: int = 512  # random views drawn from the generic frames
    anchor: float = 0.0  # weight of the L2 pull towards the starting weights
    measure_weight: float = 2.0  # weight of the aperture / width loss (as in training)
    seed: int = 0  # random seed (views, batches)
    augment: AugmentConfig = field(default_factory=AugmentConfig)


@dataclass
class Views:
    """Frozen-trunk activations of augmented views and their normalised points."""

    x: torch.Tensor  # (V, C, h, w) activations after conv[:train_from]
    y: torch.Tensor  # (V, 8, 2) normalised points (NaN = not labelled)


def draw_views(model: LipNet, data: LabelledFrames, n: int, cfg: FineTuneConfig,
               rng: np.random.Generator) -> Views:
    """`n` random views of `data`'s frames (round robin), run through the frozen trunk."""
    small = [shrink(im, pts, model.cfg) for im, pts in zip(data.images, data.points)]
    xs, ys = [], []
    for v in range(n):
        img, pts = augment(*small[v % len(small)], rng, cfg.augment)
        xs.append(to_input(img, model.cfg))
        ys.append(to_normalised(pts, img.shape))
    x = torch.from_numpy(np.stack(xs))[:, None]  # (V, 1, in_h, in_w)
    trunk = model.conv[:cfg.train_from]
    with torch.inference_mode():
        x = torch.cat([trunk(x[s:s + 128]) for s in range(0, len(x), 128)])
    return Views(x.clone(), torch.from_numpy(np.stack(ys).astype(np.float32)))


def robust_loss(pred: torch.Tensor, true: torch.Tensor, measure_weight: float,
                cap: float) -> torch.Tensor:
    """Per-frame L1 of (B, 8, 2) points plus the weighted aperture / width error, each frame's
    share capped (smoothly) at `cap` times the batch median; mean over frames."""
    ok = torch.isfinite(true)
    target = torch.where(ok, true, pred.detach())
    per = ((pred - target).abs() * ok).sum((1, 2)) / ok.sum((1, 2)).clamp(min=1)  # (B,)
    ap = (pred[:, 5, 1] - pred[:, 4, 1]) - (target[:, 5, 1] - target[:, 4, 1])
    wd = (pred[:, 1, 0] - pred[:, 0, 0]) - (target[:, 1, 0] - target[:, 0, 0])
    per = per + measure_weight * (ap.abs() + wd.abs()) / 2
    if cap > 0:
        c = cap * per.detach().median().clamp(min=1e-4)
        per = torch.where(per > c, c * (1 + torch.log(per / c)), per)
    return per.mean()


def _top(model: LipNet, train_from: int) -> nn.Module:
    """The trained top of the net: conv[train_from:], the feature layer and the head."""
    return nn.ModuleList([model.conv[train_from:], model.feature, model.head])


def _forward(model: LipNet, x: torch.Tensor, train_from: int) -> torch.Tensor:
    return model.head(model.feature(model.conv[train_from:](x))).view(len(x), -1, 2)


def finetune(model: LipNet, data: LabelledFrames, cfg: FineTuneConfig,
             generic: LabelledFrames | Views | None = None, robust: float = 3.0) -> LipNet:
    """A copy of `model` fine-tuned on `data` (one speaker's labelled frames); `generic`
    (frames, or views drawn by `draw_views` with the same model and `train_from`) is mixed in
    at `cfg.generic_share` of every batch. Returns the copy in eval mode."""
    if len(data) == 0:
        raise ValueError("fine-tuning needs at least one labelled frame")
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    model = copy.deepcopy(model).eval()
    own = draw_views(model, data, cfg.views * len(data), cfg, rng)
    if isinstance(generic, LabelledFrames):
        generic = draw_views(model, generic, cfg.generic_views, cfg, rng)
    n_gen = round(cfg.batch * cfg.generic_share) if generic is not None else 0
    top = _top(model, cfg.train_from)
    params = [p for p in top.parameters() if p.requires_grad]
    start = [p.detach().clone() for p in params]
    opt = torch.optim.Adam(params, lr=cfg.lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(cfg.steps, 1))
    for _ in range(cfg.steps):
        i = rng.integers(0, len(own.x), cfg.batch - n_gen)
        x, y = own.x[i], own.y[i]
        if n_gen:
            j = rng.integers(0, len(generic.x), n_gen)
            x, y = torch.cat([x, generic.x[j]]), torch.cat([y, generic.y[j]])
        loss = robust_loss(_forward(model, x, cfg.train_from), y, cfg.measure_weight, robust)
        if cfg.anchor > 0:
            loss = loss + cfg.anchor * sum(((p - s) ** 2).sum() for p, s in zip(params, start))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()
