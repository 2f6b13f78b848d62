"""lip2tongue mouth ROI: manual boxes, the automatic box on fake and real lip videos, cropping."""

import json
from pathlib import Path

import numpy as np
import pytest

from artimap.data.lip2tongue.inputs import crop_frames
from artimap.data.lip2tongue.roi import (
    Box,
    auto_box,
    box_for,
    pad_box,
    parse_box,
    parse_roi_spec,
)
from artimap.errors import ArtimapError
from artimap.testing.lip2tongue import MOUTH_BOX, lip_frames

DATA = Path(__file__).resolve().parents[1] / "../shared/data"
LIPS = DATA / "lip_labels"


def _contains(box: Box, x0, y0, x1, y1) -> bool:
    return box.x <= x0 and box.y <= y0 and box.x + box.w >= x1 and box.y + box.h >= y1


def test_parse_box_and_specs(tmp_path):
    assert parse_box("10, 20,30,40") == Box(10, 20, 30, 40)
    with pytest.raises(ArtimapError, match="X,Y,W,H"):
        parse_box("10,20,30")
    with pytest.raises(ArtimapError, match="positive"):
        parse_box("0,0,0,5")
    table = tmp_path / "roi.json"
    table.write_text(json.dumps({"s1": [1, 2, 3, 4], "*": [5, 6, 7, 8]}))
    spec = parse_roi_spec(str(table))
    assert box_for(spec, "s1") == Box(1, 2, 3, 4) and box_for(spec, "s9") == Box(5, 6, 7, 8)
    assert box_for("auto", "s1") is None
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2")
    with pytest.raises(ArtimapError, match=r"bad\.json: cannot read the ROI table"):
        parse_roi_spec(str(bad))


def test_pad_box_is_square_ish_and_inside_the_frame():
    box = pad_box(10, 50, 100, 20, (120, 160), margin=0.1, max_aspect=1.25)
    assert box.w / box.h <= 1.25 + 0.02
    assert box.x >= 0 and box.y >= 0 and box.x + box.w <= 160 and box.y + box.h <= 120


def test_auto_box_finds_the_moving_mouth_not_the_blinking_overlay():
    frames = lip_frames(90, 60.0)
    x, y, w, h = MOUTH_BOX
    box = auto_box(frames)
    assert _contains(box, x, y, x + w, y + h)
    assert box.w * box.h < 4 * w * h


def test_crop_frames_shape_and_grayscale():
    colour = np.zeros((3, 40, 50, 3), np.uint8)
    colour[:, 10:20, 10:30] = 200
    out = crop_frames(colour, Box(10, 10, 20, 10), 16)
    assert out.shape == (3, 16, 16) and out.dtype == np.uint8 and out.min() == 200
    assert crop_frames(colour[..., 0], Box(0, 0, 50, 40), (8, 10)).shape == (3, 8, 10)


def _lip_labels() -> dict[int, np.ndarray]:
    """{frame N: (8, 2) labelled lip points} (imgN.png is frame N of the video)."""
    from artimap.io.dlc import read_dlc_csv

    labels = read_dlc_csv(LIPS / "labeled-data/002_cal/CollectedData_AW.csv")
    return {int(str(name).rsplit("img", 1)[1].split(".")[0]): pts
            for name, pts in zip(labels.index, labels.points)}


@pytest.mark.filterwarnings("ignore:.*frames decode")  # the AVI states twice its rate
def test_auto_box_contains_hand_labelled_lips_on_real_video():
    if not LIPS.is_dir():
        pytest.skip("../shared/data not present (lip_labels)")
    from artimap.io.video import read_video

    frames, fps = read_video(LIPS / "videos/002_cal.avi")
    labels = _lip_labels()
    assert len(labels) == 7 and max(labels) < len(frames)
    box = auto_box(frames, fps)
    for n, pts in labels.items():
        x0, y0 = np.nanmin(pts, axis=0)
        x1, y1 = np.nanmax(pts, axis=0)
        assert _contains(box, x0, y0, x1, y1), f"img{n}: lips outside {box}"
    allp = np.concatenate(list(labels.values()))
    (x0, y0), (x1, y1) = np.nanmin(allp, axis=0), np.nanmax(allp, axis=0)
    ratio = box.w * box.h / ((x1 - x0) * (y1 - y0))
    assert ratio < 6, f"ROI {box} is {ratio:.1f}x the labelled lips' bounding box"
