"""Motion readers on real C3D and MOCHA EMA files from ../shared/data (read in place)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest

from artimap.io.c3d import read_c3d, write_c3d
from artimap.io.ema import read_ema

DATA = (Path(__file__).resolve().parents[1] / ".." / "shared" / "data").resolve()

pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data not present")


@pytest.mark.parametrize(
    ("name", "n_markers", "rate", "n_frames", "n_missing", "first", "last"),
    [
        ("Qualisys.c3d", 55, 200.0, 340, 0, "L_IAS", "R_SAJ"),  # float, Qualisys
        ("markers_analogs.c3d", 51, 100.0, 580, 305, "boite:gauche_ext", "Daphnee:LATH"),  # Vicon
        ("my-motion.c3d", 26, 50.0, 450, 226, "RFT1", "pv4"),  # integer-stored (scaled)
    ],
)
def test_real_c3d_files(name, n_markers, rate, n_frames, n_missing, first, last):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # consistent headers: no frame-count warning
        m = read_c3d(DATA / "c3d" / name)
    assert m.points.shape == (n_frames, n_markers, 3) and m.points.dtype == np.float32
    assert m.rate == rate and len(m.labels) == n_markers
    assert m.labels[0] == first and m.labels[-1] == last
    assert int((~m.valid).sum()) == n_missing
    # body markers in mm: metres would be < 3, mm are hundreds
    assert 100 < np.nanmax(np.abs(m.points)) < 5000


def test_real_c3d_rewrite_keeps_data(tmp_path):
    m = read_c3d(DATA / "c3d" / "markers_analogs.c3d")
    write_c3d(tmp_path / "copy.c3d", m)
    back = read_c3d(tmp_path / "copy.c3d")
    assert back.labels == m.labels and back.rate == m.rate
    assert np.array_equal(back.valid, m.valid)
    np.testing.assert_allclose(back.points, m.points, atol=1e-3)


def test_mocha_ascii_ema():
    m = read_ema(DATA / "ema" / "mocha_fsew0" / "fsew0_001.ema")
    assert m.rate == 500.0 and m.points.shape == (966, 10, 3) and m.valid.all()
    assert m.labels == ["ui", "li", "ul", "ll", "tt", "tb", "td", "v", "unused", "bn"]
    assert m.start_time == 0.0 and m.duration == pytest.approx(1.932)
    # first row, channels 1 and 6 are ui_x, ui_y: 6.324606 and -4.728305 (1/100 mm)
    np.testing.assert_allclose(m.points[0, 0], [0.06324606, -0.04728305, 0.0], rtol=1e-5)
    mean = np.mean(m.points, axis=0)  # (M, 3)
    # anatomy checks the channel layout: the upper incisor is the origin, the lower incisor
    # below it, the tongue coils further back tip -> body -> dorsum -> velum, nose bridge above
    assert np.abs(mean[0]).max() < 1.0 and mean[1, 1] < -10
    assert mean[4, 0] < mean[5, 0] < mean[6, 0] < mean[7, 0] and mean[9, 1] > 40
