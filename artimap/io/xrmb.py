"""Wisconsin X-ray Microbeam (XRMB) pellet tracks (`.txy`) and their phone labels (`.lab`).

A `.txy` file holds one line per sample of 17 whitespace-separated numbers: the time in
microseconds, then x and y of 8 pellets in micrometres, in the order of `PELLETS`: upper lip,
lower lip, four tongue pellets from tip (T1) to dorsum (T4), and two on the mandible (at the
incisors, MNI, and at a molar, MNM; also written MI / MM). 1000000 marks a sample where the
pellet was lost. Coordinates are midsagittal and head-based (origin at the upper incisors,
x along the maxillary occlusal plane), so the data are 2-D (z = 0) and need no head-motion
removal. A `.lab` holds `start end phone` lines in seconds (`artimap.io.lab`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.alignment import Alignment
from artimap.io.lab import read_lab
from artimap.io.motion import Motion
from artimap.io.text import read_text

PELLETS = ("UL", "LL", "T1", "T2", "T3", "T4", "MNI", "MNM")
MISSING = 1000000.0  # sentinel of a lost pellet sample
N_COLUMNS = 1 + 2 * len(PELLETS)


def _rows(path: Path) -> np.ndarray:
    """Numeric rows of a .txy file -> (F, 17) float64."""
    text = read_text(path, "XRMB pellet file")
    rows = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != N_COLUMNS:
            raise file_error(path, f"line {lineno}: {len(parts)} columns, expected {N_COLUMNS}",
                             "An XRMB .txy line is 'time_us' and x y (um) of 8 pellets")
        try:
            rows.append([float(p) for p in parts])
        except ValueError:
            raise file_error(path, f"line {lineno}: non-numeric value in {line[:60].strip()!r}",
                             "An XRMB .txy holds numbers only") from None
    if len(rows) < 2:
        raise file_error(path, f"{len(rows)} samples", "An XRMB .txy needs at least two lines")
    return np.asarray(rows)


def read_txy(path: str | Path) -> Motion:
    """Read an XRMB `.txy` -> Motion: points (F, 8, 3) float32 mm (z = 0, NaN where lost),
    rate from the median time step, labels `PELLETS`, start_time = first sample (s)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "no such XRMB file", "Check the path")
    rows = _rows(path)
    t = rows[:, 0] * 1e-6  # (F,) s
    step = float(np.median(np.diff(t)))
    if not step > 0:
        raise file_error(path, "times do not increase", "The first column is the time in us")
    xy = rows[:, 1:].reshape(len(rows), len(PELLETS), 2)  # (F, M, 2) um
    lost = (xy == MISSING).any(axis=2)  # (F, M): a lost pellet loses both coordinates
    points = np.zeros((len(rows), len(PELLETS), 3))  # (F, M, 3)
    points[..., :2] = xy * 1e-3
    points[lost] = np.nan
    return Motion(points, 1.0 / step, list(PELLETS), str(path), start_time=float(t[0]))


def read_xrmb_lab(path: str | Path) -> Alignment:
    """Phone labels of an XRMB utterance (`start end phone`, seconds) -> Alignment."""
    return read_lab(path)
