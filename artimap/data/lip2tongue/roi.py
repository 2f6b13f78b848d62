"""Mouth region of interest: a manual box or an automatic one (cropping is in `inputs`).

A box is (x, y, w, h) in pixels of the lip video (x to the right, y down, from the top-left).

The automatic box looks for the region that changes most over an utterance (or over several
utterances of one speaker): frames are shrunk and blurred, each frame's mean brightness is
removed and a moving average over `HIGHPASS_S` seconds is subtracted per pixel, so slow
illumination drift and global flicker do not count as motion. The temporal standard deviation
of what remains is the motion energy (H', W'). Pixels above a threshold between the median and
the top of the map (its 98th percentile) form regions; the region with the most energy, counted
with values clipped at that top, wins (small flickering overlays such as a burnt-in timecode
lose against the lips).

Motion alone misses the lip corners, which hardly move, and on close-up recordings (lips
spanning most of the frame) the corners are far outside the moving centre. The line between the
lips, though, is dark and runs from corner to corner, so a second map measures darkness: the
mean over frames of a vertical black-hat (how much darker a pixel is than the brightest of its
neighbours `DARK_KERNEL` of the frame height above and below it), which keeps thin dark
horizontal structures (the lip line, the mouth opening's edges) and drops large dark areas
(background). Dark regions above `DARK_THRESHOLD` that overlap the moving region join it, so
the box reaches the corners; dark structures elsewhere (frame edges, overlays) do not. The
joined bounding box is padded by `margin` on every side and widened on its shorter side until
the aspect ratio is at most `max_aspect`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import cv2
import numpy as np
from scipy import ndimage

from artimap.data.lip2tongue.inputs import to_gray
from artimap.errors import ArtimapError, file_error

ENERGY_SIDE = 160  # longer side of the shrunk frames the energy map is computed on
HIGHPASS_S = 0.5  # seconds of the per-pixel moving average removed before measuring change
TOP_PERCENTILE = 98.0  # "top of the map": robust to small, very bright overlays
THRESHOLD = 0.4  # region threshold: median + THRESHOLD * (top - median)
DARK_KERNEL = 0.12  # height of the black-hat's vertical line, as a fraction of the frame height
DARK_THRESHOLD = 0.2  # dark-region threshold: median + DARK_THRESHOLD * (top - median)


class Box(NamedTuple):
    """A crop box in video pixels."""

    x: int
    y: int
    w: int
    h: int


def parse_box(text: str) -> Box:
    """Parse 'X,Y,W,H' (pixels) into a Box."""
    parts = text.replace(" ", "").split(",")
    try:
        x, y, w, h = (int(round(float(p))) for p in parts)
    except ValueError:
        raise ArtimapError(f"ROI {text!r} is not X,Y,W,H (four numbers in pixels), "
                           "e.g. --roi 80,60,160,120") from None
    if w <= 0 or h <= 0 or x < 0 or y < 0:
        raise ArtimapError(f"ROI {text!r}: x and y must be >= 0 and w and h positive")
    return Box(x, y, w, h)


def parse_roi_spec(text: str) -> str | Box | dict[str, Box]:
    """`--roi`: 'auto', 'X,Y,W,H' for every video, or a JSON file {speaker: [x, y, w, h]}.

    In the JSON file the key "*" applies to speakers without their own box.
    """
    if text == "auto":
        return "auto"
    path = Path(text)
    if path.suffix.lower() == ".json":
        try:
            table = json.loads(path.read_text(encoding="utf-8"))
            return {str(k): parse_box(",".join(str(v) for v in box)) for k, box in table.items()}
        except (OSError, ValueError, AttributeError, TypeError) as e:
            raise file_error(path, f"cannot read the ROI table ({e})",
                             'Write JSON like {"spk1": [x, y, w, h], "*": [x, y, w, h]}') from e
    return parse_box(text)


def box_for(spec: str | Box | dict[str, Box], speaker: str) -> Box | None:
    """The manual box of `speaker` under `spec`, or None when the box is automatic."""
    if isinstance(spec, Box):
        return spec
    if isinstance(spec, dict):
        box = spec.get(speaker, spec.get("*"))
        if box is None:
            raise ArtimapError(f"ROI table has no box for speaker {speaker!r} and no '*' entry")
        return box
    return None


def mouth_maps(frames: np.ndarray, fps: float = 60.0) -> np.ndarray:
    """Motion energy and darkness of a video (F, H, W) uint8: (2, H', W') float32, longer side
    ENERGY_SIDE. Maps of several videos of one frame size may be summed before `maps_box`."""
    f, h, w = frames.shape[:3]
    scale = min(1.0, ENERGY_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    line = cv2.getStructuringElement(
        cv2.MORPH_RECT, (1, max(3, int(round(DARK_KERNEL * size[1])) | 1)))
    small = np.empty((f, size[1], size[0]), np.float32)  # (F, H', W')
    dark = np.zeros((size[1], size[0]), np.float32)  # (H', W')
    for k in range(f):
        frame = to_gray(frames[k])
        small[k] = cv2.GaussianBlur(cv2.resize(frame, size, interpolation=cv2.INTER_AREA)
                                    .astype(np.float32), (0, 0), 1.5)
        dark += cv2.morphologyEx(small[k], cv2.MORPH_BLACKHAT, line)
    small -= small.mean(axis=(1, 2), keepdims=True)  # global flicker / gain changes
    window = max(3, int(round(HIGHPASS_S * fps)) | 1)
    small -= ndimage.uniform_filter1d(small, window, axis=0, mode="nearest")  # slow drift
    return np.stack([small.std(axis=0), dark / f])


def _above(smooth: np.ndarray, threshold: float) -> np.ndarray:
    """Boolean map (H', W') of `smooth` above median + threshold * (top - median)."""
    lo, hi = np.percentile(smooth, [50, TOP_PERCENTILE])
    return smooth > lo + threshold * (hi - lo)


def energy_box(energy: np.ndarray, frame_hw: tuple[int, int], margin: float = 0.15,
               max_aspect: float = 1.25, dark: np.ndarray | None = None) -> Box:
    """The box around the strongest moving region of `energy` (H', W'), in frame pixels,
    grown by the regions of the darkness map `dark` (H', W') that overlap it."""
    h, w = frame_hw
    smooth = cv2.GaussianBlur(energy.astype(np.float32), (0, 0), 2.0)
    lo, hi = np.percentile(smooth, [50, TOP_PERCENTILE])
    if not hi > lo:
        raise ArtimapError("the video does not change over time, so no mouth region can be "
                           "found automatically; pass --roi X,Y,W,H")
    labels, n = ndimage.label(smooth > lo + THRESHOLD * (hi - lo))
    # Clipping at `hi` makes a region's weight grow with its area, not its peak.
    sums = ndimage.sum(np.minimum(smooth, hi) - lo, labels, index=np.arange(1, n + 1))
    region = labels == 1 + int(np.argmax(sums))
    if dark is not None:
        band = np.zeros_like(region)
        rows = np.nonzero(region.any(axis=1))[0]
        band[rows.min():rows.max() + 1] = True  # dark structures within the mouth's rows
        dark_labels, _ = ndimage.label(band & _above(cv2.GaussianBlur(
            dark.astype(np.float32), (0, 0), 1.0), DARK_THRESHOLD))
        touching = np.unique(dark_labels[region & (dark_labels > 0)])
        region = region | np.isin(dark_labels, touching)
    ys, xs = np.nonzero(region)
    sy, sx = h / energy.shape[0], w / energy.shape[1]
    x0, x1 = xs.min() * sx, (xs.max() + 1) * sx
    y0, y1 = ys.min() * sy, (ys.max() + 1) * sy
    return pad_box(x0, y0, x1 - x0, y1 - y0, frame_hw, margin, max_aspect)


def maps_box(maps: np.ndarray, frame_hw: tuple[int, int], **kwargs) -> Box:
    """`energy_box` of `mouth_maps` output (2, H', W') (or their sum over videos)."""
    return energy_box(maps[0], frame_hw, dark=maps[1], **kwargs)


def pad_box(x: float, y: float, bw: float, bh: float, frame_hw: tuple[int, int],
            margin: float, max_aspect: float) -> Box:
    """Pad a box by `margin` of its size per side, limit w/h to `max_aspect`, fit the frame.

    When the frame stops the shorter side from growing, the longer side's margin shrinks to
    keep the aspect limit, but never below the unpadded box (lips spanning most of a frame).
    """
    h, w = frame_hw
    cx, cy = x + bw / 2, y + bh / 2
    inner_w, inner_h = bw, bh
    bw, bh = bw * (1 + 2 * margin), bh * (1 + 2 * margin)
    bw, bh = max(bw, bh / max_aspect), max(bh, bw / max_aspect)
    bw, bh = min(bw, w), min(bh, h)
    bw = min(bw, max(inner_w, bh * max_aspect))
    bh = min(bh, max(inner_h, bw * max_aspect))
    x0 = int(round(min(max(cx - bw / 2, 0), w - bw)))
    y0 = int(round(min(max(cy - bh / 2, 0), h - bh)))
    return Box(x0, y0, max(1, min(int(round(bw)), w - x0)), max(1, min(int(round(bh)), h - y0)))


def auto_box(frames: np.ndarray, fps: float = 60.0, **kwargs) -> Box:
    """Automatic mouth box of one video (F, H, W) uint8; kwargs go to `energy_box`."""
    return maps_box(mouth_maps(frames, fps), frames.shape[1:3], **kwargs)


def check_box(box: Box, frame_hw: tuple[int, int], video: str | Path) -> None:
    """Raise ArtimapError naming `video` when `box` does not fit inside its frames (H, W)."""
    h, w = frame_hw
    if box.x + box.w > w or box.y + box.h > h:
        raise file_error(video, f"ROI {tuple(box)} (x, y, w, h) does not fit in the {w}x{h} "
                         "frames", "Pass a smaller --roi box or --roi auto")
