"""Per-frame phone-timing features, derived from a frame-wise phone-id sequence.

A frame-wise one-hot says which phone is sounding but not how far into it, nor how long it
lasts; a recurrent model can only count frames to find out. These two features say it outright:

    position   (i + 0.5) / n  for frame i (0-based) of a run of n frames: in (0, 1), 0.5 for a
               one-frame run (frame centres, so both ends of a run are treated alike)
    duration   n / fps * DURATION_SCALE: the run's length in tenths of a second (~unit range)

A run is a maximal stretch of equal ids: two adjacent tokens of the same phone merge into one run
(the frame-wise ids cannot tell them apart). Frames at or after a sequence's length start a run
of their own, so padding never lengthens the last real run, and their features are zeros.

Built from torch ops that ONNX exports (cumsum, scatter-add, gather) with a dynamic T axis, so an
exported model computes them from the phone ids as the torch model does. The features look
ahead to the end of the run, so even a causal (one-direction) model sees the current phone's
duration; chunked inference (`artimap.tasks.phone2face.chunks`) sees runs cut at its window
edges, which the kept centre of each window reaches only for runs longer than the context.
"""

from __future__ import annotations

import torch

DURATION_SCALE = 10.0  # durations in tenths of a second: a typical phone (~0.1 s) reads ~1
N_TIMING = 2  # features per frame: position, duration


def run_index(phones: torch.Tensor, lengths: torch.Tensor | None = None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
    """The run of every frame of phone ids (B, T): (start (B, T) bool: a run starts here,
    run (B, T) long: 0, 1, ... its run's index, valid (B, T) bool or None: frames before
    lengths (B,)). A run is a maximal stretch of equal ids; the padding after a sequence's
    length starts a run of its own, so it never lengthens the last real run."""
    steps = torch.arange(phones.shape[1], device=phones.device)  # (T,)
    start = torch.cat([torch.ones_like(phones[:, :1], dtype=torch.bool),
                       phones[:, 1:] != phones[:, :-1]], dim=1)  # first frame, or a new id
    valid = None
    if lengths is not None:
        lengths = lengths.to(phones.device)
        valid = steps[None, :] < lengths[:, None]  # (B, T)
        start = start | (steps[None, :] == lengths[:, None])  # padding: a run of its own
    return start, torch.cumsum(start.long(), dim=1) - 1, valid


def phone_timing(phones: torch.Tensor, fps: float,
                 lengths: torch.Tensor | None = None) -> torch.Tensor:
    """Timing features (B, T, 2) float32 [position, duration] (module doc) for phone ids (B, T)
    at `fps` frames per second; lengths (B,) of the valid frames (None: all frames valid)."""
    steps = torch.arange(phones.shape[1], device=phones.device)  # (T,)
    start, run, valid = run_index(phones, lengths)  # (B, T) each
    ones = torch.ones_like(phones, dtype=torch.float32)  # (B, T)
    # only a run's first frame adds its step, so first[r] is the step where run r starts
    first_step = (steps[None, :] * start).float()  # (B, T)
    size = torch.zeros_like(ones).scatter_add(1, run, ones)  # (B, runs <= T) frames per run
    first = torch.zeros_like(ones).scatter_add(1, run, first_step)  # (B, runs) first step
    n = size.gather(1, run)  # (B, T) length of the frame's run
    offset = steps[None, :].float() - first.gather(1, run)  # (B, T) frames since run start
    feats = torch.stack([(offset + 0.5) / n, n * (DURATION_SCALE / fps)], dim=-1)  # (B, T, 2)
    if valid is not None:
        feats = feats * valid[..., None]
    return feats
