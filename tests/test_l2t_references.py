"""lip2tongue references and the metrics that see the tongue, against known answers."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from artimap.data.lip2tongue.truth import has_truth
from artimap.models.ridge import ridge_select
from artimap.tasks.lip2tongue import metrics as declared
from artimap.tasks.lip2tongue.scoring import score_frames


def test_ridge_validation_r2_matches_a_direct_computation_with_smoothing():
    rng = np.random.default_rng(2)
    x, xv = rng.normal(size=(300, 6)), rng.normal(size=(80, 6))
    w = rng.normal(size=(6, 16 * 8))
    y = x @ w + rng.normal(size=(300, 128))
    yv = xv @ w + rng.normal(size=(80, 128))
    def smooth(v):
        return declared.blur(v.reshape(-1, 16, 8), 1.0).reshape(len(v), -1)
    fit = ridge_select(x, y, xv, yv, smooth)
    r = smooth(yv) - smooth(y.mean(0)[None])
    direct = 1 - ((smooth(fit.predict(xv)) - smooth(yv)) ** 2).sum() / (r ** 2).sum()
    assert fit.val_r2 == pytest.approx(direct, rel=1e-6)


def _context(real: np.ndarray, mean: np.ndarray, **kw) -> declared.FrameContext:
    m = declared.blur(mean)
    return declared.FrameContext(contours=lambda im: np.zeros((len(im), 1, 2)), blur_mean=m,
                                 blur_den=declared.r2_denominator(real, m), **kw)


def test_r2_speckle_free_known_answers():
    rng = np.random.default_rng(3)
    real = rng.uniform(0, 255, size=(6, 32, 16))
    mean = rng.uniform(0, 255, size=(32, 16))
    ctx = _context(real, mean)
    r2 = declared._r2_speckle_free
    assert r2(real, real, ctx).mean() == pytest.approx(1.0)
    assert r2(np.broadcast_to(mean, real.shape), real, ctx).mean() == pytest.approx(0.0, abs=1e-12)
    # a constant offset c survives the blur: R^2 = 1 - c^2 H W / D
    expected = 1 - 4.0 * 32 * 16 / ctx.blur_den
    assert r2(real + 2.0, real, ctx).mean() == pytest.approx(expected)
    # speckle that the blur removes hardly costs anything; the same energy as an offset does
    speckle = np.where((np.indices((32, 16)).sum(0) % 2) == 0, 2.0, -2.0)
    assert r2(real + speckle, real, ctx).mean() > expected


def test_contour_mm_is_the_msd_to_the_true_contour_and_nan_without_truth():
    real = np.zeros((2, 8, 4))
    true = np.zeros((2, 3, 2))
    true[:, :, 0] = [0.0, 1.0, 2.0]
    shifted = true + [0.0, 0.5]  # every predicted point 0.5 mm from the nearest true point
    ctx = _context(real, real[0], true_contour=true, to_mm=lambda pts: pts)
    ctx.contours = lambda im: shifted[:len(im)]
    np.testing.assert_allclose(declared._contour_mm(real, real, ctx), 0.5)
    assert ctx.rows(slice(1, 2)).true_contour.shape == (1, 3, 2)  # chunks carry their truth
    ctx.true_contour = None
    assert np.isnan(declared._contour_mm(real, real, ctx)).all()


def test_score_frames_gives_every_image_metric_per_frame():
    rng = np.random.default_rng(4)
    real = rng.uniform(0, 255, size=(3, 32, 16))
    out = score_frames(real, real, _context(real, real.mean(0)))
    assert set(out) == {m.name for m in declared.IMAGE_METRICS if m.function is not None}
    np.testing.assert_allclose(out["r2_speckle_free"], 1.0)
    assert np.isnan(out["contour_mm"]).all() and out["ssim"] == pytest.approx(1.0)


def test_msd_and_contour_mm_share_the_predicted_contours_of_a_chunk():
    rng = np.random.default_rng(5)
    real = rng.uniform(0, 255, size=(3, 32, 16))
    pred = real + rng.normal(0, 20, size=real.shape)
    true = rng.uniform(0, 16, size=(3, 5, 2))
    ctx = _context(real, real.mean(0), true_contour=true, to_mm=lambda pts: pts)
    extract, seen = ctx.contours, []
    ctx.contours = lambda im: seen.append(im) or extract(im)
    out = score_frames(pred, real, ctx)
    assert len(seen) == 2  # the predicted and the real frames, once each
    np.testing.assert_array_equal(out["msd"], declared.msd_frames(extract(pred), extract(real)))
    np.testing.assert_array_equal(out["contour_mm"], declared.msd_frames(extract(pred), true))


def _with_files(files: dict):
    """A stand-in for a Prepared with one utterance whose manifest entry lists `files`."""
    return SimpleNamespace(entries=[SimpleNamespace(raw={"files": files})], manifest={})


def test_oracles_only_on_talker_data(tmp_path):
    lips = tmp_path / "a.mp4"
    entry = {"lips": str(lips), "param": str(tmp_path / "a.param")}
    assert not has_truth(_with_files(entry))  # no .artic.npy / .contour.csv beside it
    (tmp_path / "a.artic.npy").write_bytes(b"")
    (tmp_path / "a.contour.csv").write_text("")
    assert has_truth(_with_files(entry))
    assert not has_truth(_with_files({"lips": str(lips)}))  # no probe file


def test_gap_closed_runs_from_the_floor_to_the_lip_oracle():
    def r2(v):
        return {"r2_speckle_free": {"mean": v}}
    sections = {"model": r2(0.15), "train_mean": r2(0.0), "lip_oracle": r2(0.2),
                "state_oracle": r2(0.5)}
    declared.gap_closed(sections)
    got = {k: v["gap_closed"]["mean"] for k, v in sections.items()}
    assert got == pytest.approx({"model": 0.75, "train_mean": 0.0, "lip_oracle": 1.0,
                                 "state_oracle": 2.5})
    no_oracle = {"model": r2(0.1), "train_mean": r2(0.0)}
    declared.gap_closed(no_oracle)
    assert "gap_closed" not in no_oracle["model"]


def test_figure_frames_spread_over_the_tongue_range():
    from artimap.tasks.lip2tongue.evaluate import spread_pick

    height = np.array([5.0, np.nan, 1.0, 9.0, 3.0, 7.0, 2.0])
    pick = spread_pick(height, 7, 3)
    got = sorted(height[pick])
    assert len(got) == 3 and got[0] == 1.0 and got[-1] == 9.0 and 1.0 < got[1] < 9.0
    assert len(spread_pick(None, 7, 3)) == 3  # no contours: random frames
