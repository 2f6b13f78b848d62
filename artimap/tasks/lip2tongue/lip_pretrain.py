"""Lip pretraining (`aux_lip_pretrain_steps`): before the main training, the TS-CNN-LSTM's
frame tower alone learns to read the lip targets of `aux_lip_weight` (its first 4 features) from
single lip frames: the TRUE jaw, lip aperture, protrusion and spreading (`aux_lip_source:
truth`, talker corpora) or the measured lips (`measured`, heads.LipTargets).

Why (demo corpus, seed 0): with the image loss and the lip loss together from the start, the
tower reads the lips fairly well (test R^2 of its 4 estimates 0.91-0.99) but the LSTM's code
carries less of them (ridge readout R^2 0.147); after 800 pretraining steps (~50 000 single
frames with a +-1 px shift, ~20 CPU s on one thread) the estimates reach 0.93-0.996 and the code's
readout 0.171. Runs once, on a fresh run only (a resumed run restores its trained weights).
"""

from __future__ import annotations

import numpy as np
import torch

from artimap.data.lip2tongue.inputs import model_frames
from artimap.errors import ArtimapError
from artimap.tasks.lip2tongue.heads import lip_loss

BATCH = 64  # frames per pretraining step
LR = 2e-3  # one-cycle peak (AdamW)


def pretrain_frame_tower(model: torch.nn.Module, task, steps: int, seed: int) -> dict:
    """Train `model.frame_tower` for `steps` steps on (lip frame -> standardised lip targets);
    the rest of the model is untouched. Returns {"steps", "loss_first",
    "loss_last"} (MSE in standard deviations of the parameters, mean of the first/last 10 steps).

    Needs `task.lip_targets` (`aux_lip_weight` > 0) and a model with
    `encode_frames` (frames (B, 1, H, W) -> (B, D), D >= 4).
    """
    if task.lip_targets is None or not hasattr(model, "frame_tower"):
        raise ArtimapError("aux_lip_pretrain_steps needs aux_lip_weight > 0 "
                           "and a model with a frame tower (lip2tongue_ts_cnn_lstm)")
    rows = task.train_rows()  # (R,) every prepared row of the training utterances
    frames = task.prepared.array("frames")  # (F, H, W) uint8, memory-mapped
    wanted = task.lip_targets.values  # (F, 4) standardised on the training rows (NaN: none)
    device = next(model.parameters()).device
    gen = np.random.default_rng(seed)
    opt = torch.optim.AdamW(model.frame_tower.parameters(), lr=LR, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, LR, total_steps=steps, pct_start=0.2)
    losses: list[float] = []
    model.train()
    for _ in range(steps):
        pick = np.sort(gen.choice(rows, BATCH))
        x = _standardised(task, model_frames(frames[pick]), device)  # (B, 1, H, W)
        dy, dx = (int(v) for v in gen.integers(-1, 2, 2))
        x = torch.roll(x, (dy, dx), (2, 3))
        loss = lip_loss(model.frame_tower.pre_activation(x)[:, :4], wanted[pick].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return {"steps": steps, "loss_first": float(np.mean(losses[:10])),
            "loss_last": float(np.mean(losses[-10:]))}


def _standardised(task, frames: np.ndarray, device) -> torch.Tensor:
    """Lip frames (B, 1, H, W) float32 in [0, 1] -> standardised like the model's inputs."""
    x = torch.from_numpy(frames).to(device)[:, None]  # (B, 1, 1, H, W): clips of one frame
    no_flow = x.new_zeros(len(x), 0, 2, *x.shape[-2:])  # (B, 0, 2, H, W)
    return task.norm.inputs(x, no_flow)[0][:, 0]
