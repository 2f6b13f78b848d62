"""Seeded splits, user split lists, parallel map and manifests."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artimap.data.common import (
    read_split_lists,
    save_array,
    split_ids,
    write_manifest,
)
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.parallel import parallel_map, torch_threads


def _square(x: int) -> int:
    return x * x


def test_split_is_seeded_disjoint_and_complete():
    ids = [f"u{i:03d}" for i in range(50)]
    a = split_ids(ids, (60, 20, 20), seed=3)
    assert a == split_ids(ids, (60, 20, 20), seed=3)
    assert a != split_ids(ids, (60, 20, 20), seed=4)
    assert [len(a[k]) for k in ("train", "val", "test")] == [30, 10, 10]
    assert sorted(a["train"] + a["val"] + a["test"]) == ids


def test_split_small_corpus_gives_every_split_one():
    parts = split_ids(["a", "b", "c", "d"], (80, 10, 10), seed=0)
    assert all(len(parts[k]) >= 1 for k in parts)
    assert sum(len(v) for v in parts.values()) == 4


def test_split_errors():
    with pytest.raises(ArtimapError, match="three"):
        split_ids(["a"], (1, 1))
    with pytest.raises(ArtimapError, match="unique"):
        split_ids(["a", "a"], (1, 1, 1))


def test_split_lists(tmp_path):
    (tmp_path / "train.txt").write_text("a\nb\n")
    (tmp_path / "test.txt").write_text("c\n")
    got = read_split_lists({"train": tmp_path / "train.txt", "test": tmp_path / "test.txt"},
                           ["a", "b", "c"])
    assert got == {"train": ["a", "b"], "test": ["c"], "val": []}
    (tmp_path / "bad.txt").write_text("zz\n")
    with pytest.raises(ArtimapError, match="bad.txt: unknown utterance ids"):
        read_split_lists({"train": tmp_path / "bad.txt"}, ["a"])


def test_parallel_map_keeps_order():
    assert parallel_map(_square, range(7), workers=2) == [i * i for i in range(7)]
    assert parallel_map(_square, range(3), workers=1) == [0, 1, 4]


def test_manifest_and_arrays(tmp_path):
    entry = save_array(tmp_path, "frames", np.arange(12, dtype=np.uint8).reshape(3, 4))
    utts = [{"id": "x", "offset": 0, "n_frames": 3}]
    write_manifest(tmp_path, {"task": "demo", "n_frames": 3, "arrays": {"frames": entry},
                              "utterances": utts}, {"train": ["x"]})
    prepared = Prepared.open(tmp_path, "demo")
    assert prepared.manifest["arrays"]["frames"]["shape"] == [3, 4]
    assert prepared.splits == {"train": ["x"], "val": [], "test": []}
    arr = prepared.array("frames")
    assert isinstance(arr, np.memmap) and arr[2, 3] == 11
    assert prepared.rows("train").tolist() == [0, 1, 2]
    with pytest.raises(ArtimapError, match="prepared for task 'demo'"):
        Prepared.open(tmp_path, "other")
    with pytest.raises(ArtimapError, match="not a prepared dataset"):
        Prepared.open(tmp_path / "nope", "demo")


def test_torch_threads_restores_the_count_even_when_the_block_raises():
    before = torch.get_num_threads()
    with torch_threads(before + 1):
        assert torch.get_num_threads() == before + 1
    assert torch.get_num_threads() == before
    with pytest.raises(KeyboardInterrupt), torch_threads(0):  # 0 -> 1 thread
        assert torch.get_num_threads() == 1
        raise KeyboardInterrupt
    assert torch.get_num_threads() == before
