"""Marker videos drawn with OpenCV: front (x, y) and side (z, y) views of predicted markers
with the current phone, optionally muxed with the speech audio.

Muxing needs an ffmpeg executable: one on PATH, or the one the optional `imageio-ffmpeg`
package ships (`pip install imageio-ffmpeg`). Without it the audio is copied beside the video
as <name>.wav, and the caller says so.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from artimap.errors import file_error
from artimap.fsutil import atomic_path

BG, FACE, LIPS, TEXT = (255, 255, 255), (90, 90, 90), (40, 40, 220), (20, 20, 20)
BAND = 44  # pixels of the text band above the views
# Outer lip contour of the virtual talker's markers, drawn as a closed line when all exist.
LIP_LOOP = ("lip_corner_r", "lip_upper_r2", "lip_upper_r1", "lip_upper_c", "lip_upper_l1",
            "lip_upper_l2", "lip_corner_l", "lip_lower_l2", "lip_lower_l1", "lip_lower_c",
            "lip_lower_r1", "lip_lower_r2")


def find_ffmpeg() -> str | None:
    """Path of an ffmpeg executable (PATH, then imageio-ffmpeg's bundled one) or None."""
    exe = shutil.which("ffmpeg")
    if exe:
        return exe
    try:
        # deferred: optional dependency, imported only when this is used
        import imageio_ffmpeg  # optional dependency

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError):
        return None


class Layout:
    """Maps mm to pixels for both views with one scale (M markers over all frames)."""

    def __init__(self, points: np.ndarray, size: int) -> None:
        ok = np.isfinite(points).all(axis=-1)  # (T, M)
        p = points[ok] if ok.any() else np.zeros((1, 3))  # (K, 3)
        lo, hi = p.min(axis=0), p.max(axis=0)  # (3,)
        self.centre = (lo + hi) / 2
        self.scale = 0.8 * size / max(float((hi - lo).max()), 1e-6)  # pixels per mm
        self.size = size

    def project(self, frame: np.ndarray, view: int) -> np.ndarray:
        """Pixel positions (M, 2) of markers (M, 3) in view 0 (front: x, y) or 1 (side: z, y),
        inside a size x size panel; the panel's x offset is added by the caller."""
        horiz = 0 if view == 0 else 2
        u = (frame[:, horiz] - self.centre[horiz]) * self.scale + self.size / 2
        v = self.size / 2 - (frame[:, 1] - self.centre[1]) * self.scale  # y up -> rows down
        return np.stack([u, v], axis=1)


def lip_loop(labels: Sequence[str]) -> list[int] | None:
    """Marker indices of the outer lip contour, or None when the markers lack one."""
    index = {lab: i for i, lab in enumerate(labels)}
    return [index[n] for n in LIP_LOOP] if all(n in index for n in LIP_LOOP) else None


def draw_frame(frame: np.ndarray, layout: Layout, is_lip: np.ndarray, phone: str, t: float,
               loop: list[int] | None = None) -> np.ndarray:
    """One BGR image (BAND + size, 2 * size, 3) of markers (M, 3) mm; `loop` indexes the
    lip contour drawn in the front view."""
    s = layout.size
    img = np.full((BAND + s, 2 * s, 3), BG, np.uint8)
    ok = np.isfinite(frame).all(axis=1)  # (M,)
    for view, name in ((0, "front"), (1, "side")):
        uv = layout.project(frame, view)
        if view == 0 and loop is not None and ok[loop].all():
            pts = np.round(uv[loop] + [0, BAND]).astype(np.int32)  # (L, 2)
            cv2.polylines(img, [pts], True, (170, 170, 235), 1, cv2.LINE_AA)
        for (u, v), lip, good in zip(uv, is_lip, ok):
            if good:
                centre = (int(round(u)) + view * s, int(round(v)) + BAND)
                cv2.circle(img, centre, 4 if lip else 3, LIPS if lip else FACE, -1, cv2.LINE_AA)
        cv2.putText(img, name, (view * s + 8, BAND + s - 10), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                    FACE, 1, cv2.LINE_AA)
    cv2.line(img, (s, BAND), (s, BAND + s), (200, 200, 200), 1)
    cv2.putText(img, f"/{phone}/", (10, 32), cv2.FONT_HERSHEY_SIMPLEX, 1.0, TEXT, 2,
                cv2.LINE_AA)
    cv2.putText(img, f"{t:6.2f} s", (2 * s - 120, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.6, TEXT, 1,
                cv2.LINE_AA)
    return img


def write_marker_video(path: Path, points: np.ndarray, rate: float, labels: Sequence[str],
                       lips: Sequence[str], phones: Sequence[str], fps: float = 60.0,
                       size: int = 360) -> int:
    """Render markers (T, M, 3) mm at `rate` with per-frame phone labels (T,) into an mp4v
    video at `fps` (nearest marker frame per video frame); returns the number of frames."""
    layout = Layout(points, size)
    is_lip = np.array([lab in set(lips) for lab in labels])
    loop = lip_loop(labels)
    n_video = max(1, int(round(len(points) / rate * fps)))
    with atomic_path(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps),
                                 (2 * size, BAND + size), isColor=True)
        if not writer.isOpened():
            raise file_error(path, "OpenCV cannot write this video",
                             "Use a .mp4 name in a writable folder")
        try:
            for j in range(n_video):
                k = min(int(round(j / fps * rate)), len(points) - 1)
                writer.write(draw_frame(points[k], layout, is_lip, phones[k], j / fps, loop))
        finally:
            writer.release()
    return n_video


def mux_audio(video: Path, audio: Path, ffmpeg: str) -> None:
    """Replace `video` by a copy with `audio` as its sound track (video stream copied)."""
    with atomic_path(video) as tmp:
        cmd = [ffmpeg, "-y", "-loglevel", "error", "-i", str(video), "-i", str(audio),
               "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac", "-shortest",
               str(tmp)]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise file_error(audio, f"ffmpeg could not add it to the video "
                             f"({done.stderr.strip()[-300:]})", "Pass a readable .wav file")
