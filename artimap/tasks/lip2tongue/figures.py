"""Figures of a lip2tongue experiment (read finished run directories; never train).

- figure2: like the paper's Figure 2, one column per random test frame (the frames every run
  kept in eval/samples.npz), rows: the lip crop, the real ultrasound, each row config's
  prediction (its first seed), then the two reference rows (training mean, nearest neighbour).
- loss_curves: training and validation loss against steps, one line pair per seed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from artimap.rundir import read_metrics
from artimap.runfind import first_eval_npz  # noqa: E402

MAX_COLUMNS = 6


def _show(ax, value: np.ndarray, real: np.ndarray | None = None) -> None:
    """An image (H, W) 0..255, or points (K, 2) in red (with the real ones in black)."""
    if value.ndim == 2 and value.shape[-1] != 2:
        ax.imshow(value, cmap="gray", vmin=0, vmax=255, aspect="auto")
    else:
        if real is not None:
            ax.plot(real[:, 0], real[:, 1], "-", color="k", lw=1)
        ax.plot(value[:, 0], value[:, 1], "-", color="#d62728", lw=1)
        ax.invert_yaxis()
        ax.set_aspect("equal", adjustable="datalim")
    ax.set_xticks([])
    ax.set_yticks([])


def _grid_rows(experiment: dict) -> tuple[list[tuple[str, np.ndarray]], dict] | None:
    """[(label, (S, ...) values)] for the grid, and the first run's samples."""
    first = None
    rows: list[tuple[str, np.ndarray]] = []
    for run in experiment["runs"]:
        s = first_eval_npz(run, "samples.npz")
        if s is None:
            continue
        if first is None:
            first = s
            rows += [("lips", s["lips"].astype(np.float32)), ("real", s["real"])]
        same = (np.array_equal(s["utterance"], first["utterance"])
                and np.array_equal(s["frame"], first["frame"]))
        if same:  # runs on other data or clip settings saw other frames: left out
            rows.append((run["name"], s["pred"]))
    if first is None:
        return None
    mean = np.broadcast_to(first["train_mean"], first["real"].shape)
    rows += [("train mean", mean), ("nearest neighbour", first["nearest_neighbour"])]
    return rows, first


def figure2(experiment: dict, path: Path) -> Path | None:
    """Real frames and every method's predictions of the same test frames, saved to `path`;
    None if no run has samples."""
    fig = figure2_figure(experiment)
    if fig is None:
        return None
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def report_figures(experiment: dict) -> list[tuple[str, Figure]]:
    """The figures of an HTML report (artimap.report_build): Figure 2 on the sample frames."""
    fig = figure2_figure(experiment)
    return [] if fig is None else [(
        "Figure 2: lips, real ultrasound, each run's prediction and the reference rows, "
        "test frames spread from the highest to the lowest tongue (eval/samples.npz)", fig)]


def figure2_figure(experiment: dict) -> Figure | None:
    """The Figure 2 grid (see the module doc); None if no run has samples."""
    got = _grid_rows(experiment)
    if got is None:
        return None
    rows, first = got
    n = min(MAX_COLUMNS, len(first["real"]))
    fig, axes = plt.subplots(len(rows), n, figsize=(1.9 * n + 1.2, 1.25 * len(rows)),
                             squeeze=False)
    for i, (label, values) in enumerate(rows):
        for j in range(n):
            ax = axes[i, j]
            if label == "lips":
                ax.imshow(values[j], cmap="gray", vmin=0, vmax=255, aspect="auto")
                ax.set_xticks([])
                ax.set_yticks([])
            else:
                _show(ax, values[j], None if label == "real" else first["real"][j])
            if j == 0:
                ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
            if i == 0:
                ax.set_title(f"{first['utterance_id'][j]} frame {int(first['frame'][j])}",
                             fontsize=7)
    fig.tight_layout()
    return fig


def loss_curves(run: dict, path: Path) -> Path | None:
    """Train/val loss against steps for every seed of one row; None if nothing was logged."""

    fig, ax = plt.subplots(figsize=(5, 3))
    drawn = False
    for seed, d in zip(run["seeds"], run["run_dirs"]):
        logged = read_metrics(d)
        if not logged:
            continue
        steps = [r["step"] for r in logged]
        line = ax.plot(steps, [r.get("train_loss", np.nan) for r in logged], "-",
                       label=f"train seed{seed}")[0]
        if any("val_loss" in r for r in logged):
            ax.plot(steps, [r.get("val_loss", np.nan) for r in logged], "--",
                    color=line.get_color(), label=f"val seed{seed}")
        drawn = True
    if not drawn:
        plt.close(fig)
        return None
    ax.set_xlabel("step")
    ax.set_ylabel("MSE (standardised)")
    ax.set_title(run["name"])
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
