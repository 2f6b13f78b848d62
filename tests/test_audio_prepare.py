"""`prepare audio2tongue` on a tiny talker corpus and on the real TaL files (read in place from
../shared/data/tal; skipped when absent): targets stay at their own frame times, each with the
mel frame at the same time on the audio clock; audio that does not cover its targets and
damaged wavs are one-line errors naming the files."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from artimap.data.audio.mel import frame_at
from artimap.data.audio.stream import entry_mel
from artimap.data.audio2tongue.prepare import prepare
from artimap.data.audio2tongue.utterance import Settings
from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.io.ult import read_param
from artimap.io.wav import write_wav

TAL = Path(__file__).resolve().parents[1] / "../shared/data/tal"


@pytest.fixture(scope="module")
def talker_contour(talker_tiny, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("a2t") / "contour"
    prepare(talker_tiny, out, Settings(target="contour"), split=(2, 1, 1))
    return out


def test_talker_contour_rows_keep_their_times(talker_contour, talker_tiny):
    from artimap.synth.truth import read_contour_csv

    p = Prepared.open(talker_contour, "audio2tongue")
    assert p.manifest["target_fps"] == pytest.approx(81.5, abs=0.5)
    times, mel_frame = p.array("times"), p.array("mel_frame")
    for e in p.entries:
        t, _, mm = read_contour_csv(talker_tiny / e.speaker / f"{e.id}.contour.csv")
        assert np.allclose(times[e.rows], t)
        assert np.allclose(p.array("targets")[e.rows], mm, atol=1e-5)
        assert np.array_equal(mel_frame[e.rows], frame_at(t))  # the talker's clock: audio
        mel, index = entry_mel(p, e)
        assert mel.shape[1] == 80 and index.min() >= 0 and index.max() < len(mel)
    assert set(p.stats) == {"mel", "target"} and len(p.stats["mel"]["mean"]) == 80


def test_talker_image_targets(talker_tiny, tmp_path):
    out = tmp_path / "img"
    prepare(talker_tiny, out, Settings(target="image", target_size=(16, 12)), split=(2, 1, 1))
    p = Prepared.open(out, "audio2tongue")
    assert p.array("targets").shape[1:] == (16, 12) and p.array("targets").dtype == np.uint8
    assert np.array(p.stats["target"]["mean"]).shape == (16, 12)


@pytest.fixture(scope="module")
def tal_points(tmp_path_factory) -> Path:
    if not TAL.is_dir():
        pytest.skip("../shared/data not present (tal)")
    lists = tmp_path_factory.mktemp("lists")
    for name, ids in (("train", "088_aud"), ("val", ""), ("test", "133_aud")):
        (lists / f"{name}.txt").write_text(ids + "\n")
    out = tmp_path_factory.mktemp("a2t_tal") / "points"
    prepare(TAL, out, Settings(target="points"), val_block=0.2,
            split_lists=[str(lists / f"{n}.txt") for n in ("train", "val", "test")])
    return out


def test_tal_points_sit_at_their_dlc_times(tal_points):
    p = Prepared.open(tal_points, "audio2tongue")
    assert p.splits == {"train": ["088_aud"], "val": ["088_aud@val"], "test": ["133_aud"]}
    assert len(p.manifest["point_names"]) == 14
    for e in p.entries:
        stem = TAL / e.id.split("@")[0]
        t0 = read_param(stem.with_suffix(".param")).time_first_frame  # ~0.97 s after audio start
        start = e.raw.get("block_start", 0)
        t = p.array("times")[e.rows]
        assert np.allclose(t, t0 + (start + np.arange(e.n_frames)) / 60.0)
        assert np.array_equal(p.array("mel_frame")[e.rows], np.floor(t * 100 + 0.5))
        assert e.raw["audio"]["source_rate"] == 48000
    train, val = p.entries[0], p.entries[1]
    # the validation block reads its own audio: no mel frame of the training part's span
    assert entry_mel(p, train)[0].shape[0] < train.raw["streams"]["mel"][1]
    assert val.offset >= train.offset + train.n_frames + 7


def _fake_tal(tmp_path: Path, seconds: float) -> Path:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for suffix in (".param", ".tongue_dlc.csv"):
        shutil.copy(TAL / f"088_aud{suffix}", corpus / f"088_aud{suffix}")
    t = np.arange(int(seconds * 48000)) / 48000
    write_wav(corpus / "088_aud.wav", (3000 * np.sin(2 * np.pi * 220 * t)).astype(np.int16),
              48000)
    return corpus


def test_audio_shorter_than_its_targets_names_both_durations(tmp_path):
    if not TAL.is_dir():
        pytest.skip("../shared/data not present (tal)")
    corpus = _fake_tal(tmp_path, 2.0)
    with pytest.raises(ArtimapError) as e:
        prepare(corpus, tmp_path / "out", split=(1, 0, 0))
    msg = str(e.value)
    assert "088_aud.wav" in msg and "2.000 s" in msg and "5.404 s" in msg and "\n" not in msg


def test_damaged_wav_names_the_utterance_and_file(tmp_path):
    if not TAL.is_dir():
        pytest.skip("../shared/data not present (tal)")
    corpus = _fake_tal(tmp_path, 6.0)
    (corpus / "088_aud.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    with pytest.raises(ArtimapError, match=r"utterance 088_aud: .*088_aud.wav: cannot read"):
        prepare(corpus, tmp_path / "out", split=(1, 0, 0))


def test_cli_prepares_and_refuses_a_bad_target(talker_tiny, tmp_path, capsys):
    from artimap.cli import main

    out = tmp_path / "cli"
    assert main(["prepare", "audio2tongue", "--corpus", str(talker_tiny), "--out", str(out),
                 "--target", "contour", "--split", "2,1,1", "--workers", "1"]) == 0
    assert "prepared 4 utterances" in capsys.readouterr().out
    assert Prepared.open(out, "audio2tongue").manifest["settings"]["target"] == "contour"
    with pytest.raises(SystemExit):
        main(["prepare", "audio2tongue", "--corpus", str(talker_tiny), "--out",
              str(tmp_path / "x"), "--target", "lips"])


@pytest.mark.parametrize("uid", ["088_aud", "133_aud"])
def test_tal_sync_channel_starts_its_pulse_train_at_the_param_offset(uid):
    """The recorded sync channel (one pulse per ultrasound frame, after a short burst at the
    start) confirms the clock prepare uses: TimeInSecsOfFirstFrame on the audio clock."""
    if not TAL.is_dir():
        pytest.skip("../shared/data not present (tal)")
    from artimap.data.audio.load import to_float
    from artimap.io.wav import read_wav

    samples, rate = read_wav(TAL / f"{uid}.sync")
    x = to_float(samples)
    on = np.flatnonzero((x[1:] > 0.5 * x.max()) & (x[:-1] <= 0.5 * x.max())) / rate  # s
    train_start = on[int(np.argmax(np.diff(on))) + 1]  # the first pulse after the longest pause
    t0 = read_param(TAL / f"{uid}.param").time_first_frame
    assert abs(train_start - t0) < 0.005


def test_skip_bad_leaves_the_damaged_utterance_out(tmp_path):
    if not TAL.is_dir():
        pytest.skip("../shared/data not present (tal)")
    corpus = _fake_tal(tmp_path, 6.0)
    (corpus / "088_aud.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEjunk")
    for suffix in (".param", ".tongue_dlc.csv", ".wav"):
        shutil.copy(TAL / f"133_aud{suffix}", corpus / f"133_aud{suffix}")
    with pytest.warns(UserWarning, match="skipped utterance 088_aud"):
        m = prepare(corpus, tmp_path / "out", split=(1, 0, 0), skip_bad=True)
    assert [u["id"] for u in m["utterances"]] == ["133_aud"]
    assert m["skipped"][0]["id"] == "088_aud" and "cannot read" in m["skipped"][0]["error"]
