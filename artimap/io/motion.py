"""Marker trajectories from motion capture or EMA, in one type whatever the file format.

`Motion.points` is (F, M, 3) float32 in millimetres with NaN where a marker was not seen.
Readers convert units on the way in, so everything downstream works in mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from artimap.errors import ArtimapError

# Length units and their size in mm (keys compared in lower case).
UNIT_TO_MM = {
    "mm": 1.0, "millimeters": 1.0, "millimetres": 1.0,
    "cm": 10.0, "centimeters": 10.0, "centimetres": 10.0,
    "m": 1000.0, "meters": 1000.0, "metres": 1000.0,
    "um": 1e-3, "micrometers": 1e-3, "micrometres": 1e-3,
    "0.01mm": 0.01, "1/100mm": 0.01, "dmm": 0.1, "0.1mm": 0.1,
    "in": 25.4, "inches": 25.4,
}


def unit_scale(unit: str) -> float | None:
    """Size of `unit` in mm, or None when unknown."""
    return UNIT_TO_MM.get(unit.strip().lower().replace(" ", ""))


@dataclass
class Motion:
    """F frames of M markers: points (F, M, 3) mm (NaN = missing), rate fps, M labels."""

    points: np.ndarray
    rate: float
    labels: list[str]
    source: str = ""
    start_time: float = field(default=0.0, compare=False)

    def __post_init__(self) -> None:
        self.points = np.asarray(self.points, dtype=np.float32)
        if self.points.ndim != 3 or self.points.shape[2] != 3:
            raise ArtimapError(
                f"{self.source or '<motion>'}: points must be (F, M, 3), got {self.points.shape}"
            )
        if len(self.labels) != self.points.shape[1]:
            raise ArtimapError(
                f"{self.source or '<motion>'}: {len(self.labels)} labels for "
                f"{self.points.shape[1]} markers"
            )
        if not self.rate > 0:
            raise ArtimapError(f"{self.source or '<motion>'}: rate must be > 0, got {self.rate}")
        self.labels = [str(x) for x in self.labels]

    @property
    def n_frames(self) -> int:
        return int(self.points.shape[0])

    @property
    def n_markers(self) -> int:
        return int(self.points.shape[1])

    @property
    def valid(self) -> np.ndarray:
        """(F, M) bool: True where all three coordinates are finite."""
        return np.isfinite(self.points).all(axis=2)

    @property
    def times(self) -> np.ndarray:
        """(F,) float64 frame times in seconds: start_time + k / rate."""
        return self.start_time + np.arange(self.n_frames, dtype=np.float64) / self.rate

    @property
    def duration(self) -> float:
        return self.n_frames / self.rate

    def index(self, label: str) -> int:
        """Column of marker `label`; an unknown name lists the valid ones."""
        try:
            return self.labels.index(label)
        except ValueError:
            raise ArtimapError(
                f"{self.source or '<motion>'}: no marker {label!r}; markers: {self.labels}"
            ) from None

    def select(self, labels: list[str]) -> Motion:
        """A Motion with only the named markers, in that order: points (F, len(labels), 3)."""
        idx = [self.index(lab) for lab in labels]
        return Motion(self.points[:, idx], self.rate, list(labels), self.source, self.start_time)
