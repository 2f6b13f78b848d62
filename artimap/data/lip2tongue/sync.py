"""Synchronise a lip video with a target stream (ultrasound frames or tongue points).

Every stream is a list of frame times in seconds on one clock, t = 0 at the start of the lip
video (which, in AAA/TaL recordings, is also the start of the audio):

    lip video frame k               k / video_fps
    AAA ultrasound frame k          TimeInSecsOfFirstFrame + k / FramesPerSec
    TaL DeepLabCut points row k     TimeInSecsOfFirstFrame + k / DLC_FPS (rows were tracked on
                                    the common span resampled to 60 fps)
    virtual talker contour frame    its `time_s` column

The output clock is the lip clock: the lip frames inside the common span, kept as they are when
the video runs at the requested rate (within `FPS_TOLERANCE`), otherwise picked nearest to a grid
at the requested rate anchored at the video's first frame. The target is then resampled at the
times of those lip frames, nearest or linear in time. Pure functions; no files are read here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from artimap.errors import ArtimapError

FPS_TOLERANCE = 0.02  # a video within 2 % of the requested rate keeps all its frames
MODES = ("nearest", "linear")


def stream_times(n_frames: int, fps: float, t0: float = 0.0) -> np.ndarray:
    """Times of frames 0..F-1 of a stream at `fps` starting at `t0`: (F,) float64 seconds."""
    return t0 + np.arange(n_frames, dtype=np.float64) / fps


def common_span(lip_times: np.ndarray, target_times: np.ndarray,
                names: tuple[str, str] = ("lip video", "target")) -> tuple[float, float]:
    """The time interval covered by both streams: (start, end) seconds.

    Raises ArtimapError naming both streams when they do not overlap.
    """
    if len(lip_times) == 0 or len(target_times) == 0:
        empty = names[0] if len(lip_times) == 0 else names[1]
        raise ArtimapError(f"{empty}: has no frames; nothing to synchronise. Check the file")
    start = max(float(lip_times[0]), float(target_times[0]))
    end = min(float(lip_times[-1]), float(target_times[-1]))
    if end < start:
        raise ArtimapError(
            f"{names[0]} ({lip_times[0]:.3f}-{lip_times[-1]:.3f} s) and {names[1]} "
            f"({target_times[0]:.3f}-{target_times[-1]:.3f} s) do not overlap in time. "
            "Check that the files belong to the same recording and the time offset "
            "(TimeInSecsOfFirstFrame) is right"
        )
    return start, end


def output_clock(lip_times: np.ndarray, fps: float, start: float, end: float) -> np.ndarray:
    """Lip frames to keep inside [start, end] at about `fps`: (F,) int64 lip frame indices.

    A video within FPS_TOLERANCE of `fps` keeps every frame (no duplicated or dropped lip frames,
    so optical flow always joins two real neighbours); otherwise the lip frame nearest to each
    point t_0 + j / fps of a grid anchored at the video's first frame t_0 is taken, for the grid
    points from the first lip frame inside the span up to `end`.
    """
    inside = np.flatnonzero((lip_times >= start - 1e-9) & (lip_times <= end + 1e-9))
    if len(inside) < 2:
        return inside.astype(np.int64)
    video_fps = (len(inside) - 1) / (lip_times[inside[-1]] - lip_times[inside[0]])
    if abs(video_fps / fps - 1.0) <= FPS_TOLERANCE:
        return inside.astype(np.int64)
    # The grid is anchored at the video's first frame, not at the span: the same video then
    # gives the same frames whatever the target's span (prepare) or with no target (predict).
    t0 = lip_times[0]
    first = int(np.ceil((lip_times[inside[0]] - t0) * fps - 1e-9))
    last = int(np.floor((end - t0) * fps + 1e-9))
    grid = t0 + np.arange(first, last + 1) / fps  # (F,) s
    return nearest_index(lip_times, grid)


def nearest_index(times: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Index of the frame in `times` (F_s,) nearest to each time in `at` (F,): (F,) int64."""
    if len(times) < 2:
        return np.zeros(len(at), np.int64)
    right = np.clip(np.searchsorted(times, at), 1, len(times) - 1)
    left = right - 1
    closer_left = (at - times[left]) <= (times[right] - at)
    return np.where(closer_left, left, right).astype(np.int64)


def resample_index(times: np.ndarray, at: np.ndarray, mode: str = "nearest"
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Where to read a stream with frame times `times` (F_s,) at times `at` (F,).

    Returns (index, weight), both (F,): the value at `at[j]` is
    `(1 - weight[j]) * x[index[j]] + weight[j] * x[index[j] + 1]`; weight is 0 for "nearest".
    """
    if mode not in MODES:
        raise ArtimapError(f"unknown resampling mode {mode!r}; choose one of {', '.join(MODES)}")
    if mode == "nearest" or len(times) < 2:
        return nearest_index(times, at), np.zeros(len(at))
    left = np.clip(np.searchsorted(times, at, side="right") - 1, 0, len(times) - 2)
    weight = np.clip((at - times[left]) / (times[left + 1] - times[left]), 0.0, 1.0)
    return left.astype(np.int64), weight


def resample(values: np.ndarray, index: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Read `values` (F_s, ...) at (index, weight) from `resample_index`: (F, ...).

    uint8 images are blended in float and rounded back; NaN (missing points) propagates.
    """
    first = np.asarray(values[index])
    if not np.any(weight > 0):
        return first
    nxt = np.asarray(values[np.minimum(index + 1, len(values) - 1)])
    w = weight.reshape((-1,) + (1,) * (first.ndim - 1))
    mixed = (1.0 - w) * first.astype(np.float32) + w * nxt.astype(np.float32)
    if values.dtype == np.uint8:
        return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)
    return mixed.astype(values.dtype)


@dataclass
class SyncResult:
    """How one utterance's streams line up on the output (lip) clock."""

    times: np.ndarray  # (F,) seconds of the kept lip frames
    lip_index: np.ndarray  # (F,) lip video frame of each output frame
    target_index: np.ndarray  # (F,) target frame (left neighbour for "linear")
    target_weight: np.ndarray  # (F,) weight of target_index + 1 (0 for "nearest")
    summary: dict = field(default_factory=dict)  # counts for the manifest


def synchronise(lip_times: np.ndarray, target_times: np.ndarray, fps: float = 60.0,
                mode: str = "nearest", names: tuple[str, str] = ("lip video", "target")
                ) -> SyncResult:
    """Put the target stream on the lip clock at about `fps` inside the common span.

    `lip_times` (F_l,) and `target_times` (F_t,) are increasing frame times in seconds.
    Raises ArtimapError naming `names` when the streams do not overlap.
    """
    start, end = common_span(lip_times, target_times, names)
    lip_index = output_clock(lip_times, fps, start, end)
    if len(lip_index) == 0:
        raise ArtimapError(f"{names[0]} and {names[1]} overlap for only {end - start:.3f} s, "
                           "less than one lip frame. Check the recording")
    times = lip_times[lip_index]
    index, weight = resample_index(target_times, times, mode)
    summary = sync_summary(lip_times, target_times, lip_index,
                           nearest_index(target_times, times), (start, end))
    return SyncResult(times, lip_index, index, weight, summary)


def _count_inside(times: np.ndarray, span: tuple[float, float]) -> int:
    return int(np.sum((times >= span[0] - 1e-9) & (times <= span[1] + 1e-9)))


def sync_summary(lip_times: np.ndarray, target_times: np.ndarray, lip_index: np.ndarray,
                 target_nearest: np.ndarray, span: tuple[float, float]) -> dict:
    """Frames kept, dropped and duplicated per stream, as plain JSON numbers.

    `*_outside_span`: frames before or after the common span. `*_dropped`: frames inside the
    span that no output frame uses. `*_duplicated`: output frames that reuse a frame already
    used by another output frame.
    """
    n_out = len(lip_index)
    used_lip, used_target = len(np.unique(lip_index)), len(np.unique(target_nearest))
    lip_in, target_in = _count_inside(lip_times, span), _count_inside(target_times, span)
    return {
        "n_frames": n_out,
        "span_s": [round(span[0], 6), round(span[1], 6)],
        "lip_frames": len(lip_times),
        "lip_outside_span": len(lip_times) - lip_in,
        "lip_dropped": max(0, lip_in - used_lip),
        "lip_duplicated": n_out - used_lip,
        "target_frames": len(target_times),
        "target_outside_span": len(target_times) - target_in,
        "target_dropped": max(0, target_in - used_target),
        "target_duplicated": n_out - used_target,
    }
