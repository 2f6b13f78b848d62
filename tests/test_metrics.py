"""Known answers and reference parity for artimap.metrics (SSIM, MSD, phone2face metrics)."""

import numpy as np
import pytest
from scipy import ndimage
from skimage.metrics import structural_similarity

from artimap.metrics import contour as C
from artimap.metrics import image as I
from artimap.metrics import markers as M


def _pair(seed=0, shape=(3, 40, 52), noise=25.0):
    rng = np.random.default_rng(seed)
    x = ndimage.gaussian_filter(rng.random(shape) * 255, 2.0, axes=(-2, -1))
    x = (255 * (x - x.min()) / np.ptp(x)).astype(np.uint8)
    y = np.clip(x + rng.normal(0, noise, shape), 0, 255).astype(np.uint8)
    return x, y


@pytest.mark.parametrize("gaussian", [True, False])
def test_ssim_matches_skimage(gaussian):
    x, y = _pair()
    ref = np.mean([structural_similarity(a, b, data_range=255, gaussian_weights=gaussian,
                                         use_sample_covariance=not gaussian)
                   for a, b in zip(x, y, strict=True)])
    assert abs(I.ssim(x, y, gaussian=gaussian) - ref) < 1e-3
    assert abs(I.ssim(x, y, gaussian=gaussian) - ref) < 1e-9  # in fact the same numbers


def test_ssim_float_range_single_frame_and_identity():
    x, y = _pair(1, shape=(30, 30))
    xf, yf = x / 255.0, y / 255.0
    ref = structural_similarity(xf, yf, data_range=1.0, win_size=7)
    assert I.ssim(xf, yf, data_range=1.0, gaussian=False) == pytest.approx(ref, abs=1e-9)
    assert I.ssim(x, x) == pytest.approx(1.0, abs=1e-12)
    with pytest.raises(ValueError):
        I.ssim(x, y[:-1])


def test_msd_shifted_line_known_answer():
    xs = np.arange(0, 101, dtype=float)
    u = np.stack([xs, np.zeros_like(xs)], 1)
    v = u + [0.0, 3.0]
    assert C.msd(u, v) == pytest.approx(3.0)
    assert C.msd_mm(u, v, pixels_per_mm=2.0) == pytest.approx(1.5)
    assert C.msd(u, u) == 0.0


def test_msd_asymmetric_sets_and_nan():
    u = np.array([[0.0, 0.0], [10.0, 0.0]])
    v = np.array([[0.0, 1.0], [np.nan, 5.0]])
    # u->v: 1 + sqrt(101); v->u: 1; over n + m = 3 (the NaN point dropped)
    assert C.msd(u, v) == pytest.approx((2 + np.sqrt(101)) / 3)
    with pytest.raises(ValueError):
        C.msd(u, np.full((3, 2), np.nan))
    with pytest.raises(ValueError):
        C.msd(u, np.zeros((3, 3)))


def test_rmse_vs_euclid_equal_axis_error_is_sqrt3():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(50, 44, 3))
    signs = rng.choice([-1.0, 1.0], size=true.shape)
    pred = true + 2.0 * signs
    assert M.rmse_per_coordinate(pred, true) == pytest.approx(2.0)
    assert M.mean_euclidean_error(pred, true) == pytest.approx(2.0 * np.sqrt(3))


def test_gaussian_error_ratio():
    rng = np.random.default_rng(1)
    true = np.zeros((4000, 10, 3))
    pred = rng.normal(0, 1.5, true.shape)
    ratio = M.mean_euclidean_error(pred, true) / M.rmse_per_coordinate(pred, true)
    assert ratio == pytest.approx(2 * np.sqrt(2 / np.pi), rel=0.01)


def test_pooled_vs_per_utterance_and_masks():
    t1, t2 = np.zeros((10, 2, 3)), np.zeros((30, 2, 3))
    p1, p2 = t1 + 1.0, t2 + 3.0
    per_utt = M.mean_euclidean_error([p1, p2], [t1, t2])
    pooled = M.mean_euclidean_error([p1, p2], [t1, t2], pooled=True)
    assert per_utt == pytest.approx(np.sqrt(3) * (1 + 3) / 2)
    assert pooled == pytest.approx(np.sqrt(3) * (10 * 1 + 30 * 3) / 40)
    assert M.rmse_per_coordinate([p1, p2], [t1, t2]) == pytest.approx(2.0)
    assert M.rmse_per_coordinate([p1, p2], [t1, t2], pooled=True) == pytest.approx(
        np.sqrt((10 + 30 * 9) / 40))
    p1b = p1.copy()
    p1b[5:] = 100.0
    mask = np.arange(10) < 5
    assert M.mean_euclidean_error(p1b, t1, mask=mask) == pytest.approx(np.sqrt(3))
    p1b[:5, 0] = np.nan
    assert M.rmse_per_coordinate(p1b, t1, mask=mask) == pytest.approx(1.0)
    assert np.isnan(M.rmse_per_coordinate(p1b, t1, mask=np.zeros(10, bool)))


def test_pearson_linear_maps_and_constant_channels():
    rng = np.random.default_rng(2)
    true = rng.normal(size=(100, 5, 3))
    assert M.pearson_per_channel(3 * true + 7, true) == pytest.approx(1.0)
    assert M.pearson_per_channel(-true, true) == pytest.approx(-1.0)
    flat = true.copy()
    flat[:, 0] = 4.0  # constant truth channels are left out, not NaN, not 0
    assert M.pearson_per_channel(2 * flat, flat) == pytest.approx(1.0)
    still = true.copy()
    still[:, :, 0] = 1.0  # a constant prediction of a moving channel scores 0
    assert M.pearson_per_channel(still, true) == pytest.approx(2 / 3)
    assert np.isnan(M.pearson_per_channel(np.ones((5, 2, 3)), np.ones((5, 2, 3))))
    # per utterance then averaged: +1 and -1 utterances average to 0
    assert M.pearson_per_channel([true, -true], [true, true]) == pytest.approx(0.0)


def test_lip_vertex_error_max_over_lip_markers():
    true = np.zeros((4, 5, 3))
    pred = true.copy()
    pred[:, 1, 0] = [1.0, 2.0, 3.0, 4.0]  # lip marker
    pred[:, 2, 1] = 0.5  # lip marker with smaller error
    pred[:, 4, 2] = 100.0  # not a lip marker
    assert M.lip_vertex_error(pred, true, [1, 2]) == pytest.approx(2.5)
    assert M.lip_vertex_error(pred, true, [1, 2], squared=True) == pytest.approx(7.5)


def test_p2f_metrics_names():
    rng = np.random.default_rng(3)
    true = rng.normal(size=(20, 6, 3))
    out = M.p2f_metrics(true + 0.1, true, lip_idx=[0, 1])
    assert set(out) == {"rmse_mm", "rmse_pooled_mm", "euclid_mm", "euclid_pooled_mm", "corr",
                        "lip_error_mm", "lip_error_sq_mm2"}
    assert out["corr"] == pytest.approx(1.0)
    assert out["rmse_mm"] == pytest.approx(0.1)
    with pytest.raises(ValueError):
        M.p2f_metrics(true[:, :5], true)


def test_gap_closed_is_the_share_of_the_floor_to_ceiling_gap_in_either_direction():
    from artimap.metrics.aggregate import gap_closed

    floor = {"mean": 4.0, "pooled": 5.0, "per_utterance": {"a": 4.0, "b": 2.0}}
    ceiling = {"mean": 2.0, "pooled": 1.0, "per_utterance": {"a": 2.0, "b": 2.0}}
    value = {"mean": 3.0, "pooled": 2.0, "per_utterance": {"a": 2.0, "b": 1.0, "c": 1.0}}
    got = gap_closed(value, floor, ceiling, higher_better=False)  # an RMSE
    assert got == {"mean": 0.5, "std": None, "pooled": 0.75,
                   "per_utterance": {"a": 1.0, "b": None, "c": None}}  # b: no gap; c: no refs
    r2 = gap_closed({"mean": 0.4}, {"mean": 0.2}, {"mean": 0.6}, True, mean_only=True)
    assert r2 == {"mean": 0.5, "std": None, "pooled": None, "per_utterance": {}}
    at_floor = gap_closed(floor, floor, ceiling, higher_better=False)
    assert str(at_floor["mean"]) == "0.0"  # not -0.0 (the tables would print -0.000)
