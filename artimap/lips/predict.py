"""Running LipNet on frames: batched, with a mirrored second pass for the confidence.

Each frame is predicted as it is and mirrored left-right (the mirrored points mapped back,
their names swapped). The two are averaged; their disagreement (px, per point) is the spread,
a confidence cue: a frame the model understands gives the same points both ways round.
With `scales` (test-time zoom, e.g. `TTA_SCALES`), each pass also runs on the frame zoomed
about its centre by each factor, and all the views' points (mapped back) are averaged.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from artimap.lips.data import FLIP_ORDER
from artimap.lips.model import LipNet, to_input, to_pixels

TTA_SCALES: tuple[float, ...] = (1.0, 0.9, 1.1)  # zooms of `artimap lips --tta`


@dataclass
class LipPrediction:
    """Points and features of F frames."""

    points: np.ndarray  # (F, 8, 2) pixel x, y (mean of the plain and mirrored passes)
    spread: np.ndarray  # (F, 8) px, distance between the plain and mirrored passes' points
    features: np.ndarray  # (F, 2 * hidden) feature vectors of the plain and mirrored passes
    hw: tuple[int, int]  # (H, W) of the frames


def _run(model: LipNet, frames: list[np.ndarray], batch: int) -> tuple[np.ndarray, np.ndarray]:
    """(F, 8, 2) normalised points and (F, hidden) features."""
    uv, feats = [], []
    with torch.inference_mode():
        for s in range(0, len(frames), batch):
            x = np.stack([to_input(f, model.cfg) for f in frames[s:s + batch]])
            f = model.features(torch.from_numpy(x)[:, None])  # (B, hidden)
            uv.append(model.head(f).view(len(x), -1, 2).numpy())  # (B, 8, 2)
            feats.append(f.numpy())
    return np.concatenate(uv), np.concatenate(feats)


def _zoomed(model: LipNet, frames: list[np.ndarray], scale: float, batch: int
            ) -> tuple[np.ndarray, np.ndarray]:
    """(F, 8, 2) pixel points and features of the frames zoomed by `scale` about the centre,
    the points mapped back to the unzoomed frames."""
    h, w = frames[0].shape[:2]
    if scale == 1.0:
        uv, feats = _run(model, frames, batch)
        return to_pixels(uv, (h, w)), feats
    m = cv2.getRotationMatrix2D((w / 2, h / 2), 0, scale)  # (2, 3)
    zoomed = [cv2.warpAffine(f, m, (w, h), flags=cv2.INTER_LINEAR,
                             borderMode=cv2.BORDER_REFLECT_101) for f in frames]
    uv, feats = _run(model, zoomed, batch)
    return (to_pixels(uv, (h, w)) - m[:, 2]) / scale, feats


def _views(model: LipNet, frames: list[np.ndarray], scales: tuple[float, ...], batch: int
           ) -> tuple[np.ndarray, np.ndarray]:
    """Mean points over the zooms; features of the first zoom."""
    runs = [_zoomed(model, frames, s, batch) for s in scales]
    return np.mean([r[0] for r in runs], axis=0), runs[0][1]


def predict_frames(model: LipNet, frames: list[np.ndarray] | np.ndarray, flip: bool = True,
                   batch: int = 64, scales: tuple[float, ...] = (1.0,)) -> LipPrediction:
    """Predict the 8 lip points of (F, H, W) uint8 frames (all the same size)."""
    frames = list(frames)
    if not frames:
        raise ValueError("predict_frames needs at least one frame")
    hw = frames[0].shape[:2]
    model.eval()
    pts, feats = _views(model, frames, scales, batch)  # (F, 8, 2)
    if not flip:
        return LipPrediction(pts, np.zeros(pts.shape[:2]), feats, hw)
    pts_m, feats_m = _views(model, [np.ascontiguousarray(f[:, ::-1]) for f in frames], scales,
                            batch)
    pts_m = pts_m[:, list(FLIP_ORDER)]
    pts_m[..., 0] = (hw[1] - 1) - pts_m[..., 0]
    spread = np.linalg.norm(pts - pts_m, axis=-1)  # (F, 8)
    return LipPrediction((pts + pts_m) / 2, spread, np.concatenate([feats, feats_m], 1), hw)


def predict_images(model: LipNet, images: list[np.ndarray], flip: bool = True,
                   scales: tuple[float, ...] = (1.0,)) -> LipPrediction:
    """Like `predict_frames` for frames of different sizes (one call per size)."""
    out_pts = np.zeros((len(images), 8, 2))
    out_spread = np.zeros((len(images), 8))
    feats: list[np.ndarray | None] = [None] * len(images)
    for hw in {im.shape[:2] for im in images}:
        idx = [i for i, im in enumerate(images) if im.shape[:2] == hw]
        p = predict_frames(model, [images[i] for i in idx], flip, scales=scales)
        out_pts[idx], out_spread[idx] = p.points, p.spread
        for j, i in enumerate(idx):
            feats[i] = p.features[j]
    return LipPrediction(out_pts, out_spread, np.stack(feats), images[0].shape[:2])
