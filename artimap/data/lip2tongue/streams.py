"""Read one utterance's streams: lip frames with their times, and the target with its times.

Targets and their units:
- ult (AAA / talker `.ult`): raw frames (F_t, NV, PPV) uint8, read lazily (memory map).
- dlc (TaL DeepLabCut CSV): points (F_t, K, 2) float, pixels x, y of the ultrasound video the
  tracker saw; NaN below MIN_LIKELIHOOD. Row k is at TimeInSecsOfFirstFrame + k / DLC_FPS.
- contour (virtual talker truth): points (F_t, K, 2) float, x_mm, y_mm from the probe origin
  (x towards the tongue tip, y away from the probe); points run from the root (0) to the tip.
- frames (SSC folders): ultrasound images (F_t, H, W) uint8 paired with the lip frames by index.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from artimap.data.lip2tongue.durations import check_ult_duration
from artimap.data.lip2tongue.sources import Utterance
from artimap.data.lip2tongue.sync import stream_times
from artimap.data.tongue_points import CONTOUR_UNITS, DLC_FPS, DLC_UNITS, MIN_LIKELIHOOD
from artimap.errors import file_error
from artimap.io.dlc import read_dlc_csv
from artimap.io.frames import read_frame_folder
from artimap.io.ult import UltParams, find_param, read_param, read_ult
from artimap.io.video import read_video
from artimap.synth.truth import read_contour_csv

# A points file may end this much after the lip video (rounding of its frame count); more means
# it was not tracked on this recording's common span.
POINTS_OVERRUN_S = 0.05
UNITS = {
    "ult": "uint8 echo intensity",
    "frames": "uint8 image intensity",
    "dlc": DLC_UNITS,
    "contour": CONTOUR_UNITS,
}


@dataclass
class Target:
    """A target stream before synchronisation."""

    values: np.ndarray  # (F_t, NV, PPV) uint8, (F_t, H, W) uint8 or (F_t, K, 2) float
    times: np.ndarray  # (F_t,) seconds on the lip clock
    kind: str  # "ult", "frames", "dlc" or "contour"
    source: Path  # the file or folder, for messages
    params: UltParams | None = None  # geometry of "ult" targets
    point_names: list[str] = field(default_factory=list)  # K names of point targets


def _params(utt: Utterance) -> tuple[UltParams, Path]:
    path = utt.param if utt.param is not None else find_param(utt.lips.with_suffix(".ult"))
    return read_param(path), path


def read_lip_stream(path: Path, frames_fps: float = 60.0) -> tuple[np.ndarray, np.ndarray, float]:
    """Lip frames (F_l, H, W) uint8 grey, their times (F_l,) s on the lip clock, and the rate,
    of a lip video or lip frame folder `path`. Prepare and predict both read lips here.

    Frame folders have no clock of their own: they are taken to run at `frames_fps`. A video
    without a frame rate is an error (a guessed rate would put its frames on a wrong clock).
    """
    path = Path(path)
    if path.is_dir():
        frames, fps = read_frame_folder(path), frames_fps
    else:
        frames, fps = read_video(path, gray=True)
        if not fps > 0:
            raise file_error(path, "the video reports no frame rate",
                             "Re-encode it with ffmpeg, stating -r")
    return frames, stream_times(len(frames), fps), fps


def load_lips(utt: Utterance, frames_fps: float = 60.0) -> tuple[np.ndarray, np.ndarray, float]:
    """`read_lip_stream` of the utterance's lips: frames (F_l, H, W) uint8, times (F_l,), rate."""
    return read_lip_stream(utt.lips, frames_fps)


def load_target(utt: Utterance, lip_times: np.ndarray, frames_fps: float = 60.0) -> Target:
    """Read the target stream of `utt`; `lip_times` (F_l,) checks points files' length."""
    if utt.kind == "ult":
        params, param_path = _params(utt)
        values = read_ult(utt.target, params)
        lip_seconds = float(lip_times[-1] - lip_times[0]) if len(lip_times) > 1 else 0.0
        check_ult_duration(utt.target, param_path, params, len(values), utt.lips, lip_seconds)
        return Target(values, params.frame_times(len(values)), "ult", utt.target, params)
    if utt.kind == "frames":
        n_lips = len(lip_times)  # one time per lip frame
        values = read_frame_folder(utt.target)
        if len(values) != n_lips:
            raise file_error(utt.target, f"{len(values)} ultrasound frames but {n_lips} lip "
                             f"frames in {utt.lips}", "Frames are paired by index; remove "
                             "the extra frames or fix the export")
        return Target(values, stream_times(len(values), frames_fps), "frames", utt.target)
    if utt.kind == "dlc":
        return _dlc(utt, lip_times)
    return _contour(utt)


def _dlc(utt: Utterance, lip_times: np.ndarray) -> Target:
    params, param_path = _params(utt)
    dlc = read_dlc_csv(utt.target, min_likelihood=MIN_LIKELIHOOD)
    times = stream_times(len(dlc.points), DLC_FPS, params.time_first_frame)
    if len(times) and len(lip_times) and times[-1] > lip_times[-1] + POINTS_OVERRUN_S:
        raise file_error(
            utt.target,
            f"points run {times[-1] - lip_times[-1]:.3f} s past the end of the lip video "
            f"{utt.lips.name} ({len(times)} rows from {params.time_first_frame:.3f} s at "
            f"{DLC_FPS:g} rows/s end at {times[-1]:.3f} s; the video ends at "
            f"{lip_times[-1]:.3f} s)",
            f"The rows must be tracked on the common span of this recording at {DLC_FPS:g} "
            f"fps starting at TimeInSecsOfFirstFrame of {param_path.name}; check the file "
            "belongs to this video, or pass --skip-bad",
        )
    pts = dlc.points.astype(np.float32)  # (F_t, K, 2)
    return Target(pts, times, "dlc", utt.target, params, list(dlc.bodyparts))


def _contour(utt: Utterance) -> Target:
    if not utt.target.is_file():
        raise file_error(utt.target, "contour file not found",
                         "Regenerate the corpus, or use --target image")
    times, _, mm = read_contour_csv(utt.target)
    names = [f"p{k}" for k in range(mm.shape[1])]
    return Target(np.asarray(mm, np.float32), np.asarray(times, np.float64), "contour",
                  utt.target, point_names=names)
