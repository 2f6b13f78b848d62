"""Head-motion removal: rigid (Kabsch) alignment of each frame's head markers to a reference.

Markers on the head (cap, forehead, nose bridge) move rigidly with the skull; the face markers
move with the skull *and* with speech. Estimating per frame the rotation R and translation t that
bring the head markers back onto a reference pose, and applying them to every marker, leaves only
the speech movement.

Frames where fewer than `min_markers` head markers are seen have no transform of their own. Their
transform is interpolated (slerp of the rotation, linear translation) from the nearest frames that
have one when the run of such frames is at most `max_gap` frames long and lies between two solved
frames; otherwise the frame is masked (all its markers invalid). The result says which frames were
solved, interpolated and masked.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.spatial.transform import Rotation, Slerp

from artimap.data.phone2face.gaps import fillable


@dataclass
class HeadResult:
    """Stabilised points (F, M, 3) and per-frame status of the head transform."""

    points: np.ndarray         # (F, M, 3) float64, NaN where missing or masked
    solved: np.ndarray         # (F,) bool: transform from this frame's head markers
    interpolated: np.ndarray   # (F,) bool: transform interpolated over a short head gap
    masked: np.ndarray         # (F,) bool: no transform; every marker set missing


def kabsch(
    src: np.ndarray, ref: np.ndarray, weights: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Rigid transforms mapping `src` onto `ref` in the least-squares sense, per frame.

    src (F, K, 3) head markers per frame, ref (K, 3) reference pose, weights (F, K) (0 for
    missing markers; NaN in src is ignored where the weight is 0). Returns R (F, 3, 3) proper
    rotations (det +1: a reflection is never returned) and t (F, 3) with ref ~= src @ R.T + t.
    Frames whose weights sum to 0 get the identity.
    """
    src = np.asarray(src, dtype=np.float64)
    ref = np.asarray(ref, dtype=np.float64)
    w = np.isfinite(src).all(axis=2) if weights is None else np.asarray(weights, dtype=np.float64)
    w = np.where(np.isfinite(src).all(axis=2), w, 0.0)  # (F, K)
    total = np.maximum(w.sum(axis=1, keepdims=True), 1e-12)  # (F, 1)
    s = np.nan_to_num(src)
    src_c = (w[..., None] * s).sum(axis=1) / total  # (F, 3)
    ref_c = (w[..., None] * ref[None]).sum(axis=1) / total  # (F, 3)
    a = (s - src_c[:, None]) * w[..., None]  # (F, K, 3)
    b = ref[None] - ref_c[:, None]  # (F, K, 3)
    h = np.einsum("fki,fkj->fij", a, b)  # (F, 3, 3) cross-covariance
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("fji,fkj->fik", vt, u)))  # det(V U^T)
    d[d == 0] = 1.0
    fix = np.ones((len(d), 3))
    fix[:, 2] = d  # reflection guard: flip the weakest axis when V U^T is a reflection
    rot = np.einsum("fji,fj,fkj->fik", vt, fix, u)  # (F, 3, 3) = V diag(1,1,d) U^T
    t = ref_c - np.einsum("fij,fj->fi", rot, src_c)
    empty = w.sum(axis=1) <= 0
    rot[empty] = np.eye(3)
    t[empty] = 0.0
    return rot, t


def reference_pose(head: np.ndarray, how: str = "first") -> np.ndarray:
    """Reference head pose (K, 3) from head markers (F, K, 3).

    "first": the first frame where every head marker is seen. "mean": the mean over such frames
    (good when the head is fairly still). Raises ValueError when no frame sees them all.
    """
    full = np.isfinite(head).all(axis=(1, 2))  # (F,)
    if not full.any():
        raise ValueError("no frame where every head marker is seen")
    if how == "first":
        return np.asarray(head[np.argmax(full)], dtype=np.float64)
    if how == "mean":
        return np.asarray(head[full], dtype=np.float64).mean(axis=0)
    raise ValueError(f"reference must be 'first' or 'mean', got {how!r}")


def _fill_transforms(rot, t, solved, max_gap):
    """Interpolate transforms over short interior runs of unsolved frames -> (rot, t, interp)."""
    idx = np.flatnonzero(solved)
    fill = fillable(solved, max_gap)
    if fill.any():
        frames = np.flatnonzero(fill)
        slerp = Slerp(idx.astype(float), Rotation.from_matrix(rot[idx]))
        rot[frames] = slerp(frames.astype(float)).as_matrix()
        for k in range(3):
            t[frames, k] = np.interp(frames, idx, t[idx, k])
    return rot, t, fill


def stabilise_head(
    points: np.ndarray,
    head_idx: list[int],
    reference: np.ndarray | str = "first",
    min_markers: int = 3,
    max_gap: int = 12,
) -> HeadResult:
    """Remove rigid head motion from points (F, M, 3) using the markers at `head_idx` (K).

    `reference` is a pose (K, 3) (for one frame of reference across a whole corpus) or "first" /
    "mean" (see `reference_pose`). Every frame's transform maps its head markers onto the
    reference and is applied to all M markers.
    """
    pts = np.asarray(points, dtype=np.float64)
    head = pts[:, head_idx]  # (F, K, 3)
    ref = reference_pose(head, reference) if isinstance(reference, str) else reference
    seen = np.isfinite(head).all(axis=2)  # (F, K)
    solved = seen.sum(axis=1) >= min_markers  # (F,)
    rot, t = kabsch(head, ref, seen.astype(np.float64))
    rot, t, interp = _fill_transforms(rot, t, solved, max_gap)
    masked = ~(solved | interp)
    out = pts @ rot.transpose(0, 2, 1) + t[:, None, :]  # (F, M, 3): R_f p + t_f
    out[masked] = np.nan
    return HeadResult(out, solved, interp, masked)
