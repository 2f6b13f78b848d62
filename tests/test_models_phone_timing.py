"""Phone-timing inputs of the phone2face BiGRU (`artimap.models.phone_timing`, config `timing`):
known features on a hand-made sequence, padding kept out, the same numbers through onnxruntime,
and a timing row trained and evaluated through the task."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from artimap.config import read_yaml
from artimap.models.bigru import build
from artimap.models.onnx_runtime import OnnxModel, read_metadata
from artimap.models.phone_timing import phone_timing
from artimap.tasks.registry import load_config_file, train_run

CONFIGS = Path(__file__).resolve().parents[1] / "configs" / "phone2face"
SMOKE = read_yaml(CONFIGS / "paper.yaml")["smoke"]


def test_features_of_a_hand_made_sequence() -> None:
    # runs at 10 fps: 3 x id 3 (0.3 s), 2 x id 1, 4 x id 2, 1 x id 0; row 2 pads after 4 frames
    phones = torch.tensor([[3, 3, 3, 1, 1, 2, 2, 2, 2, 0],
                           [5, 5, 4, 4, 4, 4, -1, -1, -1, -1]])
    got = phone_timing(phones, fps=10.0, lengths=torch.tensor([10, 4]))  # (2, 10, 2)
    position = [[1 / 6, 3 / 6, 5 / 6, 1 / 4, 3 / 4, 1 / 8, 3 / 8, 5 / 8, 7 / 8, 1 / 2],
                [1 / 4, 3 / 4, 1 / 4, 3 / 4, 0, 0, 0, 0, 0, 0]]
    # durations in tenths of a second; the run of id 4 stops at the length (2 frames, not 4)
    duration = [[3, 3, 3, 2, 2, 4, 4, 4, 4, 1], [2, 2, 2, 2, 0, 0, 0, 0, 0, 0]]
    torch.testing.assert_close(got, torch.tensor([position, duration]).permute(1, 2, 0).float())
    # without lengths every frame counts: the padded row's id 4 and -1 runs are 4 frames each
    whole = phone_timing(phones, fps=10.0)
    assert whole[1, 2:, 1].tolist() == [4.0] * 8
    torch.testing.assert_close(whole[0], got[0])


def test_timing_changes_the_model_and_padding_does_not_leak() -> None:
    torch.manual_seed(0)
    model = build({"n_phones": 6, "n_out": 4, "hidden": 8, "timing": True, "fps": 30.0}).eval()
    assert model.gru.input_size == 6 + 2
    phones = torch.tensor([[1, 1, 1, 1, 2, 2, 3, 3, 3, 3], [4, 4, 5, 5, 5, 5, 5, 5, 5, 5]])
    lengths = torch.tensor([10, 4])
    with torch.no_grad():
        batched = model(phones, lengths)
        alone = model(phones[1:, :4], lengths[1:])
        # the same ids with a longer first run: its frames read a different duration
        longer = model(torch.tensor([[1, 1, 1, 1, 1, 1, 2, 3, 3, 3]]))
    torch.testing.assert_close(batched[1:, :4], alone)
    assert (longer[0, 0] - batched[0, 0]).abs().max() > 1e-4


def test_onnxruntime_computes_the_same_features() -> None:
    torch.manual_seed(1)
    model = build({"n_phones": 5, "n_out": 6, "hidden": 8, "timing": True, "fps": 50.0,
                   "decoder": "latent", "latent_dim": 3}).eval()
    onnx_model = OnnxModel.from_torch("phone2face_bigru", model)
    for b, t in [(1, 70), (3, 13), (2, 1)]:
        # long runs (repeats of 1 to 8 frames) so positions and durations vary
        runs = torch.randint(1, 9, (b, t))
        phones = torch.stack([torch.randint(0, 5, (t,)).repeat_interleave(r)[:t] for r in runs])
        with torch.no_grad():
            want = model(phones)
        assert (onnx_model(phones) - want).abs().max() < 1e-4


@pytest.fixture(scope="module")
def timing_run(p2f_prepared, tmp_path_factory) -> Path:
    """The pca_injected row with timing on, two training steps, evaluated on its test split."""
    module, cfg = load_config_file(CONFIGS / "pca_injected.yaml",
                                   [*SMOKE, f"data={p2f_prepared}", "model_config.timing=true"])
    run = tmp_path_factory.mktemp("p2f_timing") / "run"
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_run(module, cfg, run)
        module.evaluate_run(run, "test")
    finally:
        torch.set_num_threads(old)
    return run


def test_timing_row_trains_and_evaluates_through_the_task(timing_run, p2f_prepared):
    from artimap.models import load_model

    model, meta = load_model(timing_run / "best.pt")
    rate = json.loads((p2f_prepared / "manifest.json").read_text())["rate"]
    assert model.config.timing and model.config.fps == pytest.approx(rate)
    metrics = json.loads((timing_run / "eval" / "metrics.json").read_text())
    assert 0 < metrics["metrics"]["rmse_mm"]["mean"] < 50


def test_timing_run_exports_and_predicts_alike(timing_run):
    from artimap.models import load_model
    from artimap.tasks.export import run_onnx_model
    from artimap.tasks.phone2face.predictor import Predictor

    onnx_model = run_onnx_model(timing_run)  # writes RUN_DIR/model.onnx
    assert read_metadata(timing_run / "model.onnx")["model_config"]["timing"] is True
    model, meta = load_model(timing_run / "best.pt")
    phones = torch.tensor([0, 0, 0, 2, 2, 1, 1, 1, 1, 1, 3, 3])
    via_onnx = Predictor(onnx_model, meta)(phones)
    via_torch = Predictor(model, meta, backend="torch")(phones)
    assert abs(via_onnx - via_torch).max() < 1e-3  # mm
