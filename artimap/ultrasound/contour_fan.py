"""Where the fan lies in scan-converted ultrasound images of unknown geometry (screen-captured
videos, image folders): its data mask (`fan_mask`, which leaves a scanner's UI around the fan
out) and its apex, radii and side angles (`estimate_fan`), for `artimap.ultrasound.contour`'s
ray search.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2  # not at the top: the CLI imports this module at start (via ContourConfig)
import numpy as np
from scipy import ndimage


def disk(radius: int, ndim: int) -> np.ndarray:
    """Disk structuring element over the last two axes, (1,)*(ndim-2) + (2r+1, 2r+1)."""
    g = np.arange(-radius, radius + 1)
    disk = g[:, None] ** 2 + g[None, :] ** 2 <= radius**2
    return disk.reshape((1,) * (ndim - 2) + disk.shape)


MOTION = 3.0  # grey levels of temporal std below which a pixel is static (UI, not echo data)
TEXTURE = 2.0  # grey levels of local std below which a single frame's pixel is flat (no speckle)


def _temporal_std(x: np.ndarray, chunk: int = 256) -> np.ndarray:
    """Standard deviation over frames (F, H, W) -> (H, W), accumulated a chunk of frames at a
    time (a long video as float64 at once would take eight times its own memory)."""
    total = np.zeros(x.shape[1:])
    squares = np.zeros(x.shape[1:])
    for i in range(0, len(x), chunk):
        part = x[i:i + chunk].astype(np.float64)
        total += part.sum(axis=0)
        squares += (part * part).sum(axis=0)
    mean = total / len(x)
    return np.sqrt(np.maximum(squares / len(x) - mean * mean, 0.0))


def _data_pixels(x: np.ndarray, threshold: float) -> np.ndarray:
    """(F, H, W) -> (H, W) bool: pixels that look like echo data. Bright in some frame, and
    with 3 or more frames varying over time (a scanner's UI around a screen-captured fan is
    static: text, rulers, grey-scale bars, panels of any brightness), with fewer frames
    speckle-textured (flat panels drop out)."""
    m = x.max(axis=0) > threshold  # (H, W)
    if len(x) >= 3:
        return m & (_temporal_std(x) > MOTION)
    f = x.astype(np.float32)
    mean = ndimage.uniform_filter(f, (1, 5, 5))
    local = np.sqrt(np.maximum(ndimage.uniform_filter(f * f, (1, 5, 5)) - mean * mean, 0))
    textured = ndimage.binary_erosion(local.max(axis=0) > TEXTURE, np.ones((5, 5), bool))
    return m & textured  # eroded: the 5 x 5 window reaches 2 pixels past the speckle


def _largest_region(m: np.ndarray) -> np.ndarray:
    """The largest connected region of a (H, W) bool mask, after removing specks."""
    m = ndimage.binary_opening(m, disk(2, 2))
    labels, n = ndimage.label(m)
    if n > 1:
        m = labels == (np.argmax(np.bincount(labels.ravel())[1:]) + 1)
    return m


def _convex_hull(m: np.ndarray) -> np.ndarray:
    """(H, W) bool -> the filled convex hull of its True pixels."""

    ys, xs = np.nonzero(m)
    out = np.zeros(m.shape, np.uint8)
    if len(xs):
        hull = cv2.convexHull(np.stack([xs, ys], 1).astype(np.int32))
        cv2.fillPoly(out, [hull], 1)
    return out > 0


def fan_mask(frames: np.ndarray, threshold: float = 8.0, ui: bool = True) -> np.ndarray:
    """(F, H, W) or (H, W) -> (H, W) bool: the fan, the pixels that hold image data.

    The fan is found as the largest connected region of echo data (`_data_pixels`: varying
    over time, or speckle-textured in a single frame), so a scanner's UI around a
    screen-captured fan (static text, rulers, grey-scale bars, panels of any brightness) is
    left out; within that region's convex hull (dark, still parts of the fan are not lost;
    the whole frame when nothing varies or has texture) the mask is every pixel brighter
    than `threshold` in some frame, minus uniformly
    saturated rows and columns (letterbox bands), specks removed and holes filled.
    `ui=False`: images known to have nothing around the fan (artimap's own scan-converted
    targets): every bright pixel is data, however little it varies.
    """
    x = np.asarray(frames)
    x = x[None] if x.ndim == 2 else x
    bright = x.max(axis=0) > threshold  # (H, W)
    fan = _largest_region(_data_pixels(x, threshold)) if ui else np.zeros(bright.shape, bool)
    m = bright & _convex_hull(fan) if fan.any() else bright  # flat synthetic frames: all data
    lo = x.min(axis=0)
    m[(lo >= 240).all(axis=1)] = False
    m[:, (lo >= 240).all(axis=0)] = False
    return ndimage.binary_fill_holes(_largest_region(m))


@dataclass(frozen=True)
class FanGeometry:
    """Where the fan of a scan-converted image lies, in pixels of that image."""

    origin: tuple[float, float]  # the fan's apex (probe's virtual origin), (x, y)
    r_min: float  # inner radius searched (pixels from the apex)
    r_max: float  # outer radius searched
    angles: tuple[float, float]  # ray angles from the fan axis (radians, negative = left)
    probe: str = "bottom"  # "bottom": fan opens upward (AAA screen view); "top": downward


def _ransac_line(pts: np.ndarray, tol: float = 1.0, tries: int = 200) -> np.ndarray:
    """Robust line through points (K, 2): returns (point, unit direction) as (2, 2)."""
    rng = np.random.default_rng(0)
    best = np.zeros(len(pts), bool)
    for _ in range(tries):
        a, b = pts[rng.choice(len(pts), 2, replace=False)]
        n = np.array([a[1] - b[1], b[0] - a[0]])
        if not n.any():
            continue
        inl = np.abs((pts - a) @ n) / np.linalg.norm(n) < tol
        if inl.sum() > best.sum():
            best = inl
    sel = pts[best]
    centre = sel.mean(axis=0)
    return np.stack([centre, np.linalg.svd(sel - centre)[2][0]])


def estimate_fan(frames: np.ndarray, probe: str = "bottom", mask: np.ndarray | None = None
                 ) -> FanGeometry:
    """Fan geometry of scan-converted images (F, H, W) or (H, W) of unknown origin.

    The two straight sides of the fan's data mask (see `fan_mask`) are fitted by robust lines;
    their crossing is the apex; radii span the mask's pixels. Only for fans of unknown origin
    (e.g. screen-captured videos): when the images were scan-converted from raw data here,
    pass their exact `FanImage` to `extract_fan` instead.
    """
    m = fan_mask(frames) if mask is None else np.asarray(mask, bool)
    m = m[::-1] if probe == "top" else m  # work in the probe-at-the-bottom view
    h, w = m.shape
    cols = np.flatnonzero(m.any(axis=0))
    low = h - 1 - np.argmax(m[::-1, cols], axis=0)  # lowest data row per column
    mid = float(np.mean(np.nonzero(m)[1]))
    side = 0.05 * w
    halves = [np.stack([cols[s], low[s]], 1).astype(float)
              for s in (cols < mid - side, cols > mid + side)]
    if min(len(h_) for h_ in halves) < 10:
        raise ValueError("estimate_fan: no fan-shaped data found; pass a FanGeometry")
    (p, u), (q, v) = (_ransac_line(h_) for h_ in halves)
    cross = np.stack([u, -v], 1)
    if abs(np.linalg.det(cross)) < 1e-3:
        raise ValueError("estimate_fan: the fan's sides are parallel; pass a FanGeometry")
    t = np.linalg.solve(cross, q - p)[0]
    ox, oy = p + t * u
    ys, xs = np.nonzero(m)
    r = np.hypot(xs - ox, ys - oy)
    ups = [d if d[1] < 0 else -d for d in (u, v)]  # side directions pointing away from the probe
    ang = sorted(float(np.arctan2(d[0], -d[1])) for d in ups)  # from the fan axis, + = right
    if not (ang[0] < -0.05 and ang[1] > 0.05 and max(map(abs, ang)) < 1.45):
        raise ValueError(f"estimate_fan: implausible fan sides {ang} rad; pass a FanGeometry")
    if probe == "top":
        oy = h - 1 - oy
    return FanGeometry((float(ox), float(oy)), float(np.percentile(r, 0.5)), float(r.max()),
                       (min(ang), max(ang)), probe)
