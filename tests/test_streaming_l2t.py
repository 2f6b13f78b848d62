"""StreamingPredictor: frame-by-frame outputs equal windowed recomputation (eval mode)."""

from __future__ import annotations

import pytest
import torch

from artimap.models.convlstm import TINY_CONVLSTM, build_convlstm
from artimap.models.streaming import StreamingPredictor, naive_window_predict
from artimap.models.ts_cnn_lstm import TINY_TS_CNN_LSTM, build_ts_cnn_lstm

T = 9
TOL = 1e-5



def stream(b: int, t: int, size: int) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(3)
    return torch.randn(b, t, 1, size, size, generator=g), torch.randn(
        b, t - 1, 2, size, size, generator=g
    )


def windowed_reference(model, frames, flow) -> torch.Tensor:
    """Every full window through model.forward, all windows batched together."""
    n = model.config.n_frames
    wins = range(frames.shape[1] - n + 1)
    f = torch.stack([frames[:, s : s + n] for s in wins], 1)  # (B, W, N, 1, H, W)
    fl = torch.stack([flow[:, s : s + n - 1] for s in wins], 1)  # (B, W, N-1, 2, H, W)
    b, w = f.shape[:2]
    with torch.no_grad():
        out = model(f.flatten(0, 1), fl.flatten(0, 1))  # (B*W, *out)
    return out.view(b, w, *out.shape[1:])  # (B, W, *out)


TS_VARIANTS = [
    {},
    {"flow_steps": "drop_first"},
    {"use_flow": False},
    {"use_attention": False},
    {"target_position": "all", "head": "points"},
    {"target_position": "centre", "bidirectional": True, "decoder_channels": [4]},
]


@pytest.mark.parametrize("over", TS_VARIANTS, ids=str)
@pytest.mark.parametrize("fast", [True, False])
def test_ts_cnn_lstm_stream_equals_windowed(over, fast):
    torch.manual_seed(0)
    model = build_ts_cnn_lstm({**TINY_TS_CNN_LSTM, **over}).eval()
    frames, flow = stream(2, T, model.config.in_size)
    streamed = StreamingPredictor(model, fast=fast).run(frames, flow)
    expected = windowed_reference(model, frames, flow)
    assert (
        streamed.shape == expected.shape == (2, T - model.config.n_frames + 1, *expected.shape[2:])
    )
    assert (streamed - expected).abs().max() < TOL
    assert (naive_window_predict(model, frames, flow) - expected).abs().max() < TOL


@pytest.mark.parametrize("attention", [False, True])
def test_convlstm_stream_equals_windowed(attention):
    torch.manual_seed(0)
    model = build_convlstm({**TINY_CONVLSTM, "use_attention": attention}).eval()
    frames, flow = stream(2, 6, model.config.in_size)
    streamed = StreamingPredictor(model).run(frames)  # flow ignored by the ConvLSTM
    expected = windowed_reference(model, frames, flow)
    assert streamed.shape == (2, 6 - model.config.n_frames + 1, 8, 16)
    assert (streamed - expected).abs().max() < TOL


def test_paper_size_stream_equals_windowed():
    torch.manual_seed(0)
    model = build_ts_cnn_lstm().eval()
    frames, flow = stream(1, 8, 96)
    streamed = StreamingPredictor(model).run(frames, flow)
    expected = windowed_reference(model, frames, flow)
    assert streamed.shape == (1, 2, 64, 128)
    assert (streamed - expected).abs().max() < TOL


def toy_flow(prev: torch.Tensor, cur: torch.Tensor) -> torch.Tensor:
    """A stand-in flow function: (B, 1, H, W) x2 -> (B, 2, H, W)."""
    return torch.cat([cur - prev, cur * prev], dim=1)


def test_flow_fn_and_push_protocol():
    torch.manual_seed(0)
    model = build_ts_cnn_lstm(TINY_TS_CNN_LSTM)
    n, size = model.config.n_frames, model.config.in_size
    frames, _ = stream(1, n + 2, size)
    flow = torch.stack([toy_flow(frames[:, t], frames[:, t + 1]) for t in range(n + 1)], 1)
    pred = StreamingPredictor(model, flow_fn=toy_flow)
    outs = []
    for t in range(n + 2):
        y = pred.push(frames[0, t])  # (1, H, W): one unbatched frame
        assert (y is None) == (t < n - 1) and pred.ready == (t >= n - 1)
        outs.append(y)
    expected = naive_window_predict(model, frames, flow)
    assert (torch.stack(outs[n - 1 :], 1) - expected).abs().max() < TOL
    pred.reset()
    assert not pred.ready and pred.push(frames[0, 0]) is None


def test_missing_flow_is_an_error():
    model = build_ts_cnn_lstm(TINY_TS_CNN_LSTM)
    pred = StreamingPredictor(model)
    size = model.config.in_size
    pred.push(torch.zeros(1, 1, size, size))  # the first frame needs no flow
    with pytest.raises(ValueError, match="flow"):
        pred.push(torch.zeros(1, 1, size, size))
    with pytest.raises(ValueError, match="shorter"):
        pred.run(torch.zeros(1, 2, 1, size, size), torch.zeros(1, 1, 2, size, size))


def test_eval_mode_determinism_of_stream():
    torch.manual_seed(0)
    model = build_ts_cnn_lstm(TINY_TS_CNN_LSTM).train()
    frames, flow = stream(1, T, model.config.in_size)
    keys = set(model.state_dict())
    pred = StreamingPredictor(model)
    assert model.training and not pred.model.training  # the predictor works on a copy
    assert set(model.state_dict()) == keys  # batch norms folded in the copy only
    assert torch.equal(pred.run(frames, flow), pred.run(frames, flow))
