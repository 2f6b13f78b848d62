"""Clips of a prepared lip2tongue split, defined once: which rows a clip reads and which row
is its target. Datasets, references, ridge rows and the readout all index clips through it.

A clip is `clip_len` consecutive rows of one utterance; clips start every `stride` rows from
the utterance's first row, and its target row is `start + artimap.clip.target_offset(...)`.
"""

from __future__ import annotations

import numpy as np

from artimap.clip import target_offset
from artimap.data.prepared import Entry, Prepared
from artimap.errors import ArtimapError


class ClipIndex:
    """The clips of `split` of `prepared` (clip i: utterance, first row, target row)."""

    def __init__(self, prepared: Prepared, split: str, clip_len: int, position: str,
                 stride: int = 1) -> None:
        if clip_len < 1 or stride < 1:
            raise ArtimapError(f"clip_len and stride must be at least 1, got {clip_len}, {stride}")
        self.clip_len, self.position, self.stride = clip_len, position, stride
        self.offset = target_offset(clip_len, position)
        self.entries: list[Entry] = prepared.entries_in(split)
        counts = [max(0, (e.n_frames - clip_len) // stride + 1) for e in self.entries]
        self._cum = np.cumsum(counts, dtype=np.int64)  # (U,) clips up to and including each

    def __len__(self) -> int:
        return int(self._cum[-1]) if len(self._cum) else 0

    def locate(self, index: int) -> tuple[Entry, int]:
        """(entry, first frame within the utterance) of clip `index`."""
        if not 0 <= index < len(self):
            raise IndexError(f"clip {index} out of range 0..{len(self) - 1}")
        u = int(np.searchsorted(self._cum, index, side="right"))
        before = int(self._cum[u - 1]) if u else 0
        return self.entries[u], (index - before) * self.stride

    def first_rows(self, index: np.ndarray) -> np.ndarray:
        """Array row of the first frame of each clip `index` (F,): (F,) int64."""
        index = np.asarray(index, np.int64)
        u = np.searchsorted(self._cum, index, side="right")  # (F,) utterance of each clip
        before = np.where(u > 0, self._cum[np.maximum(u - 1, 0)], 0)
        offsets = np.asarray([e.offset for e in self.entries], np.int64)
        return offsets[u] + (index - before) * self.stride if len(index) else index

    def target_rows(self, index: np.ndarray) -> np.ndarray:
        """Array row of the target of each clip `index` (F,): (F,) int64."""
        return self.first_rows(index) + self.offset

    def every(self, step: int = 1) -> np.ndarray:
        """Every `step`-th clip index: (F,) int64."""
        return np.arange(0, len(self), step, dtype=np.int64)
