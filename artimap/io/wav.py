"""Audio as wav through scipy: samples (T,) mono or (T, C) multichannel."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.io import wavfile

from artimap.errors import file_error
from artimap.fsutil import atomic_path


def write_wav(path: str | Path, samples: np.ndarray, rate: int) -> None:
    """Write samples (T,) or (T, C) at `rate` Hz, atomically.

    The dtype picks the encoding: int16 is 16-bit PCM, float32 is 32-bit float, and so on;
    float64 is stored as float32 (values expected in [-1, 1]).
    """
    samples = np.asarray(samples)
    if samples.ndim not in (1, 2):
        raise ValueError(f"write_wav needs (T,) or (T, C) samples, got {samples.shape}")
    if samples.dtype == np.float64:
        samples = samples.astype(np.float32)
    if int(rate) <= 0:
        raise ValueError(f"rate must be positive, got {rate}")
    with atomic_path(path) as tmp:
        wavfile.write(tmp, int(rate), samples)


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a wav file: (samples (T,) or (T, C) in the file's dtype, rate in Hz)."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "audio file not found", "Check the path")
    try:
        rate, samples = wavfile.read(path)
    except Exception as e:  # scipy raises many kinds on damaged headers (struct, zero rates...)
        raise file_error(path, f"cannot read as wav ({type(e).__name__}: {e})",
                         "Convert it to PCM wav") from e
    return samples, int(rate)


def wav_length(path: str | Path) -> tuple[int, int]:
    """(number of samples T, rate in Hz) of a wav file, from its header: the samples are
    memory-mapped, never read. Encodings numpy cannot map (24-bit PCM) are read in full."""
    path = Path(path)
    if not path.is_file():
        raise file_error(path, "audio file not found", "Check the path")
    try:
        rate, samples = wavfile.read(path, mmap=True)
        n = len(samples)
    except Exception:  # unmappable or damaged: the full read keeps read_wav's messages
        samples, rate = read_wav(path)
        n = len(samples)
    del samples  # releases the map
    return n, int(rate)
