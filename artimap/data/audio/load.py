"""A wav file -> checked 16 kHz mono samples, the one way every audio task reads audio.

Any rate is resampled to `mel.RATE` with a polyphase filter (`scipy.signal.resample_poly`,
up/down reduced by their gcd); several channels are averaged to one (the count is kept in
`Audio.channels` and the manifest). Integer PCM is scaled to [-1, 1).

Bad input is one line naming the file: unreadable or damaged wav (from `artimap.io.wav`), no
samples, NaN or infinite samples, silence only. Clipping is not fatal (the tongue still moves):
more than CLIP_WARN of the samples at full scale is a warning, and the share is recorded.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

from artimap.data.audio.mel import RATE
from artimap.errors import file_error
from artimap.io.wav import read_wav

SILENCE = 1e-4  # peak below this (about -80 dB full scale) is silence
FULL_SCALE = 0.999  # |sample| at or above this counts as clipped
CLIP_WARN = 0.001  # warn when more than this share of the samples is clipped


@dataclass
class Audio:
    """One wav, checked and resampled."""

    samples: np.ndarray  # (S,) float32 mono at `mel.RATE`
    source_rate: int  # Hz of the file
    channels: int  # channels of the file (averaged to mono)
    duration_s: float  # length of the file in seconds
    clipped: float  # share of the file's samples at full scale

    def record(self) -> dict:
        """Plain values for a manifest entry."""
        return {"source_rate": self.source_rate, "channels": self.channels,
                "mono": "mean of the channels" if self.channels > 1 else "as recorded",
                "duration_s": round(self.duration_s, 6), "clipped": round(self.clipped, 6)}


def to_float(samples: np.ndarray) -> np.ndarray:
    """PCM or float samples (S,) or (S, C) -> float64 on the [-1, 1) scale."""
    x = np.asarray(samples)
    if x.dtype == np.uint8:
        return (x.astype(np.float64) - 128.0) / 128.0
    if x.dtype.kind == "i":
        return x.astype(np.float64) / float(2 ** (8 * x.dtype.itemsize - 1))
    return x.astype(np.float64)


def resample(x: np.ndarray, rate: int, to: int = RATE) -> np.ndarray:
    """Samples (S,) at `rate` Hz -> (round(S * to / rate),) float64 at `to` Hz."""
    if rate == to:
        return np.asarray(x, np.float64)
    g = gcd(int(rate), int(to))
    return resample_poly(np.asarray(x, np.float64), to // g, rate // g)


def check_samples(path: Path, x: np.ndarray) -> float:
    """Refuse empty, non-finite and silent audio x (S, C) float; returns the clipped share."""
    if x.size == 0:
        raise file_error(path, "the wav holds no samples", "Re-export the recording")
    bad = int((~np.isfinite(x)).sum())
    if bad:
        raise file_error(path, f"{bad} samples are NaN or infinite",
                         "Re-export the audio as PCM wav")
    peak = float(np.abs(x).max())
    if peak < SILENCE:
        raise file_error(path, f"silence only (peak {peak:.2g} of full scale)",
                         "Check the recording's audio channel, or leave the file out")
    clipped = float((np.abs(x) >= FULL_SCALE).mean())
    if clipped > CLIP_WARN:
        warnings.warn(f"{path}: {100 * clipped:.2f} % of the samples are clipped at full scale; "
                      "the features will be distorted there (re-record at a lower gain if you "
                      "can)", stacklevel=3)
    return clipped


def load_audio(path: str | Path) -> Audio:
    """Read, check and resample the wav at `path` (module doc)."""
    path = Path(path)
    raw, rate = read_wav(path)
    x = to_float(raw)
    x = x[:, None] if x.ndim == 1 else x  # (S, C)
    clipped = check_samples(path, x)
    mono = x.mean(1)  # (S,)
    out = resample(mono, rate).astype(np.float32)
    return Audio(out, int(rate), x.shape[1], len(x) / float(rate), clipped)
