"""The log-mel stream of a prepared audio dataset and the statistics fitted on its training
split.

A prepared audio dataset holds, besides its target-rate arrays (one row per target frame):

    mel.npy        (T_all, M) float32  log-mel frames of every utterance, a "stream" (its rows
                   are not target rows); utterance u's frames are rows
                   entry["streams"]["mel"] = [first, count]
    mel_frame.npy  (F, ) int64  the utterance's own mel frame at each target frame's time
    times.npy      (F, ) float64  each target frame's time, s on the audio clock

An entry reads the mel frames from MARGIN frames before its first target frame to MARGIN after
its last (`mel_span`): the training part and the validation block carved from one long
utterance then see their own audio (and MARGIN of context), not each other's.
"""

from __future__ import annotations

import numpy as np

from artimap.data.prepared import Entry, Prepared

MARGIN = 10  # mel frames (0.1 s) of audio context read before and after an entry's targets
MEL = "mel"


def mel_span(prepared: Prepared, entry: Entry) -> tuple[int, int, int]:
    """(lo, hi, base): the entry reads mel.npy rows [lo, hi); its target frames' mel_frame
    minus (lo - base) index into that slice. base is the utterance's first mel row."""
    base, count = (int(v) for v in entry.raw["streams"][MEL])
    frames = np.asarray(prepared.array("mel_frame")[entry.rows])
    if len(frames) == 0:
        return base, base, base
    lo = base + max(0, int(frames.min()) - MARGIN)
    hi = base + min(count, int(frames.max()) + MARGIN + 1)
    return lo, hi, base


def entry_mel(prepared: Prepared, entry: Entry) -> tuple[np.ndarray, np.ndarray]:
    """(mel (T, M) float32 of the entry's span, index (F,) int64 of each target frame in it)."""
    lo, hi, base = mel_span(prepared, entry)
    mel = np.asarray(prepared.array(MEL)[lo:hi], np.float32)
    index = np.asarray(prepared.array("mel_frame")[entry.rows], np.int64) - (lo - base)
    return mel, index


def mel_stats(prepared: Prepared, split: str = "train") -> dict[str, list[float]]:
    """{"mean", "std"} (M,) of the mel frames the entries of `split` read."""
    total, total2, n = 0.0, 0.0, 0
    for e in prepared.entries_in(split):
        lo, hi, _ = mel_span(prepared, e)
        x = np.asarray(prepared.array(MEL)[lo:hi], np.float64)
        total, total2, n = total + x.sum(0), total2 + (x * x).sum(0), n + len(x)
    mean = np.asarray(total) / max(n, 1)
    std = np.sqrt(np.maximum(np.asarray(total2) / max(n, 1) - mean ** 2, 0.0)) + 1e-3
    return {"mean": np.broadcast_to(mean, (prepared.array(MEL).shape[1],)).tolist(),
            "std": np.broadcast_to(std, (prepared.array(MEL).shape[1],)).tolist()}


def target_stats(prepared: Prepared, split: str = "train") -> dict[str, list]:
    """{"mean", "std"} of the training targets: per point and coordinate (K, 2) for points
    (missing points left out), the mean image (H, W) on [0, 1] and one scalar std for images."""
    rows = prepared.rows(split)
    y = np.asarray(prepared.array("targets")[rows])
    if y.dtype == np.uint8:
        x = y.astype(np.float64) / 255.0
        return {"mean": x.mean(0).tolist(), "std": [float(x.std() + 1e-3)]}
    x = y.astype(np.float64)
    return {"mean": np.nan_to_num(np.nanmean(x, 0)).tolist(),
            "std": (np.nan_to_num(np.nanstd(x, 0), nan=1.0) + 1e-3).tolist()}
