"""Automatic tongue-contour extraction from ultrasound frames, the same for real and predicted.

The tongue surface shows as a bright ridge (the tissue/air boundary); the contour follows the
ridge's edge on the probe side. Along every line leaving the probe (a scanline of a raw
scanline-by-sample frame, or a ray from the apex of a fan image resampled to polar form) the
profile I(d), depth d growing away from the probe, is Gaussian-smoothed and scored by a step:
    E(d) = mean I(d+1 .. d+w) - mean I(d-w .. d-1)     (bright beyond, dark before)

weighted by 1 + depth_gain * d / D (deeper ridges win ties: echoes nearer the probe are not the
surface) inside a depth band. A dynamic-programming pass then picks one depth per line,
maximising the summed score while moving at most max_slope * (line spacing) samples between
neighbouring lines: the strongest transition per line, kept continuous. Lines whose score at
the chosen depth is below `min_contrast` grey levels or below `rel_contrast` times the frame's
90th percentile, or whose windows leave the image's data, are rejected (NaN); the surviving
depths are median-filtered and Savitzky-Golay smoothed within runs.

Defaults were chosen on two of the four hand-labelled recordings of `ultrasound_labels`
(05TD1M001, Ultrax_TD_001) and are reported on the other two and on File156's AAA splines
(`artimap.ultrasound.contour_eval`; benchmarks/RESULTS.md).
Run predicted and real frames through the same function, settings and fan geometry: the exact
`FanImage` when the fan was scan-converted here, an estimated `FanGeometry` otherwise.
"""

from __future__ import annotations

import cv2  # not at the top: `artimap contour`'s command module imports this one at start
import numpy as np
from scipy import ndimage
from scipy.signal import savgol_filter

from artimap.ultrasound.contour_config import ContourConfig
from artimap.ultrasound.contour_fan import FanGeometry, disk, estimate_fan, fan_mask
from artimap.ultrasound.geometry import FanImage, ProbeGeometry

__all__ = ["ContourConfig", "FanGeometry", "contour_depths", "estimate_fan", "extract_fan",
           "extract_raw", "fan_mask", "scanline_spacing"]


def step_score(profiles: np.ndarray, width: int) -> np.ndarray:
    """Step-edge score along the last axis: (..., D) -> (..., D), NaN within `width` of the ends.

    E(d) = mean(I[d+1 : d+w+1]) - mean(I[d-w : d]): large where the line gets brighter going
    away from the probe (the probe side of a bright ridge).
    """
    c = np.cumsum(profiles, axis=-1, dtype=np.float64)
    c = np.concatenate([np.zeros_like(c[..., :1]), c], axis=-1)  # c[k] = sum I[:k]
    d, w = profiles.shape[-1], width
    out = np.full(profiles.shape, np.nan)
    after = c[..., 2 * w + 1 : d + 1] - c[..., w + 1 : d - w + 1]  # sums of I[d+1 : d+w+1]
    before = c[..., w : d - w] - c[..., : d - 2 * w]  # sums of I[d-w : d]
    out[..., w : d - w] = (after - before) / w
    return out


def best_path(score: np.ndarray, max_jump: int) -> np.ndarray:
    """Depth per line maximising the summed score with |d_l - d_(l-1)| <= max_jump.

    score: (F, L, D), NaN = not allowed. Returns (F, L) int depths (vectorised over F and D,
    one step per line).
    """
    f, n_lines, n_depth = score.shape
    s = np.where(np.isfinite(score), score, -1e3)  # forbidden cells cost, but never block
    acc = s[:, 0].copy()  # (F, D)
    back = np.zeros((f, n_lines, n_depth), dtype=np.int32)
    shifts = np.arange(-max_jump, max_jump + 1)
    for line in range(1, n_lines):
        padded = np.pad(acc, ((0, 0), (max_jump, max_jump)), constant_values=-np.inf)
        cand = np.stack([padded[:, max_jump + k : max_jump + k + n_depth] for k in shifts])
        arg = cand.argmax(axis=0)  # (F, D) index into shifts
        acc = np.take_along_axis(cand, arg[None], axis=0)[0] + s[:, line]
        back[:, line] = np.arange(n_depth)[None] + shifts[arg]
    path = np.empty((f, n_lines), dtype=np.int64)
    path[:, -1] = acc.argmax(axis=1)
    for line in range(n_lines - 1, 0, -1):
        path[:, line - 1] = back[np.arange(f), line, path[:, line]]
    return path


def _smooth(depth: np.ndarray, median: int, savgol: int) -> np.ndarray:
    """Median then Savitzky-Golay along lines, within runs of finite values: (F, L) -> (F, L)."""
    out = depth.copy()
    for row in out:
        ok = np.isfinite(row)
        labels, n = ndimage.label(ok)
        for k in range(1, n + 1):
            seg = np.flatnonzero(labels == k)
            v = row[seg]
            if median > 1 and len(v) >= median:
                v = ndimage.median_filter(v, size=median, mode="nearest")
            if savgol > 1 and len(v) >= savgol:
                v = savgol_filter(v, savgol, 2, mode="interp")
            row[seg] = v
    return out


def _strong(picked: np.ndarray) -> np.ndarray:
    """The 90th percentile of each frame's finite picked scores (F, L) -> (F,), 0 for a frame
    with none (no all-NaN warning)."""
    out = np.zeros(len(picked))
    for f, row in enumerate(picked):
        row = row[np.isfinite(row)]
        out[f] = np.percentile(row, 90) if len(row) else 0.0
    return out


def contour_depths(
    profiles: np.ndarray, valid: np.ndarray | None = None, cfg: ContourConfig | None = None,
    spacing: float = 1.0,
) -> np.ndarray:
    """Contour depth per line: profiles (F, L, D) (depth away from the probe) -> (F, L) float.

    valid: optional (L, D) or (F, L, D) bool, False where the image has no data (outside a
    fan). spacing: typical distance between neighbouring lines in depth samples (the path may
    move max(1, round(max_slope * spacing)) samples from line to line). NaN marks rejected
    lines.
    """
    cfg = cfg or ContourConfig()
    p = np.asarray(profiles, dtype=np.float64)
    if cfg.sigma > 0:
        p = ndimage.gaussian_filter(p, cfg.sigma, axes=(1, 2))
    score = step_score(p, cfg.width)  # (F, L, D)
    n_depth = p.shape[-1]
    score *= 1.0 + cfg.depth_gain * np.arange(n_depth) / n_depth
    lo, hi = int(cfg.band[0] * n_depth), int(np.ceil(cfg.band[1] * n_depth))
    score[..., :lo] = np.nan
    score[..., hi:] = np.nan
    if valid is not None:
        # keep the detector and the smoothing kernel off the border of the data
        r = cfg.width + int(np.ceil(3 * cfg.sigma)) + 1
        ok = ndimage.binary_erosion(valid, disk(r, valid.ndim))
        score = np.where(ok, score, np.nan)
    path = best_path(score, max(1, round(cfg.max_slope * spacing)))  # (F, L)
    picked = np.take_along_axis(score, path[..., None], axis=-1)[..., 0]  # (F, L)
    floor = np.maximum(cfg.min_contrast, cfg.rel_contrast * _strong(picked))[:, None]
    keep = np.isfinite(picked) & (picked >= floor)
    depth = np.where(keep, path, np.nan)
    return _smooth(depth.astype(np.float64), cfg.median, cfg.savgol)


def _stack(frames: np.ndarray) -> tuple[np.ndarray, bool]:
    frames = np.asarray(frames)
    if frames.ndim not in (2, 3):
        raise ValueError(f"expected (H, W) or (F, H, W) frames, got shape {frames.shape}")
    return (frames[None], True) if frames.ndim == 2 else (frames, False)


def extract_raw(frames: np.ndarray, cfg: ContourConfig | None = None, spacing: float = 1.0
                ) -> np.ndarray:
    """Contours of raw frames (F, NV, PPV) or (NV, PPV), scanline by echo sample.

    spacing: distance between neighbouring scanlines in echo samples, at the depths searched
    (about (ZeroOffset + PPV / 2) * Angle for a fan probe; 1 treats the frame as an image).
    Returns (F, NV, 2) (or (NV, 2)) points (scanline, sample), sample fractional, NaN where
    the scanline was rejected. Sample 0 is nearest the probe.
    """
    x, single = _stack(frames)
    depth = contour_depths(x, None, cfg, spacing)  # (F, NV)
    lines = np.broadcast_to(np.arange(x.shape[1], dtype=np.float64), depth.shape)
    pts = np.stack([np.where(np.isfinite(depth), lines, np.nan), depth], axis=-1)
    return pts[0] if single else pts


# ------------------------------------------------------------------ fan images, ray by ray


def scanline_spacing(geometry: ProbeGeometry) -> float:
    """Distance between neighbouring scanlines in echo samples at mid-depth (the `spacing` of
    `extract_raw` for a fan probe)."""
    return (geometry.zero_offset + geometry.pix_per_vector / 2) * geometry.angle


# Samples along a ray of an estimated fan at most: the settings (in samples) were chosen on fans
# 155-185 pixels deep; a larger capture of a fan is sampled as coarsely, so they mean the same.
MAX_RAY_STEPS = 200


def _rays(geo: FanGeometry | FanImage, n_rays: int
          ) -> tuple[np.ndarray, np.ndarray, int, float]:
    """Search rays from the apex: start and step pixel vectors (n_rays, 2) each (x, y), the
    number of steps along a ray, and the distance between neighbouring rays in steps.

    A known `FanImage` is searched along its scanline directions at about one pixel per step
    (pixels need not be square); an estimated `FanGeometry` at one pixel per step, or at
    MAX_RAY_STEPS steps along its depth when it is deeper (a larger screen capture)."""
    if isinstance(geo, FanImage):
        (t0, t1), (r0, r1) = geo.geometry.theta_span, geo.geometry.r_span_mm
        pad = 0.02 * (t1 - t0)
        theta = np.linspace(t0 + pad, t1 - pad, n_rays)
        dr = 1.0 / max(geo.sx, geo.sy)  # mm per step: one pixel along the finer axis
        start = np.stack(geo.mm_to_pixel(*ProbeGeometry.polar_to_mm(r0, theta)), -1)
        step = np.stack(geo.mm_to_pixel(*ProbeGeometry.polar_to_mm(r0 + dr, theta)), -1) - start
        return start, step, int((r1 - r0) / dr), 0.5 * (r0 + r1) * (theta[1] - theta[0]) / dr
    pad = 0.02 * (geo.angles[1] - geo.angles[0])
    phi = np.linspace(geo.angles[0] + pad, geo.angles[1] - pad, n_rays)
    up = -1.0 if geo.probe == "bottom" else 1.0
    unit = np.stack([np.sin(phi), up * np.cos(phi)], -1)  # one pixel along each ray
    start = np.asarray(geo.origin) + geo.r_min * unit
    px = max(1.0, (geo.r_max - geo.r_min) / MAX_RAY_STEPS)  # pixels per step
    n = len(np.arange(0.0, geo.r_max - geo.r_min, px))
    return start, unit * px, n, 0.5 * (geo.r_min + geo.r_max) * (phi[1] - phi[0]) / px


def extract_fan(
    frames: np.ndarray, geometry: FanGeometry | FanImage | None = None,
    cfg: ContourConfig | None = None, n_rays: int = 160, mask: np.ndarray | None = None,
) -> np.ndarray:
    """Contours of fan images (F, H, W) or (H, W), searched along rays from the apex.

    geometry: the exact `FanImage` when the images were scan-converted here (prepare records
    it), else an estimated `FanGeometry` (default `estimate_fan(frames)`, e.g. for a
    screen-captured fan video). mask: (H, W) data mask (default: the `FanImage`'s fan, else
    `fan_mask(frames)`). The images are resampled (bilinear) on n_rays rays at about 1-pixel
    radial steps and searched like raw scanlines. Returns (F, n_rays, 2) (or (n_rays, 2))
    points (x, y) in pixels of the input images, NaN for rejected rays. For predicted frames,
    pass the geometry (and mask) of the real ones, so both are searched identically.
    """

    x, single = _stack(frames)
    if mask is None:
        mask = geometry.mask() if isinstance(geometry, FanImage) else fan_mask(x)
    m = np.asarray(mask, bool)
    geo = geometry or estimate_fan(x, mask=m)
    start, step, n_steps, spacing = _rays(geo, n_rays)  # (n_rays, 2) each
    k = np.arange(n_steps, dtype=np.float64)
    mx = (start[:, :1] + k * step[:, :1]).astype(np.float32)  # (n_rays, n_steps)
    my = (start[:, 1:] + k * step[:, 1:]).astype(np.float32)
    prof = np.stack([cv2.remap(np.ascontiguousarray(f, dtype=np.float32), mx, my,
                               cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT) for f in x])
    valid = cv2.remap(m.astype(np.uint8), mx, my, cv2.INTER_NEAREST,
                      borderMode=cv2.BORDER_CONSTANT) > 0  # (n_rays, n_steps)
    depth = contour_depths(prof, valid, cfg, spacing)  # (F, n_rays), NaN = rejected
    pts = start + depth[..., None] * step  # (F, n_rays, 2) x, y
    return pts[0] if single else pts
