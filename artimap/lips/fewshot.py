"""Held-out few-shot fine-tuning: every test frame predicted by a copy of the model fine-tuned
on other labelled frames of its own folder (never itself).

Fine-tuning once per test frame would be slow, so each folder's frames are dealt into test
chunks: with n frames and K asked, m = min(K, n - 1) frames calibrate and chunks hold at most
n - m frames, so every frame is tested exactly once, by a model fine-tuned on m frames drawn
from the folder's other chunks (folders of 7-8 frames and K = 10: one frame per chunk, i.e.
leave-one-out). Besides the fine-tuned points, the rows carry the fine-tuned model followed
by each post-hoc correction of `calibrate`, fitted on the same calibration frames.
"""

from __future__ import annotations

import numpy as np

from artimap.lips.calibrate import fit_calibration
from artimap.lips.data import LabelledFrames
from artimap.lips.finetune import FineTuneConfig, Views, finetune
from artimap.lips.model import LipNet
from artimap.lips.predict import predict_images

AFTER: tuple[str, ...] = ("offset", "ridge")  # post-hoc corrections tried after fine-tuning


def calibration_splits(groups: list[str], shots: int, seed: int = 0,
                       max_chunks: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(calibration rows, test rows) pairs: each group's rows are dealt into test chunks, each
    calibrated by min(shots, n - 1) rows drawn from the group's other chunks; with
    `max_chunks`, only that many chunks per group (drawn at random) are tested."""
    rng = np.random.default_rng(seed)
    names = np.asarray(groups)
    out = []
    for g in sorted(set(groups)):
        rows = rng.permutation(np.flatnonzero(names == g))
        m = min(shots, len(rows) - 1)
        if m < 1:
            continue  # a lone frame has nothing to calibrate on
        chunks = -(-len(rows) // (len(rows) - m))
        tests = np.array_split(rows, chunks)[:max_chunks]  # rows are shuffled already
        for test in tests:
            rest = np.setdiff1d(rows, test)
            out.append((rng.choice(rest, size=m, replace=False), np.sort(test)))
    return out


def finetune_predict(model: LipNet, data: LabelledFrames, shots: int, cfg: FineTuneConfig,
                     generic: LabelledFrames | Views | None = None, seed: int = 0,
                     after: tuple[str, ...] = AFTER, max_chunks: int | None = None
                     ) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Held-out fine-tuned points of every frame of `data` (a fold's held-out folders).

    Returns ({"finetune": (N, 8, 2), "finetune + offset": ..., ...}, (N,) calibration frames
    used); frames of a folder too small to calibrate, or in chunks left out by `max_chunks`,
    stay NaN.
    """
    keys = ["finetune"] + [f"finetune + {m}" for m in after]
    out = {k: np.full((len(data), 8, 2), np.nan) for k in keys}
    used = np.zeros(len(data), int)
    for cal, test in calibration_splits(data.groups, shots, seed, max_chunks):
        tuned = finetune(model, data.subset(cal), cfg, generic)
        p_cal = predict_images(tuned, [data.images[i] for i in cal])
        p_test = predict_images(tuned, [data.images[i] for i in test])
        out["finetune"][test] = p_test.points
        for m in after:
            c = fit_calibration(p_cal.points, data.points[cal], m, p_cal.features)
            out[f"finetune + {m}"][test] = c.apply(p_test.points, p_test.features)
        used[test] = len(cal)
    return out, used
