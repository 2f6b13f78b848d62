"""Log-mel features: 80 triangular bands on the HTK mel scale, 25 ms windows every 10 ms.

    mel(f) = 2595 log10(1 + f / 700)          (HTK; mel(1000 Hz) = 1000)

Band m (0..M-1) is a triangle in Hz over the FFT bin frequencies, rising from the edge point
m to the centre m + 1 and falling to m + 2, the M + 2 edge points evenly spaced in mel from
`fmin` to `fmax`; peak 1 (no area normalisation). Frame t is centred on sample t * HOP (the
signal is reflect-padded by half a window at both ends), so its time is t * HOP / RATE s.
"""

from __future__ import annotations

import numpy as np
import torch

RATE = 16000  # Hz, the rate every wav is resampled to
HOP = 160  # samples: 10 ms
WIN = 400  # samples: a 25 ms Hann window
N_FFT = 512  # FFT size (the window zero-padded)
N_MELS = 80  # bands
FMIN, FMAX = 20.0, 7600.0  # Hz, the band edges' range
LOG_FLOOR = 1e-6  # power floor before the log: silence gives log(1e-6), not -inf


def hz_to_mel(hz: np.ndarray | float) -> np.ndarray:
    """HTK mel of frequencies in Hz (any shape)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray | float) -> np.ndarray:
    """Inverse of `hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, np.float64) / 2595.0) - 1.0)


def mel_filterbank(n_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = RATE,
                   fmin: float = FMIN, fmax: float = FMAX) -> np.ndarray:
    """Triangular HTK-mel filters (module doc): (M, n_fft // 2 + 1) float64."""
    if not 0 <= fmin < fmax <= rate / 2:
        raise ValueError(f"need 0 <= fmin < fmax <= rate/2, got {fmin}, {fmax}, {rate}")
    edges = mel_to_hz(np.linspace(hz_to_mel(fmin), hz_to_mel(fmax), n_mels + 2))  # (M+2,)
    bins = np.arange(n_fft // 2 + 1) * rate / n_fft  # (n_fft/2+1,) Hz
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]  # (M, 1) each
    rising = (bins[None] - lo) / (mid - lo)
    falling = (hi - bins[None]) / (hi - mid)
    return np.clip(np.minimum(rising, falling), 0.0, None)


_BANK: dict[tuple, torch.Tensor] = {}  # filterbanks already built, per settings


def filterbank_tensor(n_mels: int) -> torch.Tensor:
    """The filterbank of `n_mels` bands as a float64 tensor (M, n_fft // 2 + 1), built once."""
    key = (n_mels, N_FFT, RATE)
    if key not in _BANK:
        _BANK[key] = torch.from_numpy(mel_filterbank(n_mels))
    return _BANK[key]


def power_to_log_mel(power: torch.Tensor, n_mels: int) -> torch.Tensor:
    """Power spectra (n_fft/2+1, T) float32 -> log-mel (T, M) float32. The band sums run in
    float64 and are rounded once: a frame's numbers then do not depend on how many frames are
    computed together (float32 BLAS blocking does), so streamed frames equal offline ones."""
    mel = (filterbank_tensor(n_mels) @ power.double()).float()  # (M, T)
    return torch.log(mel.clamp(min=LOG_FLOOR)).T  # (T, M)


def log_mel(samples: np.ndarray, n_mels: int = N_MELS) -> np.ndarray:
    """Natural-log mel power of 16 kHz mono samples (S,) float: (T, M) float32 with
    T = S // HOP + 1 frames, frame t at t * HOP / RATE s (module doc)."""
    x = torch.as_tensor(np.asarray(samples, np.float32))
    if len(x) < WIN:  # reflect padding needs more than half a window of signal
        x = torch.nn.functional.pad(x, (0, WIN - len(x)))
    spec = torch.stft(x, N_FFT, HOP, WIN, torch.hann_window(WIN), center=True,
                      pad_mode="reflect", return_complex=True)  # (n_fft/2+1, T)
    out = power_to_log_mel(spec.abs() ** 2, n_mels)  # (T, M)
    return out[: len(samples) // HOP + 1].numpy().astype(np.float32)


def frame_times(n_frames: int) -> np.ndarray:
    """Times (T,) float64 s of mel frames 0..T-1 on the audio clock."""
    return np.arange(n_frames, dtype=np.float64) * HOP / RATE


def frame_at(times: np.ndarray) -> np.ndarray:
    """The mel frame nearest to each time (F,) s on the audio clock: (F,) int64 (not clipped)."""
    return np.floor(np.asarray(times, np.float64) * RATE / HOP + 0.5).astype(np.int64)
