"""Hand-labelled lip frames: DeepLabCut folders of lip close-ups with 8 points each.

A labelled folder holds PNG frames and one `CollectedData_*.csv` whose rows name
`labeled-data\\<folder>\\imgN.png`; the 8 points (`POINTS`) are the two lip corners and the
inner upper / lower lip at the left, middle and right. Empty cells (point not visible) are NaN.
A data root holds one such folder per recording; a folder is one speaker's recording, so
held-out evaluation holds whole folders out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.dlc import read_dlc_csv
from artimap.io.frames import read_image

POINTS: tuple[str, ...] = ("leftLip", "rightLip", "topleftinner", "bottomleftinner",
                           "topmidinner", "bottommidinner", "toprightinner", "bottomrightinner")
# Index of each point's mirror image under a horizontal flip (left <-> right).
FLIP_ORDER: tuple[int, ...] = (1, 0, 6, 7, 4, 5, 2, 3)


@dataclass
class LabelledFrames:
    """Labelled lip frames from one or more folders (frames may differ in size)."""

    images: list[np.ndarray]  # N frames, each (H, W) uint8 grayscale
    points: np.ndarray  # (N, 8, 2) float64 pixel x, y in `POINTS` order; NaN = not visible
    groups: list[str]  # N folder names (one recording = one speaker)
    names: list[str]  # N image file names

    def subset(self, idx: np.ndarray | list[int]) -> LabelledFrames:
        """The frames at positions `idx`."""
        idx = [int(i) for i in idx]
        return LabelledFrames([self.images[i] for i in idx], self.points[idx],
                              [self.groups[i] for i in idx], [self.names[i] for i in idx])

    def __len__(self) -> int:
        return len(self.images)


def _reorder(csv: Path, bodyparts: list[str], points: np.ndarray) -> np.ndarray:
    """(F, K, 2) in the file's order -> (F, 8, 2) in `POINTS` order."""
    missing = [p for p in POINTS if p not in bodyparts]
    if missing:
        raise file_error(csv, f"lacks the lip points {', '.join(missing)}",
                         f"Label all of {', '.join(POINTS)} (empty cells are allowed)")
    return points[:, [bodyparts.index(p) for p in POINTS]]


def read_labelled_folder(folder: str | Path) -> LabelledFrames:
    """Read one labelled folder: its `CollectedData_*.csv` and the frames its rows name."""
    folder = Path(folder)
    csvs = sorted(folder.glob("CollectedData_*.csv"))
    if not csvs:
        raise file_error(folder, "no CollectedData_*.csv in the folder",
                         "Label the frames (artimap lips label) or point to a labelled folder")
    dlc = read_dlc_csv(csvs[0])
    points = _reorder(csvs[0], dlc.bodyparts, dlc.points)
    images, names = [], []
    for entry in dlc.index:
        name = str(entry).split("/")[-1] if isinstance(entry, str) else f"img{entry:03d}.png"
        path = folder / name
        if not path.is_file():
            raise file_error(csvs[0], f"row {name!r} names a frame missing from {folder}",
                             "Keep the labelled frames beside the CSV")
        images.append(read_image(path))
        names.append(name)
    return LabelledFrames(images, points, [folder.name] * len(images), names)


def labelled_folders(root: str | Path) -> list[Path]:
    """The sub-folders of `root` that hold a `CollectedData_*.csv`, sorted by name."""
    root = Path(root)
    if not root.is_dir():
        raise file_error(root, "labelled-data folder not found", "Check the path")
    found = sorted(p for p in root.iterdir() if p.is_dir() and any(p.glob("CollectedData_*.csv")))
    if not found and any(root.glob("CollectedData_*.csv")):
        found = [root]
    if not found:
        raise file_error(root, "no labelled folders (none holds a CollectedData_*.csv)",
                         "Point to a DeepLabCut labeled-data folder")
    return found


def read_labelled(root: str | Path) -> LabelledFrames:
    """Every labelled folder under `root` (or `root` itself if it is one), concatenated."""
    parts = [read_labelled_folder(f) for f in labelled_folders(root)]
    return LabelledFrames(
        images=[im for p in parts for im in p.images],
        points=np.concatenate([p.points for p in parts]),
        groups=[g for p in parts for g in p.groups],
        names=[n for p in parts for n in p.names],
    )
