"""Reading a prepared phone2face dataset for training: whole utterances, padded batches, and a
sampler that batches utterances of similar length.

    ds = Phone2FaceDataset(prepared, "train", normalise=True)
    sampler = BucketBatchSampler(ds.lengths, batch_size=2, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_sampler=sampler, collate_fn=collate_padded, num_workers=2)

The arrays are memory-mapped on first access in each process (DataLoader workers included), so
only the pages of the utterances read are loaded, and they are shared between workers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.utils.data import Dataset

from artimap.data.phone2face.phones import PhoneSet
from artimap.data.phone2face.sampler import BucketBatchSampler
from artimap.data.prepared import PHONES, Prepared
from artimap.errors import ArtimapError, file_error

__all__ = ["Phone2FaceDataset", "collate_padded", "BucketBatchSampler", "load_stats",
           "open_prepared", "phone_set"]

TASK = "phone2face"


def open_prepared(data: Prepared | str | Path) -> Prepared:
    """`data` itself, or the phone2face dataset prepared in folder `data`, checked: its phone
    ids index its phone inventory (an edited phones.json is refused, naming it)."""
    if isinstance(data, Prepared):
        return data
    prepared = Prepared.open(data, TASK)
    n = len(phone_set(prepared).phones)
    ids = prepared.array("phone_ids")
    top = int(np.max(ids)) if len(ids) else -1
    if top >= n or (len(ids) and int(np.min(ids)) < 0):
        raise file_error(prepared.folder / PHONES, f"lists {n} phones but the prepared phone "
                         f"ids reach {top}; it was edited after prepare",
                         f"Prepare the dataset again (artimap prepare {TASK} ... --overwrite)")
    return prepared


def phone_set(prepared: Prepared) -> PhoneSet:
    """The dataset's phone inventory (phones.json)."""
    data = prepared.phones
    if data is None:
        raise file_error(prepared.folder / PHONES, "missing",
                         f"Prepare the dataset again (artimap prepare {TASK} ... --overwrite)")
    try:
        return PhoneSet(**data)
    except TypeError as e:
        raise file_error(prepared.folder / PHONES, f"not a phone inventory ({e})",
                         f"Prepare the dataset again (artimap prepare {TASK} ... --overwrite)"
                         ) from None


def load_stats(prepared: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Per-coordinate (mean (M*3,), std (M*3,)) float32 of the train split, from stats.json."""
    stats = prepared.stats
    return np.asarray(stats["mean"], np.float32), np.asarray(stats["std"], np.float32)


class Phone2FaceDataset(Dataset):
    """Utterances of one split of a prepared phone2face dataset.

    Item i is a dict: id (str), phone_ids (T,) int64, markers (T, M*3) float32 (mm, or
    (x - mean) / std with `normalise`; 0 where masked), mask (T, M*3) bool, or (T,) bool with
    `frame_mask` (True where every marker of the frame is valid).
    """

    def __init__(
        self, prepared: Prepared | str | Path, split: str = "train",
        normalise: bool = False, frame_mask: bool = False,
    ) -> None:
        self.prepared = open_prepared(prepared)
        self.root, self.manifest = self.prepared.folder, self.prepared.manifest
        if split not in self.prepared.splits:
            raise ArtimapError(f"{self.root}: no split {split!r}; splits: "
                               f"{sorted(self.prepared.splits)}")
        entries = {e.id: e for e in self.prepared.entries}
        self.items = [(i, entries[i].offset, entries[i].n_frames)
                      for i in self.prepared.splits[split]]
        self.split = split
        self.n_markers = len(self.manifest["markers"])
        self.frame_mask = frame_mask
        self.stats = load_stats(self.prepared) if normalise else None

    def __len__(self) -> int:
        return len(self.items)

    @property
    def lengths(self) -> list[int]:
        """Frames T of each utterance, in item order."""
        return [n for _, _, n in self.items]

    @property
    def ids(self) -> list[str]:
        return [i for i, _, _ in self.items]

    def __getitem__(self, i: int) -> dict[str, Any]:
        uid, start, n = self.items[i]
        a = {k: self.prepared.array(k) for k in ("markers", "mask", "phone_ids")}
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
