"""phone2face generic path on real C3D captures (../shared/data/c3d) with made-up alignments."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.data.phone2face.resample import n_frames_at
from artimap.io.c3d import read_c3d

DATA = Path(__file__).resolve().parents[1] / "../shared/data/c3d"
BOX = ["gauche_ext", "gauche_int", "droite_int", "droite_ext", "avant_gauche", "avant_droit",
       "arriere_droit", "arriere_gauche"]  # a rigid box: stands in for the head markers


@pytest.fixture
def take(tmp_path):
    if not (DATA / "markers_analogs.c3d").is_file():
        pytest.skip("../shared/data not present")
    folder = tmp_path / "corpus" / "spk"
    folder.mkdir(parents=True)
    shutil.copy(DATA / "markers_analogs.c3d", folder / "take1.c3d")  # 580 frames at 100 Hz
    rows = [("take1", 1, 0.0, 0.8, "sil"), ("take1", 1, 0.8, 1.1, "b"), ("take1", 1, 2.0, 1.5, "a"),
            ("take1", 1, 3.5, 2.3, "sil")]  # CTM: start and DURATION; 1.9-2.0 s is a gap
    (folder / "take1.ctm").write_text("".join(f"{u} {c} {s} {d} {p}\n" for u, c, s, d, p in rows))
    return tmp_path / "corpus"


def test_real_c3d_with_ctm_alignment(take, tmp_path):
    markers = ["STERr", "SCAP_CP", "LARMm", "boite:avant_droit"]  # gappy ones and a box marker
    cfg = PrepareConfig(markers=",".join(markers), head_markers=",".join(BOX), split=(1, 0, 0),
                        max_gap=12)
    out = prepare_phone2face(take, tmp_path / "p", cfg)
    manifest = json.loads((out / "manifest.json").read_text())
    entry = manifest["utterances"][0]
    assert entry["id"] == "spk/take1" and entry["speaker"] == "spk" and entry["rate_in"] == 100.0
    assert entry["n_frames"] == n_frames_at(580, 100.0, 120.0) == 695
    assert entry["filled"] > 0  # the real file has occlusion gaps
    pts, mask = np.load(out / "markers.npy"), np.load(out / "mask.npy")
    assert pts.shape == (695, 4, 3) and np.isfinite(pts).all()
    raw = read_c3d(take / "spk/take1.c3d").points[:, 6]  # boite:avant_droit, moving with the box
    assert np.nanstd(raw, axis=0).max() > 50  # the box travels tens of centimetres...
    assert pts[mask[:, 3], 3].std(axis=0).max() < 1.0  # ...and stands still once stabilised
    phones = json.loads((out / "phones.json").read_text())["phones"]
    ids = np.load(out / "phone_ids.npy")
    assert [phones[i] for i in ids[[0, 100, 150, 235, 300, 600]]] == ["sil", "b", "b", "sil", "a",
                                                                      "sil"]


def test_real_c3d_upsampled_from_50_hz(tmp_path):
    if not (DATA / "my-motion.c3d").is_file():
        pytest.skip("../shared/data not present")
    (tmp_path / "c").mkdir()
    shutil.copy(DATA / "my-motion.c3d", tmp_path / "c" / "walk.c3d")  # 450 frames at 50 Hz
    (tmp_path / "c" / "walk.lab").write_text("0.0 4.0 a\n4.0 8.98 sil\n")
    cfg = PrepareConfig(head_markers="PV1,PV2,PV3,PV4", split=(1, 0, 0))  # file says 'pv4'
    out = prepare_phone2face(tmp_path / "c", tmp_path / "p", cfg)
    manifest = json.loads((out / "manifest.json").read_text())
    assert len(manifest["markers"]) == 22 and "pv4" not in manifest["markers"]
    assert manifest["n_frames"] == n_frames_at(450, 50.0, 120.0)
    assert manifest["utterances"][0]["head_masked"] > 0  # the pelvis cluster is lost for a while
