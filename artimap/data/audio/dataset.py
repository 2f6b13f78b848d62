"""Sequences of log-mel frames with the targets read at their mel frames, for training and
evaluation of the audio tasks.

An item is one entry of a split (`seq_len` 0) or a window of `seq_len` consecutive target
frames of it (training crops every `stride` frames; the last window is aligned to the entry's
end so that no frame is left out):

    "mel"     (T, M) float32   log-mel frames from MARGIN before the first target to MARGIN
                               after the last (not standardised: the task does that)
    "index"   (N,) int64       each target's mel frame within "mel"
    "target"  (N, ...) float32 targets (points as prepared, images on the 0..255 scale)
    "id"      str              the entry id

`collate_padded` pads a list of items: mel (B, T_max, M) with zeros, index (B, N_max) with 0,
target (B, N_max, ...) with NaN (left out by the loss), lengths (B,) mel frames.
"""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset

from artimap.data.audio.stream import MARGIN, MEL, mel_span
from artimap.data.prepared import Entry, Prepared


class AudioSequenceDataset(Dataset):
    """Items of one split of a prepared audio dataset (module doc)."""

    def __init__(self, prepared: Prepared, split: str, seq_len: int = 0, stride: int = 1):
        self.prepared = prepared
        self.items: list[tuple[Entry, int, int]] = []  # (entry, first row, end row) local
        for e in prepared.entries_in(split):
            n = e.n_frames
            if seq_len <= 0 or n <= seq_len:
                self.items.append((e, 0, n))
                continue
            starts = list(range(0, n - seq_len + 1, max(1, stride)))
            if starts[-1] != n - seq_len:
                starts.append(n - seq_len)
            self.items += [(e, s, s + seq_len) for s in starts]

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict:
        e, a, b = self.items[i]
        frames = np.asarray(self.prepared.array("mel_frame")[e.offset + a:e.offset + b])
        lo_all, hi_all, base = mel_span(self.prepared, e)
        lo = max(lo_all, base + int(frames.min()) - MARGIN)
        hi = min(hi_all, base + int(frames.max()) + MARGIN + 1)
        mel = np.array(self.prepared.array(MEL)[lo:hi], np.float32)  # (T, M), a copy
        target = np.array(self.prepared.array("targets")[e.offset + a:e.offset + b],
                            np.float32)
        return {"mel": torch.from_numpy(mel),
                "index": torch.from_numpy(frames.astype(np.int64) - (lo - base)),
                "target": torch.from_numpy(target), "id": e.id}


def collate_padded(items: list[dict]) -> dict:
    """Pad items to a batch (module doc)."""
    lengths = torch.tensor([len(it["mel"]) for it in items])
    n = max(len(it["index"]) for it in items)
    mel = torch.zeros(len(items), int(lengths.max()), items[0]["mel"].shape[1])
    index = torch.zeros(len(items), n, dtype=torch.long)
    target = torch.full((len(items), n, *items[0]["target"].shape[1:]), float("nan"))
    for k, it in enumerate(items):
        mel[k, :len(it["mel"])] = it["mel"]
        index[k, :len(it["index"])] = it["index"]
        target[k, :len(it["target"])] = it["target"]
    return {"mel": mel, "index": index, "target": target, "lengths": lengths,
            "ids": [it["id"] for it in items]}
