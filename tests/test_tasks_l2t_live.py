"""Live lip streams: `artimap predict RUN --video -` (y4m or raw frames on stdin) and
`--camera INDEX` (a fake OpenCV capture), against the file path's per-frame predictions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from test_tasks_l2t import command

from artimap.io.framepipe import y4m_bytes
from artimap.models import load_model
from artimap.tasks.lip2tongue.livefeed import DropOldest, TrainingClock
from artimap.tasks.lip2tongue.predict import choose_box, read_lips, stream_predict
from artimap.tasks.registry import best_checkpoint

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def lips(talker_tiny, l2t_run):
    """Grey lip frames (F, H, W) of a test utterance on the training clock, and the file
    path's outputs (F, *out) and has (F,) for them."""
    model, meta = load_model(best_checkpoint(l2t_run))
    frames, _ = read_lips(talker_tiny / "s01" / "s01_0004.mp4", meta["data"]["fps"])
    box = choose_box(None, meta["data"]["rois"], frames, meta["data"]["fps"])
    outs, has, _ = stream_predict(model, meta, frames, box)
    return frames, outs, has


def _predict_stdin(run: Path, out: Path, options: list[str], chunks: list[bytes],
                   period: float = 0.0, early: int = 0) -> dict:
    """Pipe `chunks` into `python -m artimap predict RUN --video - ...`: the first (a y4m
    header) and `early` more at once, before the model is ready; the rest once it is, one
    per `period` s."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    argv = [sys.executable, "-m", "artimap", "predict", str(run), "--video", "-", "--out",
            str(out), *options]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdin.write(b"".join(chunks[:1 + early]))  # a y4m header is read before the stream
    proc.stdin.flush()
    assert b"streaming at" in proc.stderr.readline()  # model loaded: send at the real rate
    start = time.perf_counter()
    for k, chunk in enumerate(chunks[1 + early:]):
        if period:  # the talker's real frame rate
            time.sleep(max(0.0, start + k * period - time.perf_counter()))
        proc.stdin.write(chunk)
        proc.stdin.flush()
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr.decode()[-2000:]
    assert b"dropped; latency p50" in stdout
    return json.loads((out / "stdin.live.json").read_text())


def test_y4m_pipe_at_the_real_rate_accounts_for_every_frame(l2t_run, lips, tmp_path):
    frames, outs, _ = lips
    stream = y4m_bytes(frames, 60.0)
    head = stream.index(b"FRAME")
    size = len(b"FRAME\n") + frames[0].size
    chunks = [stream[:head]] + [stream[head + k * size:head + (k + 1) * size]
                                for k in range(len(frames))]
    info = _predict_stdin(l2t_run, tmp_path, [], chunks, period=1 / 60)
    assert info["n_sent"] == len(frames) and info["source_fps"] == pytest.approx(60.0)
    assert info["n_skipped_startup"] == 0
    assert bool(info["warnings"]) == (info["dropped_fraction"] > 0.05)
    got = np.load(tmp_path / "stdin.predictions.npz")
    assert len(got["frame"]) + info["n_dropped"] == len(frames) == info["n_sent"]
    assert info["n_processed"] == len(got["frame"]) and info["latency_ms"]["p99"] > 0
    assert {p.name for p in tmp_path.iterdir()} >= {
        "stdin.predictions.npz", "stdin.live.json", "stdin.side.mp4", "stdin.ultrasound.mp4",
        "stdin.contour.csv"}
    if info["n_dropped"] == 0:  # a loaded machine may drop; then only the accounting holds
        np.testing.assert_allclose(got["outputs"], outs, atol=1e-4)


def test_frames_before_the_model_is_ready_are_skipped_and_counted_apart(l2t_run, lips,
                                                                        tmp_path):
    frames = lips[0]
    stream = y4m_bytes(frames, 60.0)
    head = stream.index(b"FRAME")
    size = len(b"FRAME\n") + frames[0].size
    chunks = [stream[:head]] + [stream[head + k * size:head + (k + 1) * size]
                                for k in range(len(frames))]
    early = len(frames) // 2  # a backlog written while artimap starts
    info = _predict_stdin(l2t_run, tmp_path, [], chunks, period=1 / 60, early=early)
    assert info["n_skipped_startup"] == early
    assert info["n_sent"] == len(frames) - early  # only the live frames reach the clock
    assert info["dropped_fraction"] == info["n_dropped"] / info["n_sent"]
    got = np.load(tmp_path / "stdin.predictions.npz")
    assert len(got["frame"]) + info["n_dropped"] == info["n_sent"]


def test_the_summary_warns_above_five_percent_dropped():
    from artimap.tasks.lip2tongue.live import drop_warnings

    info = {"source": "stdin", "n_sent": 200, "n_skipped_startup": 300}
    assert drop_warnings({**info, "n_dropped": 10}) == []  # 5 %: not more than
    (line,) = drop_warnings({**info, "n_dropped": 11})
    assert "11 of 200 frames (6 %) dropped while running" in line
    assert drop_warnings({**info, "n_sent": 0, "n_dropped": 0}) == []


def test_raw_pipe_unthrottled_equals_the_file_path(l2t_run, lips, tmp_path):
    frames, outs, has = lips
    h, w = frames.shape[1:]
    opts = ["--size", f"{w}x{h}", "--fps", "60", "--pixel-format", "gray", "--queue", "100000"]
    info = _predict_stdin(l2t_run, tmp_path, opts, [b"", frames.tobytes()])  # raw: no header
    got = np.load(tmp_path / "stdin.predictions.npz")
    assert info["n_dropped"] == 0 and len(got["frame"]) == len(frames)
    np.testing.assert_array_equal(got["frame"], np.arange(len(frames)))
    np.testing.assert_array_equal(got["has"], has)
    np.testing.assert_allclose(got["outputs"], outs, atol=1e-4)


class FakeCapture:
    """cv2.VideoCapture stand-in yielding given BGR frames at 60 fps."""

    frames: np.ndarray = np.zeros((0, 1, 1, 3), np.uint8)

    def __init__(self, index: int) -> None:
        self.index, self.k = index, 0

    def isOpened(self) -> bool:  # noqa: N802 (OpenCV's name)
        return True

    def get(self, prop: int) -> float:
        return 60.0 if prop == cv2.CAP_PROP_FPS else 0.0

    def read(self):
        if self.k >= len(self.frames):
            return False, None
        self.k += 1
        return True, self.frames[self.k - 1]

    def release(self) -> None:
        pass


def test_camera_stream_equals_the_file_path(l2t_run, lips, tmp_path, monkeypatch):
    frames, outs, has = lips
    FakeCapture.frames = np.stack([cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in frames])
    monkeypatch.setattr(cv2, "VideoCapture", FakeCapture)
    argv = [str(l2t_run), "--camera", "0", "--queue", "100000", "--out", str(tmp_path)]
    assert command("predict", argv) == 0
    info = json.loads((tmp_path / "camera0.live.json").read_text())
    got = np.load(tmp_path / "camera0.predictions.npz")
    assert info["n_sent"] == len(frames) and info["n_dropped"] == 0
    np.testing.assert_array_equal(got["has"], has)
    np.testing.assert_allclose(got["outputs"], outs, atol=1e-4)
    argv += ["--max-frames", "20", "--out", str(tmp_path / "b")]
    assert command("predict", argv) == 0
    assert len(np.load(tmp_path / "b" / "camera0.predictions.npz")["frame"]) == 20


def test_drop_oldest_queue_and_clock():
    q = DropOldest(2)
    for k in range(5):
        q.put(k)
    q.close()
    assert [q.get(), q.get(), q.get()] == [3, 4, None] and q.dropped == 3
    clock = TrainingClock(30.0, 60.0)  # each 30 fps frame twice on a 60 fps clock
    got = [v for k in range(4) for v in clock.push(k)]
    assert got == [0, 0, 1, 1, 2, 2]  # the newest frame waits for its successor
    assert [v for k in range(3) for v in TrainingClock(59.5, 60.0).push(k)] == [0, 1, 2]


def test_y4m_420_header_and_frames():
    import io

    from artimap.errors import ArtimapError
    from artimap.io.framepipe import read_y4m_header, y4m_frames

    bgr = np.zeros((4, 6, 3), np.uint8)
    bgr[:, :4] = (200, 100, 50)  # a colour edge on a 2 x 2 chroma block boundary
    yuv = cv2.cvtColor(bgr, cv2.COLOR_BGR2YUV_I420)  # (6, 6): Y, then U and V planes
    stream = io.BytesIO(b"YUV4MPEG2 W6 H4 F30000:1001 It C420jpeg\nFRAME\n" + yuv.tobytes() +
                        b"FRAME Ixyz\n" + yuv.tobytes() + b"FRAME\n" + yuv.tobytes()[:5])
    fmt = read_y4m_header(stream)
    assert (fmt.width, fmt.height, fmt.pixels) == (6, 4, "yuv420p")
    assert fmt.fps == pytest.approx(29.97, abs=1e-3)
    frames = list(y4m_frames(stream, fmt))
    assert len(frames) == 2 and frames[0].shape == (4, 6, 3)  # the partial third is dropped
    assert np.abs(frames[1].astype(int) - bgr).max() <= 4
    with pytest.raises(ArtimapError, match="not a y4m stream"):
        read_y4m_header(io.BytesIO(b"\x00" * 64))


def test_live_box_choices():
    from artimap.errors import ArtimapError
    from artimap.tasks.lip2tongue.live import live_box

    rois = {"s01": [10, 10, 50, 40], "s02": [20, 20, 50, 40]}
    assert tuple(live_box(None, "s02", rois, (240, 320))) == (20, 20, 50, 40)
    assert tuple(live_box("1,2,30,40", None, rois, (240, 320))) == (1, 2, 30, 40)
    with pytest.raises(ArtimapError, match="give --roi X,Y,W,H or --speaker"):
        live_box(None, None, rois, (240, 320))
    with pytest.raises(ArtimapError, match="valid: s01, s02"):
        live_box(None, "s03", rois, (240, 320))
    with pytest.raises(ArtimapError, match="--roi auto needs"):
        live_box("auto", None, rois, (240, 320))
