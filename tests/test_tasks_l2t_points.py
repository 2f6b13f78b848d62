"""lip2tongue with tongue-point targets (the talker's true contour, mm): train, evaluate,
predict a DeepLabCut-style CSV."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import smoke_config
from test_tasks_l2t import command

from artimap.tasks.registry import train_run


@pytest.fixture(scope="module")
def points_run(talker_tiny, tmp_path_factory):
    from artimap.data.lip2tongue.prepare import prepare
    from artimap.data.lip2tongue.utterance import Settings

    root = tmp_path_factory.mktemp("l2t_points")
    prepare(talker_tiny, root / "prepared", Settings(target="points", image_size=24), workers=1)
    module, cfg = smoke_config(root / "prepared", "target_position=centre")
    train_run(module, cfg, root / "run")
    return root / "run", module.evaluate_run(root / "run", "test")


def test_points_metrics_and_references(points_run):
    run, metrics = points_run
    assert set(metrics["metrics"]) == {"point_error", "msd"}
    assert "mm" in metrics["units"]["point_error"]
    model_err = metrics["metrics"]["point_error"]["mean"]
    ref_err = metrics["references"]["train_mean"]["point_error"]["mean"]
    assert model_err > 0 and ref_err > 0 and metrics["metrics"]["msd"]["mean"] <= model_err
    assert metrics["settings"]["target_position"] == "centre"
    with np.load(run / "eval" / "samples.npz") as z:
        assert z["real"].shape == (4, 24, 2) and z["pred"].shape == (4, 24, 2)


def test_points_predict_writes_dlc_csv(points_run, talker_tiny, tmp_path):
    run, _ = points_run
    video = talker_tiny / "s01" / "s01_0002.mp4"
    assert command("predict", [str(run), "--video", str(video), "--out", str(tmp_path)]) == 0
    lines = (tmp_path / "s01_0002.contour.csv").read_text().splitlines()
    assert lines[0].startswith("scorer,artimap") and lines[1].startswith("bodyparts,p0,p0,p0")
    assert lines[2].startswith("coords,x,y,likelihood")
    info = json.loads((tmp_path / "s01_0002.predict.json").read_text())
    assert len(lines) == 3 + info["n_frames"]
    centre = 3  # clips of 7, aligned with their centre frame: frames 0-2 and the last 3 empty
    assert lines[3 + centre - 1].split(",")[1] == "" and lines[3 + centre].split(",")[3] == "1"
    assert lines[3 + info["n_frames"] - 3].split(",")[1] == ""
    assert (tmp_path / "s01_0002.side.mp4").stat().st_size > 0
