"""The training loop's settings (`TrainConfig`), apart from the loop so that configs and
commands can read them without importing torch."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from artimap.config import check_ranges


@dataclass
class TrainConfig:
    """Settings of the training loop (the model and data have their own configs)."""

    epochs: int = 100  # passes over the training set
    max_steps: int = 0  # stop after this many optimiser steps in all (0 = no limit; smoke: 2)
    batch_size: int = 32  # global batch, split evenly over the processes under torchrun
    lr: float = 1e-3  # Adam learning rate (onecycle: the peak)
    lr_schedule: Literal["constant", "onecycle"] = "constant"  # artimap.schedule, per step
    lr_warmup: float = 0.1  # onecycle: share of the steps spent rising to lr
    weight_decay: float = 0.0  # Adam L2 penalty
    grad_clip: float = 0.0  # clip the global gradient norm to this value (0 = off)
    patience: int = 0  # stop after this many epochs without validation improvement (0 = off)
    min_delta: float = 0.0  # an improvement must lower the validation loss by more than this
    seed: int = 0  # seeds weights, shuffling and dropout
    amp: Literal["auto", "on", "off"] = "auto"  # mixed precision; auto = on for CUDA only
    amp_dtype: Literal["float16", "bfloat16"] = "float16"  # CUDA autocast type (CPU: bfloat16)
    device: Literal["auto", "cpu", "cuda"] = "auto"  # auto = CUDA when available
    num_workers: int = 0  # DataLoader worker processes per training process
    log_every: int = 10  # refresh the progress bar's loss every this many steps
    save_every: int = 1  # write last.pt every this many epochs (always at the end and on Ctrl-C)
    progress: bool = True  # show a tqdm progress bar (main process only)

    def __post_init__(self) -> None:
        # a value out of range would train nothing (epochs=-3) or fail deep inside torch
        check_ranges(self, "train", {
            "epochs": ">= 1", "max_steps": ">= 0", "batch_size": ">= 1", "lr": ">= 0",
            "weight_decay": ">= 0", "grad_clip": ">= 0", "patience": ">= 0", "min_delta": ">= 0",
            "num_workers": ">= 0", "log_every": ">= 1", "save_every": ">= 1"})


def smoke(cfg: TrainConfig) -> TrainConfig:
    """The tiny variant of `cfg` used by tests and first tries: 2 steps on CPU, no workers."""
    return dataclasses.replace(cfg, max_steps=2, epochs=1, device="cpu", num_workers=0)
