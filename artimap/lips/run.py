"""`artimap lips VIDEO|FRAMES_DIR --out DIR`: measure the lips of every frame and write them.

Outputs (written into a temporary folder renamed onto DIR when complete):
- lips.csv: per frame the 8 points (px), aperture, width, area, roundness, outer height and
  confidence;
- lips_dlc.csv: the points as a DeepLabCut CSV (`artimap.io.dlc.read_dlc_csv` reads it, and so
  does DeepLabCut's labelling GUI);
- overlay.mp4: the frames with the points and the aperture drawn;
- summary.json: input, model, calibration, per-measure statistics, speed.

Confidence = exp(-s / (0.02 W)), s the mean distance (px) between the points predicted on the
frame and on its mirror image, W the frame width: 1 when both agree, 0.37 when they differ by
2 % of the width (6.4 px on a 320 px frame).
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from artimap.errors import file_error
from artimap.fsutil import atomic_dir, atomic_path, atomic_write_json
from artimap.io.dlc import write_dlc_csv
from artimap.io.frames import list_frames, read_image
from artimap.io.video import read_video, write_video
from artimap.lips.calibrate import Calibration
from artimap.lips.data import POINTS
from artimap.lips.measures import MEASURES, measures
from artimap.lips.model import LipNet
from artimap.lips.outer import outer_height
from artimap.lips.predict import predict_frames

CONF_SCALE = 0.02  # spread (fraction of the frame width) at which confidence is 1/e
MARKER = "summary.json"  # every output folder of `artimap lips` holds this


@dataclass
class LipTrack:
    """Measured lips of F frames."""

    points: np.ndarray  # (F, 8, 2) px
    values: dict[str, np.ndarray]  # measure name -> (F,), MEASURES plus outer_height
    confidence: np.ndarray  # (F,) in (0, 1]
    seconds: float  # model time (both passes), for the speed in the summary


def read_input(path: str | Path) -> tuple[np.ndarray, float, list[str | int]]:
    """A video or a folder of frames -> ((F, H, W) uint8, fps, F index entries: frame numbers
    for a video, image names for a folder). A folder has no rate: fps 60 (TaL's)."""
    path = Path(path)
    if path.is_dir():
        files = list_frames(path)
        frames = [read_image(f) for f in files]
        if len({f.shape for f in frames}) > 1:
            raise file_error(path, "the frames differ in size", "Give one recording per folder")
        return np.stack(frames), 60.0, [f.name for f in files]
    if not path.exists():
        raise file_error(path, "no such video or frame folder", "Check the path")
    frames, fps = read_video(path, gray=True)
    return frames, fps, list(range(len(frames)))


def measure_lips(frames: np.ndarray, model: LipNet, calibration: Calibration | None = None,
                 scales: tuple[float, ...] = (1.0,)) -> LipTrack:
    """Predict and measure the lips of (F, H, W) uint8 frames (`scales`: test-time zooms)."""
    start = time.perf_counter()
    pred = predict_frames(model, frames, scales=scales)
    seconds = time.perf_counter() - start
    points = pred.points
    if calibration is not None:
        points = calibration.apply(points, pred.features)
    values = measures(points)
    values["outer_height"] = outer_height(frames, points)
    conf = np.exp(-pred.spread.mean(1) / (CONF_SCALE * frames.shape[2]))
    return LipTrack(points, values, conf, seconds)


def overlay_frames(frames: np.ndarray, track: LipTrack) -> np.ndarray:
    """(F, H, W) uint8 -> (F, H, W, 3) BGR with the points, the mouth outline and the values."""
    out = np.stack([cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in frames])
    for img, pts, ap, conf in zip(out, track.points, track.values["aperture"],
                                  track.confidence):
        poly = np.round(pts[[0, 2, 4, 6, 1, 7, 5, 3]]).astype(np.int32)
        cv2.polylines(img, [poly], True, (0, 200, 255), 1, cv2.LINE_AA)
        for k, (x, y) in enumerate(pts):
            colour = (0, 255, 0) if k < 2 else (0, 0, 255)
            cv2.circle(img, (int(round(x)), int(round(y))), 3, colour, -1, cv2.LINE_AA)
        cv2.putText(img, f"aperture {ap:.1f}px conf {conf:.2f}", (5, 15),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45, (255, 255, 0), 1, cv2.LINE_AA)
    return out


def write_table(path: Path, track: LipTrack, index: list[str | int], fps: float) -> None:
    """lips.csv: one row per frame."""
    names = list(MEASURES) + ["outer_height"]
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["frame", "time_s"] + [f"{p}_{c}" for p in POINTS for c in "xy"]
                   + names + ["confidence"])
        for f, name in enumerate(index):
            row = [name, f"{f / fps:.4f}"] + [f"{v:.2f}" for v in track.points[f].ravel()]
            row += [f"{track.values[n][f]:.4f}" for n in names]
            w.writerow(row + [f"{track.confidence[f]:.3f}"])


def summarise(track: LipTrack, source: str, fps: float, model: str,
              calibration: str | None) -> dict:
    """summary.json's content."""
    stats = {}
    for name, v in track.values.items():
        v = v[np.isfinite(v)]
        stats[name] = {"mean": float(v.mean()), "sd": float(v.std()),
                       "p5": float(np.percentile(v, 5)), "p95": float(np.percentile(v, 95))
                       } if len(v) else {}
    n = len(track.points)
    return {"source": source, "n_frames": n, "fps": fps, "model": model,
            "calibration": calibration, "measures": stats,
            "confidence_mean": float(track.confidence.mean()),
            "model_frames_per_s": n / max(track.seconds, 1e-9),
            "units": "px of the input frames; area px^2"}


def write_outputs(out: Path, frames: np.ndarray, track: LipTrack, index: list[str | int],
                  fps: float, summary: dict, overwrite: bool = False) -> None:
    """Write lips.csv, lips_dlc.csv, overlay.mp4 and summary.json into `out`."""
    with atomic_dir(out, overwrite=overwrite, marker=MARKER) as tmp:
        write_table(tmp / "lips.csv", track, index, fps)
        dlc_index = index if isinstance(index[0], str) else [int(i) for i in index]
        write_dlc_csv(tmp / "lips_dlc.csv", track.points, list(POINTS), dlc_index)
        write_video(tmp / "overlay.mp4", overlay_frames(frames, track), fps)
        atomic_write_json(tmp / MARKER, summary)
