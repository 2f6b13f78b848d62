"""Clips of a prepared lip2tongue dataset, for training and evaluation.

Arrays of the prepared folder (rows concatenated over utterances in manifest order; an
utterance's rows start at its manifest "offset"):

    frames.npy   (F, H, W) uint8       cropped grayscale lip frames
    flow.npy     (F, 2, H, W) float16  flow into frame k from frame k-1 (zero at an utterance's
                                       first frame), channels u (right), v (down), in pixels
    targets.npy  (F, H_t, W_t) uint8   ultrasound images, or (F, K, 2) float32 points (NaN missing)

A clip is N consecutive frames of one utterance; clips start every `stride` frames. Stored
frames and flow become model inputs through `inputs.model_frames` / `inputs.model_flow`, the
functions predict's frame stream uses too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from artimap.data.common import SPLITS, open_array, read_manifest
from artimap.data.lip2tongue.inputs import model_flow, model_frames
from artimap.errors import ArtimapError

TASK = "lip2tongue"
POSITIONS = ("last", "centre", "all")


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

    target_position: "last" (the frame aligned with the clip's last lip frame), "centre"
    (frame N // 2 of the clip) or "all". Arrays are memory-mapped on first access in each
    process, so DataLoader workers share pages and memory does not grow with the corpus.
    """

    def __init__(self, prepared_dir: str | Path, split: str = "train", clip_len: int = 7,
                 target_position: str = "last", stride: int = 1) -> None:
        self.dir = Path(prepared_dir)
        self.manifest, splits = read_manifest(self.dir, TASK)
        if split not in SPLITS:
            raise ArtimapError(f"unknown split {split!r}; choose one of {', '.join(SPLITS)}")
        if target_position not in POSITIONS:
            raise ArtimapError(f"unknown target_position {target_position!r}; choose one of "
                               f"{', '.join(POSITIONS)}")
        if clip_len < 1 or stride < 1:
            raise ArtimapError(f"clip_len and stride must be at least 1, got {clip_len}, {stride}")
        self.split, self.clip_len, self.stride = split, clip_len, stride
        self.target_position = target_position
        wanted = set(splits[split])
        utts = [(i, u) for i, u in enumerate(self.manifest["utterances"]) if u["id"] in wanted]
        counts = [max(0, (u["n_frames"] - clip_len) // stride + 1) for _, u in utts]
        self._utt_index = np.array([i for i, _ in utts], np.int64)  # (U,)
        self._cum = np.cumsum(counts, dtype=np.int64)  # (U,) clips up to and including each
        self._arrays: dict[str, np.ndarray] | None = None

    def __len__(self) -> int:
        return int(self._cum[-1]) if len(self._cum) else 0

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_arrays"] = None  # each process maps the files itself
        return state

    def _open(self) -> dict[str, np.ndarray]:
        if self._arrays is None:
            self._arrays = {name: open_array(self.dir, name)
                            for name in ("frames", "flow", "targets")}
        return self._arrays

    def locate(self, index: int) -> tuple[int, int]:
        """(utterance position in the manifest, first frame within it) of clip `index`."""
        if not 0 <= index < len(self):
            raise IndexError(f"clip {index} out of range 0..{len(self) - 1}")
        u = int(np.searchsorted(self._cum, index, side="right"))
        before = int(self._cum[u - 1]) if u else 0
        return int(self._utt_index[u]), (index - before) * self.stride

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        arrays = self._open()
        utt, start = self.locate(index)
        row = int(self.manifest["utterances"][utt]["offset"]) + start
        n = self.clip_len
        frames = model_frames(arrays["frames"][row:row + n])  # (N, 1, H, W)
        flow = model_flow(arrays["flow"][row + 1:row + n])  # (N-1, 2, H, W)
        at = {"last": n - 1, "centre": n // 2, "all": 0}[self.target_position]
        if self.target_position == "all":
            target = np.asarray(arrays["targets"][row:row + n])  # (N, ...)
        else:
            target = np.asarray(arrays["targets"][row + at])  # (H_t, W_t) or (K, 2)
        target = target.astype(np.float32) / 255.0 if target.dtype == np.uint8 else \
            target.astype(np.float32)
        return {
            "frames": torch.from_numpy(frames),
            "flow": torch.from_numpy(flow),
            "target": torch.from_numpy(target),
            "utterance": torch.tensor(utt, dtype=torch.int64),
            "start": torch.tensor(start, dtype=torch.int64),
            "frame": torch.tensor(start + at, dtype=torch.int64),
        }
