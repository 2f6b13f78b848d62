"""The track figure: true and predicted tongue height over a whole test utterance, with its
phone labels (eval/track.npz of every run, written by the evaluation)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from artimap.errors import ArtimapError
from artimap.io.textgrid import read_textgrid, textgrid_tiers
from artimap.runfind import first_eval_npz  # noqa: E402


def _phones(path: str) -> list[tuple[float, float, str]]:
    if not Path(path).is_file():
        return []
    try:
        tiers = textgrid_tiers(path)
        tier = next((t for t in tiers if "phone" in t.lower()), None)
        ali = read_textgrid(path, tier)
    except ArtimapError:
        return []
    return [(float(i.start), float(i.end), str(i.label)) for i in ali.intervals]


def track_figure(experiment: dict, path: Path) -> Path | None:
    """Save the track figure to `path`; None when no run has a track (point targets)."""
    tracks = [(run["name"], t) for run in experiment["runs"]
              if (t := first_eval_npz(run, "track.npz")) is not None]
    if not tracks:
        return None
    first = tracks[0][1]
    fig, ax = plt.subplots(figsize=(10, 3.2))
    order = np.argsort(first["time"])
    ax.plot(first["time"][order], first["real"][order], "-", color="k", lw=2, label="real")
    for name, t in tracks:
        if str(t["utterance_id"]) == str(first["utterance_id"]):
            o = np.argsort(t["time"])
            ax.plot(t["time"][o], t["pred"][o], "-", lw=1, label=name)
    lo, hi = first["time"].min(), first["time"].max()
    for s, e, p in _phones(str(first["labels"])):
        if e > lo and s < hi and p:
            ax.axvline(s, color="0.8", lw=0.5)
            ax.text((max(s, lo) + min(e, hi)) / 2, 1.01, p, transform=ax.get_xaxis_transform(),
                    ha="center", fontsize=6)
    ax.set_xlim(lo, hi)
    ax.invert_yaxis()  # a smaller depth is a higher tongue
    ax.set_xlabel("time (s)")
    ax.set_ylabel("contour depth (px, up = higher)")
    ax.set_title(f"tongue height over test utterance {first['utterance_id']}", fontsize=9,
                 pad=14)
    ax.legend(fontsize=6, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path
