"""How much of the tongue the lips reveal: a frame-wise ridge regression from lip pixels.

Measured on 12 tiny-preset utterances of speaker s01, seed 0 (9 for fitting, 3 held out):
lip frames nearest each ultrasound frame, cropped to the lip ROI and shrunk to 24x16 pixels,
predict the 24 contour points' sample (depth) coordinates. Held-out R^2 was 0.28 / 0.43 /
0.41 at ridge penalties 10 / 100 / 1000, while the true tongue parameters (with products)
predict the contour with R^2 = 0.997. So the task is learnable, but a single lip frame cannot
determine the tongue.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from artimap.synth.lips import roi_box
from artimap.synth.phones import PARAMS
from artimap.synth.utterance import state_at, synthesize_utterance

TONGUE = [i for i, p in enumerate(PARAMS) if p.startswith("tongue")]


@pytest.fixture(scope="module")
def frames():
    """Lip features X (U, 384), tongue params S (U, 4), contour depths Y (U, K), utterance (U,)."""
    xs, ss, ys, groups = [], [], [], []
    for index in range(1, 13):
        utt = synthesize_utterance(1, index, 0, "tiny")
        nearest = np.clip(np.round(utt.ult_times * 60).astype(int), 0, len(utt.video) - 1)
        x, y, w, h = roi_box(utt.speaker)
        small = [cv2.resize(utt.video[k, y : y + h, x : x + w], (24, 16),
                            interpolation=cv2.INTER_AREA) for k in nearest]  # fmt: skip
        xs.append(np.stack(small).reshape(len(nearest), -1).astype(np.float64))
        ss.append(state_at(utt.artic, utt.ult_times)[:, TONGUE].astype(np.float64))
        ys.append(utt.contour_raw[:, :, 1].astype(np.float64))
        groups.append(np.full(len(nearest), index))
    return (np.concatenate(xs), np.concatenate(ss), np.concatenate(ys),
            np.concatenate(groups))  # fmt: skip


def _ridge_r2(x: np.ndarray, y: np.ndarray, train: np.ndarray, penalty: float) -> float:
    """Held-out R^2 (pooled over outputs) of a ridge fit on standardised inputs."""
    mean, std = x[train].mean(0), x[train].std(0) + 1e-6
    a, b = (x[train] - mean) / std, (x[~train] - mean) / std
    y_mean = y[train].mean(0)
    w = np.linalg.solve(a.T @ a + penalty * np.eye(a.shape[1]), a.T @ (y[train] - y_mean))
    resid = y[~train] - (b @ w + y_mean)
    return 1.0 - (resid**2).sum() / ((y[~train] - y[~train].mean(0)) ** 2).sum()


def test_lip_pixels_explain_part_of_the_tongue(frames):
    x, _, y, groups = frames
    train = groups <= 9
    assert train.sum() > 1000 and (~train).sum() > 300
    best = max(_ridge_r2(x, y, train, penalty) for penalty in (10.0, 100.0, 1000.0))
    assert 0.2 < best < 0.9


def test_tongue_parameters_explain_the_contour(frames):
    _, s, y, groups = frames
    pairs = (s[:, :, None] * s[:, None, :]).reshape(len(s), -1)  # (U, 16) products
    quadratic = np.concatenate([s, pairs], axis=1)
    assert _ridge_r2(quadratic, y, groups <= 9, 1e-3) > 0.95
