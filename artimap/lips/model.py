"""LipNet: a small CNN that regresses the 8 lip points from a downscaled grayscale frame.

The whole frame (a lip close-up) is resized to `in_h` x `in_w` and scaled to [-1, 1]; the net
returns the 8 points as coordinates normalised to the frame, u = 2 (x + 0.5) / W - 1,
v = 2 (y + 0.5) / H - 1 with pixel centres at integers (so the same output fits any frame
size and any resize of it). Stride-2 convolutions halve the map four times, a
1x1 convolution narrows it, and two linear layers regress the points from the flattened map
(flattening keeps where things are, which pooling would lose). The 128-d hidden layer is the
feature vector the few-shot calibration fits on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import cv2
import numpy as np
import torch
from torch import nn

from artimap.lips.data import POINTS


@dataclass
class LipNetConfig:
    """Shape of the network."""

    in_h: int = 96  # input height in px (the frame is resized to in_h x in_w)
    in_w: int = 128  # input width in px
    channels: tuple[int, ...] = (16, 32, 64, 128)  # channels of the four stride-2 stages
    narrow: int = 32  # channels of the 1x1 convolution before flattening
    hidden: int = 128  # size of the feature layer
    dropout: float = 0.2  # dropout before the feature layer (training only)

    @classmethod
    def from_dict(cls, d: dict) -> LipNetConfig:
        d = dict(d)
        d["channels"] = tuple(d.get("channels", cls.channels))
        return cls(**d)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["channels"] = list(self.channels)
        return d


def _block(c_in: int, c_out: int, stride: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(c_in, c_out, 3, stride, 1, bias=False),
                         nn.BatchNorm2d(c_out), nn.ReLU(inplace=True))


class LipNet(nn.Module):
    """(B, 1, in_h, in_w) float in [-1, 1] -> (B, 8, 2) normalised point coordinates."""

    def __init__(self, cfg: LipNetConfig):
        super().__init__()
        self.cfg = cfg
        layers: list[nn.Module] = []
        c_prev = 1
        for i, c in enumerate(cfg.channels):
            layers.append(_block(c_prev, c, 2))
            if i > 0:  # one more 3x3 at each resolution but the first (cheap, full-size maps)
                layers.append(_block(c, c, 1))
            c_prev = c
        layers.append(_block(c_prev, cfg.narrow, 1))
        self.conv = nn.Sequential(*layers)
        div = 2 ** len(cfg.channels)
        flat = cfg.narrow * (-(-cfg.in_h // div)) * (-(-cfg.in_w // div))
        self.feature = nn.Sequential(nn.Flatten(), nn.Dropout(cfg.dropout),
                                     nn.Linear(flat, cfg.hidden), nn.ReLU(inplace=True))
        self.head = nn.Linear(cfg.hidden, 2 * len(POINTS))

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 1, in_h, in_w) -> (B, hidden) feature vectors."""
        return self.feature(self.conv(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x)).view(-1, len(POINTS), 2)  # (B, 8, 2)


def to_input(frame: np.ndarray, cfg: LipNetConfig) -> np.ndarray:
    """(H, W) uint8 frame -> (in_h, in_w) float32 in [-1, 1] (area-averaged resize)."""
    small = cv2.resize(frame, (cfg.in_w, cfg.in_h), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32) / 127.5 - 1.0


def shrink(frame: np.ndarray, points: np.ndarray, cfg: LipNetConfig
           ) -> tuple[np.ndarray, np.ndarray]:
    """Downscale a frame to twice the input size (if larger) and its (..., 2) pixel points with
    it: training views are cut from these, four times cheaper than from the full frame."""
    h, w = frame.shape[:2]
    s = min(2 * cfg.in_w / w, 2 * cfg.in_h / h, 1.0)
    if s >= 1.0:
        return frame, points
    nw, nh = round(w * s), round(h * s)
    small = cv2.resize(frame, (nw, nh), interpolation=cv2.INTER_AREA)
    scale = np.array([nw / w, nh / h])
    return small, (points + 0.5) * scale - 0.5


def to_normalised(points: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """(..., 8, 2) pixel x, y of an (H, W) frame -> normalised u, v in [-1, 1]."""
    h, w = hw
    return np.stack([2 * (points[..., 0] + 0.5) / w - 1, 2 * (points[..., 1] + 0.5) / h - 1],
                    axis=-1)


def to_pixels(uv: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Inverse of `to_normalised`."""
    h, w = hw
    return np.stack([(uv[..., 0] + 1) * w / 2 - 0.5, (uv[..., 1] + 1) * h / 2 - 0.5], axis=-1)
