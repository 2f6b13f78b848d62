"""Scan conversion: geometry on synthetic frames, and agreement with a reference tool's fans.

The reference (../shared/data/aaa_scanconv, 496x302 fans of 64x842 raw frames) draws the probe
at the bottom (palate up), scanline 0 on the left, white background, at 1/3 pixel per echo
sample over the fan's bounding box, with the fan's axis at scanline NV/2: half a scanline past
AAA's own axis (`artimap.ultrasound.geometry`), so it is converted here with that tool's centre.
Measure: Pearson correlation of the pixels inside both fans.
"""

from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from artimap.io.ult import UltParams, read_param, read_ult
from artimap.ultrasound.geometry import ProbeGeometry
from artimap.ultrasound.scanconv import ScanConverter, scan_convert

DATA = Path(__file__).resolve().parents[1] / "../shared/data"
REF = DATA / "aaa_scanconv"
PARAMS = UltParams(num_vectors=32, pix_per_vector=120, zero_offset=30, angle=0.04)


def test_constant_frame_fills_fan_only():
    sc = ScanConverter(PARAMS, (90, 140), background=7)
    out = sc(np.full((3, 32, 120), 200, np.uint8))
    assert out.shape == (3, 90, 140) and out.dtype == np.uint8
    assert (out[:, sc.mask] == 200).all()
    assert (out[:, ~sc.mask] == 7).all()
    assert 0.3 < sc.mask.mean() < 0.9  # an annulus sector, not the whole box
    assert sc(np.zeros((32, 120), np.float32)).shape == (90, 140)


def test_point_mapping_round_trip_and_flips():
    scan = np.array([0.0, 5.5, 16, 31])
    samp = np.array([0.0, 60, 119, 10])
    for fv in (False, True):
        for fh in (False, True):
            sc = ScanConverter(PARAMS, (100, 150), flip_vertical=fv, flip_horizontal=fh)
            x, y = sc.raw_to_image(scan, samp)
            s2, r2 = sc.image_to_raw(x, y)
            np.testing.assert_allclose(s2, scan, atol=1e-9)
            np.testing.assert_allclose(r2, samp, atol=1e-9)
    sc = ScanConverter(PARAMS, (100, 150))
    ox, oy = sc.raw_to_image(PARAMS.num_vectors / 2, -PARAMS.zero_offset)  # probe origin
    assert oy < 0 and abs(ox - 75) < 3  # above the image, near the centre: fan opens downward
    x, _ = sc.raw_to_image(np.array([0, 31]), np.array([119, 119]))
    assert x[0] < x[1]  # scanline 0 on the left
    _, oy = ScanConverter(PARAMS, (100, 150), flip_vertical=True).raw_to_image(16, -30)
    assert oy > 99  # probe below the image


def test_bright_dot_lands_where_raw_to_image_says():
    frame = np.zeros((32, 120), np.float32)
    frame[10, 80] = 1.0  # one echo sample: scanline 10, sample 80
    sc = ScanConverter(PARAMS, scale=1.0, flip_vertical=True)
    img = sc(frame)  # (H, W) float32, a small blob
    ys, xs = np.mgrid[: img.shape[0], : img.shape[1]]
    cx, cy = (img * xs).sum() / img.sum(), (img * ys).sum() / img.sum()
    ex, ey = sc.raw_to_image(10, 80)
    assert abs(cx - ex) < 0.5 and abs(cy - ey) < 0.5


def test_default_size_square_pixels_and_mm():
    sc = ScanConverter(PARAMS)
    assert max(sc.out_size) == 512 and sc.sx == sc.sy
    x_mm, y_mm = sc.raw_to_mm(np.array([sc.geometry.centre, 0.0]), np.array([0.0, 0.0]))
    np.testing.assert_allclose([x_mm[0], y_mm[0]], [0, 30 / PARAMS.pixels_per_mm], atol=1e-12)
    assert x_mm[1] < 0  # scanline 0 is on the left
    with pytest.raises(ValueError, match="not both"):
        ScanConverter(PARAMS, (10, 10), scale=1.0)


def _reference(i):
    raw_png = cv2.imread(str(REF / f"sample_raw_00{i}.png"), cv2.IMREAD_GRAYSCALE)
    fan = cv2.imread(str(REF / f"sample_fan_00{i}.png"), cv2.IMREAD_GRAYSCALE)
    # The PNG shows samples top-down from the deepest: (PPV, NV) -> (NV, PPV), sample 0 first.
    return raw_png[::-1].T, fan


def test_matches_reference_fans():
    if not REF.exists():
        pytest.skip("../shared/data not present (scan-conversion reference)")
    params = read_param(REF / "sample_recording/sample_01US.txt")
    assert (params.num_vectors, params.pix_per_vector) == (64, 842)
    tool = replace(ProbeGeometry.from_params(params), centre=params.num_vectors / 2)
    iso = ScanConverter(params, scale=1 / 3, geometry=tool)
    assert iso.out_size == (302, 496)  # the reference's size follows from 1/3 px per sample
    assert ScanConverter(params, scale=1 / 3).out_size == (301, 496)  # AAA's symmetric fan
    sc = ScanConverter(params, (302, 496), flip_vertical=True, background=255, geometry=tool)
    for i in range(3):
        raw, fan = _reference(i)
        out = sc(raw)
        inside = sc.mask & (fan != 255)
        assert (sc.mask == (fan != 255)).mean() > 0.995  # same fan outline
        corr = np.corrcoef(out[inside].astype(float), fan[inside].astype(float))[0, 1]
        assert corr > 0.97, f"frame {i}: in-fan Pearson r = {corr:.4f}"  # measured 0.982-0.983
        wrong = scan_convert(raw, params, (302, 496), background=255,
                             geometry=tool)  # no flip: upside down
        corr_wrong = np.corrcoef(wrong[inside].astype(float), fan[inside].astype(float))[0, 1]
        assert corr_wrong < 0.5


def test_file156_converts():
    ult = DATA / "aaa_ult/File156_gap/File156.ult"
    if not ult.exists():
        pytest.skip("../shared/data not present (AAA sample)")
    frames = read_ult(ult)[:4]
    sc = ScanConverter(read_param(ult.with_name("File156US.txt")), (200, 300))
    out = sc(frames)
    assert out.shape == (4, 200, 300)
    assert out[:, sc.mask].mean() > 10 and (out[:, ~sc.mask] == 0).all()
