"""Streaming audio inversion: log-mel frames and resampling chunk by chunk equal the offline
path, the causal model's streamed outputs equal its offline prediction and come out as soon as
their audio is in, a bidirectional model is refused, and `artimap predict RUN --audio -` turns
piped PCM into the offline prediction's rows."""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from artimap.data.audio.load import resample
from artimap.data.audio.mel import HOP, WIN, frame_at, log_mel
from artimap.data.audio.mel_stream import MelStream
from artimap.data.audio.resample_stream import StreamResampler
from artimap.data.audio2tongue.prepare import prepare
from artimap.data.audio2tongue.utterance import Settings
from artimap.errors import ArtimapError
from artimap.io.wav import read_wav, write_wav
from artimap.models.inversion import build
from artimap.tasks.audio2face.predict import marker_cells, markers_csv
from artimap.tasks.audio2tongue.predict import live_format
from artimap.tasks.audio_live import stream_rows
from artimap.tasks.audio_run import Normaliser, predict_frames, target_times
from artimap.tasks.audio_stream import AudioStreamPredictor
from artimap.tasks.registry import load_config_file, train_run
from artimap.tasks.scaffold import load_for_evaluation

ROOT = Path(__file__).resolve().parents[1]
LOOKAHEAD = 3


def _chunks(x: np.ndarray, sizes: list[int]):
    """x cut into consecutive chunks, cycling through `sizes`."""
    i, j = 0, 0
    while i < len(x):
        yield x[i: i + sizes[j % len(sizes)]]
        i, j = i + sizes[j % len(sizes)], j + 1


@pytest.mark.parametrize("n", [150, WIN - 1, WIN, 561, 8000 + 37])
def test_streamed_log_mel_frames_equal_the_offline_frames(n):
    x = (np.random.default_rng(n).standard_normal(n) * 0.1).astype(np.float32)
    for sizes in ([1, 3], [160], [333, 7], [10 ** 6]):
        s = MelStream()
        got = np.concatenate([s.push(c) for c in _chunks(x, sizes)] + [s.finish()])
        assert np.array_equal(got, log_mel(x))  # the same numbers, not just close


@pytest.mark.parametrize("rate", [8000, 44100])
def test_streamed_resampling_equals_resample_poly(rate):
    x = np.random.default_rng(rate).standard_normal(rate // 3 + 11)
    r = StreamResampler(rate)
    got = np.concatenate([r.push(c) for c in _chunks(x, [1, 500, 77])] + [r.finish()])
    want = resample(x, rate).astype(np.float32)
    assert got.shape == want.shape and np.abs(got - want).max() < 1e-6


def _model_and_meta(causal: bool = True):
    torch.manual_seed(0)
    model = build({"n_mels": 80, "n_out": 6, "front": 8, "hidden": 8, "layers": 2,
                   "causal": causal, "lookahead": LOOKAHEAD, "code_dim": 4}).eval()
    rng = np.random.default_rng(1)
    stats = {"mel": {"mean": (rng.standard_normal(80) - 5).tolist(),
                     "std": (rng.random(80) + 1).tolist()},
             "target": {"mean": rng.standard_normal(6).tolist(),
                        "std": (rng.random(6) + 0.5).tolist()}}
    meta = {"normalisation": stats, "data": {"target_shape": [3, 2], "target_fps": 81.5},
            "image": False}
    return model, meta


@pytest.mark.parametrize(("start", "engine"), [(0.0, "numpy"), (0.23, "numpy"), (0.23, "torch")])
def test_streamed_outputs_equal_the_offline_prediction(start, engine):
    model, meta = _model_and_meta()
    x = (np.random.default_rng(2).standard_normal(12345) * 0.1).astype(np.float32)
    mel = log_mel(x)
    times = target_times(len(x) / 16000, 81.5, start)
    norm = Normaliser(meta["normalisation"], (3, 2), False)
    want = predict_frames(model, norm, mel, np.clip(frame_at(times), 0, len(mel) - 1))
    for sizes in ([160], [640], [1, 999]):
        p = AudioStreamPredictor(model, meta, start, engine)
        outs = [o for c in _chunks(x, sizes) for o in p.push(c)] + p.finish()
        assert [o.frame for o in outs] == list(range(len(times)))
        assert np.array_equal([o.time_s for o in outs], times)
        assert np.allclose(np.stack([o.value for o in outs]), want, atol=1e-5)


def test_each_output_comes_once_its_audio_up_to_t_plus_lookahead_is_in():
    """Target k (read at mel frame f = frame_at(t_k) + lookahead) appears with the sample
    f * HOP + WIN / 2 - 1, the last one its window reaches, and not one sample earlier."""
    model, meta = _model_and_meta()
    x = (np.random.default_rng(3).standard_normal(4000) * 0.1).astype(np.float32)
    p = AudioStreamPredictor(model, meta)
    arrived = {o.frame: i + 1 for i in range(len(x)) for o in p.push(x[i: i + 1])}
    assert len(arrived) > 10
    for k, n in arrived.items():
        f = int(frame_at(np.float64(k / 81.5))) + LOOKAHEAD
        assert n == max(f * HOP + WIN // 2, WIN)


def test_a_bidirectional_model_is_refused_naming_the_causal_config():
    model, meta = _model_and_meta(causal=False)
    with pytest.raises(ArtimapError, match=r"bidirectional.*configs/audio2tongue/causal\.yaml"):
        AudioStreamPredictor(model, meta)


@pytest.fixture(scope="module")
def causal_run(talker_tiny, tmp_path_factory):
    root = tmp_path_factory.mktemp("a2t_stream")
    prepare(talker_tiny, root / "data", Settings(target="contour"), split=(2, 1, 1))
    module, cfg = load_config_file(ROOT / "configs" / "audio2tongue" / "smoke.yaml", [
        f"data={root / 'data'}", "train.progress=false", "model_config.causal=true",
        f"model_config.lookahead={LOOKAHEAD}"])
    train_run(module, cfg, root / "run")
    return module, root / "run"


def _offline_lines(module, run: Path, wav: Path, out: Path, start: float) -> list[str]:
    """The offline contour CSV of `wav` regrouped as the live lines: time, x, y of each point."""
    module.predict(run, argparse.Namespace(audio=str(wav), start=start, out=str(out),
                                           overwrite=True))
    rows = [r.split(",") for r in (out / f"{wav.stem}.contour.csv").read_text().splitlines()[1:]]
    frames: dict[int, list[str]] = {}
    for k, t, _, x, y in rows:
        frames.setdefault(int(k), [t]).extend([x, y])
    return [",".join(frames[k]) for k in sorted(frames)]


@pytest.mark.parametrize("rate", [16000, 22050])
def test_piped_pcm_gives_the_offline_rows(causal_run, talker_tiny, tmp_path, rate):
    module, run = causal_run
    samples, r16 = read_wav(next((talker_tiny / "s01").glob("*.wav")))
    pcm = samples if rate == r16 else np.round(
        resample(samples / 32768.0, r16, rate) * 32767).astype(np.int16)
    wav = tmp_path / "utt.wav"
    write_wav(wav, pcm, rate)
    want = _offline_lines(module, run, wav, tmp_path / "offline", 0.1)
    loaded = load_for_evaluation(run)
    sink = io.StringIO()
    cells = live_format(loaded.meta)
    stream_rows(loaded.model, loaded.meta, io.BytesIO(pcm.astype("<i2").tobytes()), sink,
                rate, 0.1, *cells)
    lines = sink.getvalue().splitlines()
    assert lines[0].startswith("time_s,p0_x_mm,p0_y_mm")
    assert lines[1:] == want


def test_cli_reads_standard_input(causal_run, talker_tiny, tmp_path):
    module, run = causal_run
    wav = next((talker_tiny / "s01").glob("*.wav"))
    want = _offline_lines(module, run, wav, tmp_path / "offline", 0.0)
    samples, rate = read_wav(wav)
    done = subprocess.run([sys.executable, "-m", "artimap", "predict", str(run), "--audio", "-",
                           "--rate", str(rate)], input=samples.astype("<i2").tobytes(),
                          capture_output=True, check=True)
    assert done.stdout.decode().splitlines()[1:] == want


def test_face_live_lines_carry_the_offline_csv_cells():
    markers = np.random.default_rng(4).standard_normal((3, 2, 3)).astype(np.float32)
    times = np.array([0.0, 0.01, 0.02])
    offline = markers_csv(times, markers, ["a", "b"]).splitlines()[1:]
    live = [",".join([f"{t:.6f}", *marker_cells(m)]) for t, m in zip(times, markers)]
    assert [row.split(",", 1)[1] for row in offline] == live
