"""audio2face on the tiny talker corpus: prepare from phone2face's prepared markers, a 2-step
smoke run, evaluation beside the mean-face and ridge references, prediction of a markers CSV."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

from artimap.data.audio.mel import frame_at
from artimap.data.audio2face.prepare import prepare
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.tasks.registry import load_config_file, train_run

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "audio2face" / "smoke.yaml"


@pytest.fixture(scope="module")
def a2f(p2f_prepared, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a2f") / "data"
    prepare(p2f_prepared, out)
    return out


def test_markers_keep_phone2face_rows_and_get_their_mel_frames(a2f, p2f_prepared):
    p, src = Prepared.open(a2f, "audio2face"), Prepared.open(p2f_prepared, "phone2face")
    assert p.splits == src.splits and p.manifest["markers"] == src.manifest["markers"]
    y, mask = p.array("targets"), src.array("mask")
    assert np.array_equal(np.isfinite(y).all(-1), np.asarray(mask))
    rate = float(src.manifest["rate"])
    for e in p.entries:
        t = p.array("times")[e.rows]
        assert np.allclose(t, np.arange(e.n_frames) / rate)
        assert np.array_equal(p.array("mel_frame")[e.rows], frame_at(t))


def test_round_trip_train_evaluate_predict(a2f, talker_tiny, tmp_path):
    module, cfg = load_config_file(SMOKE, [f"data={a2f}", "train.progress=false"])
    train_run(module, cfg, tmp_path / "run")
    m = module.evaluate_run(tmp_path / "run", "test")
    refs = m["references"]  # a talker corpus: floor, ridge, phone oracle and state ceiling
    assert set(refs) == {"train_mean", "ridge_mel", "phone_oracle", "state_oracle"}
    for section in (m["metrics"], *refs.values()):
        assert np.isfinite(section["rmse_mm"]["mean"]) and "corr" in section
    # the markers are the face model of the true jaw and lips (measured 0.30 vs 1.06 mm)
    assert refs["state_oracle"]["rmse_mm"]["mean"] < 0.5 * refs["train_mean"]["rmse_mm"]["mean"]
    assert refs["state_oracle"]["gap_closed"]["mean"] == 1.0
    wav = next((talker_tiny / "s01").glob("*.wav"))
    module.predict(tmp_path / "run", argparse.Namespace(audio=str(wav), start=0.0,
                                                        out=str(tmp_path / "p"),
                                                        overwrite=False))
    lines = (tmp_path / "p" / f"{wav.stem}.markers.csv").read_text().splitlines()
    assert len(lines[0].split(",")) == 2 + 3 * 44  # frame, time_s, x y z of 44 markers
    assert len(lines) > 100


def test_missing_wav_names_the_file(p2f_prepared, tmp_path):
    with pytest.raises(ArtimapError, match=r"\.wav: audio file not found"):
        prepare(p2f_prepared, tmp_path / "out", corpus=tmp_path)
