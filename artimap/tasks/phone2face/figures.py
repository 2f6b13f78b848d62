"""Figures of a phone2face experiment (matplotlib, Agg): loss per epoch per configuration,
violins of RMSE and correlation per architecture and initialisation, the upper-lip centre
marker's trajectory and the inter-lip distance (predicted vs real) over one test utterance with
its phone labels.

Every function takes finished run directories / results rows and writes one PNG; it returns
the path, or None when there is nothing to draw.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from artimap.metrics.visemes import aperture
from artimap.rundir import read_metrics

ARCHS = ("dense", "pca", "blendshape", "autoencoder")
ARCH_LABELS = {"dense": "baseline", "pca": "PCA", "blendshape": "blendshapes",
               "autoencoder": "autoencoder"}
INIT_COLOURS = {"injected": "#1f77b4", "random": "#ff7f0e", "baseline": "#7f7f7f"}


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def epoch_curves(run_dirs: list[str]) -> dict[str, np.ndarray]:
    """Mean over runs of train_loss and val_loss per epoch (E,), NaN-padded to the longest,
    and best (R,) the epoch of minimum validation loss of each run."""

    curves: dict[str, list[list[float]]] = {"train_loss": [], "val_loss": []}
    best = []
    for d in run_dirs:
        rows = read_metrics(d)  # one per epoch (the last may be cut short by max_steps)
        if not rows:
            continue
        for key in curves:
            curves[key].append([float(r.get(key, np.nan)) for r in rows])
        val = np.array(curves["val_loss"][-1])
        if np.isfinite(val).any():
            best.append(int(np.nanargmin(val)) + 1)
    out = {}
    for key, runs in curves.items():
        n = max((len(r) for r in runs), default=0)
        padded = np.full((len(runs), n), np.nan)
        for i, r in enumerate(runs):
            padded[i, :len(r)] = r
        with np.errstate(all="ignore"):
            out[key] = np.nanmean(padded, axis=0) if len(runs) else np.zeros(0)
    out["best"] = np.array(best, float)
    return out


def loss_figure(name: str, run_dirs: list[str], path: Path) -> Path | None:
    """Train and validation loss per epoch (mean over runs), dashed line at the mean epoch of
    minimum validation loss."""
    c = epoch_curves(run_dirs)
    if len(c["train_loss"]) == 0:
        return None
    fig, ax = plt.subplots(figsize=(5.5, 3.5))
    epochs = np.arange(1, len(c["train_loss"]) + 1)
    ax.plot(epochs, c["train_loss"], "-o" if len(epochs) < 5 else "-", label="train", lw=1.3)
    if np.isfinite(c["val_loss"]).any():
        ax.plot(epochs, c["val_loss"], "-o" if len(epochs) < 5 else "-", label="validation")
    if len(c["best"]):
        ax.axvline(c["best"].mean(), ls="--", c="k", lw=1,
                   label=f"min. val. (mean epoch {c['best'].mean():.1f})")
    if np.nanmin(c["train_loss"]) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("masked MSE per coordinate")
    ax.set_title(f"{name} ({len(run_dirs)} run{'s' * (len(run_dirs) != 1)})")
    ax.legend(fontsize=8)
    return _save(fig, path)


def violin_figure(rows: list[dict[str, Any]], metric: str, label: str, path: Path) -> Path | None:
    """One violin per (architecture, initialisation) of `metric` over runs."""
    groups = []
    for i, arch in enumerate(ARCHS):
        for j, init in enumerate(("injected", "random")):
            v = [float(r[metric]) for r in rows if r.get("decoder") == arch and
                 (arch == "dense" or r.get("init") == init) and _finite(r.get(metric))]
            if v and arch == "dense" and j == 0:
                groups.append((i, "baseline", v))
            elif v and arch != "dense":
                groups.append((i + (j - 0.5) * 0.4, init, v))
    if not groups:
        return None
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    for x, init, v in groups:
        if len(v) > 1 and np.ptp(v) > 0:
            parts = ax.violinplot([v], positions=[x], widths=0.35, showmeans=True)
            for body in parts["bodies"]:
                body.set_facecolor(INIT_COLOURS[init])
        ax.scatter(np.full(len(v), x), v, s=10, c=INIT_COLOURS[init], zorder=3)
    ax.set_xticks(range(len(ARCHS)), [ARCH_LABELS[a] for a in ARCHS])
    for init, colour in INIT_COLOURS.items():
        ax.scatter([], [], c=colour, label=init)
    ax.legend(fontsize=8)
    ax.set_ylabel(label)
    return _save(fig, path)


def _finite(x: Any) -> bool:
    try:
        return np.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _segments(phone_ids: np.ndarray, phones: np.ndarray, rate: float) -> list[tuple]:
    """(start s, end s, label) of every run of equal phone ids (T,)."""
    edges = np.flatnonzero(np.diff(phone_ids)) + 1
    starts, ends = np.r_[0, edges], np.r_[edges, len(phone_ids)]
    return [(a / rate, b / rate, str(phones[phone_ids[a]])) for a, b in zip(starts, ends)]


def trajectory_plot(samples: dict[str, dict[str, np.ndarray]]) -> Figure | None:
    """Upper-lip centre marker, vertical (y) and forward (z) coordinates over one utterance:
    the real trajectory and each configuration's prediction, with phone boundaries."""
    if not samples:
        return None
    first = next(iter(samples.values()))
    markers = [str(m) for m in first["markers"]]
    name = str(first["upper_lip_centre"]) or markers[0]
    k = markers.index(name) if name in markers else 0
    rate = float(first["rate"])
    t = np.arange(len(first["true"])) / rate
    fig, axes = plt.subplots(2, 1, figsize=(10, 5.5), sharex=True)
    for ax, axis, label in zip(axes, (1, 2), ("y (up), mm", "z (forward), mm")):
        true = np.where(first["mask"][:, k], first["true"][:, k, axis], np.nan)
        ax.plot(t, true, "k-", lw=2.2, label="real")
        for cfg, s in samples.items():
            ax.plot(t, s["pred"][:, k, axis], lw=1.1, label=cfg)
        ax.set_ylabel(label)
        for start, _, _ in _segments(first["phone_ids"], first["phones"], rate):
            ax.axvline(start, c="#bbb", lw=0.5)
    for start, end, lab in _segments(first["phone_ids"], first["phones"], rate):
        axes[0].text((start + end) / 2, 1.02, lab, transform=axes[0].get_xaxis_transform(),
                     ha="center", va="bottom", fontsize=7)
    axes[0].set_title(f"{name}, utterance {first['id']}", pad=14)
    axes[1].set_xlabel("time (s)")
    axes[1].legend(fontsize=7, ncol=4, loc="best")
    fig.tight_layout()
    return fig


def aperture_plot(samples: dict[str, dict[str, np.ndarray]]) -> Figure | None:
    """Inter-lip distance (upper to lower lip centre, mm) over one utterance: real and each
    configuration's prediction, phone labels on top, bilabial-token centres shaded."""

    if not samples:
        return None
    first = next(iter(samples.values()))
    markers = [str(m) for m in first["markers"]]
    upper = str(first["upper_lip_centre"])
    lower = str(first["lower_lip_centre"]) if "lower_lip_centre" in first else "lip_lower_c"
    if upper not in markers or lower not in markers:
        return None
    iu, il = markers.index(upper), markers.index(lower)
    rate = float(first["rate"])
    t = np.arange(len(first["true"])) / rate
    seen = first["mask"][:, iu] & first["mask"][:, il]
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(t, np.where(seen, aperture(first["true"], iu, il), np.nan), "k-", lw=2.2,
            label="real")
    for cfg, s in samples.items():
        ax.plot(t, aperture(s["pred"], iu, il), lw=1.1, label=cfg)
    for start, end, lab in _segments(first["phone_ids"], first["phones"], rate):
        ax.axvline(start, c="#bbb", lw=0.5)
        if lab in ("p", "b", "m", "P", "B", "M"):
            ax.axvspan(start, end, color="#fdd", lw=0)
        ax.text((start + end) / 2, 1.02, lab, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", fontsize=7)
    ax.set_ylabel("inter-lip distance, mm")
    ax.set_xlabel("time (s)")
    ax.set_title(f"lip aperture ({upper} to {lower}), utterance {first['id']}", pad=14)
    ax.legend(fontsize=7, ncol=4, loc="best")
    fig.tight_layout()
    return fig


def trajectory_figure(samples: dict[str, dict[str, np.ndarray]], path: Path) -> Path | None:
    """`trajectory_plot` saved to `path`; None when there is no sample."""
    fig = trajectory_plot(samples)
    return None if fig is None else _save(fig, path)


def aperture_figure(samples: dict[str, dict[str, np.ndarray]], path: Path) -> Path | None:
    """`aperture_plot` saved to `path`; None when there is nothing to draw."""
    fig = aperture_plot(samples)
    return None if fig is None else _save(fig, path)


def first_samples(runs: list[dict]) -> dict[str, dict[str, np.ndarray]]:
    """{row name: eval/sample.npz of its first seed that has one}, kept only when they show
    the same utterance as the first row's."""
    samples: dict[str, dict[str, np.ndarray]] = {}
    for run in runs:
        s = next((x for x in map(load_sample, run["run_dirs"]) if x is not None), None)
        if s is not None and (not samples or
                              str(s["id"]) == str(next(iter(samples.values()))["id"])):
            samples[run["name"]] = s
    return samples


def report_figures(experiment: dict) -> list[tuple[str, Figure]]:
    """The figures of an HTML report (artimap.report_build): the upper-lip trajectory and the
    inter-lip distance."""
    samples = first_samples(experiment.get("runs", []))
    made = [("Upper-lip centre marker, real vs each run's prediction, one test utterance",
             trajectory_plot(samples)),
            ("Inter-lip distance, real vs each run's prediction, one test utterance (bilabial "
             "tokens shaded: the lips should close there)", aperture_plot(samples))]
    return [(caption, fig) for caption, fig in made if fig is not None]


def load_sample(run_dir: str | Path) -> dict[str, np.ndarray] | None:
    """A run's eval/sample.npz as a dict, or None."""
    path = Path(run_dir) / "eval" / "sample.npz"
    if not path.is_file():
        return None
    with np.load(path) as z:
        return {k: z[k] for k in z.files}
