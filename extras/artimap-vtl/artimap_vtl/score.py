"""Phones -> VocalTractLab gestural score -> tract and glottis parameter trajectories.

VTL's segment-to-gestural-score rules turn the segment sequence (names from `phonemap`, the
aligner's durations) into a gestural score (vowel, lip, tongue-tip, tongue-body, velic,
glottal, F0 and lung-pressure tiers); VTL's target-approximation model turns the score into 19
tract and 11 glottis parameters per state, one state every `STATE_SAMPLES` audio samples
(about 400 Hz). Per-token variability is added afterwards (`jitter_tract`): each vowel token
draws an offset of the tongue-body, tongue-root, jaw and lip-protrusion targets, held from that
vowel's start to the next vowel's, and approached with a third-order critically damped
response like VTL's own target approximation. Lip distance and the tongue tip are left alone,
so closures stay closures. Without jitter the trajectory is the oracle.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import vocaltractlab_cython as vtl
from scipy.signal import lfilter, lfilter_zi
from vocaltractlab_cython.exceptions import VtlApiError

from artimap.errors import ArtimapError
from artimap_vtl.phonemap import VTL_VOWELS, to_segments

_CONST = vtl.get_constants()
AUDIO_RATE_VTL = int(_CONST["sr_audio"])  # 44100
STATE_SAMPLES = int(_CONST["n_samples_per_state"])  # 110 audio samples per state
STATE_RATE = AUDIO_RATE_VTL / STATE_SAMPLES  # ~400.9 states per second
_INFO = vtl.get_param_info("tract")
TRACT_PARAMS: tuple[str, ...] = tuple(d["name"] for d in _INFO)  # the 19 tract parameters
TRACT_MIN = np.array([d["min"] for d in _INFO], dtype=np.float64)
TRACT_MAX = np.array([d["max"] for d in _INFO], dtype=np.float64)
GLOTTIS_PARAMS: tuple[str, ...] = tuple(d["name"] for d in vtl.get_param_info("glottis"))
JITTERED = ("JA", "LP", "TCX", "TCY", "TBX", "TBY", "TRX", "TRY")
JITTER_SD = 0.03  # per-token target offset, as a fraction of each parameter's range
JITTER_TAU = 0.012  # s, VTL's time constant for vowel gestures
MAX_DURATION_ERROR = 0.01  # s between the score's length and the alignment's


class UnrealisableError(ArtimapError):
    """VocalTractLab cannot turn a phone sequence into a gestural score that matches it."""


@dataclass
class Score:
    """One utterance's gestural score and its trajectories. T states at STATE_RATE."""

    segments: list[str]  # VTL segment per phone ('' for silence)
    gestures: str  # the gestural score file's text (VTL's XML)
    tract: np.ndarray  # (T, 19) float64, without jitter (the oracle)
    glottis: np.ndarray  # (T, 11) float64


def _segment_file(segments: list[str], durations: np.ndarray) -> str:
    return "".join(f"name = {s}; duration_s = {d:.6f};\n" for s, d in zip(segments, durations))


def read_tract_sequence(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """A VTL tract sequence file -> glottis (T, 11), tract (T, 19) float64."""
    lines = [ln for ln in Path(path).read_text().splitlines() if ln and not ln.startswith("#")]
    n = int(lines[1])  # lines[0] names the glottis model
    rows = [np.array(ln.split(), dtype=np.float64) for ln in lines[2 : 2 + 2 * n]]
    return np.array(rows[0::2]).reshape(n, -1), np.array(rows[1::2]).reshape(n, -1)


def _check_realisable(uid: str, segments: list[str], duration: float, tract: np.ndarray):
    """UnrealisableError when the score does not carry the sequence."""
    if not any(s in VTL_VOWELS for s in segments):
        raise UnrealisableError(
            f"utterance {uid}: VocalTractLab cannot realise a phone sequence without a vowel "
            f"({' '.join(s or '_' for s in segments)}): its consonant gestures ride on vowel "
            "gestures; add a vowel")
    length = len(tract) / STATE_RATE
    if abs(length - duration) > MAX_DURATION_ERROR or not np.isfinite(tract).all():
        raise UnrealisableError(
            f"utterance {uid}: VocalTractLab's gestural score lasts {length:.3f} s, the phones "
            f"{duration:.3f} s (VTL needs at least ~0.6 s and finite targets); lengthen or "
            "change the phone sequence")


def gestural_score(uid: str, phones: list[str], durations: np.ndarray) -> Score:
    """The gestural score and oracle trajectories of a phone sequence with durations (P,) s."""
    segments = to_segments(phones)
    if not any(s in VTL_VOWELS for s in segments):
        _check_realisable(uid, segments, float(np.sum(durations)), np.zeros((0, 19)))
    with tempfile.TemporaryDirectory(prefix="artimap-vtl-") as d:
        seg, ges, tract_file = (str(Path(d) / n) for n in ("u.seg", "u.ges", "u.tract"))
        Path(seg).write_text(_segment_file(segments, durations))
        try:
            vtl.phoneme_file_to_gesture_file(seg, ges)
            vtl.gesture_file_to_motor_file(ges, tract_file)
        except VtlApiError as e:
            raise UnrealisableError(f"utterance {uid}: VocalTractLab failed on the phone "
                                    f"sequence ({str(e).splitlines()[0]})") from e
        glottis, tract = read_tract_sequence(tract_file)
        gestures = Path(ges).read_text()
    _check_realisable(uid, segments, float(np.sum(durations)), tract)
    return Score(segments, gestures, tract, glottis)


def _vowel_steps(segments: list[str], starts: np.ndarray, n: int) -> np.ndarray:
    """(T,) index of the vowel token whose domain holds each state (its start to the next
    vowel's start; before the first vowel, the first)."""
    vowel_starts = np.array([s for s, g in zip(starts, segments) if g in VTL_VOWELS])
    t = np.arange(n) / STATE_RATE
    return np.clip(np.searchsorted(vowel_starts, t, side="right") - 1, 0, len(vowel_starts) - 1)


def _approach(x: np.ndarray, tau: float) -> np.ndarray:
    """Third-order critically damped response of steps x (T, J) at STATE_RATE."""
    a = np.exp(-1.0 / (tau * STATE_RATE))
    b, den = [1.0 - a], [1.0, -a]
    for _ in range(3):
        x = lfilter(b, den, x, axis=0, zi=lfilter_zi(b, den)[:, None] * x[:1])[0]
    return x


def jitter_tract(score: Score, starts: np.ndarray, rng: np.random.Generator,
                 sd: float = JITTER_SD) -> np.ndarray:
    """(T, 19) trajectory with per-vowel-token target offsets (module doc); sd=0 -> oracle."""
    cols = [TRACT_PARAMS.index(p) for p in JITTERED]
    n_vowels = sum(s in VTL_VOWELS for s in score.segments)
    span = (TRACT_MAX - TRACT_MIN)[cols]
    offsets = rng.normal(0.0, 1.0, (n_vowels, len(cols))) * sd * span  # (V, J)
    steps = offsets[_vowel_steps(score.segments, starts, len(score.tract))]  # (T, J)
    out = score.tract.copy()
    out[:, cols] += _approach(steps, JITTER_TAU)
    return np.clip(out, TRACT_MIN, TRACT_MAX)
