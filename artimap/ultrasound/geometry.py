"""Probe geometry of AAA ultrasound: raw (scanline, sample) <-> polar (r, theta) <-> mm (x, y)
<-> fan-image pixels, with one convention for where the fan's axis lies.

The probe's virtual origin is the fan's apex. Scanline i looks along the angle

    theta = (i - c) * Angle,          c = `centre_scanline(NumVectors)`

from the fan's axis, positive towards higher scanlines; echo sample j lies at the radius
r = (j + ZeroOffset) / PixelsPerMm mm. Cartesian mm put the origin at (0, 0), x = r sin(theta)
towards higher scanlines, y = r cos(theta) away from the probe. AAA's polar spline export uses
the same (r mm, theta) pair.

Where the axis lies (c) is decided here and nowhere else: c = (NV - 1) / 2, the middle of
scanlines 0 .. NV-1, so the fan is symmetric about its axis (AAA's own convention). Evidence
(numbers in `benchmarks/RESULTS.md`, "Probe geometry"; checked by
tests/test_ultrasound_geometry.py):
- AAA's spline export (File156, NV = 63, Angle = 0.038): its 42 spline angles run from
  +1.1776 to -1.1776 rad, i.e. +-30.99 scanlines, so with c = (NV-1)/2 they span scanlines
  0.01 .. 61.99 (the whole fan) while with c = NV/2 the last one would lie outside the data
  (62.49 > 62). Mean echo at the brightest depth along the confident spline points (the
  ridge response; higher = on the tongue's echo): c = (NV-1)/2: 63.1, c = NV/2: 61.1, a free
  c peaks at 63.5 at (NV-1)/2 - 0.35.
- Reference fans (aaa_scanconv, NV = 64; three real frames scan-converted by another tool):
  in-fan Pearson r / RMSE after a linear grey-level fit / fan-outline agreement:
  c = NV/2: 0.983 / 6.3 grey levels / 99.81 %; c = (NV-1)/2: 0.871 / 16.7 / 99.10 %; a
  free c peaks at NV/2 + 0.10 (0.994 / 3.9). That tool puts the axis half a scanline past
  AAA's; its images are a check of the resampling (`tests/test_io_scanconv.py` converts them
  with its centre), not of AAA's geometry.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np

from artimap.errors import ArtimapError
from artimap.io.ult import UltParams


def centre_scanline(num_vectors: int) -> float:
    """The (fractional) scanline along the fan's axis, theta = 0: the one centre convention."""
    return (num_vectors - 1) / 2


@dataclass(frozen=True)
class ProbeGeometry:
    """Where every raw echo sample lies; built from the AAA parameters (`from_params`).

    All conversions take and return numpy arrays of any matching shapes (float64).
    """

    num_vectors: int  # scanlines per frame (NumVectors)
    pix_per_vector: int  # echo samples per scanline (PixPerVector)
    zero_offset: int  # samples between the probe origin and sample 0 (ZeroOffset)
    angle: float  # radians between neighbouring scanlines (Angle)
    pixels_per_mm: float  # echo samples per mm along a scanline (PixelsPerMm)
    centre: float  # scanline along the fan's axis (`centre_scanline`)

    @classmethod
    def from_params(cls, params: UltParams) -> ProbeGeometry:
        """The geometry of a recording with AAA parameters `params`."""
        return cls(int(params.num_vectors), int(params.pix_per_vector), int(params.zero_offset),
                   float(params.angle), float(params.pixels_per_mm),
                   centre_scanline(params.num_vectors))

    def to_dict(self) -> dict:
        """Plain values for a manifest or checkpoint (`from_dict` reads them back)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ProbeGeometry:
        """Inverse of `to_dict`; a missing or unknown key is an error naming it."""
        names = set(cls.__dataclass_fields__)
        if set(d) != names:
            raise ArtimapError(f"probe geometry: keys {sorted(d)} do not match {sorted(names)}; "
                               "re-run prepare to record the geometry again")
        return cls(**d)

    # ---- raw <-> polar ------------------------------------------------------------------
    def theta(self, scanline) -> np.ndarray:
        """Angle from the fan's axis (rad, + towards higher scanlines) of fractional scanlines."""
        return (np.asarray(scanline, np.float64) - self.centre) * self.angle

    def scanline(self, theta) -> np.ndarray:
        """Fractional scanline looking along `theta` (inverse of `theta`)."""
        return np.asarray(theta, np.float64) / self.angle + self.centre

    def raw_to_polar(self, scanline, sample) -> tuple[np.ndarray, np.ndarray]:
        """Raw (scanline, sample) -> (r mm from the probe origin, theta rad)."""
        r = (np.asarray(sample, np.float64) + self.zero_offset) / self.pixels_per_mm
        return r, self.theta(scanline)

    def polar_to_raw(self, r_mm, theta) -> tuple[np.ndarray, np.ndarray]:
        """(r mm, theta rad) -> fractional raw (scanline, sample)."""
        sample = np.asarray(r_mm, np.float64) * self.pixels_per_mm - self.zero_offset
        return self.scanline(theta), sample

    # ---- polar <-> mm -------------------------------------------------------------------
    @staticmethod
    def polar_to_mm(r_mm, theta) -> tuple[np.ndarray, np.ndarray]:
        """(r, theta) -> (x mm towards higher scanlines, y mm away from the probe)."""
        r, t = np.asarray(r_mm, np.float64), np.asarray(theta, np.float64)
        return r * np.sin(t), r * np.cos(t)

    @staticmethod
    def mm_to_polar(x_mm, y_mm) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) mm -> (r mm, theta rad); inverse of `polar_to_mm`."""
        x, y = np.asarray(x_mm, np.float64), np.asarray(y_mm, np.float64)
        return np.hypot(x, y), np.arctan2(x, y)

    def raw_to_mm(self, scanline, sample) -> tuple[np.ndarray, np.ndarray]:
        """Raw (scanline, sample) -> (x, y) mm from the probe origin."""
        return self.polar_to_mm(*self.raw_to_polar(scanline, sample))

    def mm_to_raw(self, x_mm, y_mm) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) mm -> fractional raw (scanline, sample)."""
        return self.polar_to_raw(*self.mm_to_polar(x_mm, y_mm))

    # ---- extent -------------------------------------------------------------------------
    @property
    def theta_span(self) -> tuple[float, float]:
        """Angles of scanlines 0 and NV-1 (rad)."""
        return float(self.theta(0)), float(self.theta(self.num_vectors - 1))

    @property
    def r_span_mm(self) -> tuple[float, float]:
        """Radii of samples 0 and PPV-1 (mm)."""
        r = (np.array([0, self.pix_per_vector - 1]) + self.zero_offset) / self.pixels_per_mm
        return float(r[0]), float(r[1])

    def box_mm(self) -> tuple[float, float, float, float]:
        """Bounding box (x0, x1, y0, y1) in mm of the fan (the annulus sector of all samples)."""
        (r0, r1), (t0, t1) = self.r_span_mm, self.theta_span
        angles = [t0, t1] + [a for a in (-math.pi / 2, 0.0, math.pi / 2) if t0 < a < t1]
        xs = [r * math.sin(a) for r in (r0, r1) for a in angles]
        ys = [r * math.cos(a) for r in (r0, r1) for a in angles]
        return min(xs), max(xs), min(ys), max(ys)

    def inside(self, scanline, sample) -> np.ndarray:
        """Bool mask of raw coordinates that lie within the recorded samples."""
        s, j = np.asarray(scanline), np.asarray(sample)
        return (s >= 0) & (s <= self.num_vectors - 1) & (j >= 0) & (j <= self.pix_per_vector - 1)


@dataclass(frozen=True)
class FanImage:
    """Pixels of a scan-converted fan image: the fan's bounding box stretched onto (H, W).

    Box edges lie on pixel edges (pixel (0, 0) covers the box's first 1/sx x 1/sy mm). Without
    flips the probe is at the top (fan opening downward) and scanline 0 on the left;
    `flip_vertical` puts the probe at the bottom (the AAA screen view), `flip_horizontal`
    mirrors left and right. Use `fit` to build one.
    """

    geometry: ProbeGeometry
    size: tuple[int, int]  # (H, W) pixels
    sx: float  # pixels per mm along x
    sy: float  # pixels per mm along y
    flip_vertical: bool = False
    flip_horizontal: bool = False

    @classmethod
    def fit(cls, geometry: ProbeGeometry, size: tuple[int, int] | None = None, *,
            scale: float | None = None, flip_vertical: bool = False,
            flip_horizontal: bool = False, max_side: int = 512) -> FanImage:
        """Image of the fan's box: exactly `size` (H, W), or `scale` pixels per echo sample
        (square pixels), or square pixels with a longer side of `max_side`."""
        x0, x1, y0, y1 = geometry.box_mm()
        if size is not None and scale is not None:
            raise ValueError("give out_size or scale, not both")
        if size is None:
            per_mm = (scale * geometry.pixels_per_mm if scale is not None
                      else max_side / max(x1 - x0, y1 - y0))
            size = (max(1, round((y1 - y0) * per_mm)), max(1, round((x1 - x0) * per_mm)))
            sx = sy = per_mm
        else:
            sx, sy = size[1] / (x1 - x0), size[0] / (y1 - y0)
        return cls(geometry, (int(size[0]), int(size[1])), float(sx), float(sy),
                   bool(flip_vertical), bool(flip_horizontal))

    def to_dict(self) -> dict:
        """Plain values for a manifest (`from_dict` reads them back)."""
        d = asdict(self)
        d["geometry"], d["size"] = self.geometry.to_dict(), list(self.size)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> FanImage:
        try:
            return cls(ProbeGeometry.from_dict(d["geometry"]), tuple(d["size"]), d["sx"], d["sy"],
                       d["flip_vertical"], d["flip_horizontal"])
        except (KeyError, TypeError) as e:
            raise ArtimapError(f"fan image geometry: cannot read {d!r} ({e}); re-run prepare "
                               "to record the geometry again") from None

    def mm_to_pixel(self, x_mm, y_mm) -> tuple[np.ndarray, np.ndarray]:
        """(x, y) mm from the probe origin -> fractional pixel (x, y)."""
        x0, _, y0, _ = self.geometry.box_mm()
        px = (np.asarray(x_mm, np.float64) - x0) * self.sx - 0.5
        py = (np.asarray(y_mm, np.float64) - y0) * self.sy - 0.5
        h, w = self.size
        return ((w - 1) - px if self.flip_horizontal else px,
                (h - 1) - py if self.flip_vertical else py)

    def pixel_to_mm(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        """Fractional pixel (x, y) -> (x, y) mm; inverse of `mm_to_pixel`."""
        h, w = self.size
        px, py = np.asarray(px, np.float64), np.asarray(py, np.float64)
        px = (w - 1) - px if self.flip_horizontal else px
        py = (h - 1) - py if self.flip_vertical else py
        x0, _, y0, _ = self.geometry.box_mm()
        return (px + 0.5) / self.sx + x0, (py + 0.5) / self.sy + y0

    def raw_to_pixel(self, scanline, sample) -> tuple[np.ndarray, np.ndarray]:
        """Raw (scanline, sample) -> fractional pixel (x, y)."""
        return self.mm_to_pixel(*self.geometry.raw_to_mm(scanline, sample))

    def pixel_to_raw(self, px, py) -> tuple[np.ndarray, np.ndarray]:
        """Fractional pixel (x, y) -> fractional raw (scanline, sample)."""
        return self.geometry.mm_to_raw(*self.pixel_to_mm(px, py))

    def mask(self) -> np.ndarray:
        """(H, W) bool: pixels whose centre lies inside the fan."""
        h, w = self.size
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float64), np.arange(h, dtype=np.float64))
        return self.geometry.inside(*self.pixel_to_raw(xs, ys))
