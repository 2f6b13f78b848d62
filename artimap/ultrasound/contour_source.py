"""Ultrasound inputs of `artimap contour`: raw AAA recordings, fan videos and image folders.

Every source becomes a `ContourSource`: the frames searched, their names and times, and what is
known of the probe geometry. Raw `.ult` frames (F, NV, PPV) are searched scanline by scanline
and shown scan-converted (`fan`, probe at the bottom); fan videos and image folders are searched
along rays from the fan's apex. Their pixels map to mm only when the recording's `.param` /
`US.txt` is given and the images are the fan's bounding box stretched onto the frame, as
artimap's own scan conversion writes them (`FanImage.fit(geometry, (H, W))`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.frames import list_frames, read_frame_folder
from artimap.io.ult import UltParams, find_param, read_param, read_ult
from artimap.io.video import read_video
from artimap.ultrasound.geometry import FanImage, ProbeGeometry

VIDEO_SUFFIXES = (".mp4", ".avi", ".mov", ".mkv")
FAN_SIDE = 480  # longer side of the fan image a raw recording is drawn on (pixels)


@dataclass
class ContourSource:
    """Frames to search and how their pixels relate to the probe."""

    frames: np.ndarray  # (F, NV, PPV) raw scanlines (kind "ult") or (F, H, W) uint8 fan images
    kind: str  # "ult", "video" or "frames"
    names: list[str]  # F frame names (image file names, else "frame<k>")
    times: np.ndarray | None  # (F,) seconds on the recording's clock, None for image folders
    fps: float  # frame rate (of the overlay video for image folders)
    geometry: ProbeGeometry | None = None  # the probe, when known
    fan: FanImage | None = None  # pixels <-> mm of the fan images (drawn ones for "ult")
    probe: str = "bottom"  # fan images: "bottom" (fan opens upward) or "top"
    path: str = ""
    params: UltParams | None = None  # the raw recording's parameters (kind "ult")


def _geometry(param: str | Path | None) -> ProbeGeometry | None:
    if param is None:
        return None

    return ProbeGeometry.from_params(read_param(param))


def _fan_for(geometry: ProbeGeometry | None, size: tuple[int, int], probe: str
             ) -> FanImage | None:
    if geometry is None:
        return None
    return FanImage.fit(geometry, size, flip_vertical=probe == "bottom")


def _load_ult(path: Path, param: str | Path | None) -> ContourSource:
    params = read_param(param if param is not None else find_param(path))
    frames = np.asarray(read_ult(path, params))  # (F, NV, PPV)
    geo = ProbeGeometry.from_params(params)
    fan = FanImage.fit(geo, max_side=FAN_SIDE, flip_vertical=True)
    names = [f"frame{k}" for k in range(len(frames))]
    return ContourSource(frames, "ult", names, params.frame_times(len(frames)),
                         params.frames_per_sec, geo, fan, "bottom", str(path), params)


def load_source(path: str | Path, param: str | Path | None = None, probe: str = "bottom",
                fps: float = 30.0) -> ContourSource:
    """Read `path`: a `.ult` (its `.param`/`US.txt` found beside it unless `param` is given),
    a video (.mp4, .avi, .mov, .mkv) or a folder of images (see `artimap.io.frames`).

    param: the recording's parameter file; for videos and images it gives mm (see module
    docstring). probe: where the probe is in fan images. fps: frame rate given to image folders.
    """
    path = Path(path)
    if probe not in ("bottom", "top"):
        raise file_error(path, f"probe must be 'bottom' or 'top', got {probe!r}",
                         "Use --probe bottom (fan opens upward) or --probe top")
    if path.is_dir():
        frames = read_frame_folder(path)
        names = [p.name for p in list_frames(path)]
        geo = _geometry(param)
        return ContourSource(frames, "frames", names, None, fps, geo,
                             _fan_for(geo, frames.shape[1:], probe), probe, str(path))
    if not path.is_file():
        raise file_error(path, "no such file or folder", "Check the path")
    suffix = path.suffix.lower()
    if suffix == ".ult":
        return _load_ult(path, param)
    if suffix in VIDEO_SUFFIXES:
        frames, rate = read_video(path)
        geo = _geometry(param)
        return ContourSource(frames, "video", [f"frame{k}" for k in range(len(frames))],
                             np.arange(len(frames)) / rate, rate, geo,
                             _fan_for(geo, frames.shape[1:], probe), probe, str(path))
    raise file_error(path, f"unsupported input {suffix!r}",
                     "Give an AAA .ult, a video (.mp4/.avi/.mov/.mkv) or a folder of images")
