"""Image-frame folders (SSC style) and their pairing."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from artimap.errors import ArtimapError
from artimap.io.frames import list_frames, natural_key, read_frame_folder, read_paired_frames
from artimap.io.video import read_video

DATA = Path(__file__).resolve().parents[1] / "../shared/data"


def _write(folder: Path, names, size=(12, 16)):
    folder.mkdir(parents=True, exist_ok=True)
    for k, name in enumerate(names):
        img = np.full(size, 10 * k, np.uint8)
        assert cv2.imwrite(str(folder / name), img)


def test_natural_order_and_formats(tmp_path):
    names = ["f10.png", "f2.bmp", "f1.tif", "f3.png"]  # lossless formats: values survive
    _write(tmp_path / "u", names)
    (tmp_path / "u" / "notes.txt").write_text("not a frame")
    assert [p.name for p in list_frames(tmp_path / "u")] == ["f1.tif", "f2.bmp", "f3.png",
                                                             "f10.png"]
    frames = read_frame_folder(tmp_path / "u")
    assert frames.shape == (4, 12, 16) and frames.dtype == np.uint8
    assert frames[:, 0, 0].tolist() == [20, 10, 30, 0]  # written in `names` order
    assert natural_key("img2.png") < natural_key("img10.png")


def test_colour_and_jpg_become_gray(tmp_path):
    (tmp_path / "c").mkdir()
    cv2.imwrite(str(tmp_path / "c" / "0.jpg"), np.full((8, 8, 3), 128, np.uint8))
    frames = read_frame_folder(tmp_path / "c")
    assert frames.shape == (1, 8, 8) and abs(int(frames[0, 4, 4]) - 128) <= 2


def test_paired(tmp_path):
    _write(tmp_path / "ult", [f"{k}.png" for k in range(5)], size=(20, 30))
    _write(tmp_path / "lip", [f"lip{k:03d}.png" for k in range(5)], size=(24, 32))
    ult, lips = read_paired_frames(tmp_path / "ult", tmp_path / "lip")
    assert ult.shape == (5, 20, 30) and lips.shape == (5, 24, 32)


def test_errors_name_the_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArtimapError, match=r"empty: no image frames in the folder"):
        read_frame_folder(tmp_path / "empty")
    with pytest.raises(ArtimapError, match=r"missing: frame folder not found"):
        read_frame_folder(tmp_path / "missing")
    _write(tmp_path / "ult", ["0.png", "1.png", "2.png"])
    _write(tmp_path / "lip", ["0.png", "1.png"])
    with pytest.raises(ArtimapError, match=r"ult: 3 ultrasound frames but 2 lip frames"):
        read_paired_frames(tmp_path / "ult", tmp_path / "lip")
    _write(tmp_path / "mixed", ["0.png"], size=(10, 10))
    _write(tmp_path / "mixed", ["1.png"], size=(10, 12))
    with pytest.raises(ArtimapError, match=r"1\.png: size 12x10 differs"):
        read_frame_folder(tmp_path / "mixed")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "0.png").write_bytes(b"not a png")
    with pytest.raises(ArtimapError, match=r"0\.png: cannot read the image"):
        read_frame_folder(tmp_path / "bad")


def test_real_labelled_frames_are_video_frames():
    """`imgN.png` of a DeepLabCut labelled set is frame N (from 0) of its source video."""
    folder = DATA / "ultrasound_labels/labeled-data/05TD1M001"
    if not folder.exists():
        pytest.skip("../shared/data not present (ultrasound labels)")
    files = list_frames(folder)
    frames = read_frame_folder(folder)
    assert frames.shape == (len(files), 240, 320)
    video, _ = read_video(DATA / "ultrasound_labels/videos/05TD1M001.avi")
    for path, img in list(zip(files, frames, strict=True))[:5]:
        n = int(path.stem[3:])
        assert np.abs(video[n].astype(int) - img).mean() < 0.5
        assert np.abs(video[n + 1].astype(int) - img).mean() > 1.0
