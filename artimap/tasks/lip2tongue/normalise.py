"""Standardisation of lip2tongue inputs and targets with the training statistics.

Lip frames (B, N, 1, H, W) in [0, 1] and flow (B, N-1, 2, H, W) in pixels are standardised with
the training-split statistics of the prepared dataset (stats.json; frames one scalar, flow per
channel); points (B, K, 2) likewise, per point and coordinate. Image targets (B, H_t, W_t) in
[0, 1] lose the training mean image, pixel by pixel (`target_norm` "pixel", the default), and
are divided by the one scalar std: a zero output is the mean image, so the network learns only
how a frame departs from it (with one scalar mean, `target_norm` "scalar", the output layer must
first build the whole mean image from its bias, which takes Adam thousands of steps).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch


def _array(values: Any) -> np.ndarray:
    """Statistics from JSON (None = NaN) -> float32 array."""
    if isinstance(values, (list, tuple)):
        return np.asarray([_array(v) for v in values], np.float32)
    return np.asarray(np.nan if values is None else values, np.float32)


def _safe(mean: Any, std: Any) -> tuple[np.ndarray, np.ndarray]:
    m, s = _array(mean), _array(std)
    return np.where(np.isfinite(m), m, 0.0), np.where(np.isfinite(s) & (s > 1e-8), s, 1.0)


class Normaliser:
    """Standardise inputs and targets with the training statistics (module doc)."""

    def __init__(self, stats: dict, inputs: bool = True, target: bool = True) -> None:
        self.stats, self.use_inputs, self.use_target = stats, inputs, target
        self.frames = _safe(stats["frames"]["mean"], stats["frames"]["std"])  # scalars
        self.flow = _safe(stats["flow"]["mean"], stats["flow"]["std"])  # (2,) each
        target = stats["target"]  # "mean_image" (H_t, W_t): per-pixel mean, see mean_image_stats
        self.target_stats = _safe(target.get("mean_image", target["mean"]), target["std"])
        self._cache: dict = {}  # (id of the array, dtype, device) -> tensor: once per device

    def _t(self, x, a: np.ndarray):
        key = (id(a), x.dtype, x.device)
        if key not in self._cache:
            self._cache[key] = torch.as_tensor(a, dtype=x.dtype, device=x.device)
        return self._cache[key]

    def inputs(self, frames, flow):
        """frames (B, N, 1, H, W), flow (B, N-1, 2, H, W) -> standardised copies."""
        if not self.use_inputs:
            return frames, flow
        (fm, fs), (um, us) = self.frames, self.flow
        frames = (frames - self._t(frames, fm)) / self._t(frames, fs)
        shape = (1,) * (flow.dim() - 3) + (2, 1, 1)  # broadcast over (..., 2, H, W)
        flow = (flow - self._t(flow, um).view(shape)) / self._t(flow, us).view(shape)
        return frames, flow

    def target(self, y):
        """Target (B, [S,] H_t, W_t) or (B, [S,] K, 2) -> standardised."""
        if not self.use_target:
            return y
        m, s = self.target_stats
        return (y - self._t(y, m)) / self._t(y, s)

    def untarget(self, y):
        """Inverse of `target`: model output -> [0, 1] images or points in target units."""
        if not self.use_target:
            return y
        m, s = self.target_stats
        return y * self._t(y, s) + self._t(y, m)
