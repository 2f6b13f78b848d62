"""lip2tongue prepare -> dataset on a fake AAA corpus with known timing (no real data needed)."""

import argparse
import json

import cv2
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from artimap.commands.prepare_lip2tongue import add_arguments, run
from artimap.data.lip2tongue import Lip2TongueDataset
from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.testing.lip2tongue import POINT_NAMES, lip_frames, ult_value, write_fake_corpus
from artimap.ultrasound.geometry import FanImage

T0, ULT_FPS = 0.2, 81.5  # the fake corpus's clock


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("l2t")
    write_fake_corpus(root / "corpus", n_utterances=3, speakers=("s1", "s2"), dlc=True)
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--corpus", str(root / "corpus"), "--out", str(root / "out"),
                              "--target-size", "32x16", "--workers", "2"])
    assert run(args) == 0
    return root


def test_arrays_manifest_split_and_stats(prepared):
    out = prepared / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    split = json.loads((out / "split.json").read_text())
    n = manifest["n_frames"]
    frames, flow = np.load(out / "frames.npy"), np.load(out / "flow.npy")
    targets = np.load(out / "targets.npy")
    assert frames.shape == (n, 96, 96) and frames.dtype == np.uint8
    assert flow.shape == (n, 2, 96, 96) and flow.dtype == np.float16
    assert targets.shape == (n, 32, 16) and targets.dtype == np.uint8
    utts = manifest["utterances"]
    assert [u["id"] for u in utts] == sorted(u["id"] for u in utts) and len(utts) == 6
    assert sorted(sum(split.values(), [])) == sorted(u["id"] for u in utts)
    assert [len(split[k]) for k in ("train", "val", "test")] == [4, 1, 1]  # 60/20/20 of 6
    for u in utts:
        assert not flow[u["offset"]].any()  # zero flow at every utterance's first frame
        assert u["sync"]["n_frames"] == u["n_frames"] and len(u["roi"]) == 4
    assert np.abs(flow.astype(np.float32)).max() > 0.5  # the mouth moves
    stats = Prepared.open(out, "lip2tongue").stats
    assert stats["fitted_on"] == "train" and 0 < stats["frames"]["std"] < 1
    assert len(stats["flow"]["mean"]) == 2 and stats["target"]["std"] > 0


def test_targets_are_the_ultrasound_frames_nearest_in_time(prepared):
    out = prepared / "out"
    manifest = json.loads((out / "manifest.json").read_text())
    targets = np.load(out / "targets.npy")
    for u in manifest["utterances"]:
        rows = targets[u["offset"]:u["offset"] + u["n_frames"]]
        assert rows.std(axis=(1, 2)).max() == 0  # each fake ultrasound frame is one value
        first = round(u["sync"]["span_s"][0] * 60)  # lip frame index at the span start
        t = (first + np.arange(u["n_frames"])) / 60.0
        k = np.rint((t - T0) * ULT_FPS).astype(int)
        assert np.array_equal(rows[:, 0, 0], ult_value(k))


def test_dataset_clips_and_dataloader_batch(prepared):
    out = prepared / "out"
    ds = Lip2TongueDataset(out, "train", clip_len=7)
    manifest = ds.manifest
    n_train = sum(u["n_frames"] - 6 for u in manifest["utterances"] if u["id"] in
                  json.loads((out / "split.json").read_text())["train"])
    assert len(ds) == n_train
    item = ds[len(ds) - 1]
    assert item["frames"].shape == (7, 1, 96, 96) and item["flow"].shape == (6, 2, 96, 96)
    assert item["target"].shape == (32, 16) and float(item["frames"].min()) >= 0
    assert float(item["frames"].max()) <= 1
    utt = manifest["utterances"][int(item["utterance"])]
    assert int(item["frame"]) == utt["n_frames"] - 1 == int(item["start"]) + 6
    row = utt["offset"] + int(item["start"])
    flow = np.load(out / "flow.npy", mmap_mode="r")
    assert torch.equal(item["flow"], torch.from_numpy(np.float32(flow[row + 1:row + 7])))
    batch = next(iter(DataLoader(ds, batch_size=4, shuffle=True, num_workers=2)))
    assert batch["frames"].shape == (4, 7, 1, 96, 96) and batch["flow"].shape == (4, 6, 2, 96, 96)
    assert batch["target"].shape == (4, 32, 16) and batch["utterance"].shape == (4,)
    centre = Lip2TongueDataset(out, "val", clip_len=5, target_position="centre", stride=2)[0]
    assert int(centre["frame"]) == 2
    every = Lip2TongueDataset(out, "test", clip_len=5, target_position="all")[0]
    assert every["target"].shape == (5, 32, 16)


def test_points_target_pairs_rows_with_lip_frames(tmp_path):
    write_fake_corpus(tmp_path / "c", n_utterances=1, dlc=True)
    m = prepare(tmp_path / "c", tmp_path / "o", Settings(target="points"), split=(1, 0, 0))
    assert m["point_names"] == list(POINT_NAMES) and "pixels" in m["target_units"]
    u = m["utterances"][0]
    targets = np.load(tmp_path / "o/targets.npy")
    assert targets.shape == (u["n_frames"], 3, 2) and targets.dtype == np.float32
    lip_t = (round(u["sync"]["span_s"][0] * 60) + np.arange(u["n_frames"])) / 60.0
    row_t = T0 + targets[:, 0, 0] / 60.0  # fake row r has x = r at T0 + r / 60
    assert np.abs(lip_t - row_t).max() <= 0.5 / 60 + 1e-6
    item = Lip2TongueDataset(tmp_path / "o", "train")[0]
    assert item["target"].shape == (3, 2)


def test_fan_dis_manual_roi_and_split_lists(tmp_path):
    write_fake_corpus(tmp_path / "c", n_utterances=2)
    (tmp_path / "train.txt").write_text("spk1/spk1_001\n")
    (tmp_path / "val.txt").write_text("spk1/spk1_000\n")
    (tmp_path / "test.txt").write_text("")
    lists = tuple(str(tmp_path / f"{n}.txt") for n in ("train", "val", "test"))
    settings = Settings(ultrasound="fan", flow="dis", target_size=(24, 40), image_size=48)
    m = prepare(tmp_path / "c", tmp_path / "o", settings, roi="50,40,80,60", split_lists=lists)
    assert json.loads((tmp_path / "o/split.json").read_text())["train"] == ["spk1/spk1_001"]
    assert m["utterances"][0]["roi"] == [50, 40, 80, 60] and m["flow"]["method"] == "dis"
    targets = np.load(tmp_path / "o/targets.npy")
    assert targets.shape[1:] == (24, 40)
    assert targets[0, 0, 0] == 0 and targets[0, 12, 20] > 0  # background outside the fan
    fan = FanImage.from_dict(m["fan_image"])  # the exact geometry of the fan targets
    assert fan.size == (24, 40) and not fan.flip_vertical
    assert (fan.mask() == (targets > 0).any(0)).mean() > 0.9
    assert np.load(tmp_path / "o/frames.npy").shape[1:] == (48, 48)


def test_frame_folder_corpus(tmp_path):
    lips = lip_frames(20, 60.0)
    for k in range(20):
        for sub, img in (("lips", lips[k]), ("tongue", np.full((30, 20), k * 10, np.uint8))):
            (tmp_path / "c/utt1" / sub).mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(tmp_path / "c/utt1" / sub / f"frame{k}.png"), img)
    m = prepare(tmp_path / "c", tmp_path / "o", Settings(target_size=(15, 10)), split=(1, 0, 0))
    assert m["format"] == "frames" and m["n_frames"] == 20
    targets = np.load(tmp_path / "o/targets.npy")
    assert targets[:, 0, 0].tolist() == [k * 10 for k in range(20)]  # paired by index


def test_val_block_holds_out_the_end_of_each_training_utterance_with_a_gap():
    from artimap.data.common import carve_val_blocks

    entries = [{"id": "a", "offset": 0, "n_frames": 100}, {"id": "b", "offset": 100,
                                                           "n_frames": 50}]
    split = {"train": ["a"], "val": [], "test": ["b"]}
    out, new = carve_val_blocks(entries, split, 0.2, 7)
    assert new == {"train": ["a"], "val": ["a@val"], "test": ["b"]}
    train, val, test = out
    assert (train["offset"], train["n_frames"]) == (0, 73)  # 100 - 20 held out - 7 gap
    assert (val["offset"], val["n_frames"], val["block_of"]) == (80, 20, "a")
    assert test == entries[1]
    with pytest.raises(ArtimapError, match="too few"):
        carve_val_blocks([{"id": "a", "offset": 0, "n_frames": 8}], split, 0.2, 7)


def test_talker_truth_follows_the_val_block_rows(talker_tiny, l2t_prepared, tmp_path):
    """A training utterance split by --val-block keeps the truth of its own rows: the two parts
    together are the plain preparation's rows minus the gap."""
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.truth import talker_truth
    from artimap.data.lip2tongue.utterance import Settings
    from artimap.data.prepared import Prepared

    out = tmp_path / "blocks"
    prepare(talker_tiny, out, Settings(image_size=32), workers=1, val_block=0.3, val_gap=3)
    plain_data = Prepared.open(l2t_prepared, "lip2tongue")
    blocks_data = Prepared.open(out, "lip2tongue")
    plain, blocks = plain_data.manifest, blocks_data.manifest
    t_plain, t_blocks = talker_truth(plain_data)["times"], talker_truth(blocks_data)["times"]
    rows = {u["id"]: u for u in blocks["utterances"]}
    for u in plain["utterances"]:
        if u["id"] + "@val" not in rows:
            continue
        a, b = rows[u["id"]], rows[u["id"] + "@val"]
        want = t_plain[u["offset"]:u["offset"] + u["n_frames"]]
        np.testing.assert_array_equal(t_blocks[a["offset"]:a["offset"] + a["n_frames"]],
                                      want[:a["n_frames"]])
        np.testing.assert_array_equal(t_blocks[b["offset"]:b["offset"] + b["n_frames"]],
                                      want[b["block_start"]:b["block_start"] + b["n_frames"]])
        break
    else:
        raise AssertionError("no training utterance was split")
