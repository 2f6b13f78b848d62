"""Motion type and the C3D, Motive CSV and EMA readers/writers on generated files."""

from __future__ import annotations

import struct
import warnings

import numpy as np
import pytest

from artimap.errors import ArtimapError
from artimap.io.c3d import read_c3d, write_c3d
from artimap.io.ema import MOCHA_CHANNELS, read_ema
from artimap.io.motion import Motion
from artimap.io.optitrack import read_motive_csv, write_motive_csv


@pytest.fixture
def motion() -> Motion:
    rng = np.random.default_rng(0)
    pts = (rng.normal(size=(40, 5, 3)) * 100).astype(np.float32)  # (F, M, 3)
    pts[5:12, 1] = np.nan  # an occlusion gap
    pts[0, 4] = np.nan
    return Motion(pts, 120.0, ["ulc", "llc", "lc_l", "lc_r", "chin"])


def test_motion_checks_shapes_and_selects():
    with pytest.raises(ArtimapError, match=r"points must be \(F, M, 3\)"):
        Motion(np.zeros((4, 2)), 100.0, ["a", "b"])
    with pytest.raises(ArtimapError, match="1 labels for 2 markers"):
        Motion(np.zeros((4, 2, 3)), 100.0, ["a"])
    m = Motion(np.arange(24).reshape(4, 2, 3), 100.0, ["a", "b"])
    assert m.points.dtype == np.float32 and m.valid.shape == (4, 2) and m.valid.all()
    assert m.select(["b"]).points[1, 0].tolist() == [9, 10, 11]
    with pytest.raises(ArtimapError, match=r"no marker 'z'; markers: \['a', 'b'\]"):
        m.index("z")


def test_c3d_round_trip_keeps_nan_gaps(tmp_path, motion):
    path = tmp_path / "take.c3d"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_c3d(path, motion)
        back = read_c3d(path)
    assert back.rate == 120.0 and back.labels == motion.labels
    assert np.array_equal(np.isnan(back.points), np.isnan(motion.points))
    np.testing.assert_allclose(back.points, motion.points, atol=1e-3)
    assert not list(tmp_path.glob(".*tmp*"))


def test_c3d_output_is_byte_deterministic(tmp_path, motion):
    write_c3d(tmp_path / "a.c3d", motion)
    write_c3d(tmp_path / "b.c3d", motion)
    assert (tmp_path / "a.c3d").read_bytes() == (tmp_path / "b.c3d").read_bytes()


def _c3d_with_units(path, unit: str) -> None:
    import ezc3d

    c = ezc3d.c3d()
    c["parameters"]["POINT"]["RATE"]["value"] = [100.0]
    c["parameters"]["POINT"]["LABELS"]["value"] = ("a",)
    c["parameters"]["POINT"]["UNITS"]["value"] = [unit]
    data = np.ones((4, 1, 3))
    data[:3, 0, :] = [[0.1, 0.2, 0.3], [1.0, 1.0, 1.0], [0.0, 0.5, -0.5]]
    c["data"]["points"] = data
    c.write(str(path))


def test_c3d_units_are_converted_to_mm(tmp_path):
    _c3d_with_units(tmp_path / "m.c3d", "m")
    m = read_c3d(tmp_path / "m.c3d")
    np.testing.assert_allclose(m.points[:, 0, 0], [100, 200, 300], rtol=1e-6)
    _c3d_with_units(tmp_path / "cm.c3d", "cm")
    np.testing.assert_allclose(read_c3d(tmp_path / "cm.c3d").points[2, 0], [3, 10, -5], rtol=1e-6)
    _c3d_with_units(tmp_path / "odd.c3d", "furlong")
    with pytest.raises(ArtimapError, match=r"odd\.c3d: unknown POINT:UNITS 'furlong'.*units="):
        read_c3d(tmp_path / "odd.c3d")
    assert read_c3d(tmp_path / "odd.c3d", units="mm").points[1, 0, 0] == pytest.approx(0.2)


def test_c3d_truncated_file_warns(tmp_path):
    m = Motion(np.ones((10, 2, 3)), 100.0, ["a", "b"])
    write_c3d(tmp_path / "full.c3d", m)
    data = (tmp_path / "full.c3d").read_bytes()
    (tmp_path / "cut.c3d").write_bytes(data[:-200])  # loses the last frame (blocks are padded)
    with pytest.warns(UserWarning, match=r"cut\.c3d: header says 10 frames but 9 are present"):
        assert read_c3d(tmp_path / "cut.c3d").n_frames == 9


def test_c3d_bad_file_names_it(tmp_path):
    bad = tmp_path / "bad.c3d"
    bad.write_bytes(b"not a c3d file at all")
    with pytest.raises(ArtimapError, match=r"bad\.c3d: not a readable C3D file"):
        read_c3d(bad)


def test_motive_csv_round_trip(tmp_path, motion):
    path = tmp_path / "take.csv"
    write_motive_csv(path, motion)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("Format Version,1.23,") and "Length Units,Millimeters" in lines[0]
    assert lines[1] == "" and lines[6].startswith("Frame,Time (Seconds),X,Y,Z")
    assert lines[7 + 5].split(",")[5:8] == ["", "", ""]  # frame 5, marker 'llc' occluded
    back = read_motive_csv(path)
    assert back.rate == 120.0 and back.labels == motion.labels and back.n_frames == 40
    assert np.array_equal(np.isnan(back.points), np.isnan(motion.points))
    np.testing.assert_allclose(back.points, motion.points, atol=1e-4)


MOTIVE_HEAD = (
    "Format Version,1.23,Take Name,t,Capture Frame Rate,100.000000,Export Frame Rate,100.000000,"
    "Total Exported Frames,99,Rotation Type,Quaternion,Length Units,{units},"
    "Coordinate Space,Global\n"
    "\n"
    ",Type,Rigid Body,Rigid Body,Rigid Body,Rigid Body,Rigid Body,Rigid Body,Rigid Body,"
    "Marker,Marker,Marker\n"
    ",Name,Head,Head,Head,Head,Head,Head,Head,Face:ulc,Face:ulc,Face:ulc\n"
    ",ID,1,1,1,1,1,1,1,7,7,7\n"
    ",,Rotation,Rotation,Rotation,Rotation,Position,Position,Position,Position,Position,Position\n"
    "Frame,Time (Seconds),X,Y,Z,W,X,Y,Z,X,Y,Z\n"
)


def test_motive_csv_counts_rows_skips_rigid_bodies_and_converts_units(tmp_path):
    path = tmp_path / "rb.csv"
    rows = "0,0.000,0,0,0,1,0.1,0.2,0.3,0.010,0.020,0.030\n1,0.010,0,0,0,1,0.1,0.2,0.3,,,\n"
    path.write_text(MOTIVE_HEAD.format(units="Meters") + rows)
    m = read_motive_csv(path)
    assert m.labels == ["Face:ulc"] and m.n_frames == 2 and m.rate == 100.0  # not 99 frames
    np.testing.assert_allclose(m.points[0, 0], [10, 20, 30], rtol=1e-6)
    assert np.isnan(m.points[1, 0]).all()
    both = read_motive_csv(path, include=("Rigid Body", "Marker"))
    assert both.labels == ["Head", "Face:ulc"]
    np.testing.assert_allclose(both.points[0, 0], [100, 200, 300], rtol=1e-6)


def test_motive_csv_bad_inputs_name_the_file(tmp_path):
    path = tmp_path / "odd.csv"
    path.write_text(MOTIVE_HEAD.format(units="Parsecs") + "0,0.0,0,0,0,1,0,0,0,1,2,3\n")
    with pytest.raises(ArtimapError, match=r"odd\.csv: unknown Length Units 'Parsecs'"):
        read_motive_csv(path)
    path.write_text(MOTIVE_HEAD.format(units="Meters") + "0,0.0,0,0,0,1,0,0,0,1,x,3\n")
    with pytest.raises(ArtimapError, match=r"odd\.csv: line 8: 'x' is not a number"):
        read_motive_csv(path)
    path.write_text("Frame,Time\n0,0\n")
    with pytest.raises(ArtimapError, match=r"odd\.csv: first row is not Motive metadata"):
        read_motive_csv(path)


def _est_binary(path, frames: np.ndarray, names, byte_order: str) -> None:
    """Write an EST Track by hand: frames (F, 2 + C) = time, flag, channels."""
    head = ["EST_File Track", "DataType binary", f"ByteOrder {byte_order}",
            f"NumFrames {len(frames)}", f"NumChannels {len(names)}", "EqualSpace 1",
            "BreaksPresent true", "CommentChar ;", ""]
    head += [f"Channel_{k} {n}" for k, n in enumerate(names)] + ["EST_Header_End", ""]
    fmt = (">" if byte_order == "10" else "<") + "f" * frames.size
    path.write_bytes("\n".join(head).encode() + struct.pack(fmt, *frames.ravel()))


@pytest.mark.parametrize("byte_order", ["10", "01"])
def test_est_binary_track(tmp_path, byte_order):
    names = ["T1_px", "T1_py", "T1_pz", "T1_rms", "UL_px", "UL_py", "UL_pz", "UL_rms"]
    frames = np.zeros((6, 10), dtype=np.float32)
    frames[:, 0] = np.arange(6) / 200.0
    frames[:, 1] = [1, 1, 0, 1, 1, 1]
    frames[:, 2:] = np.arange(8) + 10 * np.arange(6)[:, None]
    _est_binary(tmp_path / "u.ema", frames, names, byte_order)
    m = read_ema(tmp_path / "u.ema")
    assert m.labels == ["T1", "UL"] and m.rate == 200.0 and m.points.shape == (6, 2, 3)
    np.testing.assert_allclose(m.points[1], [[10, 11, 12], [14, 15, 16]])
    assert np.isnan(m.points[2]).all() and m.valid.sum() == 10
    np.testing.assert_allclose(read_ema(tmp_path / "u.ema", units="cm").points[0, 1], [40, 50, 60])


def test_est_mocha_layout_and_errors(tmp_path):
    est_names = ["****" if n.startswith("unused") else n for n in MOCHA_CHANNELS]
    frames = np.zeros((3, 22), dtype=np.float32)
    frames[:, 0], frames[:, 1] = [0, 0.002, 0.004], 1
    frames[:, 2 + MOCHA_CHANNELS.index("tt_y")] = 1234.0  # 1/100 mm
    _est_binary(tmp_path / "m.ema", frames, est_names, "10")
    m = read_ema(tmp_path / "m.ema")
    assert m.rate == 500.0 and len(m.labels) == 10 and m.labels[4] == "tt"
    assert m.points[0, 4].tolist() == [0.0, pytest.approx(12.34), 0.0]
    data = (tmp_path / "m.ema").read_bytes()
    (tmp_path / "t.ema").write_bytes(data[:-6])
    with pytest.raises(ArtimapError, match=r"t\.ema: .*not whole frames"):
        read_ema(tmp_path / "t.ema")
    (tmp_path / "b.ema").write_bytes(data.replace(b"ByteOrder 10", b"ByteOrder 77"))
    with pytest.raises(ArtimapError, match=r"b\.ema: unknown EST ByteOrder '77'"):
        read_ema(tmp_path / "b.ema")
    (tmp_path / "a.ema").write_text("0.0 1 " + " ".join(["1"] * 20) + "\n0.002 1 oops\n")
    with pytest.raises(ArtimapError, match=r"a\.ema: line 2: non-numeric"):
        read_ema(tmp_path / "a.ema")
