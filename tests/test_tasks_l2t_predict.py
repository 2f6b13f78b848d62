"""`artimap predict` for lip2tongue runs: streamed prediction, videos and contour CSV."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_tasks_l2t import command

from artimap.errors import ArtimapError
from artimap.io.video import read_video, write_video


def test_predict_writes_videos_and_contours(l2t_run, talker_tiny, tmp_path):
    video, ult = talker_tiny / "s01" / "s01_0004.mp4", talker_tiny / "s01" / "s01_0004.ult"
    out = tmp_path / "pred"
    argv = [str(l2t_run), "--video", str(video), "--ultrasound", str(ult), "--out", str(out)]
    assert command("predict", argv) == 0
    info = json.loads((out / "s01_0004.predict.json").read_text())
    lips, fps = read_video(video)
    n = info["n_frames"]
    assert abs(n - len(lips)) <= 1 and fps == pytest.approx(60, abs=0.5)
    assert info["n_predicted"] == n - 6  # clips of 7 frames, aligned with their last frame
    pred, _ = read_video(out / "s01_0004.ultrasound.mp4")
    assert pred.shape == (n, 128, 64)
    assert pred[:6].max() <= 16 and pred[6:].mean() > 5  # black before the first full clip
    side, _ = read_video(out / "s01_0004.side.mp4", gray=False)
    panel = 240 * 64 // 128  # each ultrasound panel keeps the 128x64 target's aspect
    assert side.shape == (n, 240, 240 + 4 + panel + 4 + panel, 3)  # lips | prediction | real
    real_panel = side[n // 2, :, -panel:].astype(float)
    assert real_panel.std() > 10  # the real ultrasound is there
    rows = (out / "s01_0004.contour.csv").read_text().splitlines()
    assert rows[0] == "frame,time_s,point,x,y" and len(rows) == 1 + 64 * (n - 6)
    first = rows[1].split(",")
    assert first[0] == "6" and float(first[1]) == pytest.approx(6 / 60, abs=1e-3)


def test_predict_rejects_a_video_shorter_than_a_clip(l2t_run, tmp_path):
    short = tmp_path / "short.mp4"
    write_video(short, np.full((3, 240, 320), 120, np.uint8), 60.0)
    with pytest.raises(ArtimapError, match="fewer than the 7 of one clip"):
        command("predict", [str(l2t_run), "--video", str(short), "--roi", "10,10,64,64",
                            "--out", str(tmp_path / "p")])


def test_streamed_prediction_matches_the_evaluated_clips(l2t_run, l2t_prepared, talker_tiny):
    """predict's video path (clock, crop, flow per frame, streaming, alignment) reproduces
    the model outputs evaluate computes from the prepared arrays."""
    from artimap.data.prepared import Prepared
    from artimap.models import load_model
    from artimap.tasks.lip2tongue.evaluate import eval_dataset, predict_clips
    from artimap.tasks.lip2tongue.predict import choose_box, read_lips, stream_predict
    from artimap.tasks.lip2tongue.task import Normaliser
    from artimap.tasks.registry import load_run

    model, meta = load_model(l2t_run / "best.pt")
    data = meta["data"]
    frames, _ = read_lips(talker_tiny / "s01" / "s01_0004.mp4", data["fps"])
    box = choose_box(None, data["rois"], frames, data["fps"])  # the training box
    outs, has, crops = stream_predict(model, meta, frames, box)  # crops (F, S, S)
    _, cfg = load_run(l2t_run)
    ds = eval_dataset(cfg, "test")
    test_id = json.loads((l2t_prepared / "split.json").read_text())["test"][0]
    entry = next(u for u in ds.manifest["utterances"] if u["id"] == test_id)
    first = Prepared.open(l2t_prepared, "lip2tongue").array("frames")[entry["offset"]]
    lag = next(j for j in range(len(crops)) if np.array_equal(crops[j], first))
    norm = Normaliser(meta["normalisation"], meta["normalise_inputs"], meta["normalise_target"])
    model, _ = load_model(l2t_run / "best.pt")  # stream_predict changed the memory layout
    got = predict_clips(model, norm, ds, np.arange(0, len(ds), 9), 16, "cpu")
    assert len(got["frame"]) >= 10
    for k, pred in zip(got["frame"], got["pred"]):
        assert has[lag + k]
        np.testing.assert_allclose(outs[lag + k] * 255, pred, atol=0.05)
