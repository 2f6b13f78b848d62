"""Lip (or ultrasound) video files through OpenCV: read all frames, probe, write mp4v.

Frames are uint8, (F, H, W) grayscale or (F, H, W, 3) in OpenCV's BGR order.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from artimap.errors import file_error
from artimap.fsutil import atomic_path


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about a video (n_frames may be an estimate for some codecs)."""

    n_frames: int  # frame count reported by the container
    fps: float  # frames per second
    width: int  # W, pixels
    height: int  # H, pixels


def _open(path: Path) -> cv2.VideoCapture:
    if not path.is_file():
        raise file_error(path, "video file not found", "Check the path")
    cap = cv2.VideoCapture(str(path))
    if not cap.isOpened():
        cap.release()
        raise file_error(path, "cannot open the video (unknown or damaged format)",
                         "Convert it to mp4 (H.264 or mp4v) or avi, e.g. with ffmpeg")
    return cap


def video_info(path: str | Path) -> VideoInfo:
    """Return frame count, fps and size of the video at `path` without decoding it."""
    path = Path(path)
    cap = _open(path)
    try:
        info = VideoInfo(
            n_frames=int(cap.get(cv2.CAP_PROP_FRAME_COUNT)),
            fps=float(cap.get(cv2.CAP_PROP_FPS)),
            width=int(cap.get(cv2.CAP_PROP_FRAME_WIDTH)),
            height=int(cap.get(cv2.CAP_PROP_FRAME_HEIGHT)),
        )
    finally:
        cap.release()
    if info.width <= 0 or info.height <= 0:
        raise file_error(path, "the video reports no frame size", "Check that it is a video")
    return info


def _decoded_rate(path: Path, n_decoded: int, fps: float, n_container: int) -> float:
    """The frame rate that fits the frames actually decoded.

    Some AVI exports state twice the true rate and twice the frame count (a TaL lip AVI says
    120.18 fps and 728 frames but decodes 364 frames 16.6 ms apart). The container's duration
    is kept and the rate recomputed when the counts differ by more than 10 %.
    """
    if n_container <= 0 or fps <= 0 or abs(n_decoded / n_container - 1) <= 0.1:
        return fps
    rate = n_decoded / (n_container / fps)
    warnings.warn(f"{path}: the container says {n_container} frames at {fps:.3f} fps but "
                  f"{n_decoded} frames decode; using {rate:.3f} fps over the same duration",
                  stacklevel=3)
    return rate


def read_video(path: str | Path, gray: bool = True) -> tuple[np.ndarray, float]:
    """Decode every frame: ((F, H, W) uint8 if `gray` else (F, H, W, 3) BGR uint8, fps).

    The rate is the one that fits the decoded frames over the container's duration (see
    `_decoded_rate`), which is the container's stated rate for well-formed files.
    """
    path = Path(path)
    cap = _open(path)
    frames = []
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS))
        n_container = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            if gray and frame.ndim == 3:
                frame = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
            elif not gray and frame.ndim == 2:
                frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
            frames.append(frame)
    finally:
        cap.release()
    if not frames:
        raise file_error(path, "the video has no decodable frames",
                         "Check the file is complete; re-encode it with ffmpeg if needed")
    return np.stack(frames), _decoded_rate(path, len(frames), fps, n_container)


def write_video(path: str | Path, frames: np.ndarray, fps: float) -> None:
    """Write (F, H, W) or (F, H, W, 3) BGR uint8 frames as an mp4v video, atomically."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or len(frames) == 0:
        raise ValueError(f"write_video needs non-empty (F, H, W[, 3]) uint8 frames, got "
                         f"{frames.shape} {frames.dtype}")
    if frames.ndim == 4 and frames.shape[3] != 3:
        raise ValueError(f"colour frames need 3 channels, got {frames.shape}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    height, width = frames.shape[1:3]
    is_color = frames.ndim == 4
    with atomic_path(path) as tmp:
        writer = cv2.VideoWriter(str(tmp), cv2.VideoWriter_fourcc(*"mp4v"), float(fps),
                                 (width, height), isColor=is_color)
        if not writer.isOpened():
            raise file_error(path, "OpenCV cannot write this video",
                             "Use a .mp4 or .avi name in a writable folder")
        try:
            for frame in frames:
                writer.write(frame)
        finally:
            writer.release()
