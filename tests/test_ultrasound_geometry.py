"""Probe geometry: round trips raw <-> polar <-> mm <-> fan pixels, one centre convention that
every user agrees with, and the evidence for it on real AAA data."""

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from artimap.errors import ArtimapError
from artimap.io.aaa_spline import read_aaa_splines
from artimap.io.ult import UltParams, read_param, read_ult
from artimap.synth.phones import N_PARAMS
from artimap.synth.presets import get_preset
from artimap.synth.speaker import make_speaker
from artimap.synth.ultrasound import ult_params
from artimap.ultrasound.geometry import FanImage, ProbeGeometry, centre_scanline
from artimap.ultrasound.scanconv import ScanConverter

DATA = Path(__file__).resolve().parents[1] / "../shared/data"
FILE156 = DATA / "aaa_ult/File156_gap"
PARAMS = [UltParams(63, 256, 32, angle=0.038, pixels_per_mm=3.2),
          UltParams(64, 842, 210, angle=0.025, pixels_per_mm=10.525),
          UltParams(7, 40, 0, angle=0.2, pixels_per_mm=1.0),
          UltParams(128, 100, 50, angle=0.012, pixels_per_mm=5.5)]


@pytest.mark.parametrize("params", PARAMS)
def test_round_trip_raw_polar_mm_pixels(params):
    geo = ProbeGeometry.from_params(params)
    rng = np.random.default_rng(0)
    scan = rng.uniform(0, params.num_vectors - 1, (5, 7))  # (5, 7) any shape
    samp = rng.uniform(0, params.pix_per_vector - 1, (5, 7))
    r, theta = geo.raw_to_polar(scan, samp)
    x, y = geo.polar_to_mm(r, theta)
    np.testing.assert_allclose(geo.mm_to_polar(x, y), (r, theta), atol=1e-9)
    np.testing.assert_allclose(geo.polar_to_raw(r, theta), (scan, samp), atol=1e-9)
    np.testing.assert_allclose(geo.mm_to_raw(x, y), (scan, samp), atol=1e-9)
    for size, scale in (((90, 140), None), (None, 0.5)):
        for fv in (False, True):
            fan = FanImage.fit(geo, size, scale=scale, flip_vertical=fv, flip_horizontal=not fv)
            px, py = fan.raw_to_pixel(scan, samp)
            assert (px > -0.5).all() and (px < fan.size[1] - 0.5).all()  # inside the box
            assert (py > -0.5).all() and (py < fan.size[0] - 0.5).all()
            np.testing.assert_allclose(fan.pixel_to_raw(px, py), (scan, samp), atol=1e-6)
            assert FanImage.from_dict(fan.to_dict()) == fan
    assert ProbeGeometry.from_dict(geo.to_dict()) == geo


def test_axis_and_orientation():
    geo = ProbeGeometry.from_params(PARAMS[0])
    assert geo.theta(geo.centre) == 0 and geo.theta_span[0] == -geo.theta_span[1]  # symmetric
    x, y = geo.raw_to_mm([0, geo.num_vectors - 1], [0, 0])
    assert x[0] < 0 < x[1] and y[0] == pytest.approx(y[1])  # higher scanlines to +x
    assert geo.raw_to_mm(geo.centre, 0)[1] == pytest.approx(32 / 3.2)  # ZeroOffset below apex
    with pytest.raises(ArtimapError, match="re-run prepare"):
        ProbeGeometry.from_dict({"num_vectors": 3})


@pytest.mark.parametrize("params", PARAMS)
def test_every_user_agrees_with_the_one_convention(params):
    """Scan conversion, the talker's renderer and AAA splines all place points like
    ProbeGeometry, whose centre comes from centre_scanline alone."""
    geo = ProbeGeometry.from_params(params)
    assert geo.centre == centre_scanline(params.num_vectors)
    sc = ScanConverter(params, scale=1.0)
    scan, samp = np.array([0.0, 2.5, params.num_vectors - 1]), np.array([0.0, 10, 20])
    np.testing.assert_allclose(sc.raw_to_mm(scan, samp), geo.raw_to_mm(scan, samp))
    # the axis scanline maps to the fan's axis (x = 0) in the converted image's mm
    np.testing.assert_allclose(sc.fan.pixel_to_mm(*sc.raw_to_image(geo.centre, 5.0))[0], 0,
                               atol=1e-9)


def test_synth_renders_along_the_geometry():
    """The talker's truth contours (polar -> raw) and its rendered scanlines use ProbeGeometry."""
    from artimap.synth.utterance import _contours

    preset = get_preset("tiny")
    sp = make_speaker(1, 0)
    prm = ult_params(preset, sp)
    geo = ProbeGeometry.from_params(prm)
    state = np.full((2, N_PARAMS), 0.5)  # two frames of a mid articulatory state
    raw, mm = _contours(state, sp, prm, 9)  # (2, 9, 2) each
    np.testing.assert_allclose(np.stack(geo.raw_to_mm(raw[..., 0], raw[..., 1]), -1), mm,
                               atol=1e-9)


def _ridge(geo, splines, frames, good, at):
    """Mean echo at the brightest depth offset along the confident spline points."""
    scan, samp = geo.polar_to_raw(splines.r_mm, splines.theta)
    best = 0.0
    for dr in np.arange(-10, 16, 0.5):
        v = [map_coordinates(frames[f], np.stack([scan[i, good[i]], samp[i, good[i]] + dr]),
                             order=1) for i, f in enumerate(at)]
        best = max(best, float(np.mean(np.concatenate(v))))
    return best


def test_convention_fits_aaa_splines_better():
    """On File156 (NV = 63) AAA's spline angles span exactly the fan with the chosen centre, and
    the chosen centre puts the confident spline points on brighter echoes than NV/2."""
    if not (FILE156 / "File156.ult").exists():
        pytest.skip("../shared/data not present (AAA sample)")
    params = read_param(FILE156 / "File156US.txt")
    frames = np.asarray(read_ult(FILE156 / "File156.ult", params), np.float64)
    s = read_aaa_splines(FILE156 / "File156_splines.csv")
    geo = ProbeGeometry.from_params(params)
    other = replace(geo, centre=params.num_vectors / 2)
    span = geo.scanline(s.theta[0, [-1, 0]])  # the fan's edges as AAA exports them
    np.testing.assert_allclose(span, [0, params.num_vectors - 1], atol=0.02)
    assert other.scanline(s.theta[0, 0]) > params.num_vectors - 1 + 0.4  # beyond the data
    good, at = s.confidence >= 50, s.frame_indices(params)
    chosen, half_off = _ridge(geo, s, frames, good, at), _ridge(other, s, frames, good, at)
    assert chosen > half_off + 1.0  # measured 63.1 vs 61.1


def test_no_other_module_computes_a_centre_scanline():
    root = Path(__file__).resolve().parents[1] / "artimap"
    pattern = re.compile(r"(num_vectors|nv)\s*(-\s*1\s*\)?)?\s*/\s*2|NumVectors\s*/\s*2")
    found = [f"{p.relative_to(root)}:{n}" for p in sorted(root.rglob("*.py"))
             if p.name != "geometry.py"
             for n, line in enumerate(p.read_text().splitlines(), 1)
             if pattern.search(line.split("#")[0])]
    assert not found, "centre scanline computed outside ultrasound/geometry.py: " + str(found)
