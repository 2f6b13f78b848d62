"""`artimap bench prepare_lip2tongue`: throughput of the lip2tongue data path, prepare-time crop
+ resize + flow, and clip reads.

`bench_prepare_lip2tongue(args)` returns one dict per measurement (the `artimap bench` command
prints each as a JSON line). Prepare throughput is per worker (OpenCV limited to one thread, as each
prepare worker is when several run); the goal is 600 frames/s at 96x96, 10x real time at 60
fps. Clip reads are random-access `Lip2TongueDataset` items (N = 7) from a synthetic prepared
folder just written, so the page cache is warm.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2
import numpy as np

from artimap.bench.timing import compare, time_once
from artimap.data.common import save_array, write_manifest
from artimap.data.lip2tongue.dataset import Lip2TongueDataset
from artimap.data.lip2tongue.flow import METHODS
from artimap.data.lip2tongue.inputs import compute_flow, crop_frames
from artimap.data.lip2tongue.roi import Box
from artimap.testing.lip2tongue import MOUTH_BOX, lip_frames

GOAL_FRAMES_PER_S = 600.0
WARMUP_FRAMES = 8  # frames of the untimed first call of each flow method


def bench_flow(n_frames: int, methods: tuple[str, ...] = METHODS, size: int = 96) -> list[dict]:
    """Frames/s of crop (from 320x240 video) + grayscale + resize + flow, one thread, one row
    per flow method (the methods run one after the other, once each, after an untimed call
    of each on a few frames)."""
    video = lip_frames(n_frames, 60.0, hw=(240, 320))
    x, y, w, h = MOUTH_BOX
    box = Box(2 * x - 20, 2 * y - 20, 2 * w + 40, 2 * h + 40)  # the fake mouth, scaled to 320x240
    threads = cv2.getNumThreads()
    cv2.setNumThreads(1)
    try:
        for m in methods:  # untimed warm-up: a method's first call pays its one-off setup
            compute_flow(crop_frames(video[:WARMUP_FRAMES], box, size), m)
        timed = compare({m: (lambda m=m: compute_flow(crop_frames(video, box, size), m))
                         for m in methods}, rounds=1, warmup=0)
    finally:
        cv2.setNumThreads(threads)
    rows = []
    for method in methods:
        fps = n_frames / timed[method].min_s
        rows.append({"bench": "prepare_lip2tongue", "stage": "crop+resize+flow", "flow": method,
                     "size": size, "frames": n_frames, "threads": 1,
                     "frames_per_s": round(fps, 1), "x_realtime_60fps": round(fps / 60.0, 2),
                     "goal_frames_per_s": GOAL_FRAMES_PER_S})
    return rows


def write_synthetic_prepared(folder: Path, n_utterances: int, n_frames: int,
                             target_hw: tuple[int, int] = (128, 64), size: int = 96) -> None:
    """A prepared-dataset folder with random arrays (all utterances in train)."""

    rng = np.random.default_rng(0)
    total = n_utterances * n_frames
    arrays = {
        "frames": save_array(folder, "frames", rng.integers(0, 256, (total, size, size), np.uint8)),
        "flow": save_array(folder, "flow", rng.standard_normal((total, 2, size, size))
                           .astype(np.float16)),
        "targets": save_array(folder, "targets", rng.integers(0, 256, (total, *target_hw),
                                                               np.uint8)),
    }
    utts = [{"id": f"u{i:04d}", "speaker": "s", "offset": i * n_frames, "n_frames": n_frames}
            for i in range(n_utterances)]
    manifest = {"task": "lip2tongue", "n_frames": total, "arrays": arrays, "utterances": utts}
    write_manifest(folder, manifest, {"train": [u["id"] for u in utts], "val": [], "test": []})


def bench_read(n_utterances: int, n_frames: int, n_reads: int, clip_len: int = 7) -> dict:
    """Random-access clips/s of Lip2TongueDataset over a synthetic prepared folder."""

    with tempfile.TemporaryDirectory(prefix="artimap-bench-l2t-") as tmp:
        write_synthetic_prepared(Path(tmp), n_utterances, n_frames)
        ds = Lip2TongueDataset(tmp, "train", clip_len=clip_len)
        order = np.random.default_rng(1).integers(0, len(ds), n_reads)
        ds[0]  # map the files once

        def read_all() -> None:  # keeps no clip: memory stays flat however many reads
            for i in order:
                ds[int(i)]

        seconds = time_once(read_all).min_s
    return {"bench": "prepare_lip2tongue", "stage": "dataset read", "clip_len": clip_len,
            "access": "random", "frames_in_dataset": n_utterances * n_frames,
            "reads": n_reads, "clips_per_s": round(n_reads / seconds, 1)}


def bench_prepare_lip2tongue(args) -> list[dict]:
    """All measurements; `args.quick` (if present and true) makes them small."""
    quick = bool(getattr(args, "quick", False))
    rows = bench_flow(120 if quick else 900)
    if quick:
        rows.append(bench_read(4, 250, 200))
    else:
        rows.append(bench_read(20, 300, 2000))
    return rows
