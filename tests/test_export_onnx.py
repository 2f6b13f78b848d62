"""ONNX export (`artimap.models.export`, `artimap export`) and the onnxruntime backend: every
model family's graphs agree with PyTorch on the CPU, and carry the run's metadata."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from artimap.errors import ArtimapError
from artimap.models import build_model
from artimap.models.convlstm import TINY_CONVLSTM
from artimap.models.export import export_model
from artimap.models.onnx_runtime import OnnxModel, read_metadata
from artimap.models.streaming import StreamingPredictor
from artimap.models.ts_cnn_lstm import TINY_TS_CNN_LSTM

TOL = 1e-4


def _tiny(name: str, **config) -> torch.nn.Module:
    """A tiny eval-mode model with batch-norm statistics that are not the identity."""
    torch.manual_seed(0)
    model = build_model(name, config).eval()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm1d | torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    return model


def _export(model, name, tmp_path, **meta) -> OnnxModel:
    meta = {"model_name": name, "model_config": {}, **meta}
    from artimap.models import model_config

    meta["model_config"] = model_config(model)
    files = export_model(model, meta, tmp_path / "m.onnx")
    assert files[0] == tmp_path / "m.onnx" and all(f.is_file() for f in files)
    loaded = OnnxModel.from_file(files[0])
    assert loaded.config == model.config  # the typed config, rebuilt through the registry
    return loaded


P2F = [("phone2face_bigru", {"n_phones": 7, "n_out": 6, "hidden": 8}),
       ("phone2face_bigru", {"n_phones": 7, "n_out": 6, "hidden": 8, "decoder": "latent",
                             "latent_dim": 3, "latent_activation": "sigmoid",
                             "decoder_hidden": [5, 5]}),
       ("phone2face_bigru", {"n_phones": 7, "n_out": 6, "hidden": 8, "bidirectional": False,
                             "layers": 1, "decoder": "latent", "latent_dim": 3}),
       ("phone2face_bigru", {"n_phones": 7, "n_out": 6, "hidden": 8, "timing": True,
                             "decoder": "latent", "latent_dim": 3}),
       ("phone2face_window", {"n_phones": 7, "n_out": 6, "in_window": 5, "out_window": 3,
                              "hidden": 16, "layers": 2}),
       ("phone2face_dominance", {"n_phones": 7, "n_out": 6, "dims": 3, "decoder_hidden": 5}),
       ("phone2face_hybrid", {"n_phones": 7, "n_out": 6, "dims": 3, "decoder_hidden": 5,
                              "hidden": 8, "layers": 1})]


@pytest.mark.parametrize(("name", "config"), P2F)
def test_phone2face_parity_with_dynamic_batch_and_time(name, config, tmp_path):
    model = _tiny(name, **config)
    onnx_model = _export(model, name, tmp_path)
    for shape in [(1, 50), (3, 200), (2, 9)]:
        phones = torch.randint(0, 7, shape)
        with torch.no_grad():
            want = model(phones)
        got = onnx_model(phones)
        assert got.shape == want.shape
        assert (got - want).abs().max() < TOL


@pytest.mark.parametrize("config", [
    {},  # last frame, image head, flow
    {"target_position": "all", "head": "points", "flow_steps": "drop_first"},
    {"use_flow": False, "use_attention": False, "temporal_pool": "sum"},
    {"lip_quadratic": 2},  # the closed-form lip term, given weights a readout would fill
])
def test_ts_cnn_lstm_parts_reproduce_the_model_and_stream(config, tmp_path):
    model = _tiny("lip2tongue_ts_cnn_lstm", **TINY_TS_CNN_LSTM, **config)
    if model.lip_term is not None:
        with torch.no_grad():
            model.lip_term.out.weight.normal_(0, 0.1)
    onnx_model = _export(model, "lip2tongue_ts_cnn_lstm", tmp_path)
    c = model.config
    frames = torch.rand(3, c.n_frames, 1, c.in_size, c.in_size)
    flow = torch.randn(3, c.n_frames - 1, 2, c.in_size, c.in_size) if c.use_flow else None
    with torch.no_grad():
        want = model(frames, flow)
    assert (onnx_model(frames, flow) - want).abs().max() < TOL
    stream = torch.rand(1, c.n_frames + 3, 1, c.in_size, c.in_size)
    sflow = torch.randn(1, c.n_frames + 2, 2, c.in_size, c.in_size) if c.use_flow else None
    ref = StreamingPredictor(model).run(stream, sflow)
    got = StreamingPredictor(onnx_model).run(stream, sflow)
    assert got.shape == ref.shape and (got - ref).abs().max() < TOL
    parts = {"model", "frames", "flows"} if c.use_flow else {"model", "frames"}
    assert set(read_metadata(tmp_path / "m.onnx")["parts"]) == parts


@pytest.mark.parametrize("config", [{}, {"target_position": "all", "head": "points"},
                                    {"decoder": "interp", "use_attention": True}])
def test_convlstm_parity(config, tmp_path):
    model = _tiny("lip2tongue_convlstm", **TINY_CONVLSTM, **config)
    onnx_model = _export(model, "lip2tongue_convlstm", tmp_path)
    c = model.config
    frames = torch.rand(2, c.n_frames, 1, c.in_size, c.in_size)
    with torch.no_grad():
        want = model(frames)
    assert (onnx_model(frames) - want).abs().max() < TOL
    got = StreamingPredictor(onnx_model).run(frames[:1])  # recomputed windows
    assert (got[:, 0] - want[:1]).abs().max() < TOL


def test_metadata_carries_the_checkpoint_meta(tmp_path):
    model = _tiny("phone2face_bigru", n_phones=7, n_out=6, hidden=8)
    meta = {"target_mean": torch.arange(6.0), "target_scale": np.ones(6, np.float32),
            "rate": 120.0, "markers": ["a", "b"], "phones": {"phones": list("abcdefg")}}
    _export(model, "phone2face_bigru", tmp_path, **meta)
    info = read_metadata(tmp_path / "m.onnx")
    assert info["model_name"] == "phone2face_bigru" and info["part"] == "model"
    assert info["model_config"]["hidden"] == 8
    assert info["inputs"] == {"phones": ["B", "T"]} and info["outputs"] == {"y": ["B", "T", 6]}
    assert info["meta"]["target_mean"] == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]
    assert info["meta"]["rate"] == 120.0 and info["meta"]["markers"] == ["a", "b"]


def test_bad_export_paths_are_clear_errors(tmp_path):
    model = _tiny("phone2face_bigru", n_phones=7, n_out=6, hidden=8)
    with pytest.raises(ArtimapError, match="needs a .onnx file name"):
        export_model(model, {"model_name": "phone2face_bigru"}, tmp_path / "m.bin")
    with pytest.raises(ArtimapError, match="artimap export"):
        read_metadata(tmp_path / "missing.onnx")
