"""Read one utterance's target stream with its frame times on the audio clock (t = 0 at the
start of the wav; AAA/TaL ultrasound and DLC rows start at TimeInSecsOfFirstFrame, about 1 s
later, where the recorded `.sync` channel's pulse train, one pulse per ultrasound frame, starts
too; see `artimap.data.tongue_points`).

Kinds and units:
- dlc: points (F, K, 2) float32, pixels of the tracked ultrasound video, NaN where missing.
- contour: points (F, K, 2) float32, mm from the probe origin (virtual talker truth).
- ult: raw frames (F, NV, PPV) uint8, rendered to (F, H_t, W_t) target images by
  `artimap.ultrasound.target` (raw scanlines with depth down, or the fan).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from artimap.data.audio.features import check_covers
from artimap.data.audio2tongue.sources import AudioUtterance
from artimap.data.tongue_points import CONTOUR_UNITS, DLC_UNITS, contour_points, dlc_points
from artimap.io.ult import UltParams, find_param, read_param, read_ult
from artimap.ultrasound.target import TargetRenderer

UNITS = {"dlc": DLC_UNITS, "contour": CONTOUR_UNITS, "ult": "uint8 echo intensity"}


@dataclass
class TargetStream:
    """A target stream and its frame times."""

    values: np.ndarray  # (F, K, 2) float32 points or (F, NV, PPV) uint8 raw ultrasound
    times: np.ndarray  # (F,) float64 s on the audio clock
    kind: str  # "dlc", "contour" or "ult"
    source: Path
    params: UltParams | None = None
    point_names: list[str] = field(default_factory=list)


def _params(utt: AudioUtterance) -> UltParams:
    path = utt.param if utt.param is not None else find_param(utt.target.with_suffix(".ult"))
    return read_param(path)


def read_target(utt: AudioUtterance) -> TargetStream:
    """The target stream of `utt` (module doc)."""
    if utt.kind == "dlc":
        pts, times, names = dlc_points(utt.target, _params(utt).time_first_frame)
        return TargetStream(pts, times, "dlc", utt.target, point_names=names)
    if utt.kind == "contour":
        pts, times, names = contour_points(utt.target)
        return TargetStream(pts, times, "contour", utt.target, point_names=names)
    params = _params(utt)
    frames = read_ult(utt.target, params)
    return TargetStream(frames, params.frame_times(len(frames)), "ult", utt.target, params)


def check_covered(wav: Path, duration_s: float, target: TargetStream) -> None:
    """The audio must cover every target frame: one line naming both durations if not."""
    check_covers(wav, duration_s, target.times, target.source.name)


def render(target: TargetStream, size: tuple[int, int], mode: str) -> np.ndarray:
    """The target rows: points (F, K, 2) float32 as they are, or raw ultrasound rendered to
    (F, H_t, W_t) uint8."""
    if target.kind != "ult":
        return np.asarray(target.values, np.float32)
    draw = TargetRenderer(size, mode, target.params)
    out = np.empty((len(target.values), *size), np.uint8)  # (F, H_t, W_t)
    for k, frame in enumerate(target.values):
        out[k] = draw(np.asarray(frame))
    return out
