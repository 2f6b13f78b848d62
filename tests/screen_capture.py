"""Test helper: a labelled fan set as a screen capture, the frames (at their size or enlarged)
inside a scanner's UI (title bar with text and a running clock, grey-scale bar, depth ruler,
image border, logo, capture noise), with the labels moved along."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from artimap.io.dlc import read_dlc_csv, write_dlc_csv
from artimap.io.frames import list_frames, read_frame_folder


def _panel(h: int, w: int, at: tuple[int, int], size: tuple[int, int], grey: int) -> np.ndarray:
    """The static UI around an image of `size` (h, w) placed at `at` (x, y)."""
    (x0, y0), (ih, iw) = at, size
    base = np.full((h, w), grey, np.uint8)
    cv2.rectangle(base, (0, 0), (w - 1, 40), 70 if grey else 0, -1)  # title bar
    cv2.putText(base, "ULTRASOUND  Pt: ANON  12cm  MI 0.9", (8, 28),
                cv2.FONT_HERSHEY_SIMPLEX, 0.6, 235, 1)
    for k in range(128):  # grey-scale bar
        cv2.line(base, (10, 300 - k), (30, 300 - k), 2 * k, 1)
    for k in range(0, ih, 12):  # depth ruler beside the image
        cv2.line(base, (x0 + iw + 4, y0 + k), (x0 + iw + (12 if k % 60 == 0 else 8), y0 + k),
                 220, 1)
    cv2.rectangle(base, (x0 - 2, y0 - 2), (x0 + iw + 1, y0 + ih + 1), 120, 1)  # image border
    cv2.circle(base, (w - 40, h - 40), 14, 250, -1)  # logo
    cv2.putText(base, "FREEZE", (w - 110, h - 70), cv2.FONT_HERSHEY_SIMPLEX, 0.5, 200, 1)
    return base


def screen_capture(frames: np.ndarray, grey: int = 38, seed: int = 0,
                   canvas: tuple[int, int] = (360, 480), at: tuple[int, int] = (100, 60)
                   ) -> np.ndarray:
    """Fan frames (F, H, W) uint8 -> (F, *canvas) uint8 with the frames at `at` (x, y) inside
    a UI on a panel of grey level `grey` (0: black)."""
    rng = np.random.default_rng(seed)
    x0, y0 = at
    h, w = frames.shape[1:]
    base = _panel(*canvas, at, (h, w), grey)
    out = np.repeat(base[None], len(frames), axis=0)
    for i, frame in enumerate(frames):
        out[i, y0:y0 + h, x0:x0 + w] = frame
        cv2.putText(out[i], f"00:{i:02d}.{7 * i % 100:02d}", (canvas[1] - 150, 28),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.6, 255, 1)  # the clock changes every frame
        noisy = out[i] + rng.normal(0.0, 1.0, canvas)  # capture noise
        out[i] = np.clip(noisy, 0, 255).astype(np.uint8)
    return out


def write_screen_capture(labelled: Path, out: Path, grey: int = 38,
                         at: tuple[int, int] = (100, 60), scale: float = 1.0) -> Path:
    """A `labeled-data/<set>` folder as a screen capture in `out`: its images enlarged by
    `scale` (bilinear) inside the UI, 120 pixels taller and 160 wider than them, and its
    CollectedData CSV with the points moved along."""
    out.mkdir(parents=True, exist_ok=True)
    frames = read_frame_folder(labelled)
    if scale != 1.0:
        frames = np.stack([cv2.resize(f, None, fx=scale, fy=scale,
                                      interpolation=cv2.INTER_LINEAR) for f in frames])
    h, w = frames.shape[1:]
    frames = screen_capture(frames, grey, canvas=(h + 120, w + 160), at=at)
    for path, frame in zip(list_frames(labelled), frames):
        cv2.imwrite(str(out / path.name), frame)
    dlc = read_dlc_csv(next(labelled.glob("CollectedData_*.csv")))
    points = (dlc.points + 0.5) * scale - 0.5 + np.array(at, float)  # pixel centres scale
    write_dlc_csv(out / "CollectedData_AW.csv", points, dlc.bodyparts,
                  [Path(str(i)).name for i in dlc.index])
    return out
