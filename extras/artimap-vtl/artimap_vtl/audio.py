"""VocalTractLab's aerodynamic-acoustic simulation -> the corpus's 16 kHz int16 speech."""

from __future__ import annotations

import numpy as np
import vocaltractlab_cython as vtl
from scipy.signal import resample_poly

from artimap_vtl.score import AUDIO_RATE_VTL, STATE_RATE, STATE_SAMPLES

PEAK = 0.7  # of full scale, after per-utterance peak normalisation


def speech(tract: np.ndarray, glottis: np.ndarray, duration: float, rate: int,
           start: float = 0.0) -> np.ndarray:
    """Mono samples (S,) int16 at `rate` Hz covering [0, duration) from VTL states (T, 19) and
    (T, 11): VTL synthesises at 44.1 kHz, then a polyphase resampler converts the rate.

    States before `start` s are not simulated (silence): VTL's acoustics is the slow part and
    the leading silence (which covers the ultrasound's first-frame delay) is about a third of
    a short utterance. Pass a start some tens of ms before the first sound.
    """
    first = int(np.clip(np.floor(start * STATE_RATE), 0, max(len(tract) - 2, 0)))
    voiced = vtl.synth_block(np.ascontiguousarray(tract[first:]),
                             np.ascontiguousarray(glottis[first:]), STATE_SAMPLES)  # fmt: skip
    wave = np.concatenate([np.zeros(first * STATE_SAMPLES), voiced])
    g = np.gcd(rate, AUDIO_RATE_VTL)
    out = resample_poly(wave, rate // g, AUDIO_RATE_VTL // g)
    n = int(round(duration * rate))
    out = np.pad(out[:n], (0, max(0, n - len(out))))
    peak = float(np.max(np.abs(out))) if len(out) else 0.0
    if peak > 0:
        out = out * (PEAK / peak)
    return np.clip(np.round(out * 32767), -32768, 32767).astype(np.int16)


def silence(duration: float, rate: int) -> np.ndarray:
    """(S,) int16 zeros, for a corpus made without audio."""
    return np.zeros(int(round(duration * rate)), dtype=np.int16)
