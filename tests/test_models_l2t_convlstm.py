"""ConvLSTM baseline: shapes of every variant, gradients, the split-conv cell, config errors."""

from __future__ import annotations

import itertools

import pytest
import torch
import torch.nn.functional as F

from artimap.config import to_dict
from artimap.errors import ArtimapError
from artimap.models.convlstm import TINY_CONVLSTM, ConvLSTMCell, build_convlstm

B = 2



def tiny(**over):
    torch.manual_seed(0)
    return build_convlstm({**TINY_CONVLSTM, **over})


def frames_for(model, b: int = B) -> torch.Tensor:
    n, s = model.config.n_frames, model.config.in_size
    return torch.randn(b, n, 1, s, s)


VARIANTS = [
    dict(use_attention=a, target_position=p, head=h)
    for a, p, h in itertools.product([False, True], ["last", "centre", "all"], ["image", "points"])
] + [dict(decoder="interp"), dict(decoder="interp", use_attention=True, target_position="all")]


@pytest.mark.parametrize("over", VARIANTS, ids=lambda d: ",".join(f"{k}={v}" for k, v in d.items()))
def test_forward_backward_shapes(over):
    model = tiny(**over).train()
    out = model(frames_for(model))
    per_frame = model.config.out_shape()
    if model.config.target_position == "all":
        assert out.shape == (B, model.config.n_frames, *per_frame)
    else:
        assert out.shape == (B, *per_frame)
    out.square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all(), name


def reference_cell(cell: ConvLSTMCell, x: torch.Tensor) -> torch.Tensor:
    """Textbook ConvLSTM: one conv over concat([x_t, h_{t-1}]) per step."""
    weight = torch.cat([cell.conv_x.weight, cell.conv_h.weight], dim=1)
    b, n, _, h, w = x.shape
    hid = x.new_zeros(b, cell.hidden, h, w)
    c = torch.zeros_like(hid)
    outs = []
    for t in range(n):
        gates = F.conv2d(torch.cat([x[:, t], hid], 1), weight, cell.conv_x.bias, padding=1)
        i, f, o, g = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        hid = torch.sigmoid(o) * torch.tanh(c)
        outs.append(hid)
    return torch.stack(outs, 1)


def test_split_conv_cell_equals_textbook():
    torch.manual_seed(1)
    cell = ConvLSTMCell(3, 5, 3)
    x = torch.randn(2, 4, 3, 10, 10)
    with torch.no_grad():
        assert torch.allclose(cell(x), reference_cell(cell, x), atol=1e-5)


def test_attention_is_per_step_and_changes_output():
    plain, gated = tiny(), tiny(use_attention=True)
    gated.load_state_dict(plain.state_dict(), strict=False)
    x = frames_for(plain)
    with torch.no_grad():
        assert not torch.allclose(plain.eval()(x), gated.eval()(x))
    assert gated.attention.score.in_features == TINY_CONVLSTM["hidden"][-1]


def test_eval_deterministic():
    model = tiny().eval()
    x = frames_for(model)
    with torch.no_grad():
        assert torch.equal(model(x), model(x))


def test_paper_size_parameter_count():
    model = build_convlstm()
    n_params = sum(p.numel() for p in model.parameters())
    cells = sum(p.numel() for p in model.cells.parameters())
    print(f"\npaper-size ConvLSTM parameters: {n_params:,} (cells {cells:,})")
    # 4 gates x 3x3 x (in + hidden) x hidden + bias, for 1->64, 64->64, 64->32
    assert cells == sum(4 * h * (9 * (i + h) + 1) for i, h in [(1, 64), (64, 64), (64, 32)])


def test_errors():
    with pytest.raises(ArtimapError, match="interp"):
        build_convlstm({"decoder": "interp", "head": "points"})
    with pytest.raises(ArtimapError, match="kernel"):
        build_convlstm({"kernel": 4})
    with pytest.raises(ArtimapError, match="hiden"):
        build_convlstm({"hiden": [4]})
    model = tiny()
    with pytest.raises(ValueError, match="frames: expected"):
        model(torch.randn(B, model.config.n_frames, 1, 8, 8))


def test_config_round_trips_through_plain_dict():
    model = tiny(use_attention=True)
    assert build_convlstm(to_dict(model.config)).config == model.config


def _train_then_compare(norm: str) -> float:
    """Max |eval - train-mode| output after 30 Adam steps (dropout off: only norms differ)."""
    torch.manual_seed(0)
    model = build_convlstm({**TINY_CONVLSTM, "head_norm": norm, "fc_dropout": 0.0})
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    n, s = model.config.n_frames, model.config.in_size
    for _ in range(30):
        x = 0.5 + 0.01 * torch.randn(4, n, 1, s, s)  # near-constant lips: a near-constant map
        loss = (model(x) - torch.rand(4, *model.config.out_shape())).pow(2).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    x = 0.5 + 0.01 * torch.randn(4, n, 1, s, s)
    with torch.no_grad():
        train_out = model.train()(x)
        eval_out = model.eval()(x)
    return float((eval_out - train_out).abs().max())


def test_decoder_has_no_train_eval_gap_by_default():
    assert _train_then_compare("layer") < 1e-5
    assert _train_then_compare("batch") > 1e-3  # the failure layer norm avoids
