"""Reading a prepared phone2face dataset for training: whole utterances, padded batches, and a
sampler that batches utterances of similar length.

    ds = Phone2FaceDataset(prepared, "train", normalise=True)
    sampler = BucketBatchSampler(ds.lengths, batch_size=2, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_sampler=sampler, collate_fn=collate_padded, num_workers=2)

The arrays are memory-mapped on first access in each process (DataLoader workers included), so
only the pages of the utterances read are loaded, and they are shared between workers.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from artimap.data.common import open_array, read_manifest
from artimap.data.phone2face.sampler import BucketBatchSampler
from artimap.errors import ArtimapError

__all__ = ["Phone2FaceDataset", "collate_padded", "BucketBatchSampler", "load_stats"]


def load_stats(prepared_dir: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Per-coordinate (mean (M*3,), std (M*3,)) float32 of the train split, from stats.json."""
    path = Path(prepared_dir) / "stats.json"
    try:
        stats = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ArtimapError(f"{path}: missing; prepare the dataset again") from None
    return np.asarray(stats["mean"], np.float32), np.asarray(stats["std"], np.float32)


class Phone2FaceDataset(Dataset):
    """Utterances of one split of a prepared phone2face dataset.

    Item i is a dict: id (str), phone_ids (T,) int64, markers (T, M*3) float32 (mm, or
    (x - mean) / std with `normalise`; 0 where masked), mask (T, M*3) bool, or (T,) bool with
    `frame_mask` (True where every marker of the frame is valid).
    """

    def __init__(
        self, prepared_dir: str | Path, split: str = "train",
        normalise: bool = False, frame_mask: bool = False,
    ) -> None:
        self.root = Path(prepared_dir)
        self.manifest, splits = read_manifest(self.root, "phone2face")
        if split not in splits:
            raise ArtimapError(f"{self.root}: no split {split!r}; splits: {sorted(splits)}")
        entries = {e["id"]: e for e in self.manifest["utterances"]}
        self.items = [(i, entries[i]["offset"], entries[i]["n_frames"]) for i in splits[split]]
        self.split = split
        self.n_markers = len(self.manifest["markers"])
        self.frame_mask = frame_mask
        self.stats = load_stats(self.root) if normalise else None
        self._arrays: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def lengths(self) -> list[int]:
        """Frames T of each utterance, in item order."""
        return [n for _, _, n in self.items]

    @property
    def ids(self) -> list[str]:
        return [i for i, _, _ in self.items]

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_arrays"] = None  # each worker maps the files itself instead of copying pages
        return state

    def _open(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            self._arrays = {k: open_array(self.root, k) for k in ("markers", "mask", "phone_ids")}
        return self._arrays

    def __getitem__(self, i: int) -> dict[str, Any]:
        uid, start, n = self.items[i]
        a = self._open()
        pts = np.array(a["markers"][start:start + n], dtype=np.float32).reshape(n, -1)  # (T, M*3)
        mask = np.repeat(np.asarray(a["mask"][start:start + n]), 3, axis=1)  # (T, M*3)
        if self.stats is not None:
            pts = np.where(mask, (pts - self.stats[0]) / self.stats[1], 0.0).astype(np.float32)
        phones = torch.from_numpy(np.asarray(a["phone_ids"][start:start + n], dtype=np.int64))
        m = torch.from_numpy(mask.all(axis=1) if self.frame_mask else mask)
        return {"id": uid, "phone_ids": phones, "markers": torch.from_numpy(pts), "mask": m}


def collate_padded(batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Pad B utterances (dataset items) to the longest T.

    Returns phones (B, T) int64 phone ids and markers (B, T, D) float32, both 0 after each
    utterance's end; mask (B, T, D) or (B, T) bool, False after the end; lengths (B,) int64;
    ids (list of B).
    """
    lengths = torch.tensor([len(b["phone_ids"]) for b in batch], dtype=torch.int64)
    t_max = int(lengths.max()) if len(batch) else 0
    d = batch[0]["markers"].shape[1] if batch else 0
    n = len(batch)
    phones = torch.zeros(n, t_max, dtype=torch.int64)  # (B, T)
    markers = torch.zeros(n, t_max, d, dtype=torch.float32)  # (B, T, D)
    mask_shape = (n, t_max) + tuple(batch[0]["mask"].shape[1:]) if batch else (0, 0)
    mask = torch.zeros(mask_shape, dtype=torch.bool)  # (B, T, D) or (B, T)
    for k, b in enumerate(batch):
        t = len(b["phone_ids"])
        phones[k, :t] = b["phone_ids"]
        markers[k, :t] = b["markers"]
        mask[k, :t] = b["mask"]
    return {"phones": phones, "markers": markers, "mask": mask, "lengths": lengths,
            "ids": [b["id"] for b in batch]}
