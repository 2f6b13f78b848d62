"""DeepLabCut point CSVs: tracker output and hand-labelled `CollectedData_*.csv`.

Both share a header of three rows (a fourth, `individuals`, in multi-animal projects):

    scorer,    <name>, <name>, ...
    bodyparts, <part>, <part>, ...
    coords,    x,      y,      [likelihood,] ...

then one row per frame. Tracker output (`*DLC*.csv`, `machinelabels*.csv`) has x, y, likelihood
per body part and a frame number in the first column. Labelled data has x, y only (empty cells
for points the labeller could not see) and an image path as the index: one column
(`labeled-data\\<set>\\img0001.png`, older files) or several (`labeled-data,<set>,img0001.png`).
Coordinates are pixels of the tracked image or video frame.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.fsutil import atomic_path
from artimap.io.text import csv_rows, read_text

HEADER_KEYS = ("scorer", "individuals", "bodyparts", "coords")
COORDS = ("x", "y", "likelihood")


@dataclass
class DlcPoints:
    """Points of one DLC CSV; NaN where a point is missing or below the likelihood threshold."""

    points: np.ndarray  # (F, K, 2) float64 pixel x, y
    likelihood: np.ndarray | None  # (F, K) float64, or None for hand labels
    bodyparts: list[str]  # K names (with the individual prefixed in multi-animal files)
    index: list[str | int]  # F frame numbers (int) or image paths (str, '/' separated)
    source: str = ""  # the file, for messages

    @property
    def valid(self) -> np.ndarray:
        """(F, K) bool: the point is present."""
        return ~np.isnan(self.points).any(axis=2)


def _header(path: Path, rows: list[list[str]]) -> tuple[dict[str, list[str]], int]:
    header: dict[str, list[str]] = {}
    n = 0
    while n < len(rows) and rows[n] and rows[n][0].strip().lower() in HEADER_KEYS:
        header[rows[n][0].strip().lower()] = [c.strip() for c in rows[n]]
        n += 1
    if "bodyparts" not in header or "coords" not in header:
        raise file_error(path, "not a DeepLabCut CSV (no 'bodyparts' and 'coords' header rows)",
                         "Export the points with DeepLabCut's CSV writer")
    return header, n


def _columns(path: Path, header: dict[str, list[str]]) -> tuple[int, list[str], dict]:
    """Return (number of index columns, body parts in order, {(part, coord): column})."""
    coords, parts_row = header["coords"], header["bodyparts"]
    indiv = header.get("individuals")
    n_index = 1
    while n_index < len(coords) and coords[n_index].lower() not in COORDS:
        n_index += 1
    parts: list[str] = []
    where: dict[tuple[str, str], int] = {}
    for col in range(n_index, len(coords)):
        coord = coords[col].lower()
        if coord not in COORDS:
            raise file_error(path, f"column {col + 1}: unknown coordinate {coords[col]!r}",
                             "Expected x, y or likelihood in the 'coords' row")
        part = parts_row[col] if col < len(parts_row) else ""
        if indiv is not None and col < len(indiv) and indiv[col] and indiv[col] != "single":
            part = f"{indiv[col]}/{part}"
        if part not in parts:
            parts.append(part)
        where[(part, coord)] = col
    for part in parts:
        if (part, "x") not in where or (part, "y") not in where:
            raise file_error(path, f"body part {part!r} lacks an x or y column",
                             "Check the header rows")
    if not parts:
        raise file_error(path, "no point columns after the index", "Check the header rows")
    return n_index, parts, where


def _cell(path: Path, row: list[str], col: int, line: int) -> float:
    text = row[col].strip() if col < len(row) else ""
    if text == "" or text.lower() == "nan":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise file_error(path, f"line {line}, column {col + 1}: {text!r} is not a number",
                         "Fix or blank the cell") from None


def _index_value(cells: list[str]) -> str | int:
    cells = [c.strip() for c in cells if c.strip()]
    if len(cells) == 1 and cells[0].lstrip("-").isdigit():
        return int(cells[0])
    return "/".join(c.replace("\\", "/") for c in cells)


def read_dlc_csv(path: str | Path, min_likelihood: float = 0.6) -> DlcPoints:
    """Read a DeepLabCut CSV: points (F, K, 2), NaN where empty or likelihood < min_likelihood.

    The likelihood array (F, K) keeps the raw values (None for hand-labelled files).
    """
    path = Path(path)
    text = read_text(path, "DeepLabCut CSV file")
    rows = [r for r in csv_rows(path, text) if any(c.strip() for c in r)]
    header, n_header = _header(path, rows)
    n_index, parts, where = _columns(path, header)
    body = rows[n_header:]
    n_frames, n_parts = len(body), len(parts)
    has_lik = all((p, "likelihood") in where for p in parts)
    points = np.full((n_frames, n_parts, 2), np.nan)  # (F, K, 2)
    lik = np.full((n_frames, n_parts), np.nan) if has_lik else None  # (F, K)
    index: list[str | int] = []
    for f, row in enumerate(body):
        line = n_header + f + 1
        index.append(_index_value(row[:n_index]))
        for k, part in enumerate(parts):
            points[f, k, 0] = _cell(path, row, where[(part, "x")], line)
            points[f, k, 1] = _cell(path, row, where[(part, "y")], line)
            if lik is not None:
                lik[f, k] = _cell(path, row, where[(part, "likelihood")], line)
    if lik is not None:
        low = ~(lik >= min_likelihood)  # NaN likelihood counts as low
        points[low] = np.nan
    points[np.isnan(points).any(axis=2)] = np.nan  # a half-present point is missing
    return DlcPoints(points, lik, parts, index, str(path))


def write_dlc_csv(path: str | Path, points: np.ndarray, bodyparts: list[str],
                  index: list[str | int], scorer: str = "artimap") -> None:
    """Write points (F, K, 2) pixel x, y as a labelled-data style DeepLabCut CSV (x, y per body
    part, empty cells for NaN), indexed by `index` (F image paths or frame numbers);
    `read_dlc_csv` reads it back."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 3 or pts.shape[2] != 2 or pts.shape[1] != len(bodyparts) \
            or len(index) != len(pts):
        raise ValueError(f"write_dlc_csv: points {pts.shape} do not match {len(bodyparts)} "
                         f"body parts and {len(index)} index entries")
    with atomic_path(path) as tmp, open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["scorer"] + [scorer] * (2 * len(bodyparts)))
        w.writerow(["bodyparts"] + [b for b in bodyparts for _ in range(2)])
        w.writerow(["coords"] + ["x", "y"] * len(bodyparts))
        for name, row in zip(index, pts):
            w.writerow([name] + ["" if not np.isfinite(v) else f"{v:.3f}" for v in row.ravel()])
