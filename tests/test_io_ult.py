"""AAA .ult/.param reading and writing, on synthetic files and the real File156 sample."""

from pathlib import Path

import numpy as np
import pytest

from artimap.errors import ArtimapError
from artimap.io.ult import UltParams, find_param, read_param, read_ult, write_param, write_ult

DATA = Path(__file__).resolve().parents[1] / "../shared/data"
FILE156 = DATA / "aaa_ult/File156_gap/File156.ult"


def needs_data(path: Path) -> None:
    if not path.exists():
        pytest.skip("../shared/data not present (real AAA sample)")


def _params() -> UltParams:
    return UltParams(num_vectors=4, pix_per_vector=6, zero_offset=2, angle=0.03,
                     pixels_per_mm=5.0, frames_per_sec=100.0, time_first_frame=0.5)


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    frames = rng.integers(0, 256, (5, 4, 6), dtype=np.uint8)
    write_ult(tmp_path / "a.ult", frames)
    write_param(tmp_path / "a.param", _params())
    assert read_param(tmp_path / "a.param") == _params()
    got = read_ult(tmp_path / "a.ult")
    assert isinstance(got, np.memmap)
    np.testing.assert_array_equal(got, frames)
    np.testing.assert_array_equal(read_ult(tmp_path / "a.ult", mmap=False), frames)
    np.testing.assert_allclose(_params().frame_times(3), [0.5, 0.51, 0.52])


def test_find_param_names(tmp_path):
    ult = tmp_path / "rec.ult"
    write_ult(ult, np.zeros((1, 4, 6), np.uint8))
    write_param(tmp_path / "US.txt", _params())
    assert find_param(ult).name == "US.txt"
    write_param(tmp_path / "recUS.txt", _params())
    assert find_param(ult).name == "recUS.txt"
    write_param(tmp_path / "rec.param", _params())
    assert find_param(ult).name == "rec.param"


def test_missing_param_names_candidates(tmp_path):
    ult = tmp_path / "rec.ult"
    write_ult(ult, np.zeros((1, 4, 6), np.uint8))
    with pytest.raises(ArtimapError, match=r"rec\.ult.*rec\.param, recUS\.txt, US\.txt"):
        read_ult(ult)


def test_missing_ult(tmp_path):
    with pytest.raises(ArtimapError, match=r"gone\.ult: ultrasound file not found"):
        read_ult(tmp_path / "gone.ult")


def test_truncated_ult(tmp_path):
    ult = tmp_path / "t.ult"
    ult.write_bytes(bytes(3 * 24 + 7))
    with pytest.raises(ArtimapError, match=r"t\.ult.*3 whole frames.*7 bytes left over"):
        read_ult(ult, _params())


def test_missing_key(tmp_path):
    p = tmp_path / "x.param"
    p.write_text("NumVectors=4\r\nZeroOffset=2\r\n")
    with pytest.raises(ArtimapError, match=r"x\.param: missing key PixPerVector"):
        read_param(p)


def test_non_numeric_key(tmp_path):
    p = tmp_path / "x.param"
    p.write_text("NumVectors=4\nPixPerVector=6\nZeroOffset=2\nAngle=wide\n")
    with pytest.raises(ArtimapError, match=r"x\.param: key Angle has non-numeric value 'wide'"):
        read_param(p)


def test_bits_per_pixel(tmp_path):
    p = tmp_path / "x.param"
    p.write_text("NumVectors=4\nPixPerVector=6\nZeroOffset=2\nBitsPerPixel=16\nFramesPerSec=80\n"
                 "TimeInSecsOfFirstFrame=0.1\n")
    with pytest.raises(ArtimapError, match=r"x\.param: BitsPerPixel=16"):
        read_param(p)


def test_real_file156():
    needs_data(FILE156)
    frames = read_ult(FILE156)
    assert frames.shape == (229, 63, 256)
    assert frames.dtype == np.uint8
    assert find_param(FILE156).name == "File156US.txt"
    params = read_param(find_param(FILE156))
    assert params.zero_offset == 32 and params.angle == pytest.approx(0.038)
    assert params.frames_per_sec == pytest.approx(122.586)
    assert 5 < float(frames[100].mean()) < 250  # real echoes, not an empty file


def test_real_tal_param():
    p = DATA / "tal/088_aud.param"
    needs_data(p)
    params = read_param(p)
    assert (params.num_vectors, params.pix_per_vector, params.zero_offset) == (64, 842, 210)
    assert params.kind == 1
    assert params.time_first_frame == pytest.approx(0.97092)
