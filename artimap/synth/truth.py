"""Ground-truth files of a virtual-talker corpus: tongue contours and `corpus.json`.

`<utt>.contour.csv` has a header row, then one row per (ultrasound frame, contour point):

    frame,time_s,point,scanline,sample,x_mm,y_mm

frame: ultrasound frame index; time_s: its time on the audio clock (TimeInSecsOfFirstFrame +
frame / FramesPerSec); point: 0 at the tongue root to K-1 at the tip; scanline, sample:
fractional raw coordinates in the `.ult` frame (see `artimap.ultrasound.geometry`);
x_mm, y_mm: the point in the midsagittal plane relative to the probe's virtual origin, x
towards the tongue tip (towards scanline NV-1), y away from the probe (down in a fan image
drawn with the probe at the top).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from artimap.errors import ArtimapError, file_error
from artimap.fsutil import atomic_write_text

CONTOUR_HEADER = "frame,time_s,point,scanline,sample,x_mm,y_mm"
CORPUS_FORMAT = "artimap-talker"
_ROW = "%d,%.6f,%d,%.4f,%.4f,%.4f,%.4f\n"


def format_contour_csv(times: np.ndarray, raw: np.ndarray, mm: np.ndarray) -> str:
    """CSV text for times (U,), raw (U, K, 2) scanline/sample and mm (U, K, 2)."""
    u, k = raw.shape[:2]
    table = np.empty((u, k, 7), dtype=np.float64)  # one row per (frame, point)
    table[:, :, 0] = np.arange(u)[:, None]
    table[:, :, 1] = np.asarray(times)[:, None]
    table[:, :, 2] = np.arange(k)[None, :]
    table[:, :, 3:5] = raw
    table[:, :, 5:7] = mm
    body = (_ROW * (u * k)) % tuple(table.ravel().tolist())
    return CONTOUR_HEADER + "\n" + body


def write_contour_csv(path: str | Path, times: np.ndarray, raw: np.ndarray, mm: np.ndarray) -> None:
    """Write a contour CSV atomically (see the module docstring for the layout)."""
    atomic_write_text(path, format_contour_csv(times, raw, mm))


def read_contour_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read a contour CSV: times (F,), points (F, K, 2) scanline/sample, mm (F, K, 2)."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            header = f.readline().strip()
            rows = np.loadtxt(f, delimiter=",", ndmin=2)
    except (OSError, ValueError) as e:
        raise file_error(path, f"cannot read contour CSV ({e})", "Regenerate the corpus") from e
    if header != CONTOUR_HEADER or rows.shape[1:] != (7,):
        raise file_error(path, f"not a contour CSV (header {header!r})",
                         f"Expected the header {CONTOUR_HEADER!r}")
    if len(rows) == 0:
        return np.zeros(0), np.zeros((0, 0, 2)), np.zeros((0, 0, 2))
    n_frames, k = int(rows[:, 0].max()) + 1, int(rows[:, 2].max()) + 1
    if len(rows) != n_frames * k:
        raise file_error(path, f"{len(rows)} rows is not {n_frames} frames x {k} points",
                         "The file is truncated; regenerate the corpus")
    table = rows.reshape(n_frames, k, 7)  # (F, K, 7)
    return table[:, 0, 1].copy(), table[:, :, 3:5].copy(), table[:, :, 5:7].copy()


def read_corpus_json(folder: str | Path) -> dict:
    """Read `folder/corpus.json` of a virtual-talker corpus (checks its format field)."""
    path = Path(folder) / "corpus.json"
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise file_error(path, "not found", "Point to a folder made by `artimap synth`") from None
    except (OSError, json.JSONDecodeError) as e:
        raise file_error(path, f"cannot read ({e})", "Regenerate the corpus") from e
    if not isinstance(meta, dict) or meta.get("format") != CORPUS_FORMAT:
        raise ArtimapError(f"{path}: format is not {CORPUS_FORMAT!r}; not a virtual-talker corpus")
    return meta
