"""VTL's midsagittal tongue outline -> the surface depth along each ultrasound scanline.

A virtual probe sits under the chin at `PROBE_ORIGIN_CM` in VTL's midsagittal coordinates (x
forward, y up, cm; head-fixed like a probe in a stabilising helmet), turned by the speaker's
`probe_tilt`. Along each scanline the echo comes from the first tongue surface the beam meets
(`first_hit`); scanlines past the tip see no surface (their depth is held at the last one,
which only sets where the tissue ends). The true contour has K points, evenly spaced in angle
from artimap's root angle (`ROOT_PHI`, as for the built-in talker) to the tip, at the same
first-hit depth, so the rendered echo and the truth come from one function.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import vocaltractlab_cython as vtl

from artimap.io.ult import UltParams
from artimap.synth.ultrasound import ROOT_PHI
from artimap.ultrasound.geometry import ProbeGeometry

PROBE_ORIGIN_CM = (1.0, -6.5)  # under the chin: the dorsum ~65 mm away, the tip ~0.6 rad
# EMA-like tongue sensors: name -> fraction of the outline's length from the root
EMA_SENSORS: dict[str, float] = {"tongue_back": 0.35, "tongue_dorsum": 0.6,
                                 "tongue_blade": 0.85, "tongue_tip": 1.0}


class TongueFrames(NamedTuple):
    """The tongue of U ultrasound frames, NV scanlines, K contour points, S EMA sensors."""

    radius: np.ndarray  # (U, NV) mm, surface depth along each scanline
    visible: np.ndarray  # (U, NV) bool, scanlines that see the surface echo
    contour_phi: np.ndarray  # (U, K) rad, scanline angles of the true contour
    contour_r: np.ndarray  # (U, K) mm
    ema: np.ndarray  # (U, S, 2) mm, EMA_SENSORS in VTL's frame (x forward, y up) from the probe


def tongue_outlines(tract: np.ndarray) -> list[np.ndarray]:
    """VTL's tongue outline (n, 2) cm, root to tip, for each tract state of tract (U, 19)."""
    return [vtl.get_outlines(np.ascontiguousarray(s))["tongue"] for s in tract]


def head_polar(outline: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Outline (n, 2) cm -> (angle from the probe axis towards the tip (n,) rad, radius mm)."""
    dx = outline[:, 0] - PROBE_ORIGIN_CM[0]
    dy = outline[:, 1] - PROBE_ORIGIN_CM[1]
    return np.arctan2(dx, dy), 10.0 * np.hypot(dx, dy)


def first_hit(psi: np.ndarray, r: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Radius (S,) mm where rays at angles query (S,) first meet the polyline (psi, r) (n,);
    NaN where a ray misses it. Radius is interpolated linearly in angle along each segment."""
    a0, a1, r0, r1 = psi[:-1], psi[1:], r[:-1], r[1:]  # (n - 1,) segments
    q = query[:, None]  # (S, 1)
    lo, hi = np.minimum(a0, a1), np.maximum(a0, a1)
    inside = (q >= lo) & (q <= hi) & (hi > lo)  # (S, n - 1)
    w = np.where(inside, (q - a0) / np.where(hi > lo, a1 - a0, 1.0), 0.0)
    hits = np.where(inside, r0 + w * (r1 - r0), np.inf)
    best = hits.min(axis=1)
    return np.where(np.isfinite(best), best, np.nan)


def _fill(radius: np.ndarray) -> np.ndarray:
    """NaNs of (S,) replaced by the nearest finite value (all NaN -> a mid-fan depth)."""
    ok = np.isfinite(radius)
    if not ok.any():
        return np.full_like(radius, 60.0)
    idx = np.arange(len(radius))
    return np.interp(idx, idx[ok], radius[ok])


def ema_points(outline: np.ndarray) -> np.ndarray:
    """(S, 2) mm: the EMA_SENSORS along an outline (n, 2) cm, relative to the probe origin."""
    step = np.hypot(*np.diff(outline, axis=0).T)  # (n - 1,) cm
    arc = np.concatenate([[0.0], np.cumsum(step)]) / max(step.sum(), 1e-9)
    frac = np.array(list(EMA_SENSORS.values()))
    xy = np.stack([np.interp(frac, arc, outline[:, j]) for j in (0, 1)], -1)  # (S, 2) cm
    return 10.0 * (xy - np.array(PROBE_ORIGIN_CM))


def scanline_surface(tract: np.ndarray, tilt: float, prm: UltParams, k: int) -> TongueFrames:
    """The tongue (see TongueFrames) at each ultrasound frame's tract state, tract (U, 19)."""
    phi = ProbeGeometry.from_params(prm).theta(np.arange(prm.num_vectors))  # (NV,)
    frac = np.linspace(0.0, 1.0, k)
    radius, visible, c_phi, c_r, ema = [], [], [], [], []
    for outline in tongue_outlines(tract):
        ema.append(ema_points(outline))
        psi, r = head_polar(outline)
        tip = psi[-1] + tilt  # scanline angle of the tip
        hit = first_hit(psi, r, phi - tilt)
        visible.append(np.isfinite(hit) & (phi <= tip))
        radius.append(_fill(np.where(phi <= tip, hit, np.nan)))
        angles = ROOT_PHI + (tip - ROOT_PHI) * frac  # (K,)
        c_phi.append(angles)
        c_r.append(_fill(first_hit(psi, r, angles - tilt)))
    return TongueFrames(np.array(radius), np.array(visible), np.array(c_phi), np.array(c_r),
                        np.array(ema, dtype=np.float32).reshape(len(tract), len(EMA_SENSORS), 2))
