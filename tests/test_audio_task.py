"""audio2tongue end to end on a tiny talker corpus: 2-step training with the smoke config,
evaluation beside the floor and ridge references, the report's figure, prediction from a wav
(contour CSV, DLC-style points CSV, ultrasound video)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pytest

from artimap.data.audio2tongue.prepare import prepare
from artimap.data.audio2tongue.utterance import Settings
from artimap.io.video import read_video
from artimap.tasks.registry import load_config_file, train_run

SMOKE = Path(__file__).resolve().parents[1] / "configs" / "audio2tongue" / "smoke.yaml"


def _run(data: Path, out: Path):
    module, cfg = load_config_file(SMOKE, [f"data={data}", "train.progress=false"])
    train_run(module, cfg, out)
    return module, module.evaluate_run(out, "test")


@pytest.fixture(scope="module")
def contour_run(talker_tiny, tmp_path_factory):
    root = tmp_path_factory.mktemp("a2t_run")
    prepare(talker_tiny, root / "data", Settings(target="contour"), split=(2, 1, 1))
    module, metrics = _run(root / "data", root / "run")
    return module, metrics, root / "run"


def test_train_evaluate_reports_model_and_references(contour_run):
    """A talker corpus: floor, ridge, the phone oracle and the state ceiling, every row scored
    the same way; the gap runs from the floor to the ceiling, which the true state reaches far
    better than the mean (the contour is the tongue state's shape)."""
    _, metrics, run = contour_run
    assert metrics["units"]["point_error"] == "mm" and metrics["n_frames"] > 0
    refs = metrics["references"]
    assert set(refs) == {"train_mean", "ridge_mel", "state_oracle", "phone_oracle"}
    for section in (metrics["metrics"], *refs.values()):
        assert np.isfinite(section["point_error"]["mean"]) and np.isfinite(section["msd"]["mean"])
    floor, top = refs["train_mean"]["point_error"]["mean"], refs["state_oracle"]["point_error"]
    assert top["mean"] < 0.5 * floor  # measured 0.13 of the floor (0.235 vs 1.825 mm)
    assert refs["train_mean"]["gap_closed"]["mean"] == 0.0
    assert refs["state_oracle"]["gap_closed"]["mean"] == 1.0
    assert "gap_closed" in metrics["metrics"] and "best on validation" in \
        refs["phone_oracle"]["description"]
    assert json.loads((run / "eval" / "metrics.json").read_text())["task"] == "audio2tongue"


def test_report_figure_tracks_the_tongue_height(contour_run):
    module, _, run = contour_run
    experiment = {"runs": [{"name": "smoke", "run_dirs": [str(run)]}]}
    (caption, fig), = module.report_figures(experiment)
    assert "height of contour point" in caption
    lines = fig.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["true", "smoke"]
    assert len(lines[0].get_xdata()) == len(lines[1].get_xdata()) > 1


def test_predict_writes_a_contour_per_target_frame(contour_run, talker_tiny, tmp_path):
    module, _, run = contour_run
    wav = next((talker_tiny / "s01").glob("*.wav"))
    args = argparse.Namespace(audio=str(wav), start=0.5, out=str(tmp_path), overwrite=False)
    module.predict(run, args)
    rows = (tmp_path / f"{wav.stem}.contour.csv").read_text().splitlines()
    times = (tmp_path / f"{wav.stem}.times.csv").read_text().splitlines()[1:]
    n_points = 24
    assert len(rows) - 1 == len(times) * n_points
    assert times[0] == "0,0.500000"


def test_image_targets_round_trip_to_a_video(talker_tiny, tmp_path):
    prepare(talker_tiny, tmp_path / "data", Settings(target="image", target_size=(16, 12)),
            split=(2, 1, 1))
    module, metrics = _run(tmp_path / "data", tmp_path / "run")
    assert 0 < metrics["metrics"]["ssim"]["mean"] <= 1 and "rmse" in metrics["references"][
        "ridge_mel"]
    wav = next((talker_tiny / "s01").glob("*.wav"))
    module.predict(tmp_path / "run", argparse.Namespace(audio=str(wav), start=0.0,
                                                        out=str(tmp_path / "p"),
                                                        overwrite=False))
    frames, _ = read_video(tmp_path / "p" / f"{wav.stem}.mp4")
    assert frames.shape[1:] == (16, 12)


def test_tal_points_predict_a_dlc_csv(tmp_path):
    from artimap.io.dlc import read_dlc_csv
    tal = Path(__file__).resolve().parents[1] / "../shared/data/tal"
    if not tal.is_dir():
        pytest.skip("../shared/data not present (tal)")
    prepare(tal, tmp_path / "data", Settings(target="points"), split=(1, 0, 1))
    module, metrics = _run(tmp_path / "data", tmp_path / "run")
    assert metrics["units"]["point_error"] == "px"
    module.predict(tmp_path / "run", argparse.Namespace(
        audio=str(tal / "133_aud.wav"), start=0.96094, out=str(tmp_path / "p"), overwrite=False))
    dlc = read_dlc_csv(tmp_path / "p" / "133_aud.points.csv")
    assert dlc.bodyparts[0] == "vallecula" and dlc.points.shape[1:] == (14, 2)
    assert len(dlc.points) == int((6.757333 - 0.96094) * 60) + 1
