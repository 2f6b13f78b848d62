"""ONNX export at every lip size the configs and RESULTS recipes use (16 and 24 px tiny, 32 px
demo, 48 px TaL, 64, 96 px paper) for every lip2tongue family, with the pooling grids they
keep at full scale (ConvLSTM decoder grid 24, tower pool 4): the graphs reproduce PyTorch, and
a model that cannot be exported is refused in one line with nothing written."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch
from conftest import smoke_config
from test_tasks_l2t import command

from artimap.errors import ArtimapError
from artimap.models import build_model, load_model, model_config
from artimap.models.blocks import grid_pool
from artimap.models.export import export_model
from artimap.models.onnx_runtime import OnnxModel
from artimap.tasks.export import run_onnx_model
from artimap.tasks.lip2tongue.predict import choose_box, read_lips, stream_predict
from artimap.tasks.registry import best_checkpoint, train_run

SIZES = (16, 24, 32, 48, 64, 96)
NARROW_CONVLSTM = {"n_frames": 3, "hidden": [2, 2], "fc_dims": [8, 4], "out_h": 8, "out_w": 16}
NARROW_TS = {"n_frames": 3, "tower_channels": [2, 4, 4], "feat_dim": 4, "lstm_hidden": 4,
             "fc_dims": [8, 4], "out_h": 8, "out_w": 16}
FAMILIES = [
    ("lip2tongue_convlstm", NARROW_CONVLSTM),
    ("lip2tongue_convlstm", {**NARROW_CONVLSTM, "use_attention": True, "head": "points"}),
    ("lip2tongue_ts_cnn_lstm", {**NARROW_TS, "tower_downsample": "stride"}),
    ("lip2tongue_ts_cnn_lstm", {**NARROW_TS, "tower_downsample": "maxpool"}),
    ("lip2tongue_ts_cnn_lstm", {**NARROW_TS, "tower_downsample": "stride", "use_flow": False,
                                "target_position": "all"}),
]


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize(("name", "config"), FAMILIES)
def test_lip2tongue_exports_and_matches_torch_at_every_size(name, config, size, tmp_path):
    torch.manual_seed(size)
    model = build_model(name, {**config, "in_size": size}).eval()
    meta = {"model_name": name, "model_config": model_config(model)}
    files = export_model(model, meta, tmp_path / "m.onnx")
    assert all(f.is_file() for f in files)
    assert not list(tmp_path.glob(".*"))  # no temporary left behind
    c = model.config
    frames = torch.rand(2, c.n_frames, 1, size, size)
    flow = torch.randn(2, c.n_frames - 1, 2, size, size) if "ts_cnn" in name else None
    with torch.no_grad():
        want = model(frames, flow)
    got = OnnxModel.from_file(files[0])(frames, flow)
    assert got.shape == want.shape and (got - want).abs().max() < 1e-4


@pytest.mark.parametrize(("h", "w", "grid"), [(6, 6, 4), (32, 32, 24), (12, 7, 5), (3, 3, 4),
                                              (8, 8, 4)])
def test_grid_pool_is_adaptive_average_pooling(h, w, grid):
    x = torch.randn(2, 3, h, w)
    want = torch.nn.functional.adaptive_avg_pool2d(x, grid)
    assert torch.allclose(grid_pool(x, grid), want, atol=1e-6)


class _NoExport(torch.nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def test_a_family_without_an_export_is_refused_in_one_line(tmp_path):
    with pytest.raises(ArtimapError, match="has no ONNX export") as e:
        export_model(_NoExport(), {"model_name": "x"}, tmp_path / "m.onnx")
    assert "\n" not in str(e.value) and not list(tmp_path.iterdir())


def test_a_part_that_fails_to_trace_leaves_no_file(tmp_path, monkeypatch):
    model = build_model("lip2tongue_ts_cnn_lstm", {**NARROW_TS, "in_size": 16}).eval()

    def broken(frames: torch.Tensor) -> torch.Tensor:  # the flow tower is exported last
        raise RuntimeError("unsupported operator\n" + "graph dump\n" * 1000)

    monkeypatch.setattr(model, "encode_flows", broken)
    meta = {"model_name": "lip2tongue_ts_cnn_lstm", "model_config": model_config(model)}
    with pytest.raises(ArtimapError, match="part 'flows' cannot be exported") as e:
        export_model(model, meta, tmp_path / "m.onnx")
    assert "\n" not in str(e.value) and not list(tmp_path.iterdir())


def test_demo_shaped_convlstm_run_exports_and_predicts_through_onnx(l2t_prepared, talker_tiny,
                                                                    tmp_path):
    """The demo's failure: a ConvLSTM trained on 32 px lips with the default decoder grid of
    24. `artimap export` writes it, and `predict --backend onnx` gives the torch outputs."""
    run = tmp_path / "run"
    module, cfg = smoke_config(l2t_prepared, "model=lip2tongue_convlstm", "tiny=false",
                               "model_config.hidden=[2,2]", "model_config.fc_dims=[8,4]")
    train_run(module, cfg, run)
    assert command("export", [str(run)]) == 0 and (run / "model.onnx").is_file()
    video = talker_tiny / "s01" / "s01_0004.mp4"
    argv = [str(run), "--video", str(video), "--backend", "onnx", "--out", str(tmp_path / "p")]
    assert command("predict", argv) == 0
    model, meta = load_model(best_checkpoint(run))
    assert model.config.in_size == 32 and model.config.decoder_grid == 24
    frames, _ = read_lips(video, meta["data"]["fps"])
    box = choose_box(None, meta["data"]["rois"], frames, meta["data"]["fps"])
    want, has, _ = stream_predict(model, meta, frames, box)
    got, _, _ = stream_predict(run_onnx_model(run), meta, frames, box)
    assert has.any() and np.allclose(got[has], want[has], atol=1e-4)


def test_export_without_the_onnx_package_is_one_line(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` raises ImportError
    model = build_model("lip2tongue_convlstm", {**NARROW_CONVLSTM, "in_size": 16})
    with pytest.raises(ArtimapError, match="pip install onnx onnxruntime"):
        export_model(model, {"model_name": "lip2tongue_convlstm"}, tmp_path / "m.onnx")
    assert not list(tmp_path.iterdir())
