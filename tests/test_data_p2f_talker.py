"""phone2face preparation on the virtual talker: head motion, gaps, phone ids, batches, CLI."""

from __future__ import annotations

import argparse
import json
import shutil

import numpy as np
import pytest
import torch
from praatio import textgrid
from test_data_p2f_helpers import apply_rigid, rigid_motion

from artimap.commands.prepare_phone2face import add_arguments, run
from artimap.data.phone2face.dataset import BucketBatchSampler, Phone2FaceDataset, collate_padded
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.io.c3d import read_c3d, write_c3d
from artimap.io.motion import Motion
from artimap.synth.corpus import generate_corpus

CFG = PrepareConfig(fallback="sil")  # tiny corpora: val/test may hold phones train lacks


@pytest.fixture(scope="module")
def talker(tmp_path_factory):
    root = tmp_path_factory.mktemp("p2f_talker")
    generate_corpus(root / "corpus", "tiny", seed=0, progress=False)
    return root / "corpus"


@pytest.fixture(scope="module")
def prepared(talker):
    return prepare_phone2face(talker, talker.parent / "prepared", CFG)


def _copy_with(talker, dest, edit):
    """Copy corpus.json, TextGrids and the C3D files edited by edit(uid, points) -> points."""
    shutil.copytree(talker, dest, ignore=shutil.ignore_patterns("*.mp4", "*.ult", "*.wav",
                                                               "*.csv", "*.npy", "*.param"))
    for path in sorted(dest.glob("*/*.c3d")):
        m = read_c3d(path)
        write_c3d(path, Motion(edit(path.stem, m.points.astype(np.float64)), m.rate, m.labels))
    return dest


def _arrays(folder):
    manifest = json.loads((folder / "manifest.json").read_text())
    return manifest, np.load(folder / "markers.npy"), np.load(folder / "mask.npy")


def test_known_head_motion_is_removed(talker, prepared, tmp_path):
    def move(uid, pts):
        rot, trans = rigid_motion(len(pts), seed=int(uid[-4:]), angle=0.2, shift=30.0)
        rot0, trans0 = rot[0].copy(), trans[0].copy()  # identity at frame 0: same reference
        rot = np.einsum("fij,kj->fik", rot, rot0)  # R_f R_0^T
        trans = trans - np.einsum("fij,j->fi", rot, trans0)
        return apply_rigid(pts, rot, trans)

    moved = prepare_phone2face(_copy_with(talker, tmp_path / "moved", move), tmp_path / "p", CFG)
    _, ref, ref_mask = _arrays(prepared)
    _, got, got_mask = _arrays(moved)
    assert np.array_equal(ref_mask, got_mask)
    assert np.abs(got - ref)[ref_mask].max() < 0.01  # mm


def test_talker_head_markers_are_still_after_stabilisation(talker, tmp_path):
    info = json.loads((talker / "corpus.json").read_text())["markers"]
    cfg = PrepareConfig(markers=",".join(info["head"] + ["lip_upper_c"]), fallback="sil")
    out = prepare_phone2face(talker, tmp_path / "p", cfg)
    manifest, pts, _ = _arrays(out)
    e = manifest["utterances"][0]
    head = pts[e["offset"]:e["offset"] + e["n_frames"], :4]  # (T, 4, 3)
    raw = read_c3d(talker / e["sources"]["motion"])
    raw_head = raw.points[:, [raw.labels.index(n) for n in info["head"]]]
    assert raw_head.std(axis=0).max() > 1.0  # the talker moves its head by millimetres...
    assert head.std(axis=0).max() < 0.15  # ...and what is left is the 0.1 mm capture noise


def test_short_gaps_are_filled_within_noise(talker, prepared, tmp_path):
    manifest, ref, ref_mask = _arrays(prepared)
    rng = np.random.default_rng(0)
    punched: dict[str, list[tuple[int, int, int]]] = {}

    def punch(uid, pts):
        seen = np.isfinite(pts).all(axis=2)
        runs = []
        for m in rng.choice(44, 12, replace=False):
            n = int(rng.integers(3, 9))
            s = int(rng.integers(20, len(pts) - 20))
            if seen[s - 2:s + n + 2, m].all():
                pts[s:s + n, m] = np.nan
                runs.append((m, s, n))
        punched[uid] = runs
        return pts

    out = prepare_phone2face(_copy_with(talker, tmp_path / "gappy", punch), tmp_path / "p", CFG)
    _, got, got_mask = _arrays(out)
    errs = []
    for e in manifest["utterances"]:
        for m, s, n in punched[e["id"]]:
            frames = slice(e["offset"] + s, e["offset"] + s + n)
            assert got_mask[frames, m].all()
            errs.append(got[frames, m] - ref[frames, m])  # (n, 3) filled - observed
    errs = np.concatenate(errs)
    assert len(errs) > 50
    assert np.sqrt(np.mean(errs**2)) < 0.3  # mm per coordinate, noise is 0.1 mm


def _textgrid_label(path, t):
    tg = textgrid.openTextgrid(str(path), includeEmptyIntervals=True)
    for start, end, label in tg.getTier("phones").entries:
        if start <= t < end:
            return label
    return "sil"


def test_each_frame_phone_matches_the_textgrid(talker, prepared):
    manifest = json.loads((prepared / "manifest.json").read_text())
    phones = json.loads((prepared / "phones.json").read_text())["phones"]
    ids = np.load(prepared / "phone_ids.npy")
    for e in manifest["utterances"]:
        tg = talker / e["sources"]["alignment"]
        want = [_textgrid_label(tg, k / 120.0) for k in range(e["n_frames"])]
        want = ["sil" if w in ("", "sp") else w for w in want]
        want = [w if w in phones else "sil" for w in want]  # fallback
        got = [phones[i] for i in ids[e["offset"]:e["offset"] + e["n_frames"]]]
        assert got == want, e["id"]


def test_prepare_to_padded_batches(prepared):
    manifest = json.loads((prepared / "manifest.json").read_text())
    assert manifest["upper_lip_centre"] == "lip_upper_c" and len(manifest["lip_markers"]) == 12
    ds = Phone2FaceDataset(prepared, "train", normalise=True)
    batches = list(BucketBatchSampler(ds.lengths, batch_size=2, shuffle=True, seed=0))
    batch = collate_padded([ds[i] for i in batches[0]])
    t = max(ds.lengths[i] for i in batches[0])
    assert batch["phones"].shape == (2, t) and batch["markers"].shape == (2, t, 132)
    assert batch["mask"].shape == (2, t, 132)
    for k, n in enumerate(batch["lengths"].tolist()):
        assert not batch["mask"][k, n:].any()
        assert batch["mask"][k, :n].float().mean() > 0.9  # a few long gaps are masked
    assert torch.isfinite(batch["markers"]).all()


def test_cli_prepares_with_two_workers(talker, tmp_path, capsys):
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--corpus", str(talker), "--out", str(tmp_path / "p"),
                              "--markers", "talker44", "--phone-fallback", "sil",
                              "--workers", "2", "--split", "50,25,25"])
    assert run(args) == 0
    line = capsys.readouterr().out
    assert "4 utterances (train 2, val 1, test 1)" in line and "44 markers at 120 fps" in line


def test_head_removal_and_silence_mapping_can_be_turned_off(talker, tmp_path):
    cfg = PrepareConfig(head_markers="none", silence=None, fallback="sp")
    out = prepare_phone2face(talker, tmp_path / "p", cfg)
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["head_stabilised"] and manifest["head_markers"] == []
    phones = json.loads((out / "phones.json").read_text())["phones"]
    assert "sil" in phones and "sp" in phones  # the talker's two silences stay apart
