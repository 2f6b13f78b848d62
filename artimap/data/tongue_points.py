"""Tongue point streams with their frame times, shared by every task that predicts the tongue
from another stream (lip2tongue, audio2tongue).

    TaL DeepLabCut points row k   TimeInSecsOfFirstFrame + k / DLC_FPS s on the audio clock
                                  (rows were tracked on the common span resampled to 60 fps);
                                  pixels (x right, y down) of the tracked ultrasound video,
                                  NaN below MIN_LIKELIHOOD
    virtual talker contour        its `time_s` column; mm from the probe origin (x towards the
                                  tongue tip, y away from the probe), root (0) to tip
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from artimap.errors import file_error
from artimap.io.dlc import read_dlc_csv
from artimap.synth.truth import read_contour_csv

DLC_FPS = 60.0  # rows per second of the TaL DeepLabCut point files
MIN_LIKELIHOOD = 0.6  # DeepLabCut points less sure than this are missing (NaN)
DLC_UNITS = "pixels (x right, y down) of the DeepLabCut ultrasound video"
CONTOUR_UNITS = "mm from the probe origin (x towards the tongue tip, y away from the probe)"


def dlc_points(path: Path, time_first_frame: float
               ) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(points (F, K, 2) float32 px, times (F,) float64 s, K point names) of a TaL DLC CSV."""
    dlc = read_dlc_csv(path, min_likelihood=MIN_LIKELIHOOD)
    times = time_first_frame + np.arange(len(dlc.points), dtype=np.float64) / DLC_FPS
    return dlc.points.astype(np.float32), times, list(dlc.bodyparts)


def contour_points(path: Path) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(points (F, K, 2) float32 mm, times (F,) float64 s, K names) of a talker contour CSV."""
    if not Path(path).is_file():
        raise file_error(path, "contour file not found",
                         "Regenerate the corpus, or use --target image")
    times, _, mm = read_contour_csv(path)
    return (np.asarray(mm, np.float32), np.asarray(times, np.float64),
            [f"p{k}" for k in range(mm.shape[1])])
