"""DeepLabCut CSVs (tracker output and hand labels) and AAA spline exports."""

import csv
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import map_coordinates

from artimap.errors import ArtimapError
from artimap.io.aaa_spline import read_aaa_splines
from artimap.io.dlc import read_dlc_csv
from artimap.io.ult import read_param, read_ult
from artimap.ultrasound.geometry import ProbeGeometry

DATA = Path(__file__).resolve().parents[1] / "../shared/data"
LABELS = DATA / "ultrasound_labels/labeled-data"
FILE156 = DATA / "aaa_ult/File156_gap"


def needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"../shared/data not present ({path.name})")


def _body(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))[3:]


def test_tracker_output_with_likelihood(tmp_path):
    p = tmp_path / "v_DLC.csv"
    p.write_text("scorer,S,S,S,S,S,S\nbodyparts,tip,tip,tip,root,root,root\n"
                 "coords,x,y,likelihood,x,y,likelihood\n"
                 "0,1.5,2.5,0.9,3,4,0.2\n1,5,6,0.95,,,\n")
    d = read_dlc_csv(p)
    assert d.bodyparts == ["tip", "root"] and d.index == [0, 1]
    assert d.points.shape == (2, 2, 2)
    np.testing.assert_array_equal(d.points[0, 0], [1.5, 2.5])
    assert np.isnan(d.points[0, 1]).all()  # likelihood 0.2 < 0.6
    assert np.isnan(d.points[1, 1]).all()  # empty
    assert d.likelihood[0, 1] == pytest.approx(0.2)
    assert read_dlc_csv(p, min_likelihood=0.1).valid.tolist() == [[True, True], [True, False]]


def test_multi_column_index_labels(tmp_path):
    p = tmp_path / "CollectedData_X.csv"
    p.write_text("scorer,,,X,X\nbodyparts,,,lip,lip\ncoords,,,x,y\n"
                 "labeled-data,rec1,img007.png,10,20\nlabeled-data,rec1,img009.png,,\n")
    d = read_dlc_csv(p)
    assert d.likelihood is None
    assert d.index == ["labeled-data/rec1/img007.png", "labeled-data/rec1/img009.png"]
    assert d.valid.tolist() == [[True], [False]]


def test_not_dlc_names_file(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(ArtimapError, match=r"plain\.csv: not a DeepLabCut CSV"):
        read_dlc_csv(p)
    p.write_text("scorer,S,S\nbodyparts,a,a\ncoords,x,y\n0,1,oops\n")
    with pytest.raises(ArtimapError, match=r"plain\.csv: line 4, column 3: 'oops'"):
        read_dlc_csv(p)


def test_real_hand_labels_missing_points():
    needs(LABELS)
    for folder in sorted(LABELS.iterdir()):
        path = folder / "CollectedData_AW.csv"
        body = _body(path)
        d = read_dlc_csv(path)
        assert d.points.shape == (len(body), 14, 2) and d.likelihood is None
        assert d.bodyparts[0] == "vallecula" and d.bodyparts[-1] == "shortTendon"
        empty_points = sum(r[c] == "" for r in body for c in range(1, len(r), 2))
        assert (~d.valid).sum() == empty_points
        assert str(d.index[0]).startswith(f"labeled-data/{folder.name}/img")
    d = read_dlc_csv(LABELS / "Ultrax_TD_001/CollectedData_AW.csv")
    assert (~d.valid).sum() == 1  # one point was not visible to the labeller
    assert np.nanmax(d.points[..., 0]) < 320 and np.nanmax(d.points[..., 1]) < 240


def test_real_tracker_output_low_likelihood():
    for path in (DATA / "tal/088_aud.tongue_dlc.csv",
                 LABELS / "05TD1M001/machinelabels_DLC_predicted.csv"):
        needs(path)
        body = _body(path)
        d = read_dlc_csv(path)
        assert d.points.shape == (len(body), 14, 2)
        low = sum(float(r[c]) < 0.6 for r in body for c in range(3, len(r), 3))
        assert (~d.valid).sum() == low
    d = read_dlc_csv(DATA / "tal/088_aud.tongue_dlc.csv")
    assert d.index[:3] == [0, 1, 2] and len(d.index) == 267 and (~d.valid).sum() == 63


def test_real_lip_labels():
    path = DATA / "lip_labels/labeled-data/002_cal/CollectedData_AW.csv"
    needs(path)
    d = read_dlc_csv(path)
    assert d.points.shape == (7, 8, 2) and d.valid.all()
    assert d.bodyparts[:2] == ["leftLip", "rightLip"]
    assert (d.points[:, 0, 0] < d.points[:, 1, 0]).all()  # leftLip left of rightLip in the image


def test_spline_csv_errors(tmp_path):
    p = tmp_path / "s_splines.csv"
    p.write_text("h1\th2\th3\th4\th5\n,A\tdate\t0.5\tp\t3\t1\t2\t3\t0\t0.1\n")
    with pytest.raises(ArtimapError, match=r"s_splines\.csv: line 2: 5 values for 3 points"):
        read_aaa_splines(p)


def test_real_spline_csv():
    path = FILE156 / "File156_splines.csv"
    needs(path)
    s = read_aaa_splines(path)
    assert s.r_mm.shape == s.theta.shape == s.confidence.shape == (183, 42)
    assert s.xy_mm.shape == (183, 42, 2)
    assert s.times[0] == pytest.approx(0.5957) and s.prompts[0] == "001   gap"
    assert s.theta[0, 0] == pytest.approx(1.1776) and s.theta[0, -1] == pytest.approx(-1.1776)
    np.testing.assert_allclose(np.hypot(*np.moveaxis(s.xy_mm, -1, 0)), s.r_mm)
    params = read_param(FILE156 / "File156US.txt")
    np.testing.assert_array_equal(s.frame_indices(params), np.arange(183))


def test_spline_angle_convention_hits_tongue_ridge():
    """The documented convention puts confident points on bright echoes; the mirror does not."""
    needs(FILE156 / "File156.ult")
    params = read_param(FILE156 / "File156US.txt")
    frames = read_ult(FILE156 / "File156.ult", params)
    s = read_aaa_splines(FILE156 / "File156_splines.csv")
    good = s.confidence >= 50
    raw = np.stack(ProbeGeometry.from_params(params).polar_to_raw(s.r_mm, s.theta), -1)  # (F, K, 2)
    mirrored = raw.copy()
    mirrored[..., 0] = params.num_vectors - 1 - raw[..., 0]

    def profile(points):  # mean echo along the contour moved dr samples away from the probe
        rows = s.frame_indices(params)[::4]
        return np.array([np.mean(np.concatenate([
            map_coordinates(frames[f].astype(float), (points[f, good[f]] + [0, dr]).T, order=1)
            for f in rows])) for dr in range(-10, 16)])

    right, wrong = profile(raw), profile(mirrored)
    assert right.max() > 1.8 * wrong.max()  # measured about 63 vs 26
    # AAA traces the near (tongue-side) edge of the bright ridge: the peak is just deeper.
    assert 0 <= int(np.argmax(right)) - 10 <= 10
