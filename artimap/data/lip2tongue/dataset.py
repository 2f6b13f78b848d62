"""Clips of a prepared lip2tongue dataset, for training and evaluation.

Arrays of the prepared folder (rows concatenated over utterances in manifest order; an
utterance's rows start at its manifest "offset"):

    frames.npy   (F, H, W) uint8       cropped grayscale lip frames
    flow.npy     (F, 2, H, W) float16  flow into frame k from frame k-1 (zero at an utterance's
                                       first frame), channels u (right), v (down), in pixels
    targets.npy  (F, H_t, W_t) uint8   ultrasound images, or (F, K, 2) float32 points (NaN missing)
    source.npy   (F, 3) float64        lip-frame time, target-frame time (s), target index
    lips_measured.npy (F, 4) float32   with --lips measured: aperture, width, outer height (px)
                                       and opening area (px^2) of the full lip frame (NaN failed)

A clip is N consecutive frames of one utterance; clips start every `stride` frames. Stored
frames and flow become model inputs through `inputs.model_frames` / `inputs.model_flow`, the
functions predict's frame stream uses too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from artimap.data.lip2tongue.clips import ClipIndex
from artimap.data.lip2tongue.inputs import model_flow, model_frames
from artimap.data.prepared import Prepared

TASK = "lip2tongue"


def open_prepared(data: Prepared | str | Path) -> Prepared:
    """`data` itself, or the lip2tongue dataset prepared in folder `data`."""
    return data if isinstance(data, Prepared) else Prepared.open(data, TASK)


class Lip2TongueDataset(Dataset):
    """Random-access clips: N lip frames, their N-1 flow fields and the tongue target.

    Item (dict of tensors):
        frames      (N, 1, H, W) float32 in [0, 1]
        flow        (N-1, 2, H, W) float32, pixels; flow[i] is the motion from clip frame i to
                    clip frame i + 1
        target      images: (H_t, W_t) float32 in [0, 1]; points: (K, 2) float32 in the
                    manifest's `target_units`, NaN where missing; with target_position "all":
                    (N, H_t, W_t) or (N, K, 2)
        utterance   () int64, the utterance's position in the manifest
        start       () int64, the clip's first frame within the utterance
        frame       () int64, the target frame within the utterance ("all": the first one)

    target_position: see `artimap.clip`. Clips are indexed by `clips` (`ClipIndex`); arrays are
    memory-mapped on first access in each process, so DataLoader workers share pages and memory
    does not grow with the corpus.
    """

    def __init__(self, prepared: Prepared | str | Path, split: str = "train",
                 clip_len: int = 7, target_position: str = "last", stride: int = 1) -> None:
        self.prepared = open_prepared(prepared)
        self.manifest = self.prepared.manifest
        self.split, self.clip_len, self.stride = split, clip_len, stride
        self.target_position = target_position
        self.clips = ClipIndex(self.prepared, split, clip_len, target_position, stride)

    def __len__(self) -> int:
        return len(self.clips)

    def locate(self, index: int) -> tuple[int, int]:
        """(utterance position in the manifest, first frame within it) of clip `index`."""
        entry, start = self.clips.locate(index)
        return entry.position, start

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        entry, start = self.clips.locate(index)
        row, n = entry.offset + start, self.clip_len
        p = self.prepared
        frames = model_frames(p.array("frames")[row:row + n])  # (N, 1, H, W)
        flow = model_flow(p.array("flow")[row + 1:row + n])  # (N-1, 2, H, W)
        at = 0 if self.target_position == "all" else self.clips.offset
        if self.target_position == "all":
            target = np.asarray(p.array("targets")[row:row + n])  # (N, ...)
        else:
            target = np.asarray(p.array("targets")[row + at])  # (H_t, W_t) or (K, 2)
        target = target.astype(np.float32) / 255.0 if target.dtype == np.uint8 else \
            target.astype(np.float32)
        return {
            "frames": torch.from_numpy(frames),
            "flow": torch.from_numpy(flow),
            "target": torch.from_numpy(target),
            "utterance": torch.tensor(entry.position, dtype=torch.int64),
            "start": torch.tensor(start, dtype=torch.int64),
            "frame": torch.tensor(start + at, dtype=torch.int64),
        }

