"""The inversion model: shapes, padding, and the causal variant's promise: its output at mel
frame t does not change when the audio after t + lookahead changes."""

from __future__ import annotations

import pytest
import torch

from artimap.models import build_model


@pytest.mark.parametrize("lookahead", [0, 3])
def test_causal_output_ignores_audio_after_t_plus_lookahead(lookahead):
    torch.manual_seed(0)
    model = build_model("audio_inversion", {"n_mels": 8, "n_out": 4, "context": 2,
                                            "front": 8, "hidden": 8, "layers": 2,
                                            "causal": True, "lookahead": lookahead}).eval()
    mel = torch.randn(1, 40, 8)
    index = torch.arange(40)[None]  # every frame
    base = model(mel, index)
    t = 17
    changed = mel.clone()
    changed[:, t + lookahead + 1:] = torch.randn(1, 40 - t - lookahead - 1, 8) * 5
    out = model(changed, index)
    assert torch.allclose(out[:, :t + 1], base[:, :t + 1], atol=1e-6)
    assert not torch.allclose(out[:, t + 1:], base[:, t + 1:])  # later frames do see it


def test_bidirectional_padding_does_not_change_outputs():
    torch.manual_seed(0)
    model = build_model("audio_inversion", {"n_mels": 8, "n_out": 3, "front": 8, "hidden": 8,
                                            "code_dim": 2}).eval()
    short = torch.randn(1, 20, 8)
    padded = torch.cat([short, torch.zeros(1, 10, 8)], 1)
    index = torch.tensor([[0, 5, 19]])
    a = model(short, index)
    b = model(padded, index, torch.tensor([20]))
    assert a.shape == (1, 3, 3) and torch.allclose(a, b, atol=1e-6)


def test_zero_output_predicts_zero():
    model = build_model("audio_inversion", {"n_mels": 8, "n_out": 5, "front": 4, "hidden": 4})
    model.zero_output()
    out = model(torch.randn(2, 12, 8), torch.zeros(2, 3, dtype=torch.long))
    assert out.shape == (2, 3, 5) and float(out.abs().max()) == 0.0


@pytest.mark.parametrize("causal", [False, True])
def test_onnx_export_matches_torch_on_other_lengths(causal, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    from artimap.models.export import export_model

    torch.manual_seed(0)
    config = {"n_mels": 8, "n_out": 4, "front": 8, "hidden": 8, "causal": causal,
              "lookahead": 2}
    model = build_model("audio_inversion", config).eval()
    files = export_model(model, {"model_name": "audio_inversion", "model_config": config},
                         tmp_path / "m.onnx")
    sess = ort.InferenceSession(str(files[0]), providers=["CPUExecutionProvider"])
    mel = torch.randn(2, 73, 8)
    index = torch.tensor([[0, 10, 71, 72], [3, 4, 5, 60]])
    (got,) = sess.run(None, {"mel": mel.numpy(), "index": index.numpy()})
    assert got.shape == (2, 4, 4)
    assert torch.allclose(torch.from_numpy(got), model(mel, index), atol=1e-5)
