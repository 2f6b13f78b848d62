"""Ultrasound renderer: midsagittal B-mode frames in raw scanline form (F, NV, PPV) uint8.

Along each scanline, depth-ordered from the probe: a bright near-field band, the tongue body
(grey speckle), the surface echo (bright, strongest where the surface faces the beam), then
the air beyond it (dark, with a faint reverberation). Speckle is multiplicative and
Rayleigh-distributed; a depth gain attenuates far samples; the hyoid (root side) and the
mandible (tip side) shadow the edge scanlines beyond the bone; every few seconds the probe
loses contact on a block of scanlines for some frames.

Tongue geometry: `artimap.ultrasound.geometry.ProbeGeometry` of the recording's parameters.
The probe's virtual origin sits under the chin; a direction is the angle phi from the fan's
axis, positive towards the tongue tip (towards higher scanlines); a point at radius r mm lies at
x_mm = r sin(phi) (towards the tip), y_mm = r cos(phi) (away from the probe: downward in the
fan image with the probe on top).

The surface is a radius profile r(phi): a dome whose hump moves up with tongue-body height and
forward with tongue-body front, a blade bump raised by the tip, a root segment moved by root
advancement. It runs from the root (phi = ROOT_PHI) to the tip, whose angle grows when the
tongue is fronted or the tip raised.
"""

from __future__ import annotations

import cv2
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from artimap.io.ult import UltParams
from artimap.synth.phones import PARAMS
from artimap.synth.presets import Preset
from artimap.synth.speaker import Speaker, gaps, smooth_noise
from artimap.ultrasound.geometry import ProbeGeometry

LEVELS = 8  # quantised surface-echo strengths
_JAW = PARAMS.index("jaw")
ROOT_PHI = -0.60  # radians: the posterior end of the visible surface
_H, _F, _T, _R = (PARAMS.index(p) for p in ("tongue_body_height", "tongue_body_front",
                                            "tongue_tip_height", "tongue_root_advance"))


def tip_angle(state: np.ndarray) -> np.ndarray:
    """(F,) angle of the tongue tip for states (F, N)."""
    return 0.40 + 0.12 * state[:, _F] + 0.12 * state[:, _T]


def tongue_radius(state: np.ndarray, phi: np.ndarray, sp: Speaker) -> np.ndarray:
    """Surface radius in mm along directions phi, (S,) or (F, S), for states (F, N) -> (F, S)."""
    s = state.astype(np.float64)
    h, f, t, r = (s[:, i : i + 1] for i in (_H, _F, _T, _R))  # (F, 1) each
    p = np.broadcast_to(phi, (len(s), np.shape(phi)[-1])) - sp.probe_tilt  # (F, S)
    hump = -0.35 + 0.6 * f  # angle of the dorsum's highest point
    radius = (sp.tongue_radius - 9.0 * (p / 0.8) ** 2
              + 16.0 * (h - 0.4) * np.exp(-(((p - hump) / 0.45) ** 2))
              + 7.0 * (t - 0.4) * np.exp(-(((p - 0.45) / 0.13) ** 2))
              - 8.0 * (r - 0.5) * np.exp(-(((p + 0.55) / 0.16) ** 2)))  # fmt: skip
    return radius


def contour_points(state: np.ndarray, sp: Speaker, k: int) -> tuple[np.ndarray, np.ndarray]:
    """K surface points from root to tip per frame: (phi (F, K) radians, r (F, K) mm)."""
    frac = np.linspace(0.0, 1.0, k)
    phi = ROOT_PHI + (tip_angle(state)[:, None] - ROOT_PHI) * frac  # (F, K)
    return phi, tongue_radius(state, phi, sp)


def ult_params(preset: Preset, sp: Speaker) -> UltParams:
    """AAA parameters of this preset's ultrasound for speaker `sp`."""
    return UltParams(
        num_vectors=preset.ult_vectors, pix_per_vector=preset.ult_samples,
        zero_offset=preset.zero_offset, bits_per_pixel=8, angle=preset.ult_angle, kind=1,
        pixels_per_mm=preset.pixels_per_mm, frames_per_sec=sp.ult_fps,
        time_first_frame=sp.ult_first_frame,
    )  # fmt: skip


def _templates(ppv: int, ppm: float) -> np.ndarray:
    """(LEVELS, 2 PPV) intensity around the surface, indexed by depth - surface + PPV."""
    d = (np.arange(2 * ppv) - ppv) / ppm  # mm beyond the surface
    inside = np.where(d < 0, 0.30, 0.05)
    reverb = 0.12 * np.exp(-(((d - 7.0) / 1.2) ** 2))  # a faint copy of the echo beyond it
    echo = np.exp(-(((d + 0.4) / 0.9) ** 2))  # (2 PPV,)
    strength = np.linspace(0.15, 1.0, LEVELS)[:, None]
    return (inside + strength * (reverb + 1.6 * echo)).astype(np.float32)


def _depth_gain(d: np.ndarray) -> np.ndarray:
    """(PPV,) gain at depth d mm below the first sample: attenuation, a bright near field and
    two faint fascia layers of the floor of the mouth."""
    layers = 0.9 * np.exp(-(((d - 6.0) / 0.6) ** 2)) + 0.6 * np.exp(-(((d - 13.0) / 0.8) ** 2))
    return (np.exp(-0.012 * d) + 0.8 * np.exp(-d / 1.5) + layers).astype(np.float32)


def _speckle(rng: np.random.Generator, n: int, nv: int, ppv: int, ppm: float) -> np.ndarray:
    """(n, NV, PPV) float32 Rayleigh speckle banks with unit mean square; speckle cells are
    about 1 mm long along the beam and one scanline wide."""
    z = rng.standard_normal((2, n, nv, ppv)).astype(np.float32)
    along = max(0.4 * ppm, 0.6)  # samples
    for i in range(2):
        for b in range(n):
            z[i, b] = cv2.GaussianBlur(z[i, b], (0, 0), sigmaX=along, sigmaY=0.5)
    amp = np.sqrt(z[0] ** 2 + z[1] ** 2)
    return amp / np.sqrt((amp**2).mean())


def _echo_level(phi: np.ndarray, radius: np.ndarray, visible: np.ndarray) -> np.ndarray:
    """(F, NV) int surface-echo strength: strong where the surface faces the beam, none on the
    scanlines where `visible` (F, NV) is False (past the tip)."""
    slope = np.gradient(radius, phi, axis=1) / radius  # tan(incidence)
    strength = 1.0 / (1.0 + (2.0 * slope) ** 2)
    strength = np.where(visible, strength, 0.0)
    return np.clip(np.round(strength * (LEVELS - 1)), 0, LEVELS - 1).astype(np.intp)


def _shadows(jaw, times, phi, prm: UltParams, rng) -> tuple[np.ndarray, np.ndarray]:
    """Edge shadows and dropouts for jaw opening (F,) in [0, 1]: strength (F, NV) and the depth
    gate (PPV,) of the bones."""
    jaw = np.asarray(jaw, dtype=np.float64)
    wobble = 0.02 * smooth_noise(times, rng, 2, 0.1, 1.0)  # (F, 2)
    hyoid = -0.68 + wobble[:, :1]  # edge angles (F, 1)
    mandible = 0.62 - 0.08 * jaw[:, None] + wobble[:, 1:]
    strength = 0.9 / (1 + np.exp((phi - hyoid) / 0.03))
    strength += 0.9 / (1 + np.exp((mandible - phi) / 0.03))  # (F, NV)
    lost = gaps(rng, len(times), 1, rate=3.0, max_len=25)[:, 0]  # probe-contact dropouts
    side = rng.random(len(times)) < 0.5
    block = np.where(side[:, None], phi[None] < -0.2, phi[None] > 0.2)
    strength = np.maximum(strength, 0.8 * (lost[:, None] & block))
    depth_mm = (prm.zero_offset + np.arange(prm.pix_per_vector)) / prm.pixels_per_mm
    gate = (1.0 / (1.0 + np.exp(-(depth_mm - 32.0) / 2.0))).astype(np.float32)  # bones 32 mm deep
    return strength.astype(np.float32), gate


def render_ultrasound(
    state: np.ndarray, times: np.ndarray, sp: Speaker, prm: UltParams, rng: np.random.Generator
) -> np.ndarray:
    """Raw frames (F, NV, PPV) uint8 for articulatory states (F, N) at frame times (F,) s."""
    phi = ProbeGeometry.from_params(prm).theta(np.arange(prm.num_vectors))  # (NV,) directions
    radius = tongue_radius(state, phi, sp)  # (F, NV) mm
    visible = phi[None] <= tip_angle(state)[:, None] + sp.probe_tilt  # (F, NV) echo up to the tip
    return render_scanlines(radius, visible, state[:, _JAW], times, prm, rng)


def render_scanlines(
    radius: np.ndarray, visible: np.ndarray, jaw: np.ndarray, times: np.ndarray, prm: UltParams,
    rng: np.random.Generator,
) -> np.ndarray:
    """Raw frames (F, NV, PPV) uint8 from the tongue surface's depth along each scanline.

    radius (F, NV): distance in mm from the probe's virtual origin to the surface along each
    scanline (finite everywhere; past the tip it only sets where the tissue ends); visible
    (F, NV) bool: scanlines that see the surface echo; jaw (F,): jaw opening in [0, 1] (moves
    the mandible's shadow); times (F,) s. Any talker whose tongue gives a radius per scanline
    renders through here.
    """
    nv, ppv, ppm = prm.num_vectors, prm.pix_per_vector, prm.pixels_per_mm
    n = len(times)
    phi = ProbeGeometry.from_params(prm).theta(np.arange(nv))  # (NV,) scanline directions
    surface = np.round(radius * ppm - prm.zero_offset).astype(np.intp)  # (F, NV) samples
    level = _echo_level(phi, radius, visible)
    windows = sliding_window_view(_templates(ppv, ppm), ppv, axis=1)  # (LEVELS, PPV + 1, PPV)
    image = windows[level, ppv - np.clip(surface, 0, ppv)]  # (F, NV, PPV) float32
    depth_mm = (prm.zero_offset + np.arange(ppv)) / ppm
    speckle = _speckle(rng, 6, nv, ppv, ppm) * _depth_gain(depth_mm - depth_mm[0])  # (6, NV, PPV)
    bank = rng.integers(0, len(speckle), n)
    strength, gate = _shadows(jaw, times, phi, prm, rng)  # (F, NV), (PPV,)
    for k in range(n):
        image[k] *= speckle[bank[k]]
        dark = np.flatnonzero(strength[k] > 0.005)  # shadowed scanlines of this frame
        image[k, dark] *= 1.0 - strength[k, dark, None] * gate
    flat = image.reshape(n * nv, ppv)  # (F NV, PPV) for OpenCV's saturating conversion
    return cv2.convertScaleAbs(flat, alpha=150.0, beta=6.0).reshape(n, nv, ppv)
