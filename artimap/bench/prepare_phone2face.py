"""`artimap bench prepare_phone2face`: phone2face data throughput: `prepare` (motion frames per
second per worker) and reading the prepared dataset through the bucketing sampler and
`collate_padded` (utterances and frames per second).

Without `args.corpus` it writes a marker-only corpus in a temporary folder: per utterance a C3D
of 44 face + 4 head markers at 120 fps (smooth motion, rigid head motion, 0.1 mm noise, ~1%
occluded samples) and a TextGrid. Corpus writing is not timed.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
from scipy.spatial.transform import Rotation

from artimap.bench.timing import time_once
from artimap.data.phone2face.dataset import (
    BucketBatchSampler,
    Phone2FaceDataset,
    collate_padded,
)
from artimap.data.phone2face.prepare import PrepareConfig, prepare_phone2face
from artimap.data.prepared import Prepared
from artimap.io.alignment import from_tuples
from artimap.io.c3d import write_c3d
from artimap.io.motion import Motion
from artimap.io.textgrid import write_textgrid

HEAD = ["head_front", "head_left", "head_right", "head_top"]
N_FACE = 44
RATE = 120.0


def _utterance(rng: np.random.Generator, frames: int) -> np.ndarray:
    """Markers (F, 44 + 4, 3) mm: smooth face motion, rigid head motion, noise, gaps."""

    t = np.arange(frames)[:, None, None] / RATE
    rest = rng.uniform(-50, 50, (1, N_FACE + 4, 3))
    rest[0, N_FACE:] = [[0, 95, 15], [70, 85, -40], [-70, 85, -40], [0, 130, -30]]
    wave = np.sin(2 * np.pi * rng.uniform(1, 6, (1, N_FACE, 3)) * t + rng.uniform(0, 6))
    pts = np.repeat(rest, frames, axis=0)
    pts[:, :N_FACE] += 3.0 * wave
    rot = Rotation.from_rotvec(0.03 * np.sin(2 * np.pi * 0.3 * t[:, 0] + rng.uniform(0, 6, 3)))
    pts = np.einsum("fij,fmj->fmi", rot.as_matrix(), pts) + 5.0 * np.sin(t)
    pts += rng.normal(0, 0.1, pts.shape)
    hidden = rng.random((frames, N_FACE)) < 0.002  # gap starts
    for f, m in zip(*np.nonzero(hidden), strict=True):
        pts[f:f + int(rng.integers(2, 20)), m] = np.nan
    return pts


def write_bench_corpus(root: Path, n_utts: int, seconds: float, seed: int = 0) -> int:
    """Write n_utts C3D + TextGrid pairs under root; return the total number of motion frames."""

    rng = np.random.default_rng(seed)
    phones = ["a", "i", "u", "p", "t", "k", "m", "s", "l", "o"]
    labels = [f"m{i:02d}" for i in range(N_FACE)] + HEAD
    root.mkdir(parents=True, exist_ok=True)
    total = 0
    for k in range(n_utts):
        frames = int(seconds * RATE * rng.uniform(0.7, 1.3))
        write_c3d(root / f"u{k:04d}.c3d", Motion(_utterance(rng, frames), RATE, labels))
        edges = np.linspace(0, frames / RATE, int(frames / RATE / 0.08) + 1)
        rows = [(a, b, str(rng.choice(phones))) for a, b in zip(edges[:-1], edges[1:],
                                                                 strict=True)]
        write_textgrid(root / f"u{k:04d}.TextGrid", {"phones": from_tuples(rows)}, frames / RATE)
        total += frames
    return total


def _read_rate(prepared: Path, batch_size: int, passes: int) -> dict:
    ds = Phone2FaceDataset(prepared, "train", normalise=True)
    sampler = BucketBatchSampler(ds.lengths, batch_size, shuffle=True, seed=0)
    collate_padded([ds[0]])  # warm up: map the files, first torch calls

    def read_all() -> tuple[int, int]:
        """(utterances, frames) read in `passes` epochs of padded batches."""
        utts = frames = 0
        for epoch in range(passes):
            sampler.set_epoch(epoch)
            for idx in sampler:
                batch = collate_padded([ds[i] for i in idx])
                utts += len(idx)
                frames += int(batch["lengths"].sum())
        return utts, frames

    run = time_once(read_all)
    (utts, frames), wall = run.value, run.min_s
    return {"bench": "read_phone2face", "batch_size": batch_size, "utterances": utts,
            "frames": frames, "wall_s": round(wall, 3),
            "utterances_per_s": round(utts / wall, 1), "frames_per_s": round(frames / wall)}


def bench_prepare_phone2face(args: argparse.Namespace) -> list[dict]:
    """Prepare a corpus with one worker, then read it back; two JSON-ready dicts."""

    quick = bool(getattr(args, "quick", False))
    corpus = getattr(args, "corpus", None)
    with tempfile.TemporaryDirectory(prefix="artimap-bench-p2f-") as tmp:
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            n_frames = write_bench_corpus(corpus, 8 if quick else 64, 2.0 if quick else 4.0)
            cfg = PrepareConfig(head_markers=",".join(HEAD), fallback="sil")
        else:
            cfg, n_frames = PrepareConfig(fallback="sil"), None
        run = time_once(lambda: prepare_phone2face(corpus, Path(tmp) / "prepared", cfg,
                                                   workers=1))
        out, wall = run.value, run.min_s
        manifest = Prepared.open(out, "phone2face").manifest
        n_frames = n_frames or sum(e["n_frames_in"] for e in manifest["utterances"])
        prep = {"bench": "prepare_phone2face", "quick": quick, "workers": 1,
                "utterances": len(manifest["utterances"]), "motion_frames": n_frames,
                "markers": len(manifest["markers"]), "wall_s": round(wall, 3),
                "frames_per_s_per_worker": round(n_frames / wall)}
        return [prep, _read_rate(out, batch_size=2, passes=1 if quick else 3)]
