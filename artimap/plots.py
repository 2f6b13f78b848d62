"""Figures for reports. Pure functions: arrays in, matplotlib Figure out (Agg backend).

Only report-building code imports this module; training never does.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


def image_with_points(
    image: np.ndarray, points: np.ndarray | None = None, title: str = "", size: float = 4.0
) -> Figure:
    """A grayscale image (H, W) with an optional curve of points (K, 2) in (x, y) pixels."""
    h, w = image.shape
    fig, ax = plt.subplots(figsize=(size, size * h / w))
    ax.imshow(image, cmap="gray", vmin=0, vmax=255)
    if points is not None:
        ax.plot(points[:, 0], points[:, 1], "-", color="#ff3b30", lw=1.5)
    ax.set_title(title)
    ax.axis("off")
    return fig


def marker_layout(
    points: np.ndarray, labels: Sequence[str], highlight: Sequence[str] = ()
) -> Figure:
    """Front (x-y) and side (z-y) views of one frame of markers, points (M, 3) in mm."""
    hi = np.array([lab in set(highlight) for lab in labels])
    fig, axes = plt.subplots(1, 2, figsize=(9, 4))
    for ax, (a, b), name in zip(axes, [(0, 1), (2, 1)], ["front (x, y)", "side (z, y)"]):
        ax.scatter(points[~hi, a], points[~hi, b], s=14, c="#4a4a4a", label="face")
        ax.scatter(points[hi, a], points[hi, b], s=18, c="#d62728", label="lips")
        ax.set_aspect("equal")
        ax.set_title(name)
        ax.set_xlabel("mm")
    axes[0].legend(loc="best", fontsize=8)
    return fig


def trajectories_with_phones(
    times: np.ndarray,
    values: np.ndarray,
    names: Sequence[str],
    intervals: Sequence[tuple[float, float, str]],
) -> Figure:
    """Stacked trajectories values (T, P) over times (T,), with phone boundaries and labels."""
    p = values.shape[1]
    fig, axes = plt.subplots(p, 1, figsize=(10, 1.1 * p + 0.6), sharex=True)
    axes = np.atleast_1d(axes)
    for i, ax in enumerate(axes):
        ax.plot(times, values[:, i], lw=1.2)
        ax.set_ylabel(names[i], rotation=0, ha="right", fontsize=8)
        for start, _, _ in intervals:
            ax.axvline(start, color="#bbb", lw=0.5)
    top = axes[0]
    for start, end, label in intervals:
        top.text((start + end) / 2, 1.02, label, transform=top.get_xaxis_transform(),
                 ha="center", va="bottom", fontsize=7)
    axes[-1].set_xlabel("time (s)")
    return fig


def histogram(values: np.ndarray, xlabel: str, bins: int = 20) -> Figure:
    """A plain histogram of values (n,)."""
    fig, ax = plt.subplots(figsize=(5, 3))
    ax.hist(values, bins=bins, color="#4c72b0")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("count")
    return fig


def loss_curves(curves: dict[str, dict[str, Sequence[float]]]) -> Figure:
    """Training (solid) and validation (dashed) loss against steps, one colour per run:
    curves {label: {"step", "train", "val"}}, each a sequence of equal length (NaN: not logged).
    """
    fig, ax = plt.subplots(figsize=(7, 3.5))
    for label, c in curves.items():
        line = ax.plot(c["step"], c["train"], "-", marker=".", label=f"{label} train")[0]
        if np.isfinite(np.asarray(c["val"], float)).any():
            ax.plot(c["step"], c["val"], "--", marker=".", color=line.get_color(),
                    label=f"{label} val")
    ax.set_xlabel("step")
    ax.set_ylabel("loss")
    ax.legend(fontsize=7, ncol=2)
    return fig
