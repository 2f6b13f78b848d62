"""The leave-speaker-out table: aperture and width MAE (px) and Pearson r of every method.

Rows: the training mean, ridge on HOG features, LipNet zero-shot (plain, and with the
test-time zooms of `--tta`), and LipNet with each few-shot calibration at each number of
labelled frames (`calibrate.fewshot_predict`: each frame corrected from other labelled frames
of its own folder; folders with fewer frames than asked use all their others, and the row
states the mean number actually used), and LipNet fine-tuned to each folder, alone and
followed by the post-hoc corrections (`fewshot.finetune_predict`, test chunks of the folder's
frames; with `finetune_chunks` only that many chunks per folder are fine-tuned and scored, and
those rows count fewer frames).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from artimap.lips.calibrate import fewshot_predict
from artimap.lips.crossval import (
    cross_predict,
    fold_index,
    hog_ridge_predict,
    mean_predict,
    speaker_folds,
)
from artimap.lips.data import LabelledFrames
from artimap.lips.fewshot import finetune_predict
from artimap.lips.finetune import FineTuneConfig
from artimap.lips.measures import aperture, mae_r, width
from artimap.lips.model import LipNet, LipNetConfig
from artimap.lips.predict import TTA_SCALES, predict_frames
from artimap.lips.train import LipTrainConfig


def score(name: str, pred: np.ndarray, true: np.ndarray, shots: float = 0.0) -> dict:
    """One table row from (N, 8, 2) predicted and labelled points."""
    ap, ap_r = mae_r(aperture(pred), aperture(true))
    wd, wd_r = mae_r(width(pred), width(true))
    return {"method": name, "shots": shots, "aperture_mae": ap, "aperture_r": ap_r,
            "width_mae": wd, "width_r": wd_r, "n": int(len(pred))}


def evaluate(data: LabelledFrames, k: int, net_cfg: LipNetConfig, train_cfg: LipTrainConfig,
             cache: Path | None, shots: tuple[int, ...] = (10, 20),
             methods: tuple[str, ...] = ("offset", "affine", "ridge"),
             log: Callable[[str], None] | None = None, only: list[int] | None = None,
             finetune: FineTuneConfig | None = None, finetune_chunks: int | None = None
             ) -> list[dict]:
    """Every row of the table over `k` speaker folds of `data` (or only the frames held out
    in folds `only`, each still predicted by a model trained on all the other folds); the
    fine-tuned rows (with `finetune`) use the first of `shots`."""
    folds = speaker_folds(data.groups, k)
    which = list(range(len(folds))) if only is None else only
    held = np.concatenate([fold_index(data.groups, folds[i])[1] for i in which])
    true, groups = data.points[held], [data.groups[i] for i in held]
    rows = [score("mean", mean_predict(data, folds)[held], true),
            score("HOG + ridge", hog_ridge_predict(data, folds)[held], true)]
    models: dict[int, LipNet] = {}
    preds = cross_predict(data, folds, net_cfg, train_cfg, cache, log,
                          scale_sets=((1.0,), TTA_SCALES), only=only, keep=models)
    same: list[dict] = []  # the zero-shot and ridge rows on the fine-tuned rows' frames
    tuned, tested = ([], None) if finetune is None else finetune_rows(
        data, folds, which, models, shots[0], finetune, finetune_chunks, log)
    for pred, tag in zip(preds, ("", " (--tta)")):
        pts, feats = pred.points[held], pred.features[held]
        rows.append(score(f"LipNet{tag} zero-shot", pts, true))
        for n in shots:
            for method in methods:
                fixed, used = fewshot_predict(pts, true, groups, n, method, feats)
                rows.append(score(f"LipNet{tag} + {method}", fixed, true, float(used.mean())))
                if tested is not None and not tag and n == shots[0] and method == "ridge":
                    same = [score("LipNet zero-shot (fine-tuned rows' frames)", pts[tested],
                                  true[tested]),
                            score("LipNet + ridge (fine-tuned rows' frames)", fixed[tested],
                                  true[tested], float(used[tested].mean()))]
    return rows + (same if tested is not None and not tested.all() else []) + tuned


def finetune_rows(data: LabelledFrames, folds: list[list[str]], which: list[int],
                  models: dict[int, LipNet], shots: int, cfg: FineTuneConfig,
                  chunks: int | None, log: Callable[[str], None] | None = None
                  ) -> tuple[list[dict], np.ndarray]:
    """Rows of each fold's model fine-tuned to each held-out folder (`fewshot`), scored on
    the frames tested (all of them unless `chunks` limits the chunks per folder), and which
    of the folds' held-out frames (in fold order) were tested."""
    outs: dict[str, list[np.ndarray]] = {}
    trues, useds = [], []
    for i in which:
        start = time.perf_counter()
        held = data.subset(fold_index(data.groups, folds[i])[1])
        out, used = finetune_predict(models[i], held, shots, cfg, max_chunks=chunks)
        for key, pts in out.items():
            outs.setdefault(key, []).append(pts)
        trues.append(held.points)
        useds.append(used)
        if log:
            log(f"fold {i + 1}/{len(folds)}: fine-tuned for {int((used > 0).sum())} test "
                f"frames in {time.perf_counter() - start:.0f} s")
    used = np.concatenate(useds)
    tested = used > 0
    true = np.concatenate(trues)[tested]
    rows = [score(f"LipNet + {key}", np.concatenate(v)[tested], true,
                  float(used[tested].mean())) for key, v in outs.items()]
    return rows, tested


def speed(model: LipNet, hw: tuple[int, int] = (240, 320), n: int = 256) -> dict[str, float]:
    """Frames per second of the model on (n, H, W) random frames, with and without the
    mirrored second pass (best of 3 runs; whatever else the machine is doing counts)."""
    frames = np.random.default_rng(0).integers(0, 255, (n, *hw), dtype=np.uint8)
    out = {}
    for flip in (False, True):
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            predict_frames(model, frames, flip=flip)
            best = min(best, time.perf_counter() - t)
        out["frames_per_s_" + ("two_pass" if flip else "one_pass")] = n / best
    return out


def markdown(rows: list[dict]) -> str:
    """The rows as a markdown table."""
    lines = ["| method | labelled frames of the speaker | aperture MAE px | aperture r | "
             "width MAE px | width r |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['method']} | {r['shots']:.1f} | {r['aperture_mae']:.2f} | "
                     f"{r['aperture_r']:.3f} | {r['width_mae']:.2f} | {r['width_r']:.3f} |")
    return "\n".join(lines)
