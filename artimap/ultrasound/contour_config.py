"""The contour extractor's settings (`ContourConfig`), apart from the extractor so that the
`artimap contour` command can list them in its help without importing scipy or OpenCV."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ContourConfig:
    sigma: float = 1.0  # Gaussian smoothing of the image (pixels) before scoring
    width: int = 5  # half-width w of the step detector (samples along the line)
    band: tuple[float, float] = (0.2, 0.95)  # search depths, fractions of the line length
    min_contrast: float = 6.0  # reject lines whose step E is below this (grey levels)
    rel_contrast: float = 0.2  # ... or below this fraction of the frame's strong lines (90th pct)
    max_slope: float = 1.5  # largest depth change per unit of lateral distance between lines
    depth_gain: float = 4.0  # score weight 1 + depth_gain * depth / line length: prefer the
    #                          outermost ridge (the surface) over echoes nearer the probe
    median: int = 5  # median filter length over lines (odd; 1 = off)
    savgol: int = 21  # Savitzky-Golay window over lines (odd; 1 = off), polynomial order 2
