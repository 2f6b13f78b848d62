"""The ultrasound target: one room for everything a task that predicts the tongue image needs.

- rendering: a raw AAA frame (NV scanlines x PPV echo samples) becomes the model's target
  image, either "raw" (transposed so depth runs down: row = echo sample from the top, column =
  scanline from the left) or "fan" (scan-converted with the probe at the top, drawn at four
  times the target size and shrunk by area averaging, so the fan is not aliased), resized to
  (H_t, W_t); `TargetRenderer`;
- geometry: the exact fan box of "fan" targets (`fan_image`) and target pixels -> mm in the
  probe's midsagittal plane for "raw" targets (`raw_to_mm`), both through
  `artimap.ultrasound.geometry.ProbeGeometry`;
- contours: the extractor every evaluation uses on target images (`contour_fn`).

lip2tongue uses it at prepare (rendering), evaluation (contours, mm) and predict; any other
task that predicts ultrasound images takes the same pieces.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from artimap.io.ult import UltParams, read_param
from artimap.ultrasound import contour
from artimap.ultrasound.geometry import FanImage, ProbeGeometry
from artimap.ultrasound.scanconv import ScanConverter

MODES = ("raw", "fan")


def resize_image(img: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    """Resize (H, W) to (H_o, W_o): area averaging on shrunk axes, linear on enlarged ones."""
    h, w = img.shape
    step = cv2.resize(img, (min(w, hw[1]), min(h, hw[0])), interpolation=cv2.INTER_AREA)
    if step.shape != tuple(hw):
        step = cv2.resize(step, (hw[1], hw[0]), interpolation=cv2.INTER_LINEAR)
    return step


class TargetRenderer:
    """Frames -> target images (H_t, W_t) uint8 (module doc).

    `params` None: the frames are already images (frame folders) and are only resized."""

    def __init__(self, size: tuple[int, int], mode: str = "raw",
                 params: UltParams | None = None) -> None:
        self.size = (int(size[0]), int(size[1]))
        self.params = params
        self._fan = ScanConverter(params, (4 * self.size[0], 4 * self.size[1])) \
            if mode == "fan" and params is not None else None

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        """One frame: raw (NV, PPV) uint8 or an image (H, W) -> (H_t, W_t) uint8."""
        if self._fan is not None:
            img = self._fan(frame)
        elif self.params is not None:
            img = np.ascontiguousarray(frame.T)  # (PPV, NV): depth down, scanlines across
        else:
            img = frame
        return resize_image(img, self.size)


def fan_image(params: UltParams, size: tuple[int, int]) -> dict:
    """The exact geometry of "fan" targets of `size` (`FanImage.to_dict`): shrinking the 4x fan
    by area averaging keeps the box on the pixel edges, so the target is the same fan fitted
    to (H_t, W_t)."""
    return FanImage.fit(ProbeGeometry.from_params(params), tuple(size)).to_dict()


def raw_to_mm(param_file: str, target_size: tuple[int, int] | None
              ) -> Callable[[np.ndarray], np.ndarray]:
    """Map (F, L, 2) (x, y) pixels of the raw-scanline target image (H_t rows of depth, W_t
    scanline columns, resized from the .ult frame by area; `target_size` (H_t, W_t), or None
    for (scanline, sample) of the .ult frame itself) to (F, L, 2) mm in the midsagittal plane
    of the probe described by `param_file`."""
    geo = ProbeGeometry.from_params(read_param(param_file))
    h, w = target_size or (geo.pix_per_vector, geo.num_vectors)

    def to_mm(pts: np.ndarray) -> np.ndarray:
        # pixel centres: target pixel i covers raw [i, i + 1) * (raw / target) (area resize)
        line = (pts[..., 0] + 0.5) * geo.num_vectors / w - 0.5
        sample = (pts[..., 1] + 0.5) * geo.pix_per_vector / h - 0.5
        return np.stack(geo.raw_to_mm(line, sample), axis=-1)
    return to_mm


def contour_fn(mode: str, real: np.ndarray, fan: dict | None = None
               ) -> Callable[[np.ndarray], np.ndarray]:
    """Contour extractor for target images (F, H, W) -> points (F, L, 2) (x, y) pixels.

    mode "raw": one line per column (depth down the rows); "fan": rays from the apex of the
    fan along the exact geometry prepare recorded (`fan`, a `FanImage.to_dict()`), or, for
    datasets prepared without it, estimated once on `real` (F, H, W) (probe at the top, as
    `TargetRenderer` draws it); used unchanged for every image."""
    if mode == "raw":
        def raw(images: np.ndarray) -> np.ndarray:
            pts = contour.extract_raw(np.ascontiguousarray(images.transpose(0, 2, 1)))
            return pts  # (F, W, 2): (column, row) = (x, y)
        return raw
    if fan is not None:
        known = FanImage.from_dict(fan)
        mask = known.mask()
        return lambda images: contour.extract_fan(images, known, mask=mask)
    mask = contour.fan_mask(real, ui=False)  # prepare's fans have no scanner UI around them
    geo = contour.estimate_fan(real, probe="top", mask=mask)
    return lambda images: contour.extract_fan(images, geo, mask=mask)
