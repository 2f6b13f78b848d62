"""Virtual-talker corpus on disk: determinism, and every file read back with the field's tools."""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import ezc3d
import numpy as np
import pytest
from praatio import textgrid
from scipy.io import wavfile

from artimap.io.optitrack import read_motive_csv
from artimap.synth.corpus import generate_corpus
from artimap.synth.phones import PHONES
from artimap.synth.truth import read_contour_csv, read_corpus_json
from artimap.synth.utterance import synthesize_utterance

N_UTT = 2


@pytest.fixture(scope="module")
def corpora(tmp_path_factory) -> dict[str, Path]:
    """Three tiny corpora: seed 0 (1 worker), seed 0 again (2 workers), seed 1."""
    root = tmp_path_factory.mktemp("synth")
    runs = {"a": (0, 1), "b": (0, 2), "c": (1, 1)}
    for name, (seed, workers) in runs.items():
        generate_corpus(root / name, "tiny", seed=seed, utterances=N_UTT, workers=workers,
                        progress=False)  # fmt: skip
    return {name: root / name for name in runs}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}  # fmt: skip


def test_same_seed_same_bytes_whatever_the_workers(corpora):
    a, b = _files(corpora["a"]), _files(corpora["b"])
    assert sorted(a) == sorted(b)
    assert len(a) == 1 + 10 * N_UTT  # corpus.json + 10 files per utterance
    for name in a:
        assert a[name] == b[name], name


def test_other_seed_other_bytes(corpora):
    a, c = _files(corpora["a"]), _files(corpora["c"])
    streams = [n for n in a if not n.endswith((".param", "corpus.json"))]
    assert streams
    for name in streams:
        assert a[name] != c[name], name


@pytest.fixture(scope="module")
def first(corpora):
    """(corpus folder, corpus.json, first utterance entry, in-memory utterance)."""
    folder = corpora["a"]
    meta = read_corpus_json(folder)
    entry = meta["utterances"][0]
    return folder, meta, entry, synthesize_utterance(1, 1, 0, "tiny")


def test_corpus_json(first):
    folder, meta, entry, _ = first
    assert meta["format"] == "artimap-talker" and meta["preset"] == "tiny"
    assert meta["rates"]["video_fps"] == 60 and meta["rates"]["markers_fps"] == 120
    assert meta["sizes"] == {"video": [240, 320], "ultrasound": [32, 128], "contour_points": 24}
    markers = meta["markers"]
    assert len(markers["face"]) == 44 and len(markers["head"]) >= 3
    assert set(markers["lips"]) <= set(markers["face"])
    assert markers["upper_lip_centre"] in markers["lips"]
    assert len([p for p, c in meta["phones"].items() if c != "silence"]) >= 35
    assert len(meta["artic_params"]) == 8
    assert [u["id"] for u in meta["utterances"]] == ["s01_0001", "s01_0002"]
    for rel in entry["files"].values():
        assert (folder / rel).is_file()


def test_textgrid_reads_with_praatio(first):
    folder, _, entry, utt = first
    tg = textgrid.openTextgrid(str(folder / entry["files"]["textgrid"]),
                               includeEmptyIntervals=True)  # fmt: skip
    assert {"phones", "words"} <= set(tg.tierNames)
    phones = tg.getTier("phones").entries
    assert [e.label for e in phones] == utt.phones.labels()
    assert set(e.label for e in phones) <= set(PHONES)
    assert phones[0].label == "sil" and phones[-1].label == "sil"
    assert tg.maxTimestamp == pytest.approx(entry["duration"])
    words = [e.label for e in tg.getTier("words").entries if e.label]
    assert words == [w for w, _, _ in utt.script.words]


def test_c3d_and_motive_read_back(first):
    folder, meta, entry, utt = first
    c = ezc3d.c3d(str(folder / entry["files"]["c3d"]))
    point = c["parameters"]["POINT"]
    assert point["RATE"]["value"][0] == 120
    assert list(point["LABELS"]["value"]) == meta["markers"]["all"]
    assert point["UNITS"]["value"][0] == "mm"
    xyz = c["data"]["points"][:3].transpose(2, 1, 0)  # (F, M, 3)
    missing = c["data"]["meta_points"]["residuals"][0].T < 0  # (F, M)
    truth = utt.markers.points
    assert xyz.shape == truth.shape and missing.any()
    assert np.array_equal(missing, np.isnan(truth).any(axis=2))
    np.testing.assert_allclose(xyz[~missing], truth[~missing], atol=1e-3)
    motive = read_motive_csv(folder / entry["files"]["motive"])
    assert motive.rate == 120 and motive.labels == meta["markers"]["all"]
    np.testing.assert_allclose(motive.points, truth, atol=1e-3)  # NaN where missing in both


def test_video_reads_with_opencv(first):
    folder, _, entry, utt = first
    cap = cv2.VideoCapture(str(folder / entry["files"]["video"]))
    assert cap.get(cv2.CAP_PROP_FRAME_WIDTH) == 320 and cap.get(cv2.CAP_PROP_FRAME_HEIGHT) == 240
    assert cap.get(cv2.CAP_PROP_FPS) == pytest.approx(60.0)
    frames = []
    while True:
        ok, frame = cap.read()
        if not ok:
            break
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))
    cap.release()
    assert len(frames) == entry["frames"]["video"] == len(utt.video)
    diff = np.abs(np.stack(frames).astype(float) - utt.video).mean()
    assert diff < 4.0  # lossy mp4v, same pictures


def _param(path: Path) -> dict[str, float]:
    pairs = (line.split("=") for line in path.read_text().splitlines() if "=" in line)
    return {k: float(v) for k, v in pairs}


def test_ultrasound_contour_artic_audio_prompt(first):
    folder, meta, entry, utt = first
    files = entry["files"]
    prm = _param(folder / files["param"])
    nv, ppv = int(prm["NumVectors"]), int(prm["PixPerVector"])
    ult = np.fromfile(folder / files["ultrasound"], dtype=np.uint8).reshape(-1, nv, ppv)
    assert np.array_equal(ult, utt.ult)
    assert prm["FramesPerSec"] == pytest.approx(81.5, abs=0.1)
    assert prm["TimeInSecsOfFirstFrame"] == pytest.approx(0.97, abs=0.02)
    times, raw, mm = read_contour_csv(folder / files["contour"])
    np.testing.assert_allclose(times, prm["TimeInSecsOfFirstFrame"]
                               + np.arange(len(ult)) / prm["FramesPerSec"], atol=1e-6)  # fmt: skip
    assert raw.shape == (len(ult), 24, 2)
    np.testing.assert_allclose(raw, utt.contour_raw, atol=1e-3)
    np.testing.assert_allclose(mm, utt.contour_mm, atol=1e-3)
    assert np.array_equal(np.load(folder / files["artic"]), utt.artic)
    rate, audio = wavfile.read(folder / files["audio"])
    assert rate == meta["rates"]["audio_rate"] and len(audio) == round(utt.duration * rate)
    prompt, date = (folder / files["prompt"]).read_text().splitlines()
    assert prompt == utt.prompt and re.fullmatch(r"\d\d/\d\d/\d{4} \d\d:\d\d:\d\d", date)


def test_stream_timings_line_up(corpora):
    meta = read_corpus_json(corpora["a"])
    for entry in meta["utterances"]:
        end, frames = entry["duration"], entry["frames"]
        prm = _param(corpora["a"] / entry["files"]["param"])
        fps, t0 = prm["FramesPerSec"], prm["TimeInSecsOfFirstFrame"]
        assert abs(frames["video"] / 60 - end) <= 1 / 60
        assert abs(frames["markers"] / 120 - end) <= 1 / 120
        assert abs(t0 + frames["ultrasound"] / fps - end) <= 1 / fps
        assert abs(frames["artic"] / meta["rates"]["artic_fps"] - end) <= 1e-3
