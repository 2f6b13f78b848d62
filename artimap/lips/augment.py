"""Random training views of a labelled lip frame: geometry and photometry, points follow.

Every view warps the full-size frame (so the resize to the net's input is the one inference
uses) by a random similarity transform about the frame centre (scale, rotation, shift), maybe
mirrored left-right (the points' left / right names swap, `FLIP_ORDER`), then changes
brightness, contrast and gamma, blurs and adds noise. Close-ups from different recordings
differ mostly in zoom, framing, tilt and exposure, which is what this varies.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from artimap.lips.data import FLIP_ORDER


@dataclass
class AugmentConfig:
    """Ranges of the random changes (all uniform)."""

    scale: tuple[float, float] = (0.8, 1.25)  # zoom factor about the centre
    rotate_deg: float = 12.0  # +- rotation
    shift: float = 0.12  # +- shift as a fraction of the frame's width / height
    flip: float = 0.5  # probability of a left-right mirror
    brightness: float = 0.25  # +- added brightness, fraction of full scale
    contrast: tuple[float, float] = (0.6, 1.5)  # contrast factor about mid grey
    gamma: tuple[float, float] = (0.7, 1.4)  # gamma exponent
    blur_sigma: float = 2.0  # maximum Gaussian blur sigma (px of the full frame)
    noise: float = 0.03  # maximum noise standard deviation, fraction of full scale


def _matrix(rng: np.random.Generator, hw: tuple[int, int], cfg: AugmentConfig) -> np.ndarray:
    """A random (2, 3) affine map of pixel x, y about the frame centre."""
    h, w = hw
    s = rng.uniform(*cfg.scale)
    a = np.deg2rad(rng.uniform(-cfg.rotate_deg, cfg.rotate_deg))
    m = cv2.getRotationMatrix2D((w / 2, h / 2), np.rad2deg(a), s)
    m[0, 2] += rng.uniform(-cfg.shift, cfg.shift) * w
    m[1, 2] += rng.uniform(-cfg.shift, cfg.shift) * h
    return m


def _photometric(img: np.ndarray, rng: np.random.Generator, cfg: AugmentConfig) -> np.ndarray:
    """(H, W) uint8 -> (H, W) uint8 with random exposure, blur and noise."""
    x = img.astype(np.float32) / 255.0
    x = np.clip(x, 0, 1) ** rng.uniform(*cfg.gamma)
    x = (x - 0.5) * rng.uniform(*cfg.contrast) + 0.5 + rng.uniform(-1, 1) * cfg.brightness
    sigma = rng.uniform(0, cfg.blur_sigma)
    if sigma > 0.3:
        x = cv2.GaussianBlur(x, (0, 0), sigma)
    x = x + rng.normal(0, rng.uniform(0, cfg.noise), x.shape).astype(np.float32)
    return (np.clip(x, 0, 1) * 255).astype(np.uint8)


def augment(img: np.ndarray, points: np.ndarray, rng: np.random.Generator,
            cfg: AugmentConfig) -> tuple[np.ndarray, np.ndarray]:
    """One random view: (H, W) uint8 frame and (8, 2) pixel points -> the same, transformed.

    NaN points stay NaN. The frame keeps its size; borders are filled by reflection.
    """
    h, w = img.shape
    m = _matrix(rng, (h, w), cfg)
    out = cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT_101)
    pts = points @ m[:, :2].T + m[:, 2]  # (8, 2)
    if rng.random() < cfg.flip:
        out = out[:, ::-1]
        pts = pts[list(FLIP_ORDER)]
        pts[:, 0] = (w - 1) - pts[:, 0]  # pixel centres at integers, as DLC labels
    return _photometric(np.ascontiguousarray(out), rng, cfg), pts
