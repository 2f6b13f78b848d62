"""Leave-speaker-out predictions: every labelled frame predicted by a model that never saw its
folder (one folder = one recording = one speaker).

Folders are dealt into `k` folds (shuffled by `seed`, round robin); fold i's model trains on
the other folds' frames and predicts fold i's. Fold models are kept in `cache` (a folder) when
given, so a second evaluation with other calibration settings does not retrain.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from skimage.feature import hog

from artimap.lips.data import LabelledFrames
from artimap.lips.model import LipNet, LipNetConfig
from artimap.lips.predict import LipPrediction, predict_images
from artimap.lips.train import LipTrainConfig, train_lipnet
from artimap.lips.weights import load_lipnet, save_lipnet
from artimap.models.ridge import ridge_select


def speaker_folds(groups: list[str], k: int, seed: int = 0) -> list[list[str]]:
    """Deal the distinct `groups` into `k` folds (k clipped to the number of groups)."""
    names = sorted(set(groups))
    order = np.random.default_rng(seed).permutation(len(names))
    k = max(1, min(k, len(names)))
    return [[names[j] for j in order[i::k]] for i in range(k)]


def fold_index(groups: list[str], fold: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, held-out rows) of a fold."""
    held = np.array([g in fold for g in groups])
    return np.flatnonzero(~held), np.flatnonzero(held)


def cross_predict(data: LabelledFrames, folds: list[list[str]], net_cfg: LipNetConfig,
                  train_cfg: LipTrainConfig, cache: Path | None = None,
                  log: Callable[[str], None] | None = None,
                  scale_sets: tuple[tuple[float, ...], ...] = ((1.0,),),
                  only: list[int] | None = None, keep: dict[int, LipNet] | None = None
                  ) -> list[LipPrediction]:
    """LipNet's held-out prediction of every frame of `data` (points, spread, features), one
    per test-time zoom set in `scale_sets` (`predict.predict_frames`' `scales`). With `only`,
    just those folds are trained and predicted (the other frames stay NaN); `keep` (a dict)
    receives each fold's model by fold number."""
    n = len(data)
    out = [LipPrediction(np.full((n, 8, 2), np.nan), np.full((n, 8), np.nan),
                         np.zeros((n, 2 * net_cfg.hidden), np.float32), data.images[0].shape[:2])
           for _ in scale_sets]
    for i, fold in enumerate(folds):
        if only is not None and i not in only:
            continue
        tr, te = fold_index(data.groups, fold)
        path = None if cache is None else cache / f"fold{i}_of{len(folds)}.pt"
        if path is not None and path.is_file():
            model = load_lipnet(path)
        else:
            if log:
                log(f"fold {i + 1}/{len(folds)}: training on {len(tr)} frames, "
                    f"holding out {', '.join(fold)}")
            model = train_lipnet(data.subset(tr), net_cfg, train_cfg, log=log)
            if path is not None:
                save_lipnet(path, model, {"held_out": fold, "steps": train_cfg.steps})
        if keep is not None:
            keep[i] = model
        for scales, pred in zip(scale_sets, out):
            p = predict_images(model, [data.images[j] for j in te], scales=scales)
            pred.points[te], pred.spread[te], pred.features[te] = p.points, p.spread, p.features
    return out


def hog_features(images: list[np.ndarray]) -> np.ndarray:
    """(N, d) HOG descriptors of the frames resized to 64 x 48 (9 orientations, 8 px cells,
    16 px blocks): the classical learnt-regressor baseline's input."""
    return np.stack([hog(cv2.resize(im, (64, 48), interpolation=cv2.INTER_AREA),
                         orientations=9, pixels_per_cell=(8, 8), cells_per_block=(2, 2))
                     for im in images])


def hog_ridge_predict(data: LabelledFrames, folds: list[list[str]]) -> np.ndarray:
    """(N, 8, 2) held-out points from ridge on HOG features, coordinates relative to the frame
    size; the penalty is picked on a quarter of the training folders."""
    x = hog_features(data.images)
    hw = np.array([im.shape[1::-1] for im in data.images], float)  # (N, 2) W, H
    y = (np.nan_to_num(data.points) / hw[:, None]).reshape(len(data), -1)  # (N, 16)
    out = np.full((len(data), 8, 2), np.nan)
    for fold in folds:
        tr, te = fold_index(data.groups, fold)
        inner = speaker_folds([data.groups[j] for j in tr], 4, seed=1)[0]
        fit_i, val_i = fold_index([data.groups[j] for j in tr], inner)
        fit = ridge_select(x[tr[fit_i]], y[tr[fit_i]], x[tr[val_i]], y[tr[val_i]])
        fit = ridge_select(x[tr], y[tr], x[tr[val_i]], y[tr[val_i]],
                           alphas=np.array([fit.alpha]))
        out[te] = fit.predict(x[te]).reshape(-1, 8, 2) * hw[te, None]
    return out


def mean_predict(data: LabelledFrames, folds: list[list[str]]) -> np.ndarray:
    """(N, 8, 2) held-out points: the training folds' mean shape (relative to frame size)."""
    hw = np.array([im.shape[1::-1] for im in data.images], float)[:, None]  # (N, 1, 2)
    rel = data.points / hw
    out = np.full((len(data), 8, 2), np.nan)
    for fold in folds:
        tr, te = fold_index(data.groups, fold)
        out[te] = np.nanmean(rel[tr], axis=0) * hw[te]
    return out

