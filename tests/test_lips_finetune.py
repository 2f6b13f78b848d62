"""Few-shot fine-tuning of LipNet: a tiny fine-tune runs and moves the prediction, the loss
caps a mislabelled frame, and the held-out splits never test a calibration frame."""

from __future__ import annotations

import numpy as np
import torch
from test_lips import TINY, fake_set

from artimap.lips import fewshot
from artimap.lips.fewshot import calibration_splits
from artimap.lips.finetune import FineTuneConfig, finetune, robust_loss
from artimap.lips.predict import predict_frames
from artimap.lips.train import LipTrainConfig, train_lipnet

TWO_STEPS = FineTuneConfig(steps=2, batch=4, views=2, lr=1e-2)


def test_two_step_finetune_changes_the_prediction_not_the_original():
    data = fake_set()
    model = train_lipnet(data, TINY, LipTrainConfig(steps=2, batch=4))
    before = predict_frames(model, np.stack(data.images)).points
    tuned = finetune(model, data.subset([0, 1]), TWO_STEPS)
    after = predict_frames(tuned, np.stack(data.images)).points
    assert np.isfinite(after).all() and np.abs(after - before).max() > 1e-3
    again = predict_frames(model, np.stack(data.images)).points
    assert np.array_equal(again, before)  # the starting model is left as it was
    mixed = finetune(model, data.subset([0, 1]), FineTuneConfig(
        steps=2, batch=4, views=2, generic_share=0.5, generic_views=4, anchor=1.0), data)
    assert np.isfinite(predict_frames(mixed, np.stack(data.images)).points).all()


def test_robust_loss_caps_a_mislabelled_frame():
    true = torch.zeros(5, 8, 2)
    pred = torch.full((5, 8, 2), 0.01)
    far = true.clone()
    far[0, 0, 0] = 5.0  # one frame's corner labelled far off
    plain = robust_loss(pred, far, 2.0, cap=0.0)
    capped = robust_loss(pred, far, 2.0, cap=3.0)
    assert capped < 0.5 * plain
    assert torch.isclose(robust_loss(pred, true, 2.0, 3.0), robust_loss(pred, true, 2.0, 0.0))
    true[1, 4] = float("nan")  # an unlabelled point adds nothing
    assert torch.isfinite(robust_loss(pred, true, 2.0, 3.0))


def test_splits_test_every_frame_once_and_never_on_itself():
    groups = ["a"] * 8 + ["b"] * 20 + ["c"] * 37 + ["d"]
    splits = calibration_splits(groups, shots=10)
    tested = np.concatenate([t for _, t in splits])
    assert sorted(tested) == list(range(65))  # "d" (one frame) cannot be calibrated
    for cal, test in splits:
        assert not set(cal) & set(test)
        assert len({groups[i] for i in np.concatenate([cal, test])}) == 1
        assert len(cal) == min(10, groups.count(groups[test[0]]) - 1)


def test_finetune_predict_never_sees_the_test_frame(monkeypatch):
    """Every fine-tune (and the corrections after it) sees only calibration frames, never
    the frames it is then scored on."""
    data = fake_set(6)
    data.groups = ["a"] * 4 + ["b"] * 2
    model = train_lipnet(data, TINY, LipTrainConfig(steps=2, batch=4))
    seen: list[set[str]] = []

    def spy(model, cal, cfg, generic=None):
        seen.append(set(cal.names))
        return finetune(model, cal, cfg, generic)

    monkeypatch.setattr(fewshot, "finetune", spy)
    out, used = fewshot.finetune_predict(model, data, 10, TWO_STEPS)
    assert list(used) == [3, 3, 3, 3, 1, 1] and len(seen) == 6
    group = dict(zip(data.names, data.groups))
    left = []
    for s in seen:  # each fine-tune leaves exactly one frame of its folder out
        g = {group[n] for n in s}
        assert len(g) == 1
        left += [n for n in data.names if group[n] in g and n not in s]
    assert sorted(left) == sorted(data.names)
    assert all(np.isfinite(v).all() for v in out.values())
