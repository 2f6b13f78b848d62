"""Face-marker renderer: 44 lower-face 3-D markers and 4 rigid head markers, in mm.

Head frame (before head motion): x to the speaker's left, y up, z forward (Y-up like
OptiTrack), origin between the lips at rest. The jaw rotates the chin, lower lip and jaw line
about an axis in front of the ears; lip aperture parts the lips beyond what the jaw gives;
protrusion pushes the lips forward and narrows them; spreading pulls the corners out; raising
the tongue body lifts the floor of the mouth a little. A slow random rigid head motion moves
every marker, noise of ~0.1 mm is added and face markers drop out now and then (NaN).
"""

from __future__ import annotations

import numpy as np

from artimap.synth.phones import PARAMS
from artimap.synth.speaker import Speaker, gaps, smooth_noise

# name -> (rest position in mm, jaw weight, lip weight, protrusion weight); `{s}` names come
# in pairs, l (as given) and r (mirrored, x -> -x).
_LEFT: dict[str, tuple[tuple[float, float, float], float, float, float]] = {
    "lip_upper_c": ((0, 6, 12), 0.0, 1.0, 1.0),
    "lip_upper_{s}1": ((12, 5.5, 10.5), 0.0, 0.9, 0.9),
    "lip_upper_{s}2": ((20, 3.5, 7), 0.0, 0.6, 0.6),
    "lip_lower_c": ((0, -7, 11), 1.0, 1.0, 1.0),
    "lip_lower_{s}1": ((11, -6.5, 9.5), 1.0, 0.9, 0.9),
    "lip_lower_{s}2": ((19, -4, 6.5), 0.9, 0.6, 0.6),
    "lip_corner_{s}": ((25, 0, 3), 0.5, 0.0, 0.3),
    "supralabial_c": ((0, 15, 13), 0.0, 0.3, 0.4),
    "supralabial_{s}1": ((10, 14, 11.5), 0.0, 0.25, 0.35),
    "supralabial_{s}2": ((20, 12, 8), 0.0, 0.15, 0.2),
    "labiomental_c": ((0, -17, 9), 1.0, 0.3, 0.4),
    "labiomental_{s}1": ((11, -16.5, 8), 1.0, 0.25, 0.35),
    "labiomental_{s}2": ((21, -14, 5), 0.9, 0.15, 0.2),
    "chin_c": ((0, -30, 10), 1.0, 0.0, 0.0),
    "chin_{s}1": ((12, -29, 8), 1.0, 0.0, 0.0),
    "chin_{s}2": ((23, -25, 4), 1.0, 0.0, 0.0),
    "chin_low_c": ((0, -42, 4), 1.0, 0.0, 0.0),
    "chin_low_{s}1": ((15, -40, 1), 1.0, 0.0, 0.0),
    "jaw_{s}1": ((35, -30, -5), 0.9, 0.0, 0.0),
    "jaw_{s}2": ((45, -18, -15), 0.6, 0.0, 0.0),
    "jaw_{s}3": ((52, -5, -25), 0.3, 0.0, 0.0),
    "cheek_{s}1": ((33, 12, 0), 0.3, 0.0, 0.0),
    "cheek_{s}2": ((42, 25, -8), 0.1, 0.0, 0.0),
    "cheek_{s}3": ((36, -8, -4), 0.5, 0.0, 0.0),
    "cheek_{s}4": ((48, 8, -14), 0.2, 0.0, 0.0),
}
HEAD: dict[str, tuple[float, float, float]] = {
    "head_front": (0, 95, 15), "head_left": (70, 85, -40),
    "head_right": (-70, 85, -40), "head_top": (0, 130, -30),
}  # fmt: skip


def _layout() -> tuple[list[str], np.ndarray, np.ndarray]:
    """Marker names (M,), rest positions (M, 3) and weights (M, 3): jaw, lip, protrusion."""
    names, rest, weights = [], [], []
    for key, (pos, *w) in _LEFT.items():
        sides = [("l", 1.0), ("r", -1.0)] if "{s}" in key else [("", 1.0)]
        for side, sign in sides:
            names.append(key.format(s=side))
            rest.append((sign * pos[0], pos[1], pos[2]))
            weights.append(w)
    return names, np.array(rest, dtype=np.float64), np.array(weights, dtype=np.float64)


FACE_MARKERS, _REST, _WEIGHTS = _layout()
HEAD_MARKERS = list(HEAD)
MARKERS = FACE_MARKERS + HEAD_MARKERS
LIP_MARKERS = [m for m in FACE_MARKERS if m.startswith("lip_")]
UPPER_LIP_CENTRE = "lip_upper_c"
_IS_LOWER = np.array([m.startswith("lip_lower") for m in FACE_MARKERS])
_IS_CORNER = np.array([m.startswith("lip_corner") for m in FACE_MARKERS])
_IS_SUBMENTAL = np.array([m.startswith("chin_low") for m in FACE_MARKERS])
_IS_CHEEK = np.array([m.startswith("cheek") for m in FACE_MARKERS])
_JAW_PIVOT = np.array([0.0, 15.0, -85.0])
_J, _A, _P, _S, _H = (PARAMS.index(p) for p in (
    "jaw", "lip_aperture", "lip_protrusion", "lip_spreading", "tongue_body_height"))  # fmt: skip
JAW_ANGLE = 0.15  # radians of jaw rotation at jaw opening 1
LIP_GAP = 16.0  # mm between the lips at lip aperture 1
HEAD_ORIGIN = np.array([0.0, 1550.0, 0.0])  # where the head sits in the capture volume, mm


def face_shape(state: np.ndarray, sp: Speaker) -> np.ndarray:
    """Face markers (F, 44, 3) mm in the head frame for articulatory states (F, N)."""
    s = state.astype(np.float64)
    jaw, ap, pro, spr, body = (s[:, i, None] for i in (_J, _A, _P, _S, _H))  # (F, 1) each
    wj, wl, wp = (_WEIGHTS[None, :, i] for i in range(3))  # (1, M) each
    rest = _REST * sp.face_scale
    rel = rest - _JAW_PIVOT  # (M, 3) jaw rotation about the x axis through the pivot
    a = JAW_ANGLE * jaw * wj  # (F, M)
    cos, sin = np.cos(a), np.sin(a)
    pts = np.repeat(rest[None], len(s), axis=0)  # (F, M, 3)
    pts[..., 1] = _JAW_PIVOT[1] + rel[:, 1] * cos - rel[:, 2] * sin
    pts[..., 2] = _JAW_PIVOT[2] + rel[:, 1] * sin + rel[:, 2] * cos
    # the lips part beyond (or press against) what the jaw gives them
    jaw_gap = rest[_IS_LOWER, 1].mean() - pts[:, _IS_LOWER, 1].mean(axis=1, keepdims=True)
    extra = LIP_GAP * ap - jaw_gap  # (F, 1) mm
    pts[..., 1] += np.where(_IS_LOWER | (wj > 0.95), -0.65, 0.35) * extra * wl
    pts[..., 1] -= 2.0 * pro * wl * _IS_LOWER  # the lower lip everts when protruded
    pts[..., 2] += (7.0 * pro + 2.0 * pro**2) * wp
    narrow = 1.0 - 0.25 * pro * wp + 0.25 * (spr - 0.4) * (wl + _IS_CORNER)
    pts[..., 0] *= narrow
    pts[..., 0] += np.sign(rest[:, 0]) * _IS_CORNER * (8.0 * (spr - 0.4) - 5.0 * pro)
    pts[..., 1] += _IS_CORNER * 2.0 * (spr - 0.4) + _IS_CHEEK * 1.5 * (spr - 0.4)
    pts[..., 1] += _IS_SUBMENTAL * 1.5 * (body - 0.5)
    return pts


def _rotations(angles: np.ndarray) -> np.ndarray:
    """(F, 3, 3) rotation matrices from (F, 3) angles (pitch about x, yaw about y, roll about z)."""
    cx, cy, cz = np.cos(angles).T
    sx, sy, sz = np.sin(angles).T
    one, zero = np.ones_like(cx), np.zeros_like(cx)
    rx = np.stack([one, zero, zero, zero, cx, -sx, zero, sx, cx], -1).reshape(-1, 3, 3)
    ry = np.stack([cy, zero, sy, zero, one, zero, -sy, zero, cy], -1).reshape(-1, 3, 3)
    rz = np.stack([cz, -sz, zero, sz, cz, zero, zero, zero, one], -1).reshape(-1, 3, 3)
    return rz @ ry @ rx


def render_markers(
    state: np.ndarray, times: np.ndarray, sp: Speaker, rng: np.random.Generator
) -> np.ndarray:
    """Markers (F, 48, 3) float32 mm in the capture volume, NaN where occluded.

    Order: FACE_MARKERS (44) then HEAD_MARKERS (4); head markers are never occluded.
    """
    face = face_shape(state, sp)  # (F, 44, 3)
    head = np.array(list(HEAD.values()), dtype=np.float64) * sp.face_scale
    pts = np.concatenate([face, np.broadcast_to(head, (len(face), *head.shape))], axis=1)
    angles = np.deg2rad(1.5) * smooth_noise(times, rng, 3, 0.03, 0.6)
    shift = 3.0 * smooth_noise(times, rng, 3, 0.03, 0.6)
    rot = _rotations(angles)  # (F, 3, 3)
    pts = np.einsum("fij,fmj->fmi", rot, pts) + (HEAD_ORIGIN + shift)[:, None, :]
    pts += 0.1 * rng.standard_normal(pts.shape)
    hidden = gaps(rng, len(times), len(FACE_MARKERS), rate=1.5, max_len=30)
    hidden[:, _IS_CORNER] |= gaps(rng, len(times), int(_IS_CORNER.sum()), rate=3.0, max_len=20)
    pts[:, : len(FACE_MARKERS)][hidden] = np.nan
    return pts.astype(np.float32)
