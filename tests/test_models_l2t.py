"""TS-CNN-LSTM: shapes of every variant, gradients, step alignment, attention, config errors."""

from __future__ import annotations

import itertools

import pytest
import torch

from artimap.config import to_dict
from artimap.errors import ArtimapError
from artimap.models.ts_cnn_lstm import TINY_TS_CNN_LSTM, TSCnnLstmConfig, build_ts_cnn_lstm

B = 3



def tiny(**over):
    torch.manual_seed(0)
    return build_ts_cnn_lstm({**TINY_TS_CNN_LSTM, **over})


def clip(cfg: TSCnnLstmConfig, b: int = B) -> tuple[torch.Tensor, torch.Tensor]:
    n, s = cfg.n_frames, cfg.in_size
    return torch.randn(b, n, 1, s, s), torch.randn(b, n - 1, 2, s, s)


def expected_shape(cfg: TSCnnLstmConfig, b: int = B) -> tuple[int, ...]:
    per_frame = cfg.out_shape()
    if cfg.target_position == "all":
        return (b, len(cfg.target_frames()), *per_frame)
    return (b, *per_frame)


VARIANTS = [
    dict(head=h, target_position=p, use_flow=f, use_attention=a)
    for h, p, f, a in itertools.product(
        ["image", "points"], ["last", "centre", "all"], [True, False], [True, False]
    )
] + [
    dict(flow_steps="drop_first"),
    dict(flow_steps="drop_first", target_position="all"),
    dict(temporal_pool="sum"),
    dict(bidirectional=True, lstm_layers=2),
    dict(tower_downsample="stride"),
    dict(decoder_channels=[8, 4]),
    dict(decoder_channels=[4], target_position="all"),
]


@pytest.mark.parametrize("over", VARIANTS, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_forward_backward_shapes(over):
    model = tiny(**over).train()
    frames, flow = clip(model.config)
    out = model(frames, flow)
    assert out.shape == expected_shape(model.config)
    out.square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert torch.isfinite(p.grad).all(), name
    assert any(p.grad.abs().sum() > 0 for p in model.frame_tower.parameters())
    assert (model.flow_tower is not None) == model.config.use_flow


def test_target_frames_and_steps():
    cfg = TSCnnLstmConfig()
    assert (cfg.n_steps, cfg.target_frames()) == (7, [6])
    assert TSCnnLstmConfig(target_position="centre").target_frames() == [3]
    assert TSCnnLstmConfig(target_position="all").target_frames() == list(range(7))
    drop = TSCnnLstmConfig(target_position="all", flow_steps="drop_first")
    assert (drop.n_steps, drop.target_frames()) == (6, list(range(1, 7)))
    no_flow = TSCnnLstmConfig(flow_steps="drop_first", use_flow=False)
    assert no_flow.n_steps == 7


def test_combine_steps_alignment():
    """pair_next: step t = [frame t, flow into t], zero flow at t=0; drop_first: frames 1..N-1."""
    model = tiny()
    n, d = model.config.n_frames, model.config.feat_dim
    frame_feats = torch.arange(B * n * d, dtype=torch.float32).view(B, n, d)
    flow_feats = -1 - torch.arange(B * (n - 1) * d, dtype=torch.float32).view(B, n - 1, d)
    steps = model.combine_steps(frame_feats, flow_feats)
    assert steps.shape == (B, n, 2 * d)
    assert torch.equal(steps[:, :, :d], frame_feats)
    assert torch.equal(steps[:, 0, d:], torch.zeros(B, d))
    assert torch.equal(steps[:, 1:, d:], flow_feats)
    drop = tiny(flow_steps="drop_first")
    steps = drop.combine_steps(frame_feats, flow_feats)
    assert torch.equal(steps, torch.cat([frame_feats[:, 1:], flow_feats], dim=-1))


def test_flow_matters_only_with_flow_tower():
    frames, flow = clip(tiny().config)
    with_flow, no_flow = tiny().eval(), tiny(use_flow=False).eval()
    with torch.no_grad():
        assert not torch.allclose(with_flow(frames, flow), with_flow(frames, flow * 2))
        assert torch.equal(no_flow(frames, flow), no_flow(frames, None))


def test_attention_gate_at_one_equals_no_attention():
    model = tiny().eval()
    frames, flow = clip(model.config)
    with torch.no_grad():
        model.attention.score.weight.zero_()
        model.attention.score.bias.fill_(50.0)  # sigmoid(50) == 1 in float32
        gated = model(frames, flow)
        weights = model.attention_weights(frames, flow)
        model.attention = None
        plain = model(frames, flow)
    assert weights.shape == (B, model.config.n_steps)
    assert torch.allclose(weights, torch.ones_like(weights))
    assert torch.allclose(gated, plain, atol=1e-6)


def test_attention_weights_in_unit_interval():
    model = tiny(target_position="all").eval()
    with torch.no_grad():
        w = model.attention_weights(*clip(model.config))
    assert w.shape == (B, model.config.n_steps)
    assert ((w > 0) & (w < 1)).all()
    assert tiny(use_attention=False).attention_weights(*clip(model.config)) is None


def test_eval_deterministic_train_stochastic():
    model = tiny()
    frames, flow = clip(model.config)
    with torch.no_grad():
        model.eval()
        assert torch.equal(model(frames, flow), model(frames, flow))
        model.train()
        assert not torch.equal(model(frames, flow), model(frames, flow))  # dropout


def test_paper_size_parameter_count():
    model = build_ts_cnn_lstm().eval()
    n_params = sum(p.numel() for p in model.parameters())
    parts = {k: sum(p.numel() for p in m.parameters()) for k, m in model.named_children()}
    print(f"\npaper-size TS-CNN-LSTM parameters: {n_params:,} {parts}")
    assert 3_000_000 < n_params < 6_000_000
    assert parts["lstm"] == 4 * 256 * (512 + 256 + 2)  # input 2 x 256 tower features
    frames, flow = clip(model.config, b=1)
    with torch.no_grad():
        assert model(frames, flow).shape == (1, 64, 128)


def test_input_shape_errors():
    model = tiny()
    frames, flow = clip(model.config)
    with pytest.raises(ValueError, match="frames: expected"):
        model(frames[:, :-1], flow)
    with pytest.raises(ValueError, match="flow: expected"):
        model(frames, None)
    with pytest.raises(ValueError, match="flow: expected"):
        model(frames, flow[:, :-1])


def test_config_errors_name_the_key():
    with pytest.raises(ArtimapError, match="tower_chanels"):
        build_ts_cnn_lstm({"tower_chanels": [4]})
    with pytest.raises(ArtimapError, match="target_position"):
        build_ts_cnn_lstm({"target_position": "first"})
    with pytest.raises(ArtimapError, match="in_size"):
        build_ts_cnn_lstm({"in_size": 4})
    with pytest.raises(ValueError, match="divisible"):
        tiny(decoder_channels=[4, 4, 4, 4])


def test_config_round_trips_through_plain_dict():
    model = tiny(decoder_channels=[8, 4], head="image")
    rebuilt = build_ts_cnn_lstm(to_dict(model.config))
    assert rebuilt.config == model.config
    assert rebuilt.state_dict().keys() == model.state_dict().keys()
