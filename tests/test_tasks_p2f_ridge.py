"""phone2face's simple-baseline reference row `ridge_phones`: the phone-window features on a
hand-made id sequence, the window at several frame rates, and the row on the tiny talker."""

from __future__ import annotations

import json

import numpy as np
import pytest

from artimap.data.prepared import Prepared
from artimap.errors import ArtimapError
from artimap.tasks.phone2face.bases import target_stats
from artimap.tasks.phone2face.ridge_phones import phone_window, ridge_phones, window_offsets


def test_phone_window_holds_one_hots_per_offset_and_zeros_past_the_ends():
    ids = np.array([2, 0, 1])
    x = phone_window(ids, 3, np.array([-1, 0, 1]))
    assert x.shape == (3, 9) and x.dtype == np.float32
    expected = np.array([
        [0, 0, 0, 0, 0, 1, 1, 0, 0],  # t=0: nothing before, then phone 2, then phone 0
        [0, 0, 1, 1, 0, 0, 0, 1, 0],  # t=1: 2, 0, 1
        [1, 0, 0, 0, 1, 0, 0, 0, 0],  # t=2: 0, 1, nothing after
    ])
    np.testing.assert_array_equal(x, expected)
    far = phone_window(ids, 3, np.array([-5, 5]))  # both offsets outside a 3-frame utterance
    assert not far.any()


def test_phone_window_rejects_ids_outside_the_inventory():
    with pytest.raises(ArtimapError, match="phone ids must lie in 0..2"):
        phone_window(np.array([0, 3]), 3, np.array([0]))


def test_window_spans_a_third_of_a_second_at_any_rate():
    np.testing.assert_array_equal(window_offsets(30.0), np.arange(-10, 11))
    np.testing.assert_array_equal(window_offsets(120.0), 4 * np.arange(-10, 11))
    np.testing.assert_array_equal(window_offsets(10.0), np.arange(-3, 4))
    assert len(window_offsets(1.0)) == 3  # never narrower than one frame each side


def _utterances(prepared, split):
    _p = Prepared.open(prepared, "phone2face")
    manifest, splits = _p.manifest, _p.splits
    entries = {e["id"]: e for e in manifest["utterances"]}
    pts, mask = _p.array("markers"), _p.array("mask")
    for uid in splits[split]:
        e = entries[uid]
        sl = slice(e["offset"], e["offset"] + e["n_frames"])
        yield uid, np.asarray(pts[sl], np.float64), np.asarray(mask[sl])


def test_ridge_phones_beats_the_mean_face_on_the_training_utterances(p2f_prepared):
    split = json.loads((p2f_prepared / "split.json").read_text())
    got = ridge_phones(str(p2f_prepared), split["train"])
    assert got is not None
    preds, text = got
    assert "offsets -" in text and "alpha" in text and "training frames" in text
    mean = target_stats(p2f_prepared, "centre")[0].reshape(-1, 3)  # (M, 3)
    err_ridge, err_mean = [], []
    for pred, (_, true, mask) in zip(preds, _utterances(p2f_prepared, "train")):
        assert pred.shape == true.shape and np.isfinite(pred).all()
        err_ridge.append((pred - true)[mask])  # missing markers left out, as when scored
        err_mean.append((mean - true)[mask])
    rmse = [float(np.sqrt(np.mean(np.concatenate(e) ** 2))) for e in (err_ridge, err_mean)]
    assert rmse[0] < 0.8 * rmse[1]
