"""Audio renderer: a buzz while voiced, a hiss on voiceless fricatives, silence elsewhere.

Not speech, but it fills the audio channel of the file set with sound whose timing matches
the alignment (a harmonic buzz at the speaker's pitch with a slow intonation drift).
"""

from __future__ import annotations

import numpy as np

from artimap.synth.phones import PHONES, VOICELESS
from artimap.synth.sentences import Script
from artimap.synth.speaker import Speaker, smooth_noise

# manner -> (buzz level, hiss level)
_LEVELS: dict[str, tuple[float, float]] = {
    "vowel": (1.0, 0.0), "nasal_vowel": (0.8, 0.0), "nasal": (0.5, 0.0), "liquid": (0.6, 0.0),
    "glide": (0.7, 0.0), "plosive": (0.15, 0.1), "fricative": (0.3, 0.35), "silence": (0.0, 0.0),
}  # fmt: skip
RAMP_S = 0.01  # onset/offset smoothing


def _levels(script: Script) -> tuple[np.ndarray, np.ndarray]:
    """(P,) buzz and hiss levels per phone."""
    rows = []
    for p in script.phones:
        buzz, hiss = _LEVELS[PHONES[p][1]]
        rows.append((0.0 if p in VOICELESS else buzz, hiss if p in VOICELESS else 0.3 * hiss))
    return np.array(rows).T


def _smooth(x: np.ndarray, n: int) -> np.ndarray:
    """Moving average over n samples (same length), via a cumulative sum."""
    c = np.concatenate([[0.0], np.cumsum(x)])
    lo = np.clip(np.arange(len(x)) - n // 2, 0, len(x))
    hi = np.clip(lo + n, 0, len(x))
    return (c[hi] - c[lo]) / np.maximum(hi - lo, 1)


def render_audio(script: Script, sp: Speaker, rate: int, rng: np.random.Generator) -> np.ndarray:
    """Mono samples (S,) int16 at `rate` Hz covering [0, duration)."""
    n = int(round(script.duration * rate))
    t = np.arange(n) / rate
    phone = np.clip(np.searchsorted(script.ends, t, side="right"), 0, len(script.phones) - 1)
    buzz_lv, hiss_lv = _levels(script)
    ramp = max(int(RAMP_S * rate), 1)
    buzz_env = _smooth(buzz_lv[phone], ramp)
    hiss_env = _smooth(hiss_lv[phone], ramp)
    f0 = sp.f0 * (1.0 + 0.06 * smooth_noise(t[::160], rng, 1, 0.3, 2.0)[:, 0])
    f0 = np.interp(t, t[::160], f0) * (1.0 - 0.08 * t / max(script.duration, 1e-9))
    phase = 2.0 * np.pi * np.cumsum(f0) / rate
    buzz = sum(np.sin(k * phase) / k for k in range(1, 5))
    hiss = rng.standard_normal(n)
    signal = 0.2 * (buzz_env * buzz + hiss_env * hiss)
    return np.clip(np.round(signal * 32767), -32768, 32767).astype(np.int16)
