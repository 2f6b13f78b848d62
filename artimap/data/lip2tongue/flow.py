"""Dense optical flow between consecutive cropped lip frames (at prepare and at predict).

A flow field has channel u (pixels to the right) and v (pixels down), in pixels of the cropped
frame, such that frame k-1 at (y, x) moved to about (y + v, x + u) in frame k ("flow into frame
k from k-1"). How it is stored and fed to models (float16, (2, H, W), zero for an utterance's
first frame) is `artimap.data.lip2tongue.inputs`.

Methods (OpenCV):
- "farneback": `cv2.calcOpticalFlowFarneback` with FARNEBACK_PARAMS (pyramid scale 0.5,
  3 levels, 15x15 averaging window, 3 iterations, 5-pixel polynomial neighbourhood, sigma 1.2,
  no flags) - the settings of OpenCV's own dense-flow example.
- "dis": `cv2.DISOpticalFlow` (dense inverse search) with the FAST preset, several times
  faster than Farneback on 96x96 crops; same sign convention.
"""

from __future__ import annotations

import cv2
import numpy as np

from artimap.errors import ArtimapError

FARNEBACK_PARAMS = {
    "pyr_scale": 0.5,
    "levels": 3,
    "winsize": 15,
    "iterations": 3,
    "poly_n": 5,
    "poly_sigma": 1.2,
    "flags": 0,
}
DIS_PRESET = "FAST"  # ULTRAFAST, FAST or MEDIUM; MEDIUM is no faster than Farneback at 96x96
METHODS = ("farneback", "dis")


def flow_settings(method: str) -> dict:
    """The settings of `method` as plain values (for the manifest)."""
    check_method(method)
    if method == "farneback":
        return {"method": method, **FARNEBACK_PARAMS}
    return {"method": method, "preset": DIS_PRESET}


def check_method(method: str) -> None:
    """Raise ArtimapError listing the valid names when `method` is unknown."""
    if method not in METHODS:
        raise ArtimapError(f"unknown optical flow {method!r}; choose one of {', '.join(METHODS)}")


class FlowComputer:
    """Callable computing the flow between two uint8 frames (H, W) -> (H, W, 2) float32."""

    def __init__(self, method: str = "farneback") -> None:
        check_method(method)
        self.method = method
        self._dis = None
        if method == "dis":
            preset = getattr(cv2, f"DISOPTICAL_FLOW_PRESET_{DIS_PRESET}")
            self._dis = cv2.DISOpticalFlow_create(preset)

    def __call__(self, prev: np.ndarray, nxt: np.ndarray) -> np.ndarray:
        if self._dis is not None:
            return self._dis.calc(prev, nxt, None)
        return cv2.calcOpticalFlowFarneback(prev, nxt, None, **FARNEBACK_PARAMS)
