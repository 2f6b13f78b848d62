"""Articulatory trajectories from a phone sequence, by one of three coarticulation rules.

"dominance" (the default), Cohen & Massaro's model: for every parameter p and phone i with
target T_ip, centre c_i and dominance D_ip(t),

    x_p(t) = sum_i D_ip(t) T_ip / sum_i D_ip(t)
    D_ip(t) = a_ip exp(-theta_ip |t - c_i|^k)     theta_ip = before or after c_i, k = 1

"gaussian": the same normalised blend with Gaussian dominance functions, k = 2 and theta_ip
squared (each function falls to 1/e at the same distance 1/theta_ip from the centre as its
exponential twin, so the widths are comparable; the tails are lighter, the peaks flatter).

"tracking": no blend; a critically damped second-order system per parameter chases each
phone's target in turn (target approximation, see `tracking.py`).

The rule is recorded in corpus.json under COARTICULATION_FIELD; a corpus without the field was
made by "dominance". Whatever the rule, the jaw is then coupled in (a closing jaw narrows the
lip opening and lifts the tongue) and a small, slow drift that no phone explains is added to
the tongue, so the tongue is never a function of the phone labels alone.
"""

from __future__ import annotations

import numpy as np

from artimap.errors import ArtimapError
from artimap.synth.phones import PARAMS, phone_arrays
from artimap.synth.presets import COARTICULATIONS
from artimap.synth.sentences import Script
from artimap.synth.speaker import NEUTRAL, Speaker, smooth_noise
from artimap.synth.tracking import tracking_trajectory

COARTICULATION_FIELD = "coarticulation"  # its key in corpus.json
DOMINANCE_EXPONENT = 1.0  # k in the formula above
TOKEN_SD = 0.03  # per-token target variability
DRIFT_SD = 0.04  # slow tongue drift
_JAW, _AP = PARAMS.index("jaw"), PARAMS.index("lip_aperture")
_TONGUE = [i for i, p in enumerate(PARAMS) if p.startswith("tongue_")]
_LIFTED = [PARAMS.index("tongue_body_height"), PARAMS.index("tongue_tip_height")]


def sample_times(duration: float, fps: float, start: float = 0.0) -> np.ndarray:
    """(F,) times start + k / fps of the frames that fall in [start, duration)."""
    n = int(np.floor((duration - start) * fps - 1e-9)) + 1
    return start + np.arange(max(n, 0)) / fps


def dominance_blend(
    t: np.ndarray,
    centres: np.ndarray,
    targets: np.ndarray,
    a: np.ndarray,
    theta_before: np.ndarray,
    theta_after: np.ndarray,
    k: float = DOMINANCE_EXPONENT,
) -> np.ndarray:
    """Blend targets by dominance.

    t (T,) seconds; centres (P,); targets, a, theta_before, theta_after (P, N).
    Returns (T, N).
    """
    dt = (t[:, None] - centres[None, :]).astype(np.float32)  # (T, P)
    dist = np.abs(dt) if k == 1.0 else np.abs(dt) ** np.float32(k)
    before = (dt < 0)[:, :, None]  # t before the centre: anticipation
    theta = np.where(before, theta_before[None].astype(np.float32),
                     theta_after[None].astype(np.float32))  # (T, P, N)
    theta *= -dist[:, :, None]
    dom = np.exp(theta, out=theta)
    dom *= a[None].astype(np.float32)  # (T, P, N) dominance
    num = np.einsum("tpn,pn->tn", dom, targets.astype(np.float32))
    return (num / (dom.sum(axis=1) + 1e-30)).astype(np.float64)


def check_coarticulation(name: str, where: str = "--coarticulation") -> str:
    """`name` if it is a known coarticulation rule, else ArtimapError naming `where`."""
    if name not in COARTICULATIONS:
        raise ArtimapError(f"{where}: unknown coarticulation {name!r}; valid: "
                           f"{', '.join(COARTICULATIONS)}")
    return name


def corpus_coarticulation(meta: dict, where: str = "corpus.json") -> str:
    """The coarticulation rule a corpus.json content `meta` records ("dominance" if none)."""
    name = meta.get(COARTICULATION_FIELD, "dominance")
    return check_coarticulation(name, f"{where} field {COARTICULATION_FIELD!r}")


def token_targets(script: Script, speaker: Speaker, rng: np.random.Generator,
                  variability: float = 1.0):
    """Per-token targets (P, N) for this speaker, and the dominance arrays (P, N) each;
    `variability` scales TOKEN_SD (0: every token of a phone has the speaker's target)."""
    targets, a, before, after = phone_arrays(script.phones)
    targets = NEUTRAL + speaker.scale * (targets - NEUTRAL) + speaker.offset
    targets = targets + variability * TOKEN_SD * rng.standard_normal(targets.shape)
    closed = np.array([p in ("p", "b", "m") for p in script.phones])
    targets[closed, _AP] = 0.0  # a closure is a closure, whoever speaks
    return np.clip(targets, 0.0, 1.0), a, before, after


def couple_jaw(x: np.ndarray) -> np.ndarray:
    """Jaw coupling on (T, N) states: the lips open and the tongue drops with the jaw."""
    x = x.copy()
    jaw = x[:, _JAW]
    x[:, _AP] *= 0.7 + 0.6 * jaw
    x[:, _LIFTED] -= 0.25 * (jaw[:, None] - 0.35)
    return x


def coarticulate(
    coarticulation: str, t: np.ndarray, script: Script, targets: np.ndarray, a: np.ndarray,
    theta_before: np.ndarray, theta_after: np.ndarray,
) -> np.ndarray:
    """State (T, N) float64 at times t (T,) s by rule `coarticulation`, before jaw coupling;
    targets, a, theta_before, theta_after (P, N) per phone token of `script`."""
    if coarticulation == "dominance":
        return dominance_blend(t, script.centres, targets, a, theta_before, theta_after)
    if coarticulation == "gaussian":
        return dominance_blend(t, script.centres, targets, a, theta_before**2, theta_after**2,
                               k=2.0)  # fmt: skip
    check_coarticulation(coarticulation)
    closed = np.array([p in ("p", "b", "m") for p in script.phones])
    return tracking_trajectory(t, script.starts, targets, a, closed, _AP)


def articulate(
    script: Script, speaker: Speaker, rng: np.random.Generator, fps: float,
    variability: float = 1.0, coarticulation: str = "dominance",
) -> np.ndarray:
    """The articulatory state (T, N) float32 in [0, 1] at `fps`, T = frames in [0, duration).

    `variability` scales the per-token target variability and the tongue drift (0: a function
    of the phones and their timing alone, the phone2face oracle); the random draws are the same
    whatever it is, and whatever the `coarticulation` rule (COARTICULATIONS), so the other
    streams of an utterance do not change.
    """
    t = sample_times(script.duration, fps)
    targets, a, before, after = token_targets(script, speaker, rng, variability)
    x = coarticulate(coarticulation, t, script, targets, a, before, after)
    x = couple_jaw(x)
    x[:, _TONGUE] += variability * DRIFT_SD * smooth_noise(t, rng, len(_TONGUE), fmin=0.4, fmax=3.0)
    return np.clip(x, 0.0, 1.0).astype(np.float32)
