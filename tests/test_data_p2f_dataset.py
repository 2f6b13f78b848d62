"""phone2face dataset, padded collate and the bucketing batch sampler."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from test_data_p2f_helpers import HEAD, make_files_corpus
from torch.utils.data import DataLoader

from artimap.data.phone2face.dataset import (
    BucketBatchSampler,
    Phone2FaceDataset,
    collate_padded,
    load_stats,
)
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.errors import ArtimapError


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("p2f_ds")
    for k, frames in enumerate((150, 200, 260)):  # three lengths
        make_files_corpus(root / "c" / f"spk{k}", n_utts=4, frames=frames, seed=10 * k)
    return prepare_phone2face(root / "c", root / "p",
                              PrepareConfig(head_markers=",".join(HEAD), fallback="sil"))


def test_items_shapes_and_normalisation(prepared):
    ds = Phone2FaceDataset(prepared, "train")
    assert len(ds) == 10 and sorted(set(ds.lengths)) == [150, 200, 260]
    item = ds[0]
    t = ds.lengths[0]
    assert item["phone_ids"].shape == (t,) and item["phone_ids"].dtype == torch.int64
    assert item["markers"].shape == (t, 18) and item["markers"].dtype == torch.float32
    assert item["mask"].shape == (t, 18) and item["mask"].dtype == torch.bool
    norm = Phone2FaceDataset(prepared, "train", normalise=True)
    allx = torch.cat([norm[i]["markers"] for i in range(len(norm))])
    assert allx.mean(0).abs().max() < 1e-3 and (allx.std(0) - 1).abs().max() < 1e-2
    mean, std = load_stats(norm.prepared)
    assert np.allclose(norm[0]["markers"].numpy() * std + mean, item["markers"].numpy(), atol=1e-3)
    val = Phone2FaceDataset(prepared, "val", frame_mask=True)
    assert val[0]["mask"].shape == (val.lengths[0],)
    with pytest.raises(ArtimapError, match="no split 'dev'"):
        Phone2FaceDataset(prepared, "dev")


def test_collate_pads_and_masks_padding(prepared):
    ds = Phone2FaceDataset(prepared, "train")
    short, long = ds.lengths.index(150), ds.lengths.index(260)
    batch = collate_padded([ds[short], ds[long]])
    assert batch["phones"].shape == (2, 260) and batch["markers"].shape == (2, 260, 18)
    assert batch["mask"].shape == (2, 260, 18) and batch["lengths"].tolist() == [150, 260]
    assert not batch["mask"][0, 150:].any() and (batch["markers"][0, 150:] == 0).all()
    assert torch.equal(batch["markers"][0, :150], ds[short]["markers"])
    assert batch["mask"][1].all()


def test_dataloader_with_bucketing_and_workers(prepared):
    ds = Phone2FaceDataset(prepared, "train")
    sampler = BucketBatchSampler(ds.lengths, batch_size=2, shuffle=True, seed=0)
    loader = DataLoader(ds, batch_sampler=sampler, collate_fn=collate_padded, num_workers=1)
    seen = []
    for batch in loader:
        assert batch["markers"].shape[:2] == batch["phones"].shape
        seen += batch["ids"]
    assert sorted(seen) == sorted(ds.ids)


def test_bucket_sampler_groups_lengths_and_reshuffles():
    rng = np.random.default_rng(0)
    lengths = rng.integers(100, 1000, 101)
    s = BucketBatchSampler(lengths, batch_size=4, shuffle=True, seed=1, pool=5)
    batches = list(s)
    assert len(batches) == len(s) == 26
    assert sorted(i for b in batches for i in b) == list(range(101))
    spread = np.mean([np.ptp(lengths[b]) for b in batches if len(b) == 4])
    assert spread < 0.3 * np.ptp(lengths)  # far less padding than random batches
    s.set_epoch(1)
    assert list(s) != batches
    s.set_epoch(0)
    assert list(s) == batches
    plain = list(BucketBatchSampler(lengths, 4, shuffle=False))
    assert [i for b in plain for i in b] == np.argsort(lengths, kind="stable").tolist()
    assert len(list(BucketBatchSampler(lengths, 4, drop_last=True))) == 25


@pytest.mark.parametrize("drop_last", [False, True])
def test_bucket_sampler_splits_evenly_over_ranks(drop_last):
    lengths = list(range(10, 31))  # 21 items, batches of 2 -> 11 (10 full)
    ranks = [list(BucketBatchSampler(lengths, 2, True, 3, drop_last, rank=r, world_size=3))
             for r in range(3)]
    counts = {len(r) for r in ranks}
    assert counts == {len(BucketBatchSampler(lengths, 2, True, 3, drop_last, 0, 3))}
    assert counts == ({3} if drop_last else {4})
    firsts = [tuple(b) for r in ranks for b in r]
    if drop_last:
        assert len(set(firsts)) == len(firsts)  # no batch twice
    else:
        covered = {i for r in ranks for b in r for i in b}
        assert covered == set(range(21))
