"""The automatic tongue-contour extractor on synthetic frames with a known ridge."""

import numpy as np
import pytest

from artimap.io.ult import UltParams
from artimap.metrics.contour import msd
from artimap.ultrasound import contour as C
from artimap.ultrasound.scanconv import ScanConverter


def _ridge_frames(edge: np.ndarray, n_frames=3, n_depth=128, thick=8, bright=200.0, seed=0):
    """Raw frames (F, L, D): dark speckle, a bright ridge starting at depth edge[l]."""
    rng = np.random.default_rng(seed)
    d = np.arange(n_depth)[None, None, :]
    e = np.asarray(edge)[None, :, None]
    x = 30 + 8 * rng.standard_normal((n_frames, len(edge), n_depth))
    x = x + bright * ((d >= e) & (d < e + thick))
    return np.clip(x, 0, 255)


def test_step_score_known_answer():
    x = np.random.default_rng(0).random((2, 3, 40))
    s = C.step_score(x, 4)
    d = 17
    assert s[1, 2, d] == pytest.approx(x[1, 2, d + 1:d + 5].mean() - x[1, 2, d - 4:d].mean())
    assert np.isnan(s[..., :4]).all() and np.isnan(s[..., -4:]).all()


def test_raw_ridge_found_at_its_probe_side_edge():
    lines = np.arange(64)
    edge = np.rint(70 + 15 * np.sin(lines / 10)).astype(int)
    frames = _ridge_frames(edge)
    pts = C.extract_raw(frames)  # (F, L, 2)
    assert pts.shape == (3, 64, 2)
    found = np.isfinite(pts[..., 1])
    assert found.mean() > 0.9
    err = np.abs(pts[..., 1] - (edge - 0.5))[found]
    assert np.median(err) < 0.75 and err.max() < 2.0
    np.testing.assert_array_equal(pts[..., 0][found], np.broadcast_to(lines, found.shape)[found])
    single = C.extract_raw(frames[0])
    np.testing.assert_allclose(single, pts[0], equal_nan=True)


def test_low_contrast_lines_rejected():
    edge = np.full(64, 80)
    frames = _ridge_frames(edge)
    frames[:, 20:30] = 30.0  # no ridge at all on these lines
    pts = C.extract_raw(frames)
    assert np.isnan(pts[:, 22:28, 1]).all()
    assert np.isfinite(pts[:, 40:60, 1]).all()


def test_outer_ridge_preferred_over_equal_echo_nearer_the_probe():
    edge = np.full(48, 90)
    frames = _ridge_frames(edge)
    frames[:, :, 50:58] += 200.0  # an equally bright echo nearer the probe
    pts = C.extract_raw(np.clip(frames, 0, 255))
    assert np.nanmedian(pts[..., 1]) == pytest.approx(89.5, abs=1.0)


def test_best_path_respects_max_jump():
    score = np.zeros((1, 5, 20))
    score[0, 0, 2] = score[0, 4, 18] = 100.0  # unreachable pair: the path cannot jump 16 in 4
    path = C.best_path(score, max_jump=2)
    assert np.abs(np.diff(path[0])).max() <= 2


def _params():
    return UltParams(num_vectors=64, pix_per_vector=160, zero_offset=30, angle=0.025)


def test_estimate_fan_finds_the_apex_of_a_scan_converted_fan():
    sc = ScanConverter(_params(), scale=1.0, flip_vertical=True)
    raw = np.full((2, 64, 160), 100, np.uint8)
    fan = sc(raw)
    geo = C.estimate_fan(fan)
    apex = np.array(sc.raw_to_image(sc.geometry.centre, -30.0), dtype=float)
    assert np.hypot(*(np.array(geo.origin) - apex)) < 2.0
    np.testing.assert_allclose(geo.angles, sc.geometry.theta_span, atol=0.05)


def test_fan_extraction_matches_the_raw_ridge():
    params = _params()
    sc = ScanConverter(params, scale=1.0, flip_vertical=True)
    lines = np.arange(64)
    edge = np.rint(80 + 12 * np.cos((lines - 32) / 12)).astype(int)
    raw = _ridge_frames(edge, n_frames=2, n_depth=160).astype(np.uint8)
    fan = sc(raw)  # (2, H, W), probe at the bottom
    pts = C.extract_fan(fan)  # (2, n_rays, 2) pixels
    true = np.stack(sc.raw_to_image(lines + 0.0, edge - 0.5), axis=1)  # (64, 2)
    for frame in pts:
        assert np.isfinite(frame).all(axis=1).mean() > 0.6
        assert msd(frame, true) < 2.0


def test_fan_mask_drops_letterbox_band():
    img = np.zeros((60, 80), np.uint8)
    img[:5] = 255  # burnt-in band
    img[10:50, 10:70] = 120
    m = C.fan_mask(img)
    assert not m[:5].any() and m[20:40, 20:60].all()


def test_known_fan_geometry_needs_no_estimate():
    """With the exact FanImage (probe at the top, non-square pixels, as prepare renders) the
    rays follow the scanlines: contours land on the ridge in raw coordinates."""
    params = _params()
    sc = ScanConverter(params, (60, 90))
    lines = np.arange(64)
    edge = np.rint(80 + 12 * np.cos((lines - 32) / 12)).astype(int)
    fan = sc(_ridge_frames(edge, n_frames=2, n_depth=160).astype(np.uint8))  # (2, 60, 90)
    pts = C.extract_fan(fan, sc.fan)  # (2, n_rays, 2) pixels
    true = np.stack(sc.fan.raw_to_pixel(lines + 0.0, edge - 0.5), axis=1)  # (64, 2)
    for frame in pts:
        assert np.isfinite(frame).all(axis=1).mean() > 0.6
        assert msd(frame, true) < 2.0  # pixels, as on the estimated fan above


def _speckle_fan_in_ui(n_frames: int, grey: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Frames (F, 120, 160) of a speckled fan sector (apex at the bottom) inside a static UI
    panel of grey level `grey` with text and a ruler; and the sector's mask (120, 160)."""
    import cv2

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:120, :160]
    r, ang = np.hypot(xx - 80, 110 - yy), np.arctan2(xx - 80, 110 - yy)
    sector = (r > 15) & (r < 90) & (np.abs(ang) < 0.7)
    panel = np.full((120, 160), grey, np.uint8)
    cv2.putText(panel, "MI 0.9 12cm", (2, 12), cv2.FONT_HERSHEY_SIMPLEX, 0.4, 240, 1)
    panel[20:100:8, 150:156] = 220  # ruler ticks
    frames = np.repeat(panel[None], n_frames, axis=0)
    speckle = np.clip(80 + 25 * rng.standard_normal((n_frames, 120, 160)), 0, 255)
    frames[:, sector] = speckle[:, sector].astype(np.uint8)
    return frames, sector


@pytest.mark.parametrize("grey", [0, 40])
@pytest.mark.parametrize("n_frames", [1, 5])
def test_fan_mask_leaves_a_screen_captures_ui_out(grey, n_frames):
    frames, sector = _speckle_fan_in_ui(n_frames, grey)
    m = C.fan_mask(frames)
    assert (m & ~sector).sum() < 0.02 * sector.sum()  # the panel, text and ruler are not fan
    assert (m & sector).sum() > 0.95 * sector.sum()
    geo = C.estimate_fan(frames, mask=m)
    assert np.hypot(geo.origin[0] - 80, geo.origin[1] - 110) < 4.0
