"""Coarticulation by target tracking: a critically damped second-order system per parameter.

The target-approximation idea (Xu & Prom-on's qTA, Birkholz's VocalTractLab): each phone token
holds a target for every articulatory parameter from its onset to its offset, and the
articulator chases the current target without ever blending two of them:

    x''(t) = -2/tau x'(t) - (x(t) - g(t)) / tau^2        g(t) piecewise constant

Coarticulation comes only from the articulator's inertia: it starts a phone where the previous
one left it, with its velocity. Choices (stated, not measured on anyone):

- tau per phone and parameter from the same dominance magnitudes `a` the blend uses:
  tau = clip(TAU_REF / sqrt(a), TAU_MIN, TAU_MAX), so a constriction the phone controls is
  reached fast (bilabial aperture a = 12: 7 ms) and a parameter it barely cares about drifts
  slowly towards its target (a = 0.15: 65 ms), leaving the neighbouring vowels' posture.
- Bilabials aim CLOSURE_OVERSHOOT past closure (lip aperture -0.3, the lips pressing on each
  other); the talker clips the state to [0, 1], so the lips close and stay closed.
- Rounding is anticipated: a phone that controls lip protrusion or spreading (dominance
  magnitude a >= CONTROLS there: vowels, /S Z w H/) after phones that do not (consonants,
  silence) switches its target for those two parameters up to ROUNDING_LEAD s before its
  onset, so the lips start rounding (or spreading) during the preceding consonants; other
  parameters and other phones switch at the onset.
- The state starts at rest on the first phone's target.

Between two target switches the system has an exact solution, so the trajectory is exact at
any sampling rate: with e = x - g, e0 and v0 at the segment start s,

    e(t) = (e0 + (v0 + e0/tau) (t - s)) exp(-(t - s)/tau)
    v(t) = (v0 - (v0 + e0/tau) (t - s)/tau) exp(-(t - s)/tau)
"""

from __future__ import annotations

import numpy as np

from artimap.synth.phones import PARAMS

TAU_REF = 0.025  # s, time constant of a parameter with dominance magnitude a = 1
TAU_MIN, TAU_MAX = 0.006, 0.065  # s
CLOSURE_OVERSHOOT = 0.3  # bilabials aim this far past lip closure
ROUNDING_LEAD = 0.1  # s, how early a rounding/spreading target may take over
CONTROLS = 1.0  # dominance magnitude from which a phone controls a rounding parameter
ROUNDING = (PARAMS.index("lip_protrusion"), PARAMS.index("lip_spreading"))


def time_constants(a: np.ndarray) -> np.ndarray:
    """(P, N) time constants in seconds from dominance magnitudes a (P, N)."""
    return np.clip(TAU_REF / np.sqrt(a), TAU_MIN, TAU_MAX)


def switch_times(starts: np.ndarray, a: np.ndarray) -> np.ndarray:
    """(P, N) time each phone's target takes over, from phone onsets starts (P,) and dominance
    magnitudes a (P, N): the onset, except for the rounding parameters, where a phone that
    controls them (a >= CONTROLS) after one that does not takes over ROUNDING_LEAD s early,
    within the run of phones since the last controlling one (which it shortens or skips)."""
    starts = np.asarray(starts, np.float64)
    switch = np.repeat(starts[:, None], a.shape[1], axis=1)  # (P, N)
    for n in ROUNDING:
        ctrl = a[:, n] >= CONTROLS
        ctrl_end = np.where(ctrl[:-1], starts[1:], 0.0)  # (P - 1,) end of each controlling phone
        floor = np.concatenate([[0.0], np.maximum.accumulate(ctrl_end)])  # (P,) last one's end
        onset = ctrl & ~np.concatenate([[True], ctrl[:-1]])
        col = np.where(onset, np.maximum(starts - ROUNDING_LEAD, floor), starts)
        switch[:, n] = np.minimum.accumulate(col[::-1])[::-1]  # skipped phones: zero length
    return switch


def _step(e0, v0, tau, dt):
    """Exact state (e, v) after dt seconds of a critically damped system from (e0, v0)."""
    b = v0 + e0 / tau
    decay = np.exp(-dt / tau)
    return (e0 + b * dt) * decay, (v0 - b * dt / tau) * decay


def boundary_states(switch: np.ndarray, targets: np.ndarray,
                    tau: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position and velocity (P, N) each at every switch time, from rest on targets[0]."""
    x = np.empty_like(targets, dtype=np.float64)
    v = np.zeros_like(x)
    x[0] = targets[0]
    for i in range(1, len(targets)):  # P steps of (N,) arithmetic
        e, v[i] = _step(x[i - 1] - targets[i - 1], v[i - 1], tau[i - 1], switch[i] - switch[i - 1])
        x[i] = e + targets[i - 1]
    return x, v


def track_targets(t: np.ndarray, switch: np.ndarray, targets: np.ndarray,
                  tau: np.ndarray) -> np.ndarray:
    """Trajectories (T, N) at times t (T,) s of the system chasing `targets` (P, N), each from
    its switch time (P, N) (non-decreasing per column) to the next, with time constants tau
    (P, N). Times before the first switch are treated as in the first segment."""
    x_b, v_b = boundary_states(switch, targets, tau)
    seg = np.empty((len(t), targets.shape[1]), dtype=np.intp)  # (T, N) active segment
    for n in range(targets.shape[1]):
        seg[:, n] = np.searchsorted(switch[:, n], t, side="right") - 1
    seg = np.maximum(seg, 0)
    cols = np.arange(targets.shape[1])[None, :]
    dt = np.maximum(t[:, None] - switch[seg, cols], 0.0)  # (T, N) time into the segment
    goal = targets[seg, cols]
    e, _ = _step(x_b[seg, cols] - goal, v_b[seg, cols], tau[seg, cols], dt)
    return e + goal


def tracking_trajectory(t: np.ndarray, starts: np.ndarray, targets: np.ndarray, a: np.ndarray,
                        closed: np.ndarray, ap: int) -> np.ndarray:
    """The tracking talker's state (T, N) at times t (T,) s, before jaw coupling.

    starts (P,) phone onsets; targets, a (P, N) per token; closed (P,) bool bilabial tokens,
    whose parameter `ap` (lip aperture) aims CLOSURE_OVERSHOOT past closure.
    """
    targets = np.array(targets, dtype=np.float64)
    targets[closed, ap] = -CLOSURE_OVERSHOOT
    switch = switch_times(starts, a)
    return track_targets(t, switch, targets, time_constants(a))
