"""phone2face preprocessing: Kabsch head removal, gap filling, resampling, marker selection."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.transform import Rotation
from test_data_p2f_helpers import apply_rigid, face_truth, rigid_motion

from artimap.data.phone2face.gaps import fill_gaps, fillable, gap_runs
from artimap.data.phone2face.headmotion import kabsch, reference_pose, stabilise_head
from artimap.data.phone2face.markers import check_seen, marker_indices, resolve_markers
from artimap.data.phone2face.resample import n_frames_at, resample
from artimap.errors import ArtimapError


def test_kabsch_recovers_rotation_and_never_reflects():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(5, 3)) * 50  # (K, 3)
    rot = Rotation.random(20, random_state=1).as_matrix()
    src = np.einsum("fij,kj->fki", rot, ref) + rng.normal(size=(20, 1, 3))  # (F, K, 3)
    r, t = kabsch(src, ref)
    back = np.einsum("fij,fkj->fki", r, src) + t[:, None]
    assert np.abs(back - ref).max() < 1e-9
    mirrored = (ref * [1, 1, -1])[None]  # a reflection fits better, but must not be returned
    r, _ = kabsch(mirrored, ref)
    assert np.allclose(np.linalg.det(r), 1.0)
    assert np.allclose(r @ r[0].T, np.eye(3), atol=1e-9)


def test_kabsch_ignores_missing_markers():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(5, 3)) * 50
    rot = Rotation.random(random_state=2).as_matrix()
    src = (ref @ rot.T)[None].copy()
    src[0, 1] = np.nan
    r, t = kabsch(src, ref)
    assert np.allclose(r[0], rot.T, atol=1e-9)


def test_stabilise_head_removes_rigid_motion_exactly():
    clean = face_truth(240, 120.0, seed=3)  # (F, 4 + 6, 3)
    moved = apply_rigid(clean, *rigid_motion(240, seed=4))
    res = stabilise_head(moved, [0, 1, 2, 3], reference=clean[0, :4])
    assert res.solved.all() and not res.masked.any()
    assert np.abs(res.points - clean).max() < 1e-6


def test_stabilise_head_interpolates_short_and_masks_long_head_gaps():
    clean = face_truth(240, 120.0, seed=5)
    moved = apply_rigid(clean, *rigid_motion(240, seed=6, angle=0.05, shift=5.0))
    moved[50:55, :2] = np.nan  # 5 frames with only 2 head markers: interpolated
    moved[100:150, :3] = np.nan  # 50 frames: masked
    res = stabilise_head(moved, [0, 1, 2, 3], reference="first", max_gap=12)
    assert res.interpolated.sum() == 5 and res.masked.sum() == 50
    assert np.isnan(res.points[100:150]).all()
    err = np.abs(res.points[50:55, 4:] - clean[50:55, 4:] - (res.points[0, 4:] - clean[0, 4:]))
    assert err.max() < 0.5  # interpolated transform over 40 ms of smooth head motion
    assert reference_pose(moved[:, :4], "mean").shape == (4, 3)


def test_gap_runs_and_fillable():
    valid = np.array([0, 1, 0, 0, 1, 1, 0, 1, 0], dtype=bool)
    starts, lengths = gap_runs(valid)
    assert starts.tolist() == [0, 2, 6, 8] and lengths.tolist() == [1, 2, 1, 1]
    assert np.flatnonzero(fillable(valid, 2)).tolist() == [2, 3, 6]
    assert not fillable(valid, 0).any()


@pytest.mark.parametrize("method", ["cubic", "spline", "pchip", "linear"])
def test_fill_gaps_short_filled_long_masked(method):
    t = np.arange(600) / 120.0
    truth = np.stack([10 * np.sin(2 * np.pi * 2 * t), 5 * np.cos(2 * np.pi * 3 * t), t], 1)
    pts = np.repeat(truth[:, None], 2, axis=1)  # (F, 2, 3)
    pts[100:110, 0] = np.nan  # short gap
    pts[300:340, 0] = np.nan  # long gap
    pts[:5, 1] = np.nan  # leading: nothing to interpolate from
    filled, mask = fill_gaps(pts, max_gap=12, method=method)
    # 83 ms gap at a 2-3 Hz peak: on noise-free tracks the interpolating spline is best
    tol = {"cubic": 0.4, "spline": 0.15, "pchip": 2.0, "linear": 2.0}[method]
    assert np.abs(filled[100:110, 0] - truth[100:110]).max() < tol
    assert mask[100:110, 0].all() and not mask[300:340, 0].any() and not mask[:5, 1].any()
    assert np.isnan(filled[300:340, 0]).all() and np.isnan(filled[:5, 1]).all()
    assert np.array_equal(filled[mask[:, 0] & ~np.isnan(pts[:, 0, 0]), 0],
                          truth[~np.isnan(pts[:, 0, 0])])


def test_resample_accuracy_count_and_mask():
    rate_in, rate_out = 200.0, 120.0
    n = 400
    t = np.arange(n) / rate_in
    pts = np.sin(2 * np.pi * 3 * t)[:, None, None] * np.ones((1, 2, 3))  # (F, 2, 3)
    mask = np.ones((n, 2), bool)
    mask[100:150, 1] = False
    out, m = resample(pts, mask, rate_in, rate_out)
    assert len(out) == n_frames_at(n, rate_in, rate_out) == 240
    t_out = np.arange(len(out)) / rate_out
    assert np.abs(out[:, 0, 0] - np.sin(2 * np.pi * 3 * t_out)).max() < 1e-4
    gone = (t_out * rate_in > 99) & (t_out * rate_in < 150)
    assert not m[gone, 1].any() and m[~gone, 1].all() and np.isnan(out[gone, 1]).all()
    same, same_mask = resample(pts, mask, 120.0, 120.0)
    assert np.array_equal(same_mask, mask) and np.allclose(same[mask], pts[mask])


def test_marker_selection_and_errors():
    assert resolve_markers("a, b,c", None) == ["a", "b", "c"]
    assert resolve_markers(None, None) is None
    info = {"format": "artimap-talker", "markers": {"face": ["x", "y"], "head": ["h"]}}
    assert resolve_markers("talker44", info) == ["x", "y"]
    with pytest.raises(ArtimapError, match="twice"):
        resolve_markers("a,a", None)
    labels = ["Anna:LLip", "Anna:ULip", "HEAD"]
    assert marker_indices(labels, ["ulip", "HEAD", "Anna:LLip"]) == [1, 2, 0]
    with pytest.raises(ArtimapError, match=r"take\.c3d: markers \['Chin', 'Nose'\] are missing"):
        marker_indices(labels, ["Chin", "ULip", "Nose"], "take.c3d")
    pts = np.ones((4, 2, 3))
    pts[:, 1] = np.nan
    with pytest.raises(ArtimapError, match=r"take\.c3d: markers \['B'\] are missing in every"):
        check_seen(pts, ["A", "B"], "take.c3d")
