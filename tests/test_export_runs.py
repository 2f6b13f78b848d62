"""`artimap export` on trained runs and `artimap predict --backend onnx` against the torch
backend, in target units (mm for phone2face, [0, 1] image units for lip2tongue)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from artimap.cli import main
from artimap.models.onnx_runtime import OnnxModel, read_metadata

TOL = 1e-4


def close(got: np.ndarray, want: np.ndarray) -> bool:
    """Within TOL, plus the float32 spacing of the value: markers sit ~1500 mm from the
    capture origin, where one float32 step is 1.2e-4 mm."""
    return got.shape == want.shape and bool(
        (np.abs(got - want) <= TOL + np.spacing(np.abs(want).astype(np.float32))).all())


@pytest.fixture(scope="module")
def p2f_run(p2f_prepared, tmp_path_factory) -> Path:
    """A tiny phone2face run (dense decoder, 2 steps)."""
    from artimap.tasks.registry import resolve_config, train_run

    run = tmp_path_factory.mktemp("p2f_onnx") / "run"
    module, cfg = resolve_config({
        "task": "phone2face", "name": "tiny", "data": str(p2f_prepared), "decoder": "pca",
        "init": "injected", "model_config": {"hidden": 8},
        "train": {"epochs": 1, "max_steps": 2, "device": "cpu", "progress": False}})
    train_run(module, cfg, run)
    return run


def test_export_command_writes_the_parts_with_metadata(l2t_run, tmp_path, capsys):
    out = tmp_path / "l2t.onnx"
    assert main(["export", str(l2t_run), "--format", "onnx", "--out", str(out)]) == 0
    assert "exported" in capsys.readouterr().out
    info = read_metadata(out)
    assert info["model_name"] == "lip2tongue_ts_cnn_lstm"
    assert set(info["parts"]) == {"model", "frames", "flows"}
    assert (tmp_path / "l2t.frames.onnx").is_file() and (tmp_path / "l2t.flows.onnx").is_file()
    assert {"normalisation", "data", "model_config"} <= set(info["meta"])
    assert info["meta"]["data"]["fps"] > 0


def test_phone2face_onnx_backend_matches_torch(p2f_run, p2f_prepared, talker_tiny):
    from artimap.tasks.phone2face.predict import phone_frames
    from artimap.tasks.phone2face.predictor import load_predictor

    onnx_pred, meta = load_predictor(p2f_run, backend="onnx")
    torch_pred, _ = load_predictor(p2f_run, backend="torch")
    assert isinstance(onnx_pred.model, OnnxModel) and not isinstance(torch_pred.model, OnnxModel)
    info = read_metadata(p2f_run / "model.onnx")  # exported on the fly into the run
    assert info["meta"]["rate"] == meta["rate"] and info["meta"]["markers"] == meta["markers"]
    assert info["meta"]["phones"]["phones"] == list(meta["phones"]["phones"])
    assert info["meta"]["basis"]["kind"] == "pca"
    ids, _ = phone_frames(meta, talker_tiny / "s01" / "s01_0004.TextGrid", "phones")
    want = torch_pred(ids)  # (T, M, 3) mm
    got = onnx_pred(ids)
    assert close(got, want)


def test_phone2face_predict_command_backends_agree(p2f_run, talker_tiny, tmp_path):
    from artimap.io.c3d import read_c3d

    grid = talker_tiny / "s01" / "s01_0004.TextGrid"
    points = {}
    for backend in ("onnx", "torch"):
        out = tmp_path / backend
        argv = ["predict", str(p2f_run), "--alignment", str(grid), "--tier", "phones",
                "--no-video", "--backend", backend, "--out", str(out)]
        assert main(argv) == 0
        points[backend] = read_c3d(out / "s01_0004.c3d").points
    assert close(points["onnx"], points["torch"])


def test_lip2tongue_predict_onnx_matches_torch(l2t_run, talker_tiny, tmp_path):
    from artimap.models import load_model
    from artimap.tasks.export import run_onnx_model
    from artimap.tasks.lip2tongue.predict import choose_box, read_lips, stream_predict

    run = tmp_path / "run"
    shutil.copytree(l2t_run, run)  # the session run stays untouched
    model, meta = load_model(run / "best.pt")
    data = meta["data"]
    frames, _ = read_lips(talker_tiny / "s01" / "s01_0004.mp4", data["fps"])
    box = choose_box(None, data["rois"], frames, data["fps"])
    want, has, _ = stream_predict(model, meta, frames, box)
    got, has_onnx, _ = stream_predict(run_onnx_model(run), meta, frames, box)
    assert (run / "model.onnx").is_file() and np.array_equal(has, has_onnx) and has.any()
    assert np.abs(got[has] - want[has]).max() < TOL
    argv = ["predict", str(run), "--video", str(talker_tiny / "s01" / "s01_0004.mp4"),
            "--backend", "onnx", "--out", str(tmp_path / "pred")]
    assert main(argv) == 0 and (tmp_path / "pred" / "s01_0004.contour.csv").is_file()
