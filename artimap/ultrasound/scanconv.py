"""Scan conversion: raw scanline-by-sample ultrasound frames -> fan-shaped images.

The geometry (where each echo sample lies, and which pixel of the fan image shows it) is
`artimap.ultrasound.geometry`'s `ProbeGeometry` and `FanImage`: the image covers the fan's
bounding box, by default with the probe at the top and the fan opening downward, scanline 0 on
the left; `flip_vertical=True` puts the probe at the bottom (the AAA screen view, palate up),
`flip_horizontal=True` mirrors left and right. Pixels outside the fan get `background`; inside,
samples are interpolated linearly.

The maps are computed once per (params, size, flips) and applied with `cv2.remap`, so converting
a frame costs one lookup per output pixel.
"""

from __future__ import annotations

import cv2
import numpy as np

from artimap.io.ult import UltParams
from artimap.ultrasound.geometry import FanImage, ProbeGeometry

DEFAULT_MAX_SIDE = 512  # longer side of the output when neither out_size nor scale is given


class ScanConverter:
    """Precomputed raw -> fan mapping for one ultrasound geometry.

    `out_size` (H, W) stretches the fan's bounding box onto exactly H x W pixels (x and y scale
    may differ slightly); `scale` (pixels per echo sample) keeps square pixels and derives the
    size; with neither, square pixels and a longer side of 512. After construction, `mask`
    (H, W) bool marks the pixels inside the fan. To reproduce the AAA screen view (and the
    reference fans in the tests): `flip_vertical=True`, `background=255`, `scale=1/3`.
    `geometry` overrides `ProbeGeometry.from_params(params)` (e.g. another tool's centre).
    """

    def __init__(self, params: UltParams, out_size: tuple[int, int] | None = None, *,
                 scale: float | None = None, flip_vertical: bool = False,
                 flip_horizontal: bool = False, background: float = 0,
                 geometry: ProbeGeometry | None = None) -> None:
        self.params = params
        self.background = background
        self.geometry = geometry or ProbeGeometry.from_params(params)
        self.fan = FanImage.fit(self.geometry, out_size, scale=scale,
                                flip_vertical=flip_vertical, flip_horizontal=flip_horizontal,
                                max_side=DEFAULT_MAX_SIDE)
        self.out_size = self.fan.size
        self.sx = self.fan.sx / params.pixels_per_mm  # pixels per echo sample along x
        self.sy = self.fan.sy / params.pixels_per_mm  # pixels per echo sample along y
        self._map1, self._map2 = self._build_maps()

    def _build_maps(self) -> tuple[np.ndarray, np.ndarray]:
        h, w = self.out_size
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        scanline, sample = self.fan.pixel_to_raw(xs, ys)  # (H, W) each
        inside = self.geometry.inside(scanline, sample)
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
        return self.fan.raw_to_pixel(scanline, sample)

    def image_to_raw(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Map image pixel (x, y) to fractional raw (scanline, sample); inverse of raw_to_image."""
        return self.fan.pixel_to_raw(x, y)

    def raw_to_mm(self, scanline: np.ndarray, sample: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Raw (scanline, sample) -> (x_mm, y_mm) from the probe origin: x to the image's
        right as drawn without flips (towards scanline NV-1), y away from the probe."""
        return self.geometry.raw_to_mm(scanline, sample)


def scan_convert(frames: np.ndarray, params: UltParams, out_size: tuple[int, int] | None = None,
                 **kwargs) -> np.ndarray:
    """One-off conversion: (F, NV, PPV) -> (F, H, W) or (NV, PPV) -> (H, W); see ScanConverter."""
    return ScanConverter(params, out_size, **kwargs)(frames)
