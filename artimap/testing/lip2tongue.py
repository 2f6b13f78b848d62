"""A tiny AAA-layout corpus with known timing, for tests and benchmarks (no real data needed).

Each utterance `<spk>/<id>.mp4` shows a dark mouth opening and closing at MOUTH_BOX inside a
static texture, with slow global brightness drift and a blinking patch in the top-left corner
(like a burnt-in timecode). `<id>.ult` frame k is filled with the value `ult_value(k)`, so a
prepared target tells which ultrasound frame it came from; `<id>.param` gives its clock. With
`dlc=True` a `<id>.tongue_dlc.csv` holds rows r at TimeInSecsOfFirstFrame + r / 60 with point
x = r, y = 2 r (likelihood 1) for every point.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.io.ult import UltParams, write_param, write_ult
from artimap.io.video import write_video

MOUTH_BOX = (60, 50, 60, 36)  # (x, y, w, h) the mouth moves inside, in a 160x120 frame
POINT_NAMES = ("tongueRoot", "tongueDorsum", "tongueTip")


def ult_value(k: np.ndarray | int) -> np.ndarray | int:
    """The fill value of fake ultrasound frame k."""
    return 10 + (np.asarray(k) % 240)


def lip_frames(n: int, fps: float, hw: tuple[int, int] = (120, 160), seed: int = 0
               ) -> np.ndarray:
    """(F, H, W) uint8 lip frames: a mouth opening and closing at about 3 Hz."""
    rng = np.random.default_rng(seed)
    h, w = hw
    texture = 120 + 25 * rng.standard_normal((h, w))
    texture = np.clip(texture, 0, 255)
    yy, xx = np.mgrid[0:h, 0:w]
    x, y, bw, bh = MOUTH_BOX
    cx, cy = x + bw / 2, y + bh / 2
    frames = np.empty((n, h, w), np.uint8)
    for k in range(n):
        t = k / fps
        half_h = 2 + (bh / 2 - 3) * (0.5 + 0.5 * np.sin(2 * np.pi * 3.0 * t))
        mouth = ((xx - cx) / (bw / 2 - 2)) ** 2 + ((yy - cy) / half_h) ** 2 <= 1
        img = texture * (1 + 0.1 * np.sin(2 * np.pi * 0.3 * t))  # illumination drift
        img[mouth] = 30
        img[4:12, 4:24] = 255 if k % 2 else 0  # blinking corner patch
        frames[k] = np.clip(img, 0, 255).astype(np.uint8)
    return frames


def write_fake_utterance(folder: Path, uid: str, seconds: float = 1.0, video_fps: float = 60.0,
                         ult_fps: float = 81.5, t0: float = 0.2, nv: int = 16, ppv: int = 64,
                         dlc: bool = False, seed: int = 0) -> Path:
    """Write `<uid>.mp4`, `.ult`, `.param` (and `.tongue_dlc.csv`) into `folder`; return the mp4."""

    folder.mkdir(parents=True, exist_ok=True)
    n_video = int(round(seconds * video_fps))
    write_video(folder / f"{uid}.mp4", lip_frames(n_video, video_fps, seed=seed), video_fps)
    n_ult = int((seconds - t0) * ult_fps)
    values = ult_value(np.arange(n_ult)).astype(np.uint8)
    write_ult(folder / f"{uid}.ult", np.broadcast_to(values[:, None, None], (n_ult, nv, ppv)))
    write_param(folder / f"{uid}.param", UltParams(nv, ppv, zero_offset=20, angle=0.03,
                                                   pixels_per_mm=8.0, frames_per_sec=ult_fps,
                                                   time_first_frame=t0))
    if dlc:
        write_fake_dlc(folder / f"{uid}.tongue_dlc.csv", int((seconds - t0) * 60))
    return folder / f"{uid}.mp4"


def write_fake_dlc(path: Path, n_rows: int) -> None:
    """A DeepLabCut-style CSV: row r has x = r, y = 2 r, likelihood 1 for every point."""
    k = len(POINT_NAMES)
    lines = [
        "scorer," + ",".join(["fake"] * 3 * k),
        "bodyparts," + ",".join(p for p in POINT_NAMES for _ in range(3)),
        "coords," + ",".join(["x", "y", "likelihood"] * k),
    ]
    for r in range(n_rows):
        lines.append(f"{r}," + ",".join([f"{r},{2 * r},1.0"] * k))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_fake_corpus(folder: str | Path, n_utterances: int = 3, speakers: tuple[str, ...] =
                      ("spk1",), dlc: bool = False, **kwargs) -> list[Path]:
    """A fake AAA corpus: `folder/<spk>/<spk>_<n>.{mp4,ult,param}`; returns the videos."""
    folder = Path(folder)
    out = []
    for s, spk in enumerate(speakers):
        for i in range(n_utterances):
            out.append(write_fake_utterance(folder / spk, f"{spk}_{i:03d}", dlc=dlc,
                                            seed=100 * s + i, **kwargs))
    return out
