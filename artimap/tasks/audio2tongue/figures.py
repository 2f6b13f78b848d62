"""audio2tongue's figure for an HTML report: over one test utterance, the height of the contour
point that moves most, true and as each row's first seed predicts it (point and contour targets;
image targets get no figure). Each run predicts one utterance, so the figure costs seconds.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from artimap.data.audio.stream import entry_mel  # noqa: E402
from artimap.data.prepared import Entry, Prepared  # noqa: E402
from artimap.tasks.audio2tongue.config import TASK  # noqa: E402
from artimap.tasks.audio_run import Normaliser, predict_frames  # noqa: E402
from artimap.tasks.scaffold import LoadedRun, load_for_evaluation  # noqa: E402


def report_figures(experiment: dict) -> list[tuple[str, Figure]]:
    """[(caption, Figure)] of an HTML report (artimap.report_build); [] without point runs."""
    loaded = [load_for_evaluation(row["run_dirs"][0]) for row in experiment.get("runs", [])
              if row.get("run_dirs")]
    loaded = [run for run in loaded if not run.meta["image"]]
    if not loaded:
        return []
    prepared = Prepared.open(loaded[0].cfg.data, TASK)
    tests = prepared.entries_in("test")
    if not tests:
        return []
    entry = max(tests, key=lambda e: e.n_frames)
    real = np.asarray(prepared.array("targets")[entry.rows], np.float64)  # (F, K, 2)
    point = int(np.nanargmax(np.nanstd(real[..., 1], axis=0)))
    times = np.asarray(prepared.array("times")[entry.rows], np.float64)  # (F,)
    rows = {run.cfg.name: _predict(run, prepared, entry)[:, point, 1] for run in loaded}
    unit = "mm" if prepared.manifest["target_units"].startswith("mm") else "px"
    caption = (f"Test utterance {entry.id}: height of contour point {point} (the one that "
               f"moves most), true and predicted by each row (seed {loaded[0].cfg.train.seed})")
    return [(caption, _tracks(times, real[:, point, 1], rows, f"height ({unit})"))]


def _predict(run: LoadedRun, prepared: Prepared, entry: Entry) -> np.ndarray:
    """(F, K, 2) predictions of one utterance's target frames."""
    meta = run.meta
    norm = Normaliser(meta["normalisation"], tuple(meta["data"]["target_shape"]), meta["image"])
    mel, index = entry_mel(prepared, entry)
    return predict_frames(run.model, norm, mel, index, run.device)


def _tracks(times: np.ndarray, real: np.ndarray, rows: dict[str, np.ndarray],
            ylabel: str) -> Figure:
    fig, ax = plt.subplots(figsize=(9, 3))
    ax.plot(times, real, color="black", lw=2.0, label="true")
    for name, values in rows.items():
        ax.plot(times, values, lw=1.2, label=name)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel)
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    return fig

