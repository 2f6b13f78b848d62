"""Video and wav round trips, and the real TaL lip video."""

import struct
from pathlib import Path

import numpy as np
import pytest

from artimap.data.lip2tongue.durations import audio_duration
from artimap.errors import ArtimapError
from artimap.io.video import read_video, video_info, write_video
from artimap.io.wav import read_wav, wav_length, write_wav

DATA = Path(__file__).resolve().parents[1] / "../shared/data"


def _moving_square(n=12, h=48, w=64):
    frames = np.full((n, h, w), 40, np.uint8)
    for k in range(n):
        frames[k, 10:26, 4 + 3 * k:20 + 3 * k] = 220
    return frames


def test_video_round_trip_gray(tmp_path):
    frames = _moving_square()
    path = tmp_path / "v.mp4"
    write_video(path, frames, fps=60.0)
    assert [p.name for p in tmp_path.iterdir()] == ["v.mp4"]  # no temporary left behind
    info = video_info(path)
    assert (info.n_frames, info.width, info.height) == (12, 64, 48)
    assert info.fps == pytest.approx(60.0)
    got, fps = read_video(path)
    assert got.shape == frames.shape and fps == pytest.approx(60.0)
    assert np.abs(got.astype(int) - frames).mean() < 6  # lossy codec, but close
    colour, _ = read_video(path, gray=False)
    assert colour.shape == (12, 48, 64, 3)


def test_video_round_trip_colour(tmp_path):
    frames = np.repeat(_moving_square()[..., None], 3, axis=3)
    write_video(tmp_path / "c.mp4", frames, fps=30)
    got, fps = read_video(tmp_path / "c.mp4", gray=False)
    assert got.shape == frames.shape and fps == pytest.approx(30.0)


def test_unreadable_video(tmp_path):
    bad = tmp_path / "junk.mp4"
    bad.write_bytes(b"this is not a video" * 10)
    with pytest.raises(ArtimapError, match=r"junk\.mp4: cannot open"):
        read_video(bad)
    with pytest.raises(ArtimapError, match=r"none\.avi: video file not found"):
        video_info(tmp_path / "none.avi")


def test_wav_round_trip(tmp_path):
    t = np.arange(4800) / 48000
    mono = (0.5 * np.sin(2 * np.pi * 440 * t) * 32767).astype(np.int16)
    write_wav(tmp_path / "a.wav", mono, 48000)
    got, rate = read_wav(tmp_path / "a.wav")
    assert rate == 48000 and got.dtype == np.int16
    np.testing.assert_array_equal(got, mono)
    stereo = np.stack([t, -t], axis=1)
    write_wav(tmp_path / "s.wav", stereo, 16000)
    got, rate = read_wav(tmp_path / "s.wav")
    assert got.shape == (4800, 2) and got.dtype == np.float32 and rate == 16000
    assert wav_length(tmp_path / "s.wav") == (4800, 16000)


def _pcm24_wav(samples: np.ndarray, rate: int) -> bytes:
    """A mono 24-bit PCM wav file of integer samples (T,)."""
    data = b"".join(int(v).to_bytes(3, "little", signed=True) for v in samples)
    fmt = struct.pack("<HHIIHH", 1, 1, rate, 3 * rate, 3, 24)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack(
        "<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def test_audio_duration_from_the_header_equals_the_full_read(tmp_path):
    wavs = sorted(DATA.glob("**/*.wav"))
    if not wavs:
        pytest.skip("../shared/data not present (wav files)")
    for wav in wavs:
        samples, rate = read_wav(wav)
        assert wav_length(wav) == (len(samples), rate), wav
        assert audio_duration(wav) == len(samples) / rate
    pcm24 = tmp_path / "pcm24.wav"  # no memory map for 3-byte samples: read in full
    pcm24.write_bytes(_pcm24_wav(np.arange(-500, 501), 8000))
    assert wav_length(pcm24) == (1001, 8000) == (len(read_wav(pcm24)[0]), 8000)
    (tmp_path / "cut.wav").write_bytes(pcm24.read_bytes()[:30])
    assert audio_duration(tmp_path / "cut.wav") is None
    with pytest.raises(ArtimapError, match=r"cut\.wav: cannot read as wav"):
        wav_length(tmp_path / "cut.wav")


def test_real_tal_video():
    path = DATA / "tal/088_aud.mp4"
    if not path.exists():
        pytest.skip("../shared/data not present (TaL lip video)")
    info = video_info(path)
    assert (info.width, info.height) == (320, 240)
    assert info.fps == pytest.approx(60, abs=0.5)
    frames, fps = read_video(path)
    assert frames.shape[1:] == (240, 320)
    assert len(frames) == info.n_frames == 328
    assert fps == pytest.approx(info.fps)


def test_real_avi_and_wav():
    avi = DATA / "lip_labels/videos/002_cal.avi"
    wav = DATA / "tal/088_aud.wav"
    if not avi.exists() or not wav.exists():
        pytest.skip("../shared/data not present (lip video, TaL audio)")
    info = video_info(avi)
    assert (info.width, info.height, info.n_frames) == (320, 240, 728)
    assert info.fps == pytest.approx(120.18, abs=0.05)
    samples, rate = read_wav(wav)
    assert rate == 48000 and samples.ndim == 1 and samples.dtype == np.int16
    frames, fps = read_video(DATA / "tal/088_aud.mp4")
    # Audio and video start together and last about as long (within 2 video frames).
    assert abs(len(samples) / rate - len(frames) / fps) < 2 / fps


def test_rate_is_fitted_to_the_decoded_frames():
    avi = DATA / "lip_labels/videos/002_cal.avi"
    if not avi.exists():
        pytest.skip("../shared/data not present (lip video)")
    # The container claims 728 frames at 120.18 fps; 364 decode, so the true rate is ~60.09.
    with pytest.warns(UserWarning, match="364 frames decode"):
        frames, fps = read_video(avi)
    assert len(frames) == 364
    assert fps == pytest.approx(60.09, abs=0.02)
