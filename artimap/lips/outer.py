"""An intensity-based estimate of the outer lip height: the thickness / protrusion proxy.

The labelled points are the inner lip edges and the corners, so the outer edges (the
vermilion borders) are found in the image: along the mouth's mid line (the line through the mid
top-inner and mid bottom-inner points, a band `BAND` px wide averaged), from each inner point
outwards up to `REACH` x the mouth width, the outer border is where the brightness changes
most in the direction lip -> skin (the red of the lip is darker than the skin beside it in
these grayscale close-ups). Outer height = lower border - upper border, in px; thicker or more
protruded lips give a larger outer height at the same aperture. It has no hand labels to be
checked against: treat it as a proxy, not a measurement.
"""

from __future__ import annotations

import cv2
import numpy as np

BAND = 5  # px of columns averaged either side of the mid line
REACH = 0.35  # search distance outwards from each inner point, fraction of the mouth width
SKIP = 2  # px next to the inner edge not searched (the inner edge's own contrast)


def _profile(frame: np.ndarray, x: float, y0: float, y1: float) -> tuple[np.ndarray, np.ndarray]:
    """Mean brightness of rows y0..y1 (step 1 px, clipped to the frame) in the band at x."""
    h, w = frame.shape
    ys = np.arange(max(int(round(min(y0, y1))), 0), min(int(round(max(y0, y1))), h - 1) + 1)
    xa, xb = max(int(round(x)) - BAND, 0), min(int(round(x)) + BAND + 1, w)
    if len(ys) == 0 or xb <= xa:
        return ys, np.zeros(0)
    return ys, frame[ys][:, xa:xb].astype(np.float32).mean(1)


def _border(frame: np.ndarray, x: float, y_inner: float, reach: float, up: bool) -> float:
    """y of the strongest lip -> skin brightening from y_inner outwards (NaN if none)."""
    sign = -1 if up else 1
    ys, prof = _profile(frame, x, y_inner + sign * SKIP, y_inner + sign * reach)
    if len(prof) < 5:
        return float("nan")
    grad = np.gradient(prof) * sign  # brightening while moving outwards
    return float(ys[int(np.argmax(grad))])


def outer_height(frames: np.ndarray, points: np.ndarray) -> np.ndarray:
    """(F, H, W) uint8 frames and (F, 8, 2) points -> (F,) outer lip height in px."""
    out = np.full(len(frames), np.nan)
    for f, (frame, pts) in enumerate(zip(frames, points)):
        if not np.isfinite(pts).all():
            continue
        frame = cv2.GaussianBlur(frame, (0, 0), 1.5)
        reach = REACH * float(np.linalg.norm(pts[1] - pts[0]))
        x = float((pts[4, 0] + pts[5, 0]) / 2)
        top = _border(frame, x, float(pts[4, 1]), reach, up=True)
        bottom = _border(frame, x, float(pts[5, 1]), reach, up=False)
        out[f] = bottom - top
    return out
