"""Prepare one utterance: read, synchronise, crop, optical flow, render the target, save parts.

Workers run `run_job` in parallel; each writes its arrays as `<index>.<name>.npy` in the parts
folder and returns only a small manifest entry, so memory stays bounded by one utterance.

Image targets are rendered by `artimap.ultrasound.target` (raw scanlines with depth down, or
the scan-converted fan); frame-folder images are resized as they are. With `lips: measured`
the lip measurer (`artimap.lips.per_frame`) also measures the full lip frames of every row
(before the crop, at the row's lip-frame time, the first column of `source`): lips_measured
(F, 4) float32.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from artimap.data.lip2tongue.inputs import compute_flow, crop_frames
from artimap.data.lip2tongue.measured_lips import MEASURED_LIPS
from artimap.data.lip2tongue.roi import Box, check_box
from artimap.data.lip2tongue.sources import Utterance
from artimap.data.lip2tongue.streams import Target, load_lips, load_target
from artimap.data.lip2tongue.sync import SyncResult, resample, synchronise
from artimap.errors import ArtimapError
from artimap.lips.per_frame import measure_columns
from artimap.ultrasound.target import TargetRenderer, fan_image

ARRAYS = ("frames", "flow", "targets", "source")
LIP_CHOICES = ("none", "measured")  # `Settings.lips`
CHUNK = 256  # target frames rendered at a time


@dataclass(frozen=True)
class Settings:
    """What `artimap prepare lip2tongue` was asked to do (stored in the manifest)."""

    target: str = "image"  # "image" or "points"
    fps: float = 60.0  # output frame rate on the lip clock (and the rate of frame folders)
    image_size: int = 96  # side of the square cropped lip frames
    target_size: tuple[int, int] = (128, 64)  # (H_t, W_t): depth rows x scanline columns
    ultrasound: str = "raw"  # "raw" scanlines or "fan" (scan-converted)
    flow: str = "farneback"  # optical flow method
    resample: str = "nearest"  # target resampling in time: "nearest" or "linear"
    lips: str = "none"  # "measured": also measure the lips of every row (lips_measured.npy)

    def __post_init__(self) -> None:
        if self.lips not in LIP_CHOICES:
            raise ArtimapError(f"lips: {self.lips!r} is not one of {', '.join(LIP_CHOICES)}")

    def to_dict(self) -> dict:
        d = asdict(self)
        d["target_size"] = list(self.target_size)
        if self.lips == "none":  # datasets prepared without it read (and hash) as before
            del d["lips"]
        return d

    def arrays(self) -> tuple[str, ...]:
        """The arrays every utterance writes."""
        return ARRAYS + ((MEASURED_LIPS,) if self.lips == "measured" else ())


@dataclass(frozen=True)
class Job:
    """One utterance to prepare."""

    index: int  # position in the corpus (names the part files)
    utt: Utterance
    box: Box  # mouth ROI in lip video pixels
    parts: Path  # folder for the per-utterance arrays
    settings: Settings
    skip_bad: bool = False  # return the error instead of raising it


def render_target(target: Target, sync: SyncResult, settings: Settings) -> np.ndarray:
    """Target at the output frames: (F, H_t, W_t) uint8 (`artimap.ultrasound.target`) or
    (F, K, 2) float32 (NaN missing)."""
    if target.kind in ("dlc", "contour"):
        return resample(target.values, sync.target_index, sync.target_weight).astype(np.float32)
    n = len(sync.times)
    out = np.empty((n, *settings.target_size), np.uint8)  # (F, H_t, W_t)
    params = target.params if target.kind == "ult" else None
    render = TargetRenderer(settings.target_size, settings.ultrasound, params)
    for c in range(0, n, CHUNK):
        part = slice(c, c + CHUNK)
        frames = resample(target.values, sync.target_index[part], sync.target_weight[part])
        for k, frame in enumerate(frames):
            out[c + k] = render(frame)
    return out


def source_rows(sync: SyncResult, target_times: np.ndarray) -> np.ndarray:
    """Where each output row comes from: (F, 3) float64 columns lip-frame time (s), target
    frame time (s), target frame index (the left neighbour for "linear"). Ground truth is read
    at these times, so nothing downstream synchronises the streams again."""
    index = sync.target_index
    return np.stack([sync.times, target_times[index], index], 1).astype(np.float64)


def prepare_utterance(job: Job) -> dict:
    """Prepare `job.utt`, write its parts, return its manifest entry (without offset)."""
    utt, s = job.utt, job.settings
    lips, lip_times, video_fps = load_lips(utt, s.fps)
    check_box(job.box, lips.shape[1:3], utt.lips)
    target = load_target(utt, lip_times, s.fps)
    sync = synchronise(lip_times, target.times, s.fps, s.resample,
                       names=(str(utt.lips), str(target.source)))
    frames = crop_frames(lips, job.box, s.image_size)[sync.lip_index]  # (F, S, S)
    measured = measure_columns(lips[sync.lip_index]) if s.lips == "measured" else None
    del lips
    arrays = {
        "frames": frames,
        "flow": compute_flow(frames, s.flow),  # (F, 2, S, S) inputs.FLOW_DTYPE
        "targets": render_target(target, sync, s),
        "source": source_rows(sync, target.times),
    }
    if measured is not None:
        arrays[MEASURED_LIPS] = measured[0]  # (F, 4) float32
    for name, array in arrays.items():
        np.save(job.parts / f"{job.index:06d}.{name}.npy", array)
    entry = {
        "id": utt.id,
        "speaker": utt.speaker,
        "n_frames": len(frames),
        "video_fps": round(video_fps, 6),
        "sync": sync.summary,
        "files": utt.files(),
        "roi": list(job.box),
    }
    if measured is not None:
        entry["lips_confidence"] = round(measured[1], 4)
    if target.point_names:
        entry["point_names"] = target.point_names
    if s.ultrasound == "fan" and target.kind == "ult":
        entry["fan_image"] = fan_image(target.params, s.target_size)
    return entry


def run_job(job: Job) -> dict:
    """`prepare_utterance` for a worker: errors name the utterance; with `skip_bad` they are
    returned as {"id", "error"} instead of raised, so one bad file does not stop the corpus."""
    try:
        return prepare_utterance(job)
    except ArtimapError as e:
        if not job.skip_bad:
            raise ArtimapError(f"utterance {job.utt.id}: {e}") from None
        return {"id": job.utt.id, "error": str(e)}
