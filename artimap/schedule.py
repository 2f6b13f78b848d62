"""Learning-rate schedules of the training loop, as pure functions of the step.

    constant  the configured lr at every step
    onecycle  one cycle (Smith & Topsekar 2019, as torch's OneCycleLR with cosine annealing):
              from lr / 25 up to lr over the first `warmup` share of the steps, then a cosine
              down to lr / 25e4 at the last step

A function of the step alone keeps resuming exact: last.pt needs no scheduler state.
"""

from __future__ import annotations

import math

SCHEDULES = ("constant", "onecycle")
DIV_START, DIV_END = 25.0, 25e4  # OneCycleLR's div_factor and div_factor * final_div_factor


def lr_at(schedule: str, lr: float, step: int, total: int, warmup: float = 0.1) -> float:
    """The learning rate of optimiser step `step` (0-based) of `total`."""
    if schedule == "constant":
        return lr
    if schedule != "onecycle":
        raise ValueError(f"lr_schedule {schedule!r}: choose one of {list(SCHEDULES)}")
    peak = max(1.0, warmup * total - 1.0)  # the step at which lr is reached (as OneCycleLR)
    if step <= peak:
        return _cos(lr / DIV_START, lr, step / peak)
    return _cos(lr, lr / DIV_END, min(1.0, (step - peak) / max(1.0, total - 1.0 - peak)))


def _cos(start: float, end: float, frac: float) -> float:
    """Cosine from `start` (frac 0) to `end` (frac 1)."""
    return end + (start - end) * 0.5 * (1.0 + math.cos(math.pi * frac))
