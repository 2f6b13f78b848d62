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


def _lip_line_box(frame: np.ndarray) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) of the largest thin dark horizontal structure (the line between the
    lips) in rows 50-160 of a 320x240 TaL lip frame (where these recordings have the mouth)."""
    import cv2
    from scipy import ndimage

    line = cv2.getStructuringElement(cv2.MORPH_RECT, (1, 31))
    hat = cv2.morphologyEx(cv2.GaussianBlur(frame, (0, 0), 1.5), cv2.MORPH_BLACKHAT, line)
    mask = hat > 12
    mask[:50] = mask[160:] = False
    mask[:, :3] = mask[:, -3:] = False  # the frame's own border
    labels, n = ndimage.label(mask)
    if n == 0:
        return None
    sizes = ndimage.sum(mask, labels, np.arange(1, n + 1))
    ys, xs = np.nonzero(labels == 1 + int(np.argmax(sizes)))
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


@pytest.mark.parametrize("name, right_corner", [("088", 290), ("133", 295)])
def test_auto_box_contains_the_lips_on_every_frame_of_real_close_ups(name, right_corner):
    """TaL close-ups: the lips span nearly the whole width; the corners hardly move, so motion
    alone cut off the right corner (x ~ 295 of 320, read off the frames)."""
    video = DATA / f"tal/{name}_aud.mp4"
    if not video.is_file():
        pytest.skip("../shared/data not present (tal)")
    from artimap.io.video import read_video

    frames, fps = read_video(video)
    box = auto_box(frames, fps)
    assert box.x + box.w >= right_corner and box.w / box.h <= 1.25 + 0.02
    lips = [_lip_line_box(f) for f in frames]
    inside = [b is not None and _contains(box, *b) for b in lips]
    assert np.mean(inside) >= 0.99, f"{name}: lips outside {box} in {inside.count(False)} frames"
