"""`artimap contour`: tongue contours of a whole recording, written as CSV, DeepLabCut CSV and
an overlay video (the library side; the handler is `artimap.commands.contour`).

Raw `.ult` frames are searched along their scanlines (`extract_raw`) and drawn on a fan image
of the recording's own geometry; fan images are searched along rays from the apex
(`extract_fan`), of the exact fan when the probe geometry is known, else of a fan estimated
from the frames (`estimate_fan`).
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from tqdm import tqdm

from artimap.errors import ArtimapError
from artimap.fsutil import atomic_path
from artimap.io.dlc import write_dlc_csv
from artimap.io.video import write_video
from artimap.ultrasound.contour import (
    ContourConfig,
    estimate_fan,
    extract_fan,
    extract_raw,
    fan_mask,
    scanline_spacing,
)
from artimap.ultrasound.contour_source import ContourSource
from artimap.ultrasound.scanconv import ScanConverter


@dataclass
class Contours:
    """Contours of every frame of a source."""

    px: np.ndarray  # (F, L, 2) x, y in pixels of the drawn fan images; NaN = line rejected
    mm: np.ndarray | None  # (F, L, 2) x, y mm from the probe origin (y away from it), or None
    origin: tuple[float, float]  # the fan's apex in pixels (x, y)
    up: float  # -1: the fan opens towards smaller y (probe at the bottom), +1 otherwise


CHUNK = 128  # frames extracted at a time (one progress step; frames are independent)


def _chunked(extract: Callable[[np.ndarray], np.ndarray], frames: np.ndarray) -> np.ndarray:
    """extract(frames[i:i + CHUNK]) over the whole recording, concatenated, with a progress
    bar on stderr (on a terminal)."""
    parts = []
    with tqdm(total=len(frames), unit="frame", desc="contours", file=sys.stderr,
              disable=None, leave=False) as bar:
        for i in range(0, len(frames), CHUNK):
            parts.append(extract(frames[i:i + CHUNK]))
            bar.update(len(parts[-1]))
    return np.concatenate(parts)


def extract_source(src: ContourSource, cfg: ContourConfig | None = None, n_rays: int = 160
                   ) -> Contours:
    """Extract the contour of every frame of `src` (see the module docstring)."""
    up = -1.0 if src.probe == "bottom" else 1.0
    if src.kind == "ult":
        geo, fan = src.geometry, src.fan
        raw = _chunked(lambda f: extract_raw(f, cfg, scanline_spacing(geo)), src.frames)
        mm = np.stack(geo.raw_to_mm(raw[..., 0], raw[..., 1]), -1)  # raw: (F, NV, 2)
        px = np.stack(fan.mm_to_pixel(mm[..., 0], mm[..., 1]), -1)
        return Contours(px, mm, tuple(float(v) for v in fan.mm_to_pixel(0.0, 0.0)), up)
    if src.fan is not None:
        px = _chunked(lambda f: extract_fan(f, src.fan, cfg, n_rays), src.frames)
        mm = np.stack(src.fan.pixel_to_mm(px[..., 0], px[..., 1]), -1)
        return Contours(px, mm, tuple(float(v) for v in src.fan.mm_to_pixel(0.0, 0.0)), up)
    mask = fan_mask(src.frames)  # one fan for the whole recording, as the evaluation uses
    try:
        geo = estimate_fan(src.frames, src.probe, mask)
    except ValueError as e:
        why = str(e).split(";")[0].removeprefix("estimate_fan: ")
        raise ArtimapError(f"{src.path}: no ultrasound fan found in the frames ({why}); check "
                           "--probe, or give --param when artimap scan-converted them") from None
    return Contours(_chunked(lambda f: extract_fan(f, geo, cfg, n_rays, mask), src.frames),
                    None, geo.origin, up)


def display_frames(src: ContourSource) -> np.ndarray:
    """The frames as drawn: (F, H, W) uint8 (raw recordings scan-converted onto `src.fan`)."""
    if src.kind != "ult":
        return np.asarray(src.frames, np.uint8)

    conv = ScanConverter(src.params, src.fan.size, flip_vertical=True)
    return np.asarray(conv(np.asarray(src.frames)), np.uint8)


def _cell(v: float, digits: int) -> str:
    return "" if not np.isfinite(v) else f"{v:.{digits}f}"


def write_contour_csv(path: str | Path, src: ContourSource, c: Contours) -> None:
    """One row per frame and contour point: frame, name, time_s, point, x_px, y_px[, x_mm,
    y_mm]; empty cells where the line was rejected (time empty for image folders)."""
    head = ["frame", "name", "time_s", "point", "x_px", "y_px"]
    head += ["x_mm", "y_mm"] if c.mm is not None else []
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(head)
        for f in range(len(c.px)):
            t = "" if src.times is None else f"{src.times[f]:.6f}"
            for k in range(c.px.shape[1]):
                row = [f, src.names[f], t, k, _cell(c.px[f, k, 0], 2), _cell(c.px[f, k, 1], 2)]
                if c.mm is not None:
                    row += [_cell(c.mm[f, k, 0], 3), _cell(c.mm[f, k, 1], 3)]
                w.writerow(row)


def write_contour_dlc(path: str | Path, src: ContourSource, c: Contours) -> None:
    """The contours as a DeepLabCut CSV: body parts c000, c001, ... (x, y pixels of the drawn
    frames), indexed by image name for image folders and by frame number otherwise."""

    parts = [f"c{k:03d}" for k in range(c.px.shape[1])]
    index = list(src.names) if src.kind == "frames" else list(range(len(c.px)))
    write_dlc_csv(path, c.px, parts, index)


def _runs(points: np.ndarray) -> list[np.ndarray]:
    """Runs of finite points (K, 2) as int32 polylines (K', 1, 2) for cv2.polylines."""
    ok = np.isfinite(points).all(axis=1)
    cuts = np.flatnonzero(np.diff(ok.astype(int)) != 0) + 1
    return [np.rint(points[r]).astype(np.int32)[:, None] for r in np.split(np.arange(len(ok)), cuts)
            if ok[r[0]] and len(r) > 1]


def overlay(frames: np.ndarray, c: Contours, labels: np.ndarray | None = None) -> np.ndarray:
    """Contours drawn on the frames: (F, H, W) uint8 -> (F, H, W, 3) BGR; the extracted contour
    in yellow, hand labels (F, K, 2) (NaN = none for that frame) in magenta."""

    out = np.repeat(np.asarray(frames, np.uint8)[..., None], 3, axis=-1)
    for f in range(len(out)):
        cv2.polylines(out[f], _runs(c.px[f]), False, (0, 255, 255), 1, cv2.LINE_AA)
        if labels is not None:
            cv2.polylines(out[f], _runs(labels[f]), False, (255, 0, 255), 1, cv2.LINE_AA)
    return out


def write_overlay(path: str | Path, src: ContourSource, c: Contours,
                  labels: np.ndarray | None = None) -> None:
    """`overlay` of the drawn frames, written as a video at the source's frame rate."""

    write_video(path, overlay(display_frames(src), c, labels), src.fps)
