"""A speaker's few labelled frames (`--labels FEW.csv`) matched to the frames being measured.

FEW.csv is a DeepLabCut CSV with the 8 lip points. Its rows name frames by number (tracker
style), by image name (`labeled-data\\<set>\\img0042.png`, DeepLabCut's labelling: imgN is frame
N of the video) or, for a frame folder, by the folder's own file names.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.dlc import read_dlc_csv
from artimap.lips.data import POINTS

MIN_LABELS = 3  # fewer labelled frames than this cannot calibrate anything


def _frame_number(entry: str | int) -> int | None:
    if isinstance(entry, int):
        return entry
    m = re.search(r"(\d+)\D*$", entry.split("/")[-1])
    return int(m.group(1)) if m else None


def _set_name(entry: str | int) -> str | None:
    """The `<set>` of a `labeled-data/<set>/imgN.png` entry (None for other entries)."""
    parts = str(entry).split("/")
    return parts[-2] if isinstance(entry, str) and len(parts) >= 2 else None


def match_labels(path: str | Path, index: list[str | int], stem: str | None = None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Rows of FEW.csv found among the frames `index` -> ((K,) frame positions, (K, 8, 2) px).

    Image-name entries match a folder's file names first, else their number is the frame
    number; rows with no point at all are skipped. When some rows name the set `stem` (the
    video's file stem or the folder's name), only those count: a DeepLabCut project's CSV
    labels many videos.
    """
    path = Path(path)
    dlc = read_dlc_csv(path)
    missing = [p for p in POINTS if p not in dlc.bodyparts]
    if missing:
        raise file_error(path, f"lacks the lip points {', '.join(missing)}",
                         f"Label {', '.join(POINTS)} (artimap lips label writes them)")
    pts = dlc.points[:, [dlc.bodyparts.index(p) for p in POINTS]]  # (F, 8, 2)
    by_name = {str(n): i for i, n in enumerate(index) if isinstance(n, str)}
    by_number = {n: i for i, n in enumerate(index) if isinstance(n, int)}
    rows, where = [], []
    sets = [_set_name(e) for e in dlc.index]
    only_stem = stem is not None and stem in sets
    for r, entry in enumerate(dlc.index):
        if only_stem and sets[r] != stem:
            continue
        name = str(entry).split("/")[-1]
        pos = by_name.get(name)
        if pos is None:
            num = _frame_number(entry)
            pos = by_number.get(num) if num is not None else None
        if pos is not None and np.isfinite(pts[r]).any():
            rows.append(r)
            where.append(pos)
    if len(rows) < MIN_LABELS:
        raise file_error(path, f"only {len(rows)} of its {len(dlc.index)} rows name a labelled "
                         f"frame of the input (need {MIN_LABELS} or more, 10-20 is best)",
                         "Label frames of this same video or folder (artimap lips label)")
    return np.array(where), pts[rows]
