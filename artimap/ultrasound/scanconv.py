"""Scan conversion: raw scanline-by-sample ultrasound frames -> fan-shaped images.

Geometry (the AAA convention). The probe's virtual origin is the fan's apex. A point at radius r
(echo samples) and angle theta from the origin, measured in image axes with y pointing away from
the probe and theta = pi/2 straight along the fan's axis, reads

    scanline = NV/2 - (theta - pi/2) / Angle,        sample = r - ZeroOffset

so scanline 0 is on the image's left and sample 0 lies on the inner arc. The image covers the
fan's bounding box: radii ZeroOffset .. ZeroOffset + PPV - 1 and scanlines 0 .. NV - 1 (the fan
is one scanline narrower on the right than on the left). By default the probe is at the top and
the fan opens downward; `flip_vertical=True` puts the probe at the bottom (the AAA screen view,
palate up), `flip_horizontal=True` mirrors left and right. Pixels outside the fan get
`background`; inside, samples are interpolated linearly.

The maps are computed once per (params, size, flips) and applied with `cv2.remap`, so converting
a frame costs one lookup per output pixel.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from artimap.io.ult import UltParams

DEFAULT_MAX_SIDE = 512  # longer side of the output when neither out_size nor scale is given


class ScanConverter:
    """Precomputed raw -> fan mapping for one ultrasound geometry.

    `out_size` (H, W) stretches the fan's bounding box onto exactly H x W pixels (x and y scale
    may differ slightly); `scale` (pixels per echo sample) keeps square pixels and derives the
    size; with neither, square pixels and a longer side of 512. After construction, `mask`
    (H, W) bool marks the pixels inside the fan. To reproduce the AAA screen view (and the
    reference fans in the tests): `flip_vertical=True`, `background=255`, `scale=1/3`.
    """

    def __init__(self, params: UltParams, out_size: tuple[int, int] | None = None, *,
                 scale: float | None = None, flip_vertical: bool = False,
                 flip_horizontal: bool = False, background: float = 0) -> None:
        self.params = params
        self.flip_vertical = flip_vertical
        self.flip_horizontal = flip_horizontal
        self.background = background
        nv, a = params.num_vectors, params.angle
        self.r_min = float(params.zero_offset)  # radius of sample 0, in samples
        self.r_max = float(params.zero_offset + params.pix_per_vector - 1)
        self.theta_left = math.pi / 2 + (nv / 2) * a  # theta of scanline 0
        self.theta_right = math.pi / 2 - (nv - 1 - nv / 2) * a  # theta of scanline NV-1
        self.box = _fan_box(self.r_min, self.r_max, self.theta_right, self.theta_left)
        x0, x1, y0, y1 = self.box
        if out_size is not None and scale is not None:
            raise ValueError("give out_size or scale, not both")
        if out_size is None:
            if scale is None:
                scale = DEFAULT_MAX_SIDE / max(x1 - x0, y1 - y0)
            out_size = (max(1, round((y1 - y0) * scale)), max(1, round((x1 - x0) * scale)))
        self.out_size = (int(out_size[0]), int(out_size[1]))
        h, w = self.out_size
        self.sx = scale or w / (x1 - x0)  # pixels per sample along x
        self.sy = scale or h / (y1 - y0)  # pixels per sample along y
        self._map1, self._map2 = self._build_maps()

    def _build_maps(self) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.out_size
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        scanline, sample = self.image_to_raw(xs, ys)  # (H, W) each
        inside = ((scanline >= 0) & (scanline <= self.params.num_vectors - 1)
                  & (sample >= 0) & (sample <= self.params.pix_per_vector - 1))
        # Far outside the source, so BORDER_CONSTANT fills the whole pixel with background.
        map_x = np.where(inside, sample, -10.0).astype(np.float32)  # column = echo sample
        map_y = np.where(inside, scanline, -10.0).astype(np.float32)  # row = scanline
        self.mask = inside  # (H, W) bool, pixels inside the fan
        return cv2.convertMaps(map_x, map_y, cv2.CV_16SC2)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """Convert (NV, PPV) -> (H, W) or (F, NV, PPV) -> (F, H, W), keeping uint8/float32."""
        frames = np.asarray(frames)
        expect = (self.params.num_vectors, self.params.pix_per_vector)
        if frames.shape[-2:] != expect or frames.ndim not in (2, 3):
            raise ValueError(f"expected frames (F, {expect[0]}, {expect[1]}) or {expect}, "
                             f"got {frames.shape}")
        if frames.dtype == np.float64:
            frames = frames.astype(np.float32)
        if frames.ndim == 2:
            return self._one(frames)
        out = np.empty((len(frames), *self.out_size), frames.dtype)  # (F, H, W)
        for k, frame in enumerate(frames):
            out[k] = self._one(frame)
        return out

    def _one(self, frame: np.ndarray) -> np.ndarray:
        return cv2.remap(np.ascontiguousarray(frame), self._map1, self._map2, cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_CONSTANT, borderValue=self.background)

    # ---- point mappings (contours) -------------------------------------------------------
    def raw_to_image(self, scanline: np.ndarray, sample: np.ndarray
                     ) -> tuple[np.ndarray, np.ndarray]:
        """Map fractional raw (scanline, sample) to image pixel (x, y); any matching shapes."""
        theta = self._theta(scanline)
        r = np.asarray(sample, np.float64) + self.params.zero_offset
        return self._fan_to_pixel(r * np.cos(theta), r * np.sin(theta))

    def image_to_raw(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map image pixel (x, y) to fractional raw (scanline, sample); inverse of raw_to_image."""
        fx, fy = self._pixel_to_fan(np.asarray(x, np.float64), np.asarray(y, np.float64))
        theta = np.arctan2(fy, fx)
        scanline = self.params.num_vectors / 2 - (theta - math.pi / 2) / self.params.angle
        return scanline, np.hypot(fx, fy) - self.params.zero_offset

    def raw_to_mm(self, scanline: np.ndarray, sample: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Raw (scanline, sample) -> (x_mm, y_mm) from the probe origin: x to the image's
        right as drawn without flips (towards scanline NV-1), y away from the probe."""
        theta = self._theta(scanline)
        r_mm = np.asarray(sample, np.float64) + self.params.zero_offset
        r_mm = r_mm / self.params.pixels_per_mm
        return r_mm * np.cos(theta), r_mm * np.sin(theta)

    def _theta(self, scanline: np.ndarray) -> np.ndarray:
        # Inverse of scanline = NV/2 - (theta - pi/2) / Angle.
        nv, a = self.params.num_vectors, self.params.angle
        return math.pi / 2 - (np.asarray(scanline, np.float64) - nv / 2) * a

    def _fan_to_pixel(self, fx: np.ndarray, fy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # fx: samples to the right of the origin, fy: samples away from the probe.
        x0, _, y0, _ = self.box
        px = (fx - x0) * self.sx - 0.5  # box edges on pixel edges
        py = (fy - y0) * self.sy - 0.5
        h, w = self.out_size
        if self.flip_horizontal:
            px = (w - 1) - px
        if self.flip_vertical:
            py = (h - 1) - py
        return px, py

    def _pixel_to_fan(self, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.out_size
        if self.flip_horizontal:
            px = (w - 1) - px
        if self.flip_vertical:
            py = (h - 1) - py
        x0, _, y0, _ = self.box
        return (px + 0.5) / self.sx + x0, (py + 0.5) / self.sy + y0


def _fan_box(r_min: float, r_max: float, th_lo: float, th_hi: float
             ) -> tuple[float, float, float, float]:
    """Bounding box (x0, x1, y0, y1) in samples of the annulus sector r_min..r_max, th_lo..th_hi."""
    angles = [th_lo, th_hi] + [a for a in (0.0, math.pi / 2, math.pi) if th_lo < a < th_hi]
    xs = [r * math.cos(a) for r in (r_min, r_max) for a in angles]
    ys = [r * math.sin(a) for r in (r_min, r_max) for a in angles]
    return min(xs), max(xs), min(ys), max(ys)


def scan_convert(frames: np.ndarray, params: UltParams, out_size: tuple[int, int] | None = None,
                 **kwargs) -> np.ndarray:
    """One-off conversion: (F, NV, PPV) -> (F, H, W) or (NV, PPV) -> (H, W); see ScanConverter."""
    return ScanConverter(params, out_size, **kwargs)(frames)
