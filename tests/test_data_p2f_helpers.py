"""Small phone2face corpora written to a tmp folder (shared by the test_data_p2f_* files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from artimap.io.alignment import from_tuples
from artimap.io.c3d import write_c3d
from artimap.io.motion import Motion
from artimap.io.textgrid import write_textgrid

HEAD = ["HEAD1", "HEAD2", "HEAD3", "HEAD4"]
FACE = [f"F{i:02d}" for i in range(6)]
PHONES = ["sil", "p", "a", "t", "i", "m", "u"]


def rigid_motion(n: int, seed: int, angle: float = 0.15, shift: float = 20.0):
    """Smooth random rotations (F, 3, 3) and translations (F, 3) mm."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, n)[:, None]
    rotvec = angle * np.sin(2 * np.pi * (t * rng.uniform(0.5, 1.5, 3) + rng.uniform(0, 1, 3)))
    trans = shift * np.sin(2 * np.pi * (t * rng.uniform(0.5, 1.5, 3) + rng.uniform(0, 1, 3)))
    return Rotation.from_rotvec(rotvec).as_matrix(), trans


def apply_rigid(points: np.ndarray, rot: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """points (F, M, 3) -> R_f p + t_f per frame (NaN stays NaN)."""
    return np.einsum("fij,fmj->fmi", rot, points) + trans[:, None, :]


def face_truth(n: int, rate: float, seed: int) -> np.ndarray:
    """Head-fixed markers (F, K+M, 3) mm: a rigid head and smoothly moving face markers."""
    rng = np.random.default_rng(seed)
    head = np.array([[-70, 80, 0], [70, 80, 0], [0, 110, 40], [0, 60, 90.0]])
    face = rng.uniform(-40, 40, (len(FACE), 3)) + [0, -20, 80]
    t = np.arange(n)[:, None] / rate
    freq, phase = rng.uniform(1, 4, (len(FACE), 3)), rng.uniform(0, 6, (len(FACE), 3))
    moving = face[None] + 3.0 * np.sin(2 * np.pi * freq[None] * t[..., None] + phase[None])
    return np.concatenate([np.broadcast_to(head, (n, 4, 3)), moving], axis=1)


def alignment_rows(duration: float, seed: int) -> list[tuple[float, float, str]]:
    """Phone intervals covering [0, duration] with silence at both ends."""
    rng = np.random.default_rng(seed)
    bounds = np.sort(rng.uniform(0.1, duration - 0.1, 8))
    edges = np.concatenate([[0.0], bounds, [duration]])
    labels = ["sil"] + list(rng.choice(PHONES[1:], len(edges) - 3)) + ["sil"]
    return [(float(a), float(b), str(lab)) for a, b, lab in zip(edges[:-1], edges[1:], labels,
                                                                strict=True)]


def make_files_corpus(root: Path, n_utts: int = 4, rate: float = 120.0, frames: int = 180,
                      seed: int = 0) -> dict[str, dict]:
    """Write <id>.c3d + <id>.TextGrid for n_utts utterances; return the truth per id."""
    root.mkdir(parents=True, exist_ok=True)
    truth = {}
    for k in range(n_utts):
        uid = f"utt{k:02d}"
        clean = face_truth(frames, rate, seed + k)
        moved = apply_rigid(clean, *rigid_motion(frames, seed + 100 + k))
        write_c3d(root / f"{uid}.c3d", Motion(moved.astype(np.float32), rate, HEAD + FACE))
        rows = alignment_rows(frames / rate, seed + k)
        write_textgrid(root / f"{uid}.TextGrid", {"phones": from_tuples(rows)}, frames / rate)
        truth[uid] = {"clean": clean, "rows": rows}
    return truth
