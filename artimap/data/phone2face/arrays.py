"""Writing the prepared arrays: per-utterance parts concatenated into memory-mapped files, and
normalisation statistics of the training split.

Arrays (F = frames of all utterances, M markers):
    markers.npy    (F, M, 3) float32 mm, head-stabilised, short gaps filled, 0 where masked
    mask.npy       (F, M) bool, True where the value is seen or filled
    phone_ids.npy  (F,) int16, index into phones.json
Utterance u covers frames offset_u .. offset_u + n_frames_u - 1 (manifest "utterances").
Only one utterance is held in memory at a time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.format import open_memmap

from artimap.data.phone2face.utterance import part_name


class RunningStats:
    """Per-channel count, mean and variance, merged utterance by utterance (Chan et al.)."""

    def __init__(self, dim: int) -> None:
        self.n = np.zeros(dim)
        self.mean = np.zeros(dim)
        self.m2 = np.zeros(dim)

    def update(self, x: np.ndarray, valid: np.ndarray) -> None:
        """Add rows of x (T, D) where valid (T, D) is True."""
        x = np.asarray(x, dtype=np.float64)
        n = valid.sum(axis=0).astype(np.float64)  # (D,)
        safe = np.maximum(n, 1.0)
        mean = np.where(valid, x, 0.0).sum(axis=0) / safe
        m2 = (np.where(valid, x - mean, 0.0) ** 2).sum(axis=0)
        total = self.n + n
        delta = mean - self.mean
        frac = np.divide(n, total, out=np.zeros_like(n), where=total > 0)
        self.mean = self.mean + delta * frac
        self.m2 = self.m2 + m2 + delta**2 * self.n * frac
        self.n = total

    def result(self, min_std: float = 1e-3) -> dict[str, Any]:
        """{"mean": [D], "std": [D] (at least min_std, 1 where no data), "count": [D]}."""
        var = np.divide(self.m2, self.n, out=np.zeros_like(self.m2), where=self.n > 0)
        std = np.where(self.n > 0, np.maximum(np.sqrt(var), min_std), 1.0)
        count = self.n.astype(int).tolist()
        return {"mean": self.mean.tolist(), "std": std.tolist(), "count": count}


def concatenate(
    folder: Path,
    part_dir: Path,
    entries: list[dict[str, Any]],
    phone_ids: dict[str, np.ndarray],
    n_markers: int,
    train_ids: set[str],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Concatenate the parts of every entry into folder/*.npy; set the entries' offsets.

    Returns (arrays: name -> {file, shape, dtype}, stats of the train utterances over the
    M*3 coordinates (marker-major: m0.x, m0.y, m0.z, m1.x, ...)).
    """
    total = sum(e["n_frames"] for e in entries)
    specs = {"markers": ((total, n_markers, 3), np.float32), "mask": ((total, n_markers), bool),
             "phone_ids": ((total,), np.int16)}
    out = {k: open_memmap(folder / f"{k}.npy", mode="w+", dtype=d, shape=s)
           for k, (s, d) in specs.items()}
    stats = RunningStats(n_markers * 3)
    offset = 0
    for e in entries:
        part = part_dir / part_name(e["id"])
        with np.load(part) as z:
            pts, mask = z["markers"], z["mask"]  # (T, M, 3), (T, M)
        n = len(pts)
        out["markers"][offset:offset + n] = pts
        out["mask"][offset:offset + n] = mask
        out["phone_ids"][offset:offset + n] = phone_ids[e["id"]]
        if e["id"] in train_ids:
            stats.update(pts.reshape(n, -1), np.repeat(mask, 3, axis=1))  # (T, M*3)
        e["offset"] = offset
        offset += n
        part.unlink()
    for arr in out.values():
        arr.flush()
    del out
    arrays = {k: {"file": f"{k}.npy", "shape": list(s), "dtype": np.dtype(d).name}
              for k, (s, d) in specs.items()}
    return arrays, stats.result()
