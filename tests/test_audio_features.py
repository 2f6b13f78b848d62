"""Audio features: the HTK mel filterbank against hand-computed values, resampling from the
usual rates, a tone switched on at a known time found at the right mel frame, and one-line
errors for each kind of bad wav."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from artimap.data.audio.load import load_audio, resample
from artimap.data.audio.mel import (
    HOP,
    N_MELS,
    RATE,
    frame_at,
    frame_times,
    hz_to_mel,
    log_mel,
    mel_filterbank,
    mel_to_hz,
)
from artimap.errors import ArtimapError
from artimap.io.wav import write_wav


def test_htk_mel_scale_known_values():
    # 2595 log10(1 + f / 700): 1000 Hz is ~1000 mel, 700 Hz is 2595 log10(2)
    assert hz_to_mel(1000.0) == pytest.approx(999.98554, abs=1e-4)
    assert hz_to_mel(700.0) == pytest.approx(781.17284, abs=1e-4)
    f = np.array([0.0, 250.0, 4000.0, 7600.0])
    assert np.allclose(mel_to_hz(hz_to_mel(f)), f)


def test_filterbank_one_band_by_hand():
    # 1 band over 0..4000 Hz at 8 kHz, n_fft 8: bins 0, 1000, ..., 4000 Hz; the centre is at
    # mel_to_hz(mel(4000) / 2) = 1113.836 Hz, so the weights are 1000/1113.836,
    # (4000-2000)/(4000-1113.836), (4000-3000)/(4000-1113.836) and 0 at both ends
    bank = mel_filterbank(n_mels=1, n_fft=8, rate=8000, fmin=0.0, fmax=4000.0)
    assert bank.shape == (1, 5)
    assert np.allclose(bank[0], [0.0, 0.8977985, 0.6929612, 0.3464806, 0.0], atol=1e-6)


def test_filterbank_bands_peak_at_their_centres():
    bank = mel_filterbank()
    assert bank.shape == (N_MELS, 257) and bank.min() >= 0 and bank.max() <= 1
    peaks = bank.argmax(1)
    assert np.all(np.diff(peaks) >= 0)  # centres rise with the band index
    assert (bank.sum(1) > 0).all()  # no empty band at 80 bands / 512-point FFT


@pytest.mark.parametrize("rate", [8000, 22050, 44100, 48000, 16000])
def test_resampling_keeps_duration_and_pitch(rate):
    t = np.arange(rate) / rate  # 1 s
    x = np.sin(2 * np.pi * 440.0 * t)
    y = resample(x, rate)
    assert len(y) == RATE
    spectrum = np.abs(np.fft.rfft(y[2000:-2000] * np.hanning(len(y) - 4000)))
    peak_hz = spectrum.argmax() * RATE / (len(y) - 4000)
    assert abs(peak_hz - 440.0) < 2.0


def _tone_wav(path, rate, on_s, total_s=1.0, channels=1, level=0.3):
    n = int(total_s * rate)
    t = np.arange(n) / rate
    x = np.where(t >= on_s, level * np.sin(2 * np.pi * 1000.0 * t), 0.0) + 1e-3 * np.sin(t)
    x = np.repeat(x[:, None], channels, 1) if channels > 1 else x
    write_wav(path, (x * 32767).astype(np.int16), rate)


def test_tone_onset_lands_on_its_mel_frame(tmp_path):
    on = 0.503  # s
    _tone_wav(tmp_path / "tone.wav", 48000, on, channels=2)
    audio = load_audio(tmp_path / "tone.wav")
    assert audio.channels == 2 and audio.source_rate == 48000
    mel = log_mel(audio.samples)
    assert mel.shape == (len(audio.samples) // HOP + 1, N_MELS)
    energy = mel.max(1)  # (T,)
    half = (energy.max() + energy.min()) / 2
    onset = int(np.argmax(energy > half))
    # the frame whose 25 ms window is half filled with tone is the one centred on the onset
    assert abs(onset - int(frame_at(np.array([on]))[0])) <= 1
    assert abs(frame_times(onset + 1)[-1] - on) <= 0.011


def test_bad_wavs_are_one_line_errors_naming_the_file(tmp_path):
    nan = tmp_path / "nan.wav"
    x = np.zeros(16000, np.float32)
    x[10] = np.nan
    x[20:30] = 0.5
    write_wav(nan, x, 16000)
    silent = tmp_path / "silent.wav"
    write_wav(silent, np.zeros(16000, np.int16), 16000)
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00garbage")
    empty = tmp_path / "empty.wav"
    write_wav(empty, np.zeros(0, np.int16), 16000)
    for path, words in ((nan, "NaN"), (silent, "silence"), (corrupt, "cannot read"),
                        (empty, "no samples"), (tmp_path / "none.wav", "not found")):
        with pytest.raises(ArtimapError) as e:
            load_audio(path)
        assert str(path) in str(e.value) and words in str(e.value)
        assert "\n" not in str(e.value)


def test_clipped_wav_warns_and_records_the_share(tmp_path):
    path = tmp_path / "clip.wav"
    t = np.arange(16000) / 16000
    x = np.clip(3 * np.sin(2 * np.pi * 200 * t), -1, 1)
    write_wav(path, (x * 32767).astype(np.int16), 16000)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        audio = load_audio(path)
    assert any("clipped" in str(m.message) and str(path) in str(m.message) for m in w)
    assert audio.clipped > 0.5 and audio.record()["clipped"] == round(audio.clipped, 6)
