"""lip2tongue synchronisation: clocks, common span, resampling, summaries."""

import numpy as np
import pytest

from artimap.data.lip2tongue.sync import (
    common_span,
    output_clock,
    resample,
    resample_index,
    stream_times,
    synchronise,
)
from artimap.errors import ArtimapError


def test_stream_times_follow_the_aaa_clock():
    t = stream_times(4, 80.0, t0=0.5)
    assert np.allclose(t, [0.5, 0.5125, 0.525, 0.5375])


def test_common_span_and_no_overlap_names_both_files():
    lip = stream_times(60, 60.0)  # 0 .. 0.983 s
    assert common_span(lip, stream_times(100, 80.0, 0.5)) == pytest.approx((0.5, 59 / 60))
    with pytest.raises(ArtimapError, match=r"a\.mp4.*b\.ult.*do not overlap"):
        common_span(lip, stream_times(10, 80.0, t0=2.0), names=("a.mp4", "b.ult"))


def test_output_clock_keeps_all_frames_of_a_video_at_the_requested_rate():
    lip = stream_times(120, 60.118)  # TaL-like: within 2 % of 60 fps
    idx = output_clock(lip, 60.0, 0.5, 1.5)
    assert np.all(np.diff(idx) == 1)
    assert lip[idx[0]] >= 0.5 and lip[idx[-1]] <= 1.5


def test_output_clock_subsamples_a_faster_video():
    lip = stream_times(240, 120.0)
    idx = output_clock(lip, 60.0, 0.0, 1.99)
    assert np.all(np.diff(idx) == 2)  # every other frame: 60 fps out of 120


def test_output_clock_grid_does_not_depend_on_the_span():
    lip = stream_times(100, 50.0)  # resampled to 60 fps on a grid from the video's frame 0
    whole = output_clock(lip, 60.0, 0.0, float(lip[-1]))
    part = output_clock(lip, 60.0, 0.23, 1.5)  # e.g. a target starting 0.23 s in
    at = int(np.flatnonzero(whole == part[0])[-1])
    assert np.array_equal(part, whole[at:at + len(part)])
    assert lip[part[0]] >= 0.23 and lip[part[-1]] <= 1.5


def test_nearest_resampling_picks_the_closest_frame_and_counts_drops():
    lip = stream_times(60, 60.0)
    ult = stream_times(100, 81.5, t0=0.2)
    res = synchronise(lip, ult, fps=60.0)
    expect = np.rint((res.times - 0.2) * 81.5).astype(int)
    assert np.array_equal(res.target_index, expect)
    s = res.summary
    assert s["n_frames"] == len(res.times) == 48  # lip frames 12..59 lie in [0.2, 0.983]
    assert s["lip_outside_span"] == 12 and s["lip_duplicated"] == 0
    # 81.5 -> 60 fps: about a quarter of the ultrasound frames inside the span are not used
    assert s["target_dropped"] == 64 - len(np.unique(expect)) and s["target_duplicated"] == 0
    assert s["target_outside_span"] == 100 - 64


def test_slower_target_is_duplicated():
    res = synchronise(stream_times(60, 60.0), stream_times(30, 30.0))
    assert res.summary["target_duplicated"] > 0 and res.summary["target_dropped"] == 0


def test_linear_resampling_interpolates_in_time():
    times = np.array([0.0, 0.1, 0.2])
    index, weight = resample_index(times, np.array([0.05, 0.15, 0.2]), "linear")
    assert np.array_equal(index, [0, 1, 1]) and np.allclose(weight, [0.5, 0.5, 1.0])
    points = np.array([[[0.0, 0.0]], [[2.0, 4.0]], [[np.nan, 8.0]]], np.float32)  # (F_t, 1, 2)
    out = resample(points, index, weight)
    assert np.allclose(out[0], [[1.0, 2.0]])
    assert np.isnan(out[1, 0, 0]) and out[1, 0, 1] == pytest.approx(6.0)  # NaN propagates
    images = np.array([[[0]], [[100]], [[200]]], np.uint8)
    assert resample(images, index, weight).ravel().tolist() == [50, 150, 200]


def test_unknown_mode_lists_the_choices():
    with pytest.raises(ArtimapError, match="nearest, linear"):
        resample_index(np.arange(3.0), np.arange(3.0), "cubic")
