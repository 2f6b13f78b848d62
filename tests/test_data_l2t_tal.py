"""lip2tongue on real TaL recordings (read in place from ../shared/data/tal): DLC point rows are
paired with the lip frames at the same time, on the documented clock

    row k at TimeInSecsOfFirstFrame + k / 60 s on the lip video's clock.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from artimap.data.lip2tongue import Lip2TongueDataset
from artimap.data.lip2tongue.prepare import prepare
from artimap.data.lip2tongue.utterance import Settings

TAL = Path(__file__).resolve().parents[1] / "../shared/data/tal"


@pytest.fixture(scope="module")
def tal_points(tmp_path_factory):
    if not TAL.is_dir():
        pytest.skip("../shared/data not present (tal)")
    out = tmp_path_factory.mktemp("tal") / "points"
    prepare(TAL, out, Settings(target="points", flow="dis"), split=(1, 0, 0))
    return out


def test_point_rows_pair_with_lip_frames_at_the_same_time(tal_points):
    from artimap.io.dlc import read_dlc_csv
    from artimap.io.ult import read_param
    from artimap.io.video import video_info

    m = json.loads((tal_points / "manifest.json").read_text())
    assert [u["id"] for u in m["utterances"]] == ["088_aud", "133_aud"] and not m["skipped"]
    assert len(m["point_names"]) == 14 and m["point_names"][0] == "vallecula"
    targets = np.load(tal_points / "targets.npy")  # (F, 14, 2)
    for u in m["utterances"]:
        stem = TAL / u["id"]
        t0 = read_param(stem.with_suffix(".param")).time_first_frame
        dlc = read_dlc_csv(Path(u["files"]["target"]), min_likelihood=0.6).points  # (R, 14, 2)
        info = video_info(stem.with_suffix(".mp4"))
        # The rows end before the video does: counts agree with the documented clock.
        last_row_t = t0 + (len(dlc) - 1) / 60
        assert last_row_t <= info.n_frames / info.fps
        assert u["sync"]["target_frames"] == len(dlc)
        assert u["sync"]["lip_frames"] == info.n_frames and u["sync"]["lip_dropped"] == 0
        lip_t = np.arange(info.n_frames) / info.fps
        first = int(np.ceil(t0 * info.fps - 1e-9))  # first lip frame after the ultrasound starts
        rows = targets[u["offset"]:u["offset"] + u["n_frames"]]
        t = lip_t[first:first + u["n_frames"]]
        k = np.rint((t - t0) * 60).astype(int)  # the row at the same time as each lip frame
        assert np.abs(t0 + k / 60 - t).max() <= 0.5 / 60 + 1e-9
        assert np.allclose(rows, dlc[k], equal_nan=True)
        assert u["sync"]["target_dropped"] + u["sync"]["target_duplicated"] <= 3
    item = Lip2TongueDataset(tal_points, "train", clip_len=7)[0]
    assert item["target"].shape == (14, 2) and item["frames"].shape == (7, 1, 96, 96)


def test_lip_clock_of_an_avi_that_states_twice_its_rate():
    avi = TAL.parent / "lip_labels/videos/002_cal.avi"
    if not avi.is_file():
        pytest.skip("../shared/data not present (lip_labels)")
    from artimap.data.lip2tongue.sources import Utterance
    from artimap.data.lip2tongue.streams import load_lips

    with pytest.warns(UserWarning, match="728 frames at 120.178 fps but 364 frames decode"):
        frames, times, fps = load_lips(Utterance("002_cal", "s", avi, avi, "ult"))
    # OpenCV's decode timestamps are 16.642 ms apart: the real rate is about 60.09 fps
    assert len(frames) == 364 and fps == pytest.approx(1000 / 16.642, abs=0.02)
    assert times[-1] == pytest.approx(363 / fps)
