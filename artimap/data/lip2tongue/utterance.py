"""Prepare one utterance: read, synchronise, crop, optical flow, render the target, save parts.

Workers run `run_job` in parallel; each writes its arrays as `<index>.<name>.npy` in the parts
folder and returns only a small manifest entry, so memory stays bounded by one utterance.

Image targets: raw ultrasound (F_t, NV, PPV) is transposed so depth runs down the image (row =
echo sample, sample 0 at the top; column = scanline, scanline 0 on the left) and resized to
(H_t, W_t); "fan" scan-converts (probe at the top, as `ScanConverter` draws it) at four times the
target size and shrinks it, so the fan is not aliased. Frame-folder images are resized as they are.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import cv2
import numpy as np

from artimap.data.lip2tongue.inputs import compute_flow, crop_frames
from artimap.data.lip2tongue.roi import Box, check_box
from artimap.data.lip2tongue.sources import Utterance
from artimap.data.lip2tongue.streams import Target, load_lips, load_target
from artimap.data.lip2tongue.sync import SyncResult, resample, synchronise
from artimap.errors import ArtimapError

ARRAYS = ("frames", "flow", "targets")
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

    def to_dict(self) -> dict:
        d = asdict(self)
        d["target_size"] = list(self.target_size)
        return d


@dataclass(frozen=True)
class Job:
    """One utterance to prepare."""

    index: int  # position in the corpus (names the part files)
    utt: Utterance
    box: Box  # mouth ROI in lip video pixels
    parts: Path  # folder for the per-utterance arrays
    settings: Settings
    skip_bad: bool = False  # return the error instead of raising it


def resize_image(img: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Resize (H, W) to (H_o, W_o): area averaging on shrunk axes, linear on enlarged ones."""
    h, w = img.shape
    step = cv2.resize(img, (min(w, hw[1]), min(h, hw[0])), interpolation=cv2.INTER_AREA)
    if step.shape != tuple(hw):
        step = cv2.resize(step, (hw[1], hw[0]), interpolation=cv2.INTER_LINEAR)
    return step


def render_target(target: Target, sync: SyncResult, settings: Settings) -> np.ndarray:
    """Target at the output frames: (F, H_t, W_t) uint8 or (F, K, 2) float32 (NaN missing)."""
    if target.kind in ("dlc", "contour"):
        return resample(target.values, sync.target_index, sync.target_weight).astype(np.float32)
    n = len(sync.times)
    out = np.empty((n, *settings.target_size), np.uint8)  # (F, H_t, W_t)
    convert = _fan_converter(target, settings)
    for c in range(0, n, CHUNK):
        part = slice(c, c + CHUNK)
        frames = resample(target.values, sync.target_index[part], sync.target_weight[part])
        for k, frame in enumerate(frames):
            if convert is not None:
                img = convert(frame)
            elif target.kind == "ult":
                img = np.ascontiguousarray(frame.T)  # (PPV, NV): depth down, scanlines across
            else:
                img = frame
            out[c + k] = resize_image(img, settings.target_size)
    return out


def _fan_converter(target: Target, settings: Settings):
    if settings.ultrasound != "fan" or target.kind != "ult":
        return None
    from artimap.ultrasound.scanconv import ScanConverter

    h, w = settings.target_size
    return ScanConverter(target.params, (4 * h, 4 * w))


def fan_image(target: Target, settings: Settings) -> dict | None:
    """The exact geometry of the rendered fan targets (`FanImage.to_dict`), None otherwise.

    Shrinking the 4x fan by area averaging keeps the box on the pixel edges, so the target is
    the same fan fitted to (H_t, W_t)."""
    if settings.ultrasound != "fan" or target.kind != "ult":
        return None
    from artimap.ultrasound.geometry import FanImage, ProbeGeometry

    geometry = ProbeGeometry.from_params(target.params)
    return FanImage.fit(geometry, settings.target_size).to_dict()


def prepare_utterance(job: Job) -> dict:
    """Prepare `job.utt`, write its parts, return its manifest entry (without offset)."""
    utt, s = job.utt, job.settings
    lips, lip_times, video_fps = load_lips(utt, s.fps)
    check_box(job.box, lips.shape[1:3], utt.lips)
    target = load_target(utt, lip_times, s.fps)
    sync = synchronise(lip_times, target.times, s.fps, s.resample,
                       names=(str(utt.lips), str(target.source)))
    frames = crop_frames(lips, job.box, s.image_size)[sync.lip_index]  # (F, S, S)
    del lips
    arrays = {
        "frames": frames,
        "flow": compute_flow(frames, s.flow),  # (F, 2, S, S) inputs.FLOW_DTYPE
        "targets": render_target(target, sync, s),
    }
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
    if target.point_names:
        entry["point_names"] = target.point_names
    fan = fan_image(target, s)
    if fan is not None:
        entry["fan_image"] = fan
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
