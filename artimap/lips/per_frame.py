"""The lip measures of every frame as one (F, 4) array, for datasets that keep them beside
their frames (`artimap prepare lip2tongue --lips measured`).

Columns (`COLUMNS`), in px of the full lip frames given (no crop): the inner aperture, the
corner-to-corner width, the outer lip height (`outer.py`, an intensity proxy) and the area of
the mouth opening (px^2). Measured by the shipped LipNet without calibration (one pass plus its
mirror); a measure that fails on a frame is NaN.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from artimap.lips.model import LipNet
from artimap.lips.run import measure_lips
from artimap.lips.weights import DEFAULT_WEIGHTS, load_lipnet

COLUMNS: tuple[str, ...] = ("aperture", "width", "outer_height", "area")
UNITS = "px of the full lip frames (area px^2); shipped LipNet, no calibration"


@lru_cache(maxsize=1)
def shipped_lipnet() -> LipNet:
    """The shipped LipNet, loaded once per process (prepare workers measure many utterances)."""
    return load_lipnet(DEFAULT_WEIGHTS)


def measure_columns(frames: np.ndarray) -> tuple[np.ndarray, float]:
    """(F, H, W) uint8 full lip frames -> ((F, 4) float32 `COLUMNS`, mean confidence)."""
    track = measure_lips(frames, shipped_lipnet())
    values = np.stack([track.values[c] for c in COLUMNS], 1).astype(np.float32)  # (F, 4)
    return values, float(track.confidence.mean())


def record() -> dict:
    """What a dataset's manifest says about its measured lips."""
    return {"columns": list(COLUMNS), "units": UNITS, "model": DEFAULT_WEIGHTS.name}
