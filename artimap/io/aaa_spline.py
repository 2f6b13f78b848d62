"""AAA tongue-spline exports (tab-separated, polar form), e.g. `File156_splines.csv`.

One header row, then one row per traced ultrasound frame:

    surname/given names, date and time, time in recording (s), prompt, K,
    K radii (mm), K angles (rad), K confidences (0..100)

Polar convention: r is measured from the probe's virtual origin (mm), the angle from the fan's
axis (rad), growing towards higher scanline indices; the raw (scanline, sample) of a point
follows from the recording's geometry (`artimap.ultrasound.geometry.ProbeGeometry.polar_to_raw`,
checked against the raw File156 frames in the tests). Cartesian mm place the probe origin at
(0, 0), x = r sin(phi) towards higher scanlines, y = r cos(phi) away from the probe.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.text import csv_rows, read_text
from artimap.io.ult import UltParams

N_META = 5  # id, date and time, time in recording, prompt, number of points


@dataclass
class AaaSplines:
    """Tongue contours of one AAA spline export; NaN pads rows with fewer than K points."""

    times: np.ndarray  # (F,) seconds from the start of the recording (audio clock)
    r_mm: np.ndarray  # (F, K) radius from the probe origin, mm
    theta: np.ndarray  # (F, K) angle from the central scanline, rad (see module docstring)
    confidence: np.ndarray  # (F, K) AAA's fit confidence, 0..100
    prompts: list[str]  # F prompt strings (usually all the same)
    source: str = ""

    @property
    def xy_mm(self) -> np.ndarray:
        """(F, K, 2) Cartesian mm: x towards higher scanlines, y away from the probe."""
        return np.stack([self.r_mm * np.sin(self.theta), self.r_mm * np.cos(self.theta)], -1)

    def frame_indices(self, params: UltParams) -> np.ndarray:
        """(F,) int: the ultrasound frame of each spline row.

        AAA's exported times drift from TimeInSecsOfFirstFrame + k / FramesPerSec (File156:
        about 0.5 % over 183 frames), so only the first row is placed by its time; each later
        row advances by its time step in whole frames (at least one), which keeps consecutive
        traced frames consecutive and still honours gaps.
        """
        if len(self.times) == 0:
            return np.zeros(0, int)
        first = round((self.times[0] - params.time_first_frame) * params.frames_per_sec)
        steps = np.maximum(1, np.rint(np.diff(self.times) * params.frames_per_sec)).astype(int)
        return first + np.concatenate([[0], np.cumsum(steps)])


def _number(path: Path, text: str, line: int, what: str) -> float:
    text = text.strip()
    if text == "" or text.lower() == "nan":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise file_error(path, f"line {line}: {what} {text!r} is not a number",
                         "Check the spline export settings (polar, not interleaved)") from None


def _parse_row(path: Path, row: list[str], line: int) -> tuple[float, str, list[float]]:
    if len(row) < N_META:
        raise file_error(path, f"line {line}: {len(row)} columns, need at least {N_META}",
                         "Export splines in AAA's tab-separated polar format")
    k = _number(path, row[4], line, "number of points")
    if not (k >= 0 and k == int(k)):
        raise file_error(path, f"line {line}: number of points {row[4]!r} is not a count")
    k = int(k)
    values = row[N_META:]
    if len(values) < 3 * k:
        raise file_error(path, f"line {line}: {len(values)} values for {k} points, need {3 * k}"
                         " (radii, angles, confidences)", "The file may be truncated")
    nums = [_number(path, v, line, "value") for v in values[:3 * k]]
    return _number(path, row[2], line, "time"), row[3].strip(), nums


def read_aaa_splines(path: str | Path, delimiter: str = "\t") -> AaaSplines:
    """Read an AAA polar spline export into (F, K) radius/angle/confidence arrays."""
    path = Path(path)
    rows = [r for r in csv_rows(path, read_text(path, "spline file"), delimiter)
            if any(c.strip() for c in r)]
    if rows and not _looks_numeric(rows[0][2:3]):
        rows = rows[1:]  # header row
    if not rows:
        raise file_error(path, "no spline rows", "Export at least one traced frame")
    parsed = [_parse_row(path, row, n + 2) for n, row in enumerate(rows)]
    n_frames, k_max = len(parsed), max(len(p[2]) // 3 for p in parsed)
    r_mm, theta, conf = (np.full((n_frames, k_max), np.nan) for _ in range(3))  # (F, K) each
    for f, (_, _, nums) in enumerate(parsed):
        k = len(nums) // 3
        r_mm[f, :k], theta[f, :k], conf[f, :k] = nums[:k], nums[k:2 * k], nums[2 * k:]
    times = np.array([p[0] for p in parsed])
    return AaaSplines(times, r_mm, theta, conf, [p[1] for p in parsed], str(path))


def _looks_numeric(cells: list[str]) -> bool:
    try:
        float(cells[0])
    except (ValueError, IndexError):
        return False
    return True
